//! Linkage configuration (TOML): sources and their column mappings, blocking rules, comparison settings,
//! model estimation and the decision bands. Every setting has a default; a malformed file is rejected
//! with an error that names the offending key.

use crate::blocking::BlockingRule;
use crate::compare::Comparison;
use crate::mapping::SourceConfig;
use serde::{Deserialize, Serialize};

/// Why a configuration was rejected. `key` is the dotted path of the offending setting
/// (`bands.match`, `blocking.rules`, `source[1].columns.name`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigError {
    #[error("link config: `{key}`: {message}")]
    Parse { key: String, message: String },
    #[error("link config: `{key}`: {reason}")]
    Invalid { key: String, reason: String },
}

/// The whole configuration. See `link.default.toml` in this crate for an annotated example.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LinkConfig {
    /// The sources (registers / files), in the order of [`crate::LinkRecord::source`].
    #[serde(rename = "source")]
    pub sources: Vec<SourceConfig>,
    pub blocking: BlockingConfig,
    pub comparisons: ComparisonConfig,
    pub model: ModelConfig,
    pub bands: Bands,
}

/// Candidate-pair generation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BlockingConfig {
    /// Rules as `field+field…`; a pair is a candidate when any rule's fields all agree.
    pub rules: Vec<BlockingRule>,
    /// Blocks with more records than this are skipped and reported (they would add n² pairs).
    pub max_block_size: usize,
}

impl Default for BlockingConfig {
    fn default() -> Self {
        let rules = [
            "id",
            "name_pinyin+birth_year",
            "surname_pinyin+birth_date",
            "village+birth_date",
            "name+village",
        ];
        Self {
            rules: rules.iter().filter_map(|r| r.parse().ok()).collect(),
            max_block_size: 400,
        }
    }
}

/// Which comparisons score a pair, and their thresholds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ComparisonConfig {
    pub enabled: Vec<Comparison>,
    /// Jaro–Winkler similarity of the pinyin keys for the `similar_high` name level.
    pub name_similar_high: f64,
    /// Jaro–Winkler similarity of the pinyin keys for the `similar_low` name level.
    pub name_similar_low: f64,
    /// At most this many differing characters make two ID numbers `near`.
    pub id_near_max_differences: u8,
}

impl Default for ComparisonConfig {
    fn default() -> Self {
        Self {
            enabled: Comparison::ALL.to_vec(),
            name_similar_high: 0.92,
            name_similar_low: 0.80,
            id_near_max_differences: 2,
        }
    }
}

/// Estimation of the Fellegi–Sunter parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ModelConfig {
    /// Seed of the random-pair sample (results are reproducible for a given seed).
    pub seed: u64,
    /// Random record pairs sampled to estimate the u-probabilities.
    pub u_sample_pairs: usize,
    pub em_max_iterations: u32,
    /// EM stops when no parameter moves by more than this.
    pub em_tolerance: f64,
    /// Adjust exact and same-pinyin name agreement by the name's frequency (rare names weigh more).
    pub tf_adjust_names: bool,
    /// Probability that two random records are the same person; estimated by EM when absent.
    pub prior: Option<f64>,
    /// Lower bound of every m-probability (keeps weights finite).
    pub m_floor: f64,
}

impl Default for ModelConfig {
    fn default() -> Self {
        Self {
            seed: 20_210_101,
            u_sample_pairs: 2_000_000,
            em_max_iterations: 500,
            em_tolerance: 1e-7,
            tf_adjust_names: true,
            prior: None,
            m_floor: 1e-6,
        }
    }
}

/// Decision bands on the match weight (log2 Bayes factor including the prior).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Bands {
    /// Pairs at or above this weight are matched automatically.
    #[serde(rename = "match")]
    pub match_weight: f64,
    /// Pairs at or above this weight (and below `match`) go to clerical review.
    #[serde(rename = "review")]
    pub review_weight: f64,
}

impl Default for Bands {
    fn default() -> Self {
        Self {
            match_weight: 6.0,
            review_weight: -6.0,
        }
    }
}

impl LinkConfig {
    /// The configuration for the two registers of `docs/LAYOUTS.md` (poverty = source 0, dibao = source 1).
    pub fn registers() -> Result<Self, ConfigError> {
        Self::from_toml(include_str!("../link.default.toml"))
    }

    /// Parses and validates a TOML configuration.
    pub fn from_toml(text: &str) -> Result<Self, ConfigError> {
        let config: LinkConfig = toml::from_str(text).map_err(|e| parse_error(text, &e))?;
        config.validate()?;
        Ok(config)
    }

