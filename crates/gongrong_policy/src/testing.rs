//! Analysts' test cases: YAML files (`policies/tests/**/*.yaml`), each a list of cases with a
//! household, a period and expected values, in the spirit of OpenFisca's YAML tests.
//!
//! ```yaml
//! - name: National example — standard 800, 3 people, 900 yuan a month
//!   period: 2024-06
//!   reforms: [raise_dibao_standard]     # optional: files in policies/reforms/ (without .toml)
//!   household:                          # household facts (and `village`)
//!     financial_assets: 10000
//!   members:                            # one mapping of person facts per member
//!     - { birth_date: 1980-03-01, wage_income: 3600 }
//!     - { birth_date: 1982-05-01, wage_income: { 2023: 3600, 2024: 4000 } }  # per period
//!   expect:
//!     dibao_benefit: 1500               # a household variable
//!     age: [44, 42]                     # a person variable: one value per member (or one for all)
//! ```
//!
//! Money is written in yuan, ratios as numbers or `"15%"`, dates as `YYYY-MM-DD`, enums by
//! variant name. A fact for a formula variable replaces its formula. Every case runs; a case
//! that cannot be read (an unknown variable, a bad value) fails with the reason.

use crate::catalogue::{Catalogue, Entity, VarId};
use crate::facts::{Facts, HouseholdFacts, PersonFacts};
use crate::period::{Period, PeriodKind};
use crate::plan::PeriodPlan;
use crate::reform::Reform;
use crate::types::Value;
use serde::Deserialize;
use serde_norway::Value as Y;
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    name: String,
    period: Y,
    #[serde(default)]
    reforms: Vec<String>,
    #[serde(default)]
    household: serde_norway::Mapping,
    #[serde(default)]
    members: Vec<serde_norway::Mapping>,
    expect: serde_norway::Mapping,
}

/// One case's result: no failures means it passed.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The YAML file, relative to the tests directory.
    pub file: String,
    /// 1-based position of the case in its file.
    pub index: usize,
    pub name: String,
    pub failures: Vec<String>,
    /// The variables whose values the case checked.
    pub checked: Vec<String>,
}

impl Outcome {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// All cases of a run.
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub outcomes: Vec<Outcome>,
    /// Files that could not be read as YAML cases (file, message).
    pub file_errors: Vec<(String, String)>,
}

impl Report {
    pub fn passed(&self) -> usize {
        self.outcomes.iter().filter(|o| o.passed()).count()
    }
    pub fn failed(&self) -> usize {
        self.outcomes.len() - self.passed() + self.file_errors.len()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (file, msg) in &self.file_errors {
            writeln!(f, "ERROR {file}: {msg}")?;
        }
        for o in self.outcomes.iter().filter(|o| !o.passed()) {
            writeln!(f, "FAIL {} #{} {}", o.file, o.index, o.name)?;
            for m in &o.failures {
                writeln!(f, "     {m}")?;
            }
        }
        write!(f, "{} passed, {} failed", self.passed(), self.failed())
    }
}

/// Runs every `*.yaml` under `tests_dir` (recursively, in path order) against `catalogue`;
/// reforms named by cases are read from `reforms_dir`.
pub fn run_dir(catalogue: &Arc<Catalogue>, tests_dir: &Path, reforms_dir: &Path) -> Report {
    let mut files = Vec::new();
    collect_yaml(tests_dir, &mut files);
    files.sort();
    let mut runner = Runner {
        base: catalogue.clone(),
        reforms_dir: reforms_dir.to_owned(),
        catalogues: HashMap::new(),
        plans: HashMap::new(),
    };
    let mut report = Report::default();
    for path in files {
        let shown = path
            .strip_prefix(tests_dir)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        runner.run_file(&path, &shown, &mut report);
    }
    report
}

fn collect_yaml(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.filter_map(Result::ok) {
        let p = e.path();
        if p.is_dir() {
            collect_yaml(&p, out);
        } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
            out.push(p);
        }
    }
}

struct Runner {
    base: Arc<Catalogue>,
    reforms_dir: PathBuf,
    catalogues: HashMap<Vec<String>, Result<Arc<Catalogue>, String>>,
    plans: HashMap<(Vec<String>, Period), Result<Arc<PeriodPlan>, String>>,
}

