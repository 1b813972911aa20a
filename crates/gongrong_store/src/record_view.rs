//! A staged register row as one reader may see it: the [`RegisterRecord`] with its sensitive
//! fields masked for the reader (see [`crate::mask`]).

use crate::access::FieldClass;
use crate::mask::{Masker, Shown};
use chrono::NaiveDate;
use gongrong_domain::codes::{
    Health, HouseholdAttribute, IdentityKind, LabourSkill, PovertyCause, Relation, SchoolStage,
    SelfCare, Sex,
};
use gongrong_domain::unify::StagedRecord;
use gongrong_domain::{Disability, IdNumber, Money, RegionCode, Register, RegisterRecord};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// One staged row, masked for its reader. Field names are those of [`RegisterRecord`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecordView {
    pub staging_id: i64,
    pub batch_id: i64,
    pub register: Register,
    pub row: u64,
    pub household_key: String,
    pub name: String,
    pub id_number: Shown<IdNumber>,
    pub id_number_raw: Shown<String>,
    pub sex: Sex,
    pub birth_date: NaiveDate,
    pub relation: Relation,
    pub village: RegionCode,
    pub ethnicity: Option<String>,
    pub health: Shown<Option<Health>>,
    pub labour: Option<LabourSkill>,
    pub disability: Shown<Option<Disability>>,
    pub self_care: Shown<Option<SelfCare>>,
    pub school_stage: Option<SchoolStage>,
    pub identity: Option<IdentityKind>,
    pub identity_since: Option<NaiveDate>,
    pub household_attribute: Option<HouseholdAttribute>,
    pub poverty_cause: Option<PovertyCause>,
    pub annual_income_per_capita: Option<Money>,
    pub monthly_income_per_capita: Option<Money>,
    pub monthly_benefit: Option<Money>,
    pub death_date: Option<NaiveDate>,
    pub phone: Shown<Option<String>>,
    pub bank_account: Shown<Option<String>>,
    /// Every source column, header → value, masked by the header's class.
    pub raw: Vec<(String, Shown<String>)>,
}

impl RecordView {
    pub(crate) fn new(s: StagedRecord, m: &Masker) -> RecordView {
        let r = s.record;
        RecordView {
            staging_id: s.staging_id,
            batch_id: s.batch_id,
            register: r.register,
            row: r.row,
            household_key: r.household_key,
            name: r.name,
            id_number: m.id_number(r.id_number),
            id_number_raw: m.id_text(r.id_number_raw),
            sex: r.sex,
            birth_date: r.birth_date,
            relation: r.relation,
            village: r.village,
            ethnicity: r.ethnicity,
            health: m.code(FieldClass::Health, r.health),
            labour: r.labour,
            disability: m.code(FieldClass::Disability, r.disability),
            self_care: m.code(FieldClass::Health, r.self_care),
            school_stage: r.school_stage,
            identity: r.identity,
            identity_since: r.identity_since,
            household_attribute: r.household_attribute,
            poverty_cause: r.poverty_cause,
            annual_income_per_capita: r.annual_income_per_capita,
            monthly_income_per_capita: r.monthly_income_per_capita,
            monthly_benefit: r.monthly_benefit,
            death_date: r.death_date,
            phone: m.text(FieldClass::Phone, r.phone),
            bank_account: m.text(FieldClass::BankAccount, r.bank_account),
            raw: r
                .raw
                .into_iter()
                .map(|(k, v)| {
                    let v = m.raw(&k, v);
                    (k, v)
                })
                .collect(),
        }
    }
}

/// The fields whose clear values differ between two rows (by [`RegisterRecord`] field name;
/// raw columns as `raw:<header>`, compared trimmed), computed before masking so that a reader
/// who sees masked values still sees where the rows disagree. Register and row never count.
pub(crate) fn differences(a: &RegisterRecord, b: &RegisterRecord) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    if let (Ok(serde_json::Value::Object(x)), Ok(serde_json::Value::Object(y))) =
        (serde_json::to_value(a), serde_json::to_value(b))
    {
        for (k, v) in &x {
            if matches!(k.as_str(), "register" | "row" | "raw") {
                continue;
            }
            if y.get(k) != Some(v) {
                out.insert(k.clone());
            }
        }
    }
    let get = |cols: &[(String, String)], h: &str| {
        cols.iter()
            .find(|(k, _)| k == h)
            .map(|(_, v)| v.trim().to_owned())
    };
    for (h, v) in &a.raw {
        if let Some(w) = get(&b.raw, h)
            && v.trim() != w
        {
            out.insert(format!("raw:{h}"));
        }
    }
    out
}