    /// Checks the values that the types alone do not.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |key: &str, reason: &str| {
            Err(ConfigError::Invalid {
                key: key.to_owned(),
                reason: reason.to_owned(),
            })
        };
        if self.sources.len() > 63 {
            return invalid("source", "at most 63 sources");
        }
        for (i, s) in self.sources.iter().enumerate() {
            if s.name.trim().is_empty() {
                return invalid(&format!("source[{i}].name"), "must not be empty");
            }
            if s.columns.name.trim().is_empty() {
                return invalid(&format!("source[{i}].columns.name"), "must name a column");
            }
            if self.sources[..i].iter().any(|o| o.name == s.name) {
                return invalid(&format!("source[{i}].name"), "duplicate source name");
            }
        }
        if self.blocking.rules.is_empty() {
            return invalid("blocking.rules", "at least one rule is needed");
        }
        if self.blocking.max_block_size < 2 {
            return invalid("blocking.max_block_size", "must be at least 2");
        }
        let c = &self.comparisons;
        if c.enabled.is_empty() {
            return invalid("comparisons.enabled", "at least one comparison is needed");
        }
        if !(0.0..=1.0).contains(&c.name_similar_low) {
            return invalid("comparisons.name_similar_low", "must be within 0..1");
        }
        if !(c.name_similar_low..=1.0).contains(&c.name_similar_high) {
            return invalid(
                "comparisons.name_similar_high",
                "must be within name_similar_low..1",
            );
        }
        let m = &self.model;
        if m.u_sample_pairs < 1000 {
            return invalid("model.u_sample_pairs", "must be at least 1000");
        }
        if m.em_max_iterations == 0 {
            return invalid("model.em_max_iterations", "must be at least 1");
        }
        if m.em_tolerance.is_nan() || m.em_tolerance <= 0.0 {
            return invalid("model.em_tolerance", "must be positive");
        }
        if m.m_floor.is_nan() || m.m_floor <= 0.0 || m.m_floor >= 0.01 {
            return invalid("model.m_floor", "must be within (0, 0.01)");
        }
        if let Some(p) = m.prior
            && (p.is_nan() || p <= 0.0 || p >= 1.0)
        {
            return invalid("model.prior", "must be a probability within (0, 1)");
        }
        let b = &self.bands;
        if !b.match_weight.is_finite() {
            return invalid("bands.match", "must be a finite number");
        }
        if !(b.review_weight.is_finite() && b.review_weight <= b.match_weight) {
            return invalid("bands.review", "must be finite and not above bands.match");
        }
        Ok(())
    }
}

/// Names the key of a TOML error: the enclosing table header plus the key on the error's line.
fn parse_error(text: &str, e: &toml::de::Error) -> ConfigError {
    let message = e.message().to_owned();
    let Some(span) = e.span() else {
        return ConfigError::Parse {
            key: "(file)".to_owned(),
            message,
        };
    };
    let start = span.start.min(text.len());
    let before = text.get(..start).unwrap_or_default();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let line = text.get(line_start..line_end).unwrap_or_default().trim();
    let mut table = String::new();
    let mut counts: Vec<(String, usize)> = Vec::new();
    for l in before.get(..line_start).unwrap_or_default().lines() {
        let l = l.trim();
        if let Some(h) = l.strip_prefix("[[").and_then(|r| r.strip_suffix("]]")) {
            let h = h.trim().to_owned();
            let n = match counts.iter_mut().find(|(k, _)| *k == h) {
                Some((_, n)) => {
                    *n += 1;
                    *n
                }
                None => {
                    counts.push((h.clone(), 0));
                    0
                }
            };
            table = format!("{h}[{n}]");
        } else if let Some(h) = l.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            let h = h.trim();
            // A sub-table of the last array-of-tables entry keeps its index.
            table = match counts.iter().find(|(k, _)| h.starts_with(&format!("{k}."))) {
                Some((k, n)) => format!("{k}[{n}]{}", &h[k.len()..]),
                None => h.to_owned(),
            };
        }
    }
    let key_here = if line.starts_with('[') {
        String::new()
    } else {
        line.split('=').next().unwrap_or_default().trim().to_owned()
    };
    let key = match (table.is_empty(), key_here.is_empty()) {
        (true, _) => key_here,
        (false, true) => table,
        (false, false) => format!("{table}.{key_here}"),
    };
    ConfigError::Parse {
        key: if key.is_empty() { "(file)".into() } else { key },
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_register_config_are_valid() {
        let d = LinkConfig::default();
        d.validate().unwrap();
        assert_eq!(d.blocking.rules.len(), 5);
        let r = LinkConfig::registers().unwrap();
        // The shipped file spells out the defaults.
        assert_eq!(r.blocking, d.blocking);
        assert_eq!(r.comparisons, d.comparisons);
        assert_eq!(r.model, d.model);
        assert_eq!(r.bands, d.bands);
        assert_eq!(r.sources.len(), 2);
        assert_eq!(r.sources[0].name, "poverty");
        assert_eq!(r.sources[1].columns.birth_date.as_deref(), Some("出生日期"));
    }

    fn key_of(text: &str) -> String {
        match LinkConfig::from_toml(text) {
            Err(ConfigError::Parse { key, .. } | ConfigError::Invalid { key, .. }) => key,
            Ok(_) => panic!("accepted: {text}"),
        }
    }

    #[test]
    fn errors_name_the_key() {
        assert_eq!(key_of("[bands]\nmatch = \"high\"\n"), "bands.match");
        assert_eq!(
            key_of("[bands]\nmatch = 1.0\nreview = 2.0\n"),
            "bands.review"
        );
        assert_eq!(key_of("[model]\nseeed = 3\n"), "model.seeed");
        assert_eq!(
            key_of("[blocking]\nrules = [\"id\", \"name+birthyear\"]\n"),
            "blocking.rules"
        );
        assert_eq!(
            key_of(
                "[[source]]\nname = \"a\"\n[source.columns]\nname = \"x\"\n[[source]]\nname = \"b\"\n[source.columns]\nnmae = \"y\"\n"
            ),
            "source[1].columns.nmae"
        );
        assert_eq!(
            key_of("[comparisons]\nenabled = [\"shoe_size\"]\n"),
            "comparisons.enabled"
        );
        assert_eq!(key_of("[model]\nprior = 2.0\n"), "model.prior");
    }
}
