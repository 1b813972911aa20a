//! Column mappings: which source header feeds which canonical field.
//!
//! A mapping is a small TOML file (the shipped ones live in `layouts/`):
//!
//! ```toml
//! # What the file is: "poverty" (扶贫登记), "dibao" (低保登记) or "villages" (the village list).
//! register = "dibao"
//! # Optional free text.
//! description = "低保系统导出"
//! # Optional: accepted date spellings, tried in order (replaces the default list).
//! # Tokens: YYYY (4-digit year), MM / DD (exactly 2 digits), M / D (1 or 2 digits);
//! # every other character must appear literally. A missing day or month means the first one.
//! date_formats = ["YYYY-M-D", "YYYY/M/D", "YYYYMMDD", "YYYY-M", "YYYY"]
//!
//! [columns]
//! # canonical field = header, or a list of alternative headers (the first one present wins)
//! household_key = "家庭编号"
//! id_number = ["身份证号码", "身份证号"]
//!
//! # Optional: source spelling → canonical label, per code-list field, applied before parsing.
//! # An empty label means "not recorded".
//! [values.labour]
//! "有劳动能力" = "普通劳动力"
//! ```
//!
//! Headers are matched after trimming, dropping inner whitespace and folding full-width ASCII
//! (`乡（镇）` matches `乡(镇)`). Unknown top-level keys, unknown fields in `[columns]` or
//! `[values]`, a field that does not apply to the layout, a missing required field, a value label
//! that its code list does not know and a malformed date format are all refused, naming the file
//! and the key. Optional columns that the file lacks are simply not read.

use crate::dates::DateFormat;
use gongrong_domain::Register;
use gongrong_domain::codes::{
    DisabilityCategory, DisabilityGrade, Health, HouseholdAttribute, IdentityKind, LabourSkill,
    PovertyCause, Relation, SchoolStage, SelfCare, Sex,
};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::Path;

/// What a mapping reads: one of the two registers, or the district's village list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    Register(Register),
    Villages,
}

impl Target {
    pub fn code(self) -> &'static str {
        match self {
            Target::Register(r) => r.code(),
            Target::Villages => "villages",
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Register(r) => write!(f, "the {} ({})", r.en(), r.code()),
            Target::Villages => f.write_str("the village list (villages)"),
        }
    }
}

/// A canonical field a column can feed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    HouseholdKey,
    Village,
    /// A person's name (registers) or the village's name (village list).
    Name,
    IdNumber,
    Sex,
    BirthDate,
    Relation,
    Ethnicity,
    SchoolStage,
    Health,
    Labour,
    DisabilityCategory,
    DisabilityGrade,
    SelfCare,
    Identity,
    IdentitySince,
    HouseholdAttribute,
    PovertyCause,
    AnnualIncomePerCapita,
    MonthlyIncomePerCapita,
    MonthlyBenefit,
    Phone,
    BankAccount,
    /// 人员状态: 正常 or 死亡.
    Status,
    DeathDate,
    /// Informational (kept in `raw` like every column, never validated).
    TownName,
    /// Informational (kept in `raw` like every column, never validated).
    VillageName,
    /// The village list's 12-digit code.
    Code,
}

