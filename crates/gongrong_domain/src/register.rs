//! A validated row of a legacy register (the poverty register 国扶系统 export or the dibao
//! register 低保系统 export), as it lands in staging. Layout-specific columns that the registry
//! does not model yet are kept verbatim in `raw`, so nothing in the source is lost.

use crate::codes::{
    Health, HouseholdAttribute, IdentityKind, LabourSkill, PovertyCause, Relation, SchoolStage,
    SelfCare, Sex,
};
use crate::model::Disability;
use crate::{IdNumber, Money, RegionCode};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Register {
    /// 建档立卡 poverty-alleviation register (national poverty system export).
    Poverty,
    /// 低保 minimum-livelihood guarantee register (civil-affairs system export).
    Dibao,
}

impl Register {
    pub const ALL: [Register; 2] = [Register::Poverty, Register::Dibao];
    pub fn code(self) -> &'static str {
        match self {
            Register::Poverty => "poverty",
            Register::Dibao => "dibao",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            Register::Poverty => "扶贫登记",
            Register::Dibao => "低保登记",
        }
    }
    pub fn en(self) -> &'static str {
        match self {
            Register::Poverty => "poverty register",
            Register::Dibao => "dibao register",
        }
    }
    pub fn label(self, lang: crate::Lang) -> &'static str {
        match lang {
            crate::Lang::Zh => self.zh(),
            crate::Lang::En => self.en(),
        }
    }
    pub fn parse(s: &str) -> Option<Register> {
        match s.trim() {
            "poverty" | "扶贫" | "扶贫登记" => Some(Register::Poverty),
            "dibao" | "低保" | "低保登记" => Some(Register::Dibao),
            _ => None,
        }
    }
}

/// One accepted register row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterRecord {
    pub register: Register,
    /// 1-based data row number in the source file (header excluded), for tracing back.
    pub row: u64,
    /// The register's household number (户编号 / 家庭编号).
    pub household_key: String,
    pub id_number: IdNumber,
    /// The ID number exactly as written (may be a legacy 15-digit number).
    pub id_number_raw: String,
    pub name: String,
    pub sex: Sex,
    pub birth_date: NaiveDate,
    pub relation: Relation,
    pub village: RegionCode,
    pub ethnicity: Option<String>,
    pub health: Option<Health>,
    pub labour: Option<LabourSkill>,
    pub disability: Option<Disability>,
    pub self_care: Option<SelfCare>,
    pub school_stage: Option<SchoolStage>,
    /// The identity this register states for the household (脱贫户, 低保, 特困, …).
    pub identity: Option<IdentityKind>,
    /// When that identity started (脱贫年度 / 起始年月).
    pub identity_since: Option<NaiveDate>,
    pub household_attribute: Option<HouseholdAttribute>,
    pub poverty_cause: Option<PovertyCause>,
    /// Annual net income per capita (poverty register, 年人均纯收入).
    pub annual_income_per_capita: Option<Money>,
    /// Monthly income per capita (dibao register, 家庭月人均收入).
    pub monthly_income_per_capita: Option<Money>,
    /// Monthly benefit for the household (dibao register, 月保障金额).
    pub monthly_benefit: Option<Money>,
    pub death_date: Option<NaiveDate>,
    pub phone: Option<String>,
    pub bank_account: Option<String>,
    /// Every source column, header → value, as read.
    pub raw: Vec<(String, String)>,
}
