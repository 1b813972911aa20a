//! Gongrong record linkage (记录关联): reconciles the registers into one population.
//!
//! Pipeline ([`link`]):
//! 1. **Normalise** ([`normalize`]): ID numbers (valid, legacy 15→18, or invalid with checksum-consistent
//!    repair candidates), names (width, traditional/variant ideographs, separators; pinyin keys with
//!    surname readings), birth date and sex checked against the ID, region codes.
//! 2. **Block** ([`blocking`]): configurable rules; hash join on sorted keys; oversize blocks reported.
//! 3. **Compare** ([`compare`]): one level per comparison (ID exact / repaired / near; name exact / same
//!    pinyin / similarity bands; birth date exact / one field differs; sex; village / town).
//! 4. **Estimate** ([`model`]): u from random pairs, m by EM, prior from EM; term-frequency adjustment
//!    of names.
//! 5. **Score** ([`score`]): weight = prior + Σ log2(m/u) + tf; domain rules as hard constraints
//!    (two different valid ID numbers are two people; two members of one household of one source are two
//!    people; a record with no usable identifier is never matched automatically); bands match / review /
//!    non-match; explanations.
//! 6. **Cluster** ([`cluster`]): persons with at most one record per source, within-source duplicates
//!    reported.
//!
//! [`eval`] measures pairwise precision / recall / F1 against a truth file; [`mapping`] loads any CSV
//! through a column mapping.
//!
//! [`link_incremental`] links new records against an existing clustering with a stored model (pairs
//! involving a new record only; existing groups are kept).

pub mod blocking;
pub mod cluster;
pub mod compare;
pub mod config;
pub mod eval;
pub mod mapping;
pub mod model;
pub mod normalize;
mod prepare;
pub mod record;
pub mod score;

pub use blocking::{BlockField, BlockingRule, OversizeBlock};
pub use cluster::DuplicateGroup;
pub use compare::{Comparison, Levels};
pub use config::{Bands, BlockingConfig, ComparisonConfig, ConfigError, LinkConfig, ModelConfig};
pub use eval::{Evaluation, Truth, evaluate_clusters, evaluate_pairs};
pub use mapping::{
    ColumnMapping, LoadError, Loaded, RowIssue, SourceConfig, load_csv, load_sources,
};
pub use model::Model;
pub use prepare::{NormalizationSummary, NormalizedRecord, normalize_record};
pub use record::LinkRecord;
pub use score::{Band, DuplicateReason, Explanation, Rule, ScoredPair, Term};

mod run;
pub use run::{LinkError, LinkStats, Linkage, link};

mod incremental;
pub use incremental::link_incremental;