impl Field {
    pub const REGISTER: &'static [Field] = &[
        Field::HouseholdKey,
        Field::Village,
        Field::Name,
        Field::IdNumber,
        Field::Sex,
        Field::BirthDate,
        Field::Relation,
        Field::Ethnicity,
        Field::SchoolStage,
        Field::Health,
        Field::Labour,
        Field::DisabilityCategory,
        Field::DisabilityGrade,
        Field::SelfCare,
        Field::Identity,
        Field::IdentitySince,
        Field::HouseholdAttribute,
        Field::PovertyCause,
        Field::AnnualIncomePerCapita,
        Field::MonthlyIncomePerCapita,
        Field::MonthlyBenefit,
        Field::Phone,
        Field::BankAccount,
        Field::Status,
        Field::DeathDate,
        Field::TownName,
        Field::VillageName,
    ];
    pub const VILLAGES: &'static [Field] = &[Field::Code, Field::Name];

    /// The key used in `[columns]` and `[values]`.
    pub fn key(self) -> &'static str {
        match self {
            Field::HouseholdKey => "household_key",
            Field::Village => "village",
            Field::Name => "name",
            Field::IdNumber => "id_number",
            Field::Sex => "sex",
            Field::BirthDate => "birth_date",
            Field::Relation => "relation",
            Field::Ethnicity => "ethnicity",
            Field::SchoolStage => "school_stage",
            Field::Health => "health",
            Field::Labour => "labour",
            Field::DisabilityCategory => "disability_category",
            Field::DisabilityGrade => "disability_grade",
            Field::SelfCare => "self_care",
            Field::Identity => "identity",
            Field::IdentitySince => "identity_since",
            Field::HouseholdAttribute => "household_attribute",
            Field::PovertyCause => "poverty_cause",
            Field::AnnualIncomePerCapita => "annual_income_per_capita",
            Field::MonthlyIncomePerCapita => "monthly_income_per_capita",
            Field::MonthlyBenefit => "monthly_benefit",
            Field::Phone => "phone",
            Field::BankAccount => "bank_account",
            Field::Status => "status",
            Field::DeathDate => "death_date",
            Field::TownName => "town_name",
            Field::VillageName => "village_name",
            Field::Code => "code",
        }
    }

    /// The fields a layout of `target` may map.
    pub fn all_for(target: Target) -> &'static [Field] {
        match target {
            Target::Register(_) => Field::REGISTER,
            Target::Villages => Field::VILLAGES,
        }
    }

    pub fn from_key(target: Target, key: &str) -> Option<Field> {
        Field::all_for(target)
            .iter()
            .copied()
            .find(|f| f.key() == key)
    }

    /// Whether every file of `target` must have this column.
    pub fn is_required(self, target: Target) -> bool {
        match target {
            Target::Register(_) => matches!(
                self,
                Field::HouseholdKey
                    | Field::Village
                    | Field::Name
                    | Field::IdNumber
                    | Field::Relation
                    | Field::Identity
            ),
            Target::Villages => matches!(self, Field::Code | Field::Name),
        }
    }

    /// Whether a `[values.<field>]` table may translate this field's spellings.
    pub fn has_code_list(self) -> bool {
        self.check_label("").is_some()
    }

    /// For code-list fields: `Some(Err(message))` when `label` is not a canonical value,
    /// `Some(Ok(()))` when it is; `None` for fields without a code list.
    fn check_label(self, label: &str) -> Option<Result<(), String>> {
        fn ok<T, E: fmt::Display>(r: Result<T, E>) -> Result<(), String> {
            r.map(|_| ()).map_err(|e| e.to_string())
        }
        Some(match self {
            Field::Sex => ok(Sex::parse(label)),
            Field::Relation => ok(Relation::parse(label)),
            Field::SchoolStage => ok(SchoolStage::parse(label)),
            Field::Health => ok(Health::parse(label)),
            Field::Labour => ok(LabourSkill::parse(label)),
            Field::DisabilityCategory => ok(DisabilityCategory::parse(label)),
            Field::DisabilityGrade => ok(DisabilityGrade::parse(label)),
            Field::SelfCare => ok(SelfCare::parse(label)),
            Field::Identity => ok(IdentityKind::parse(label)),
            Field::HouseholdAttribute => ok(HouseholdAttribute::parse(label)),
            Field::PovertyCause => ok(PovertyCause::parse(label)),
            Field::Status => ok(crate::validate::PersonStatus::parse(label)),
            _ => return None,
        })
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// Why a mapping file is refused. Every message names the file.
#[derive(Debug, thiserror::Error)]
pub enum MappingError {
    #[error("mapping file {file}: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error("mapping file {file}: {message}")]
    Toml { file: String, message: String },
    #[error(
        "mapping file {file}: register = {value:?} is not known (expected poverty, dibao or villages)"
    )]
    UnknownTarget { file: String, value: String },
    #[error(
        "mapping file {file}: [{table}] has an unknown field `{key}` for {target} (known fields: {known})"
    )]
    UnknownField {
        file: String,
        table: &'static str,
        key: String,
        target: Target,
        known: String,
    },
    #[error(
        "mapping file {file}: [columns] lacks the required field `{field}` for {target} (name the header that holds it)"
    )]
    MissingField {
        file: String,
        field: Field,
        target: Target,
    },
    #[error("mapping file {file}: [columns] {field} names no header")]
    NoHeader { file: String, field: Field },
    #[error("mapping file {file}: [values.{field}] only applies to fields with a code list")]
    NoCodeList { file: String, field: Field },
    #[error("mapping file {file}: [values.{field}] maps {from:?} to an unknown label: {message}")]
    BadLabel {
        file: String,
        field: Field,
        from: String,
        message: String,
    },
    #[error("mapping file {file}: date format {format:?}: {message}")]
    BadDateFormat {
        file: String,
        format: String,
        message: String,
    },
}