impl Runner {
    fn run_file(&mut self, path: &Path, shown: &str, report: &mut Report) {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                report.file_errors.push((shown.to_owned(), e.to_string()));
                return;
            }
        };
        let cases: Vec<CaseFile> = match serde_norway::from_str(&text) {
            Ok(c) => c,
            Err(e) => {
                let at = e.location().map_or_else(String::new, |l| {
                    format!("line {}, column {}: ", l.line(), l.column())
                });
                report
                    .file_errors
                    .push((shown.to_owned(), format!("{at}{e}")));
                return;
            }
        };
        for (i, case) in cases.into_iter().enumerate() {
            let checked = case.expect.keys().filter_map(scalar_text).collect();
            let failures = match self.run_case(&case) {
                Ok(f) => f,
                Err(e) => vec![e],
            };
            report.outcomes.push(Outcome {
                file: shown.to_owned(),
                index: i + 1,
                name: case.name,
                failures,
                checked,
            });
        }
    }

    fn catalogue(&mut self, reforms: &[String]) -> Result<Arc<Catalogue>, String> {
        if reforms.is_empty() {
            return Ok(self.base.clone());
        }
        let dir = self.reforms_dir.clone();
        let base = self.base.clone();
        self.catalogues
            .entry(reforms.to_vec())
            .or_insert_with(|| {
                let mut rs = Vec::new();
                for r in reforms {
                    rs.push(
                        Reform::load(&dir.join(format!("{r}.toml"))).map_err(|e| e.to_string())?,
                    );
                }
                base.with_reforms(&rs)
                    .map(Arc::new)
                    .map_err(|e| e.to_string())
            })
            .clone()
    }

    fn plan(&mut self, reforms: &[String], period: Period) -> Result<Arc<PeriodPlan>, String> {
        let key = (reforms.to_vec(), period);
        if let Some(p) = self.plans.get(&key) {
            return p.clone();
        }
        let p = self.catalogue(reforms).and_then(|c| {
            PeriodPlan::new(c, period)
                .map(Arc::new)
                .map_err(|e| e.to_string())
        });
        self.plans.insert(key, p.clone());
        p
    }

    fn run_case(&mut self, case: &CaseFile) -> Result<Vec<String>, String> {
        let period: Period = scalar_text(&case.period)
            .ok_or("`period` must be a year or a month")?
            .parse()
            .map_err(|e: crate::period::PeriodError| e.to_string())?;
        let plan = self.plan(&case.reforms, period)?;
        let cat = plan.catalogue().clone();
        let hh = household_facts(&cat, case.name.clone(), &case.household, &case.members)?;
        let ev = plan.evaluate(&hh);
        let mut failures = Vec::new();
        for (k, v) in &case.expect {
            let key = scalar_text(k).unwrap_or_default();
            let id = cat
                .var_id(&key)
                .ok_or_else(|| format!("expect: unknown variable `{key}`"))?;
            let def = cat.var(id);
            if plan.slot_of(id, 0).is_none() {
                return Err(format!(
                    "expect: `{key}` is a monthly variable; the case's period {period} is a year"
                ));
            }
            match def.entity {
                Entity::Household => {
                    let want =
                        yaml_value(&cat, def.ty, v).map_err(|m| format!("expect {key}: {m}"))?;
                    let got = ev.value(id, None);
                    if got != Some(want) {
                        failures.push(format!(
                            "{key}: expected {}, got {}",
                            shown(&cat, Some(want)),
                            shown(&cat, got)
                        ));
                    }
                }
                Entity::Person => {
                    let wants: Vec<Value> = match v {
                        Y::Sequence(items) => items
                            .iter()
                            .map(|x| yaml_value(&cat, def.ty, x))
                            .collect::<Result<_, _>>()
                            .map_err(|m| format!("expect {key}: {m}"))?,
                        x => {
                            let one = yaml_value(&cat, def.ty, x)
                                .map_err(|m| format!("expect {key}: {m}"))?;
                            vec![one; hh.members.len()]
                        }
                    };
                    if wants.len() != hh.members.len() {
                        return Err(format!(
                            "expect {key}: {} values for {} members",
                            wants.len(),
                            hh.members.len()
                        ));
                    }
                    for (m, want) in wants.iter().enumerate() {
                        let got = ev.value(id, Some(m));
                        if got != Some(*want) {
                            failures.push(format!(
                                "{key} (member {}): expected {}, got {}",
                                m + 1,
                                shown(&cat, Some(*want)),
                                shown(&cat, got)
                            ));
                        }
                    }
                }
            }
        }
        Ok(failures)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HouseholdYaml {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    household: serde_norway::Mapping,
    #[serde(default)]
    members: Vec<serde_norway::Mapping>,
}

/// Reads one household written as in a test case (`household:` and `members:`, optional `id:`).
pub fn household_from_yaml(cat: &Catalogue, text: &str) -> Result<HouseholdFacts, String> {
    let h: HouseholdYaml = serde_norway::from_str(text).map_err(|e| e.to_string())?;
    household_facts(cat, h.id.unwrap_or_default(), &h.household, &h.members)
}

fn household_facts(
    cat: &Catalogue,
    id: String,
    household: &serde_norway::Mapping,
    members: &[serde_norway::Mapping],
) -> Result<HouseholdFacts, String> {
    let mut hh = HouseholdFacts {
        id,
        village: "370305100201".to_owned(),
        ..HouseholdFacts::default()
    };
    for (k, v) in household {
        let key = scalar_text(k).unwrap_or_default();
        if key == "village" {
            hh.village = scalar_text(v).ok_or("`village` must be a 12-digit code")?;
            continue;
        }
        read_fact(cat, &mut hh.values, Entity::Household, &key, v)
            .map_err(|m| format!("household.{key}: {m}"))?;
    }
    for (i, m) in members.iter().enumerate() {
        let mut p = PersonFacts {
            id: format!("member {}", i + 1),
            values: Facts::new(),
        };
        for (k, v) in m {
            let key = scalar_text(k).unwrap_or_default();
            if key == "id" {
                p.id = scalar_text(v).unwrap_or_default();
                continue;
            }
            read_fact(cat, &mut p.values, Entity::Person, &key, v)
                .map_err(|e| format!("member {}, {key}: {e}", i + 1))?;
        }
        hh.members.push(p);
    }
    Ok(hh)
}

fn shown(cat: &Catalogue, v: Option<Value>) -> String {
    v.map_or_else(|| "nothing".to_owned(), |v| cat.value_json(v).to_string())
}

fn scalar_text(v: &Y) -> Option<String> {
    match v {
        Y::String(s) => Some(s.clone()),
        Y::Number(n) => Some(n.to_string()),
        Y::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Reads one fact (`name: value` or `name: {period: value, …}`) into `facts`.
fn read_fact(
    cat: &Catalogue,
    facts: &mut Facts,
    entity: Entity,
    name: &str,
    v: &Y,
) -> Result<(), String> {
    let id: VarId = cat.var_id(name).ok_or_else(|| {
        format!(
            "unknown variable{}",
            crate::check::suggest(name, cat.variables().iter().map(|v| v.name.as_str()))
        )
    })?;
    let def = cat.var(id);
    if def.entity != entity {
        return Err(format!("is a {} variable", def.entity.name()));
    }
    match v {
        Y::Mapping(m) => {
            if def.period == PeriodKind::Fixed {
                return Err("has no period: give one value".into());
            }
            for (p, x) in m {
                let p: Period = scalar_text(p)
                    .ok_or("a period key must be a year or a month")?
                    .parse()
                    .map_err(|e: crate::period::PeriodError| e.to_string())?;
                if p.is_month() != (def.period == PeriodKind::Month) {
                    return Err(format!(
                        "is a {} variable: key {p} does not fit",
                        def.period.name()
                    ));
                }
                facts.set(id, Some(p), yaml_value(cat, def.ty, x)?);
            }
        }
        x => facts.set(id, None, yaml_value(cat, def.ty, x)?),
    }
    Ok(())
}

fn yaml_value(cat: &Catalogue, ty: crate::types::Type, v: &Y) -> Result<Value, String> {
    use crate::types::Type;
    match (ty, v) {
        (Type::Bool, Y::Bool(b)) => Ok(Value::Bool(*b)),
        (Type::Integer, Y::Number(n)) => n
            .as_i64()
            .map(Value::Int)
            .ok_or_else(|| format!("{n} is not an integer")),
        (Type::Money | Type::Ratio, Y::Number(n)) => {
            // Numbers are parsed from their decimal text, never through binary floating point.
            cat.parse_value(ty, &n.to_string())
        }
        (_, Y::String(s)) => cat.parse_value(ty, s),
        (_, other) => Err(format!(
            "expected {}, found {}",
            cat.type_name(ty),
            match other {
                Y::Null => "nothing",
                Y::Sequence(_) => "a list",
                Y::Mapping(_) => "a mapping",
                _ => "another kind of value",
            }
        )),
    }
}