/// A header, or alternative headers, for one field.
#[derive(Debug)]
struct Headers(Vec<String>);

impl<'de> Deserialize<'de> for Headers {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Headers;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a header name or a list of alternative header names")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Headers, E> {
                Ok(Headers(vec![v.to_owned()]))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Headers, A::Error> {
                let mut out = Vec::new();
                while let Some(s) = seq.next_element::<String>()? {
                    out.push(s);
                }
                Ok(Headers(out))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMapping {
    register: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    date_formats: Option<Vec<String>>,
    columns: BTreeMap<String, Headers>,
    #[serde(default)]
    values: BTreeMap<String, BTreeMap<String, String>>,
}

/// The default date spellings (docs/LAYOUTS.md), tried in order.
pub const DEFAULT_DATE_FORMATS: &[&str] = &[
    "YYYY-M-D",
    "YYYY/M/D",
    "YYYY.M.D",
    "YYYY年M月D日",
    "YYYYMMDD",
    "YYYY-M",
    "YYYY/M",
    "YYYY年M月",
    "YYYY",
];

const POVERTY_TOML: &str = include_str!("../../../layouts/poverty.toml");
const DIBAO_TOML: &str = include_str!("../../../layouts/dibao.toml");
const VILLAGES_TOML: &str = include_str!("../../../layouts/villages.toml");

/// A validated column mapping.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mapping {
    source: String,
    target: Target,
    description: Option<String>,
    columns: BTreeMap<Field, Vec<String>>,
    values: HashMap<Field, HashMap<String, String>>,
    date_formats: Vec<DateFormat>,
}

impl Mapping {
    /// Reads and validates a mapping file.
    pub fn load(path: &Path) -> Result<Mapping, MappingError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| MappingError::Io {
            file: file.clone(),
            source,
        })?;
        Mapping::parse(&text, &file)
    }

    /// Parses and validates mapping text; `source` names it in messages.
    pub fn parse(text: &str, source: &str) -> Result<Mapping, MappingError> {
        let file = source.to_owned();
        let raw: RawMapping = toml::from_str(text).map_err(|e| MappingError::Toml {
            file: file.clone(),
            message: e.to_string().trim_end().to_owned(),
        })?;
        let target = match raw.register.trim() {
            "villages" | "village" | "村" | "村居" => Target::Villages,
            other => match Register::parse(other) {
                Some(r) => Target::Register(r),
                None => {
                    return Err(MappingError::UnknownTarget {
                        file,
                        value: raw.register,
                    });
                }
            },
        };
        let known = || {
            Field::all_for(target)
                .iter()
                .map(|f| f.key())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut columns = BTreeMap::new();
        for (key, Headers(headers)) in raw.columns {
            let Some(field) = Field::from_key(target, &key) else {
                return Err(MappingError::UnknownField {
                    file,
                    table: "columns",
                    key,
                    target,
                    known: known(),
                });
            };
            let headers: Vec<String> = headers
                .iter()
                .map(|h| h.trim().to_owned())
                .filter(|h| !h.is_empty())
                .collect();
            if headers.is_empty() {
                return Err(MappingError::NoHeader { file, field });
            }
            columns.insert(field, headers);
        }
        for &field in Field::all_for(target) {
            if field.is_required(target) && !columns.contains_key(&field) {
                return Err(MappingError::MissingField {
                    file,
                    field,
                    target,
                });
            }
        }
        let mut values = HashMap::new();
        for (key, table) in raw.values {
            let Some(field) = Field::from_key(target, &key) else {
                return Err(MappingError::UnknownField {
                    file,
                    table: "values",
                    key,
                    target,
                    known: known(),
                });
            };
            if !field.has_code_list() {
                return Err(MappingError::NoCodeList { file, field });
            }
            let mut map = HashMap::new();
            for (from, to) in table {
                let to = to.trim().to_owned();
                if !to.is_empty()
                    && let Some(Err(message)) = field.check_label(&to)
                {
                    return Err(MappingError::BadLabel {
                        file,
                        field,
                        from,
                        message,
                    });
                }
                map.insert(from.trim().to_owned(), to);
            }
            values.insert(field, map);
        }
        let formats: Vec<String> = match raw.date_formats {
            Some(f) => f,
            None => DEFAULT_DATE_FORMATS
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
        };
        let mut date_formats = Vec::new();
        for format in formats {
            match DateFormat::parse(&format) {
                Ok(f) => date_formats.push(f),
                Err(message) => {
                    return Err(MappingError::BadDateFormat {
                        file,
                        format,
                        message,
                    });
                }
            }
        }
        if date_formats.is_empty() {
            return Err(MappingError::BadDateFormat {
                file,
                format: String::new(),
                message: "date_formats is empty".to_owned(),
            });
        }
        Ok(Mapping {
            source: file,
            target,
            description: raw.description,
            columns,
            values,
            date_formats,
        })
    }

    /// The layout shipped in `layouts/` for a register (poverty.toml or dibao.toml).
    ///
    /// The shipped files are compiled in and checked by this crate's tests; should one ever fail
    /// to parse, the returned mapping is empty and every import with it is refused by
    /// [`Mapping::ensure_complete`] instead of panicking.
    pub fn builtin(register: Register) -> Mapping {
        let (text, name) = match register {
            Register::Poverty => (POVERTY_TOML, "layouts/poverty.toml"),
            Register::Dibao => (DIBAO_TOML, "layouts/dibao.toml"),
        };
        Mapping::parse(text, name)
            .unwrap_or_else(|_| Mapping::empty(Target::Register(register), name))
    }

    /// The layout shipped as `layouts/villages.toml`.
    pub fn builtin_villages() -> Mapping {
        let name = "layouts/villages.toml";
        Mapping::parse(VILLAGES_TOML, name)
            .unwrap_or_else(|_| Mapping::empty(Target::Villages, name))
    }

    fn empty(target: Target, source: &str) -> Mapping {
        Mapping {
            source: source.to_owned(),
            target,
            description: None,
            columns: BTreeMap::new(),
            values: HashMap::new(),
            date_formats: Vec::new(),
        }
    }

    /// Refuses a mapping without every required field (only a broken built-in can be one).
    pub fn ensure_complete(&self) -> Result<(), MappingError> {
        for &field in Field::all_for(self.target) {
            if field.is_required(self.target) && !self.columns.contains_key(&field) {
                return Err(MappingError::MissingField {
                    file: self.source.clone(),
                    field,
                    target: self.target,
                });
            }
        }
        Ok(())
    }

    /// The file name (or built-in name) this mapping came from.
    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn target(&self) -> Target {
        self.target
    }

    /// The register this mapping reads, `None` for the village list.
    pub fn register(&self) -> Option<Register> {
        match self.target {
            Target::Register(r) => Some(r),
            Target::Villages => None,
        }
    }

    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// The mapped fields with their alternative headers, in field order.
    pub fn columns(&self) -> impl Iterator<Item = (Field, &[String])> {
        self.columns.iter().map(|(f, h)| (*f, h.as_slice()))
    }

    /// The alternative headers of one field (empty when unmapped).
    pub fn headers(&self, field: Field) -> &[String] {
        self.columns
            .get(&field)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// Applies `[values.<field>]` to a trimmed cell.
    pub fn translate<'a>(&'a self, field: Field, value: &'a str) -> &'a str {
        self.values
            .get(&field)
            .and_then(|m| m.get(value))
            .map_or(value, String::as_str)
    }

    pub fn date_formats(&self) -> &[DateFormat] {
        &self.date_formats
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
register = "dibao"
[columns]
household_key = "家庭编号"
village = "所属区划"
name = "成员姓名"
id_number = ["身份证号码", "身份证号"]
relation = "与户主关系"
identity = "保障类型"
"#;

    #[test]
    fn parses_a_minimal_mapping() {
        let m = Mapping::parse(MINIMAL, "x.toml").unwrap();
        assert_eq!(m.register(), Some(Register::Dibao));
        assert_eq!(m.headers(Field::IdNumber), ["身份证号码", "身份证号"]);
        assert!(m.headers(Field::Phone).is_empty());
        assert_eq!(m.date_formats().len(), DEFAULT_DATE_FORMATS.len());
        m.ensure_complete().unwrap();
    }

    #[test]
    fn unknown_keys_are_named() {
        let e = Mapping::parse(&format!("{MINIMAL}\nidnumber = \"x\"\n"), "a.toml").unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("a.toml") && msg.contains("idnumber"), "{msg}");

        let e = Mapping::parse(&format!("regster = \"x\"\n{MINIMAL}"), "b.toml").unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("b.toml") && msg.contains("regster"), "{msg}");

        let e = Mapping::parse(
            &format!("{MINIMAL}\n[values.colour]\n\"红\" = \"1\"\n"),
            "c.toml",
        )
        .unwrap_err();
        assert!(e.to_string().contains("colour"), "{e}");

        let e = Mapping::parse(
            &format!("{MINIMAL}\n[values.name]\n\"x\" = \"y\"\n"),
            "d.toml",
        )
        .unwrap_err();
        assert!(matches!(e, MappingError::NoCodeList { .. }), "{e}");
    }

    #[test]
    fn missing_required_field_is_refused() {
        let text = MINIMAL.replace("identity = \"保障类型\"\n", "");
        let e = Mapping::parse(&text, "m.toml").unwrap_err();
        assert!(
            matches!(
                &e,
                MappingError::MissingField {
                    field: Field::Identity,
                    ..
                }
            ),
            "{e}"
        );
        assert!(e.to_string().contains("`identity`"));
    }

    #[test]
    fn value_labels_are_checked() {
        let e = Mapping::parse(
            &format!("{MINIMAL}\n[values.labour]\n\"有\" = \"很能干\"\n"),
            "v.toml",
        )
        .unwrap_err();
        assert!(e.to_string().contains("很能干"), "{e}");
        let m = Mapping::parse(
            &format!(
                "{MINIMAL}\n[values.labour]\n\"有劳动能力\" = \"普通劳动力\"\n\"不详\" = \"\"\n"
            ),
            "v.toml",
        )
        .unwrap();
        assert_eq!(m.translate(Field::Labour, "有劳动能力"), "普通劳动力");
        assert_eq!(m.translate(Field::Labour, "不详"), "");
        assert_eq!(m.translate(Field::Labour, "其他"), "其他");
    }

    #[test]
    fn bad_target_and_date_format() {
        let e = Mapping::parse(&MINIMAL.replace("dibao", "welfare"), "t.toml").unwrap_err();
        assert!(e.to_string().contains("welfare"));
        let e = Mapping::parse(&format!("date_formats = [\"DD.MM\"]\n{MINIMAL}"), "t.toml")
            .unwrap_err();
        assert!(matches!(e, MappingError::BadDateFormat { .. }), "{e}");
    }

    #[test]
    fn builtin_layouts_parse() {
        for (text, name) in [
            (POVERTY_TOML, "poverty"),
            (DIBAO_TOML, "dibao"),
            (VILLAGES_TOML, "villages"),
        ] {
            let m = Mapping::parse(text, name).unwrap();
            m.ensure_complete().unwrap();
            assert_eq!(m.target().code(), name);
        }
        assert_eq!(
            Mapping::builtin(Register::Poverty).register(),
            Some(Register::Poverty)
        );
        assert_eq!(Mapping::builtin_villages().target(), Target::Villages);
    }
}
