//! Code lists of the two registers (DOMAIN.md §4) plus self-care level and school stage.
//!
//! Each list has a stable machine code (stored in the database), a Chinese label (as written in
//! the registers and shown in the UI) and an English label. `parse` accepts the code, the Chinese
//! label or any listed alias, so that a real export's spelling maps without code changes.

use serde::{Deserialize, Serialize};

/// An unknown label for a code list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a known {list} (expected one of: {expected})")]
pub struct CodeError {
    pub list: &'static str,
    pub value: String,
    pub expected: String,
}

macro_rules! code_list {
    (
        $(#[$meta:meta])*
        $name:ident, $list:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $code:literal, $zh:literal, $en:literal $(, [$($alias:literal),*])? ; )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub const LIST_NAME: &'static str = $list;

            /// Stable code stored in the database.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }
            pub fn zh(self) -> &'static str {
                match self { $($name::$variant => $zh),+ }
            }
            pub fn en(self) -> &'static str {
                match self { $($name::$variant => $en),+ }
            }
            pub fn label(self, lang: crate::Lang) -> &'static str {
                match lang { crate::Lang::Zh => self.zh(), crate::Lang::En => self.en() }
            }
            /// Accepts the code, the Chinese label, the English label or an alias.
            pub fn parse(input: &str) -> Result<Self, CodeError> {
                let s = input.trim();
                $(
                    if s == $code || s == $zh || s.eq_ignore_ascii_case($en) $($(|| s == $alias)*)? {
                        return Ok($name::$variant);
                    }
                )+
                Err(CodeError {
                    list: $list,
                    value: input.to_owned(),
                    expected: [$($zh),+].join("、"),
                })
            }
        }
    };
}

code_list! {
    Sex, "sex" {
        Male = "1", "男", "male", ["M"];
        Female = "2", "女", "female", ["F"];
    }
}

code_list! {
    /// 劳动技能 labour skill (poverty register).
    LabourSkill, "labour skill" {
        Ordinary = "1", "普通劳动力", "ordinary labour";
        Skilled = "2", "技能劳动力", "skilled labour";
        Weak = "3", "弱劳动力或半劳动力", "weak or half labour", ["弱劳动力", "半劳动力"];
        Lost = "4", "丧失劳动力", "lost labour capacity";
        None = "5", "无劳动力", "no labour capacity";
    }
}

impl LabourSkill {
    /// Counts as "having labour capacity" in the seed's figure of ~312 people.
    pub fn has_capacity(self) -> bool {
        matches!(self, LabourSkill::Ordinary | LabourSkill::Skilled)
    }
}

code_list! {
    /// 健康状况 health.
    Health, "health status" {
        Healthy = "1", "健康", "healthy";
        Chronic = "2", "长期慢性病", "long-term chronic illness", ["慢性病"];
        Serious = "3", "大病", "serious illness", ["患有大病"];
        Disabled = "4", "残疾", "disabled";
    }
}

code_list! {
    /// 主要致贫原因 main cause of poverty, 01–11.
    PovertyCause, "cause of poverty" {
        Illness = "01", "因病", "illness";
        Disability = "02", "因残", "disability";
        Schooling = "03", "因学", "schooling costs";
        Disaster = "04", "因灾", "disaster";
        LackOfLand = "05", "缺土地", "lack of land";
        LackOfWater = "06", "缺水", "lack of water";
        LackOfSkills = "07", "缺技术", "lack of skills";
        LackOfLabour = "08", "缺劳力", "lack of labour";
        LackOfCapital = "09", "缺资金", "lack of capital";
        PoorTransport = "10", "交通条件落后", "poor transport";
        LackOfMotivation = "11", "自身发展动力不足", "lack of motivation";
    }
}

code_list! {
    /// 户属性 household attribute in the poverty register.
    HouseholdAttribute, "household attribute" {
        General = "1", "一般", "general", ["一般户", "一般贫困户"];
        Dibao = "2", "低保", "dibao", ["低保户", "低保贫困户"];
        ExtremePoverty = "3", "特困", "extreme poverty", ["特困户", "特困供养户", "五保"];
    }
}

code_list! {
    /// 残疾类别 disability category (the digit after the ID number on a disability certificate).
    DisabilityCategory, "disability category" {
        Visual = "1", "视力残疾", "visual", ["视力"];
        Hearing = "2", "听力残疾", "hearing", ["听力"];
        Speech = "3", "言语残疾", "speech", ["言语"];
        Limb = "4", "肢体残疾", "limb", ["肢体"];
        Intellectual = "5", "智力残疾", "intellectual", ["智力"];
        Psychiatric = "6", "精神残疾", "psychiatric", ["精神"];
        Multiple = "7", "多重残疾", "multiple", ["多重"];
    }
}

code_list! {
    /// 残疾等级 disability grade, 1 (most severe) to 4.
    DisabilityGrade, "disability grade" {
        One = "1", "一级", "grade 1", ["1级"];
        Two = "2", "二级", "grade 2", ["2级"];
        Three = "3", "三级", "grade 3", ["3级"];
        Four = "4", "四级", "grade 4", ["4级"];
    }
}

impl DisabilityGrade {
    pub fn number(self) -> u8 {
        match self {
            DisabilityGrade::One => 1,
            DisabilityGrade::Two => 2,
            DisabilityGrade::Three => 3,
            DisabilityGrade::Four => 4,
        }
    }
}

code_list! {
    /// 自理能力 self-care level, assessed on six activities (eating, dressing, bed transfer,
    /// toilet, walking indoors, bathing).
    SelfCare, "self-care level" {
        SelfReliant = "1", "生活自理", "self-reliant", ["能自理", "自理"];
        PartiallyLost = "2", "部分丧失生活自理能力", "partially lost", ["部分自理", "半自理"];
        FullyLost = "3", "完全丧失生活自理能力", "fully lost", ["不能自理", "完全不能自理"];
    }
}

impl SelfCare {
    /// From the number of the six activities a person cannot do: 0 → self-reliant,
    /// 1–3 → partially lost, 4 or more → fully lost.
    pub fn from_impossible_activities(count: u8) -> Self {
        match count {
            0 => SelfCare::SelfReliant,
            1..=3 => SelfCare::PartiallyLost,
            _ => SelfCare::FullyLost,
        }
    }
}

code_list! {
    /// 在校生状况 school stage.
    SchoolStage, "school stage" {
        NotInSchool = "0", "非在校生", "not in school", ["无", "非在校"];
        Preschool = "1", "学前教育", "preschool", ["学前"];
        Primary = "2", "小学", "primary school";
        JuniorSecondary = "3", "初中", "junior secondary";
        SeniorSecondary = "4", "高中", "senior secondary";
        Vocational = "5", "中职", "secondary vocational", ["中专", "技校"];
        College = "6", "高职专科", "vocational college", ["大专", "专科"];
        Undergraduate = "7", "本科", "undergraduate", ["大学本科"];
        Postgraduate = "8", "研究生及以上", "postgraduate", ["研究生"];
    }
}

code_list! {
    /// 与户主关系 relation to the head of household.
    Relation, "relation to head" {
        Head = "01", "户主", "head", ["本人", "申请人"];
        Spouse = "02", "配偶", "spouse", ["妻", "夫"];
        Son = "03", "之子", "son", ["子", "儿子"];
        Daughter = "04", "之女", "daughter", ["女", "女儿"];
        DaughterInLaw = "05", "之儿媳", "daughter-in-law", ["儿媳"];
        SonInLaw = "06", "之女婿", "son-in-law", ["女婿"];
        Grandson = "07", "之孙子", "grandson", ["孙子"];
        Granddaughter = "08", "之孙女", "granddaughter", ["孙女"];
        Father = "09", "之父", "father", ["父亲"];
        Mother = "10", "之母", "mother", ["母亲"];
        Sibling = "11", "之兄弟姐妹", "sibling", ["兄弟姐妹", "兄弟", "姐妹"];
        Other = "99", "其他", "other", ["其它"];
    }
}

code_list! {
    /// Identities a household or person can hold. Each is held over a validity interval and
    /// comes from a source (a register, a case decision).
    IdentityKind, "identity" {
        /// 脱贫户 household lifted out of poverty (formerly registered poor).
        FormerlyPoor = "fp", "脱贫户", "formerly poor", ["已脱贫", "脱贫"];
        /// 脱贫不稳定户 unstable formerly-poor (monitored).
        UnstableFormerlyPoor = "mu", "脱贫不稳定户", "unstable formerly poor", ["脱贫不稳定"];
        /// 边缘易致贫户 marginal household at risk (monitored).
        MarginalAtRisk = "mm", "边缘易致贫户", "marginal at risk", ["边缘易致贫"];
        /// 突发严重困难户 sudden severe hardship (monitored).
        SuddenHardship = "ms", "突发严重困难户", "sudden severe hardship", ["突发严重困难"];
        /// 低保 minimum-livelihood guarantee.
        Dibao = "db", "低保", "dibao", ["低保户", "城乡低保", "农村低保"];
        /// 低保边缘 near-dibao.
        NearDibao = "nd", "低保边缘", "near dibao", ["低保边缘户", "低边"];
        /// 特困 extreme poverty.
        ExtremePoverty = "tk", "特困", "extreme poverty", ["特困供养", "特困人员", "五保"];
        /// 即时帮扶 immediate help.
        ImmediateHelp = "jb", "即时帮扶", "immediate help";
        /// 刚性支出困难 rigid-expenditure hardship.
        RigidExpenditure = "gx", "刚性支出困难", "rigid-expenditure hardship";
    }
}

impl IdentityKind {
    /// Identities held on the poverty-alleviation side (扶贫 / 乡村振兴).
    pub fn is_poverty_side(self) -> bool {
        matches!(
            self,
            IdentityKind::FormerlyPoor
                | IdentityKind::UnstableFormerlyPoor
                | IdentityKind::MarginalAtRisk
                | IdentityKind::SuddenHardship
        )
    }
    /// The three monitored kinds (防返贫监测对象).
    pub fn is_monitored(self) -> bool {
        matches!(
            self,
            IdentityKind::UnstableFormerlyPoor
                | IdentityKind::MarginalAtRisk
                | IdentityKind::SuddenHardship
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_codes_labels_and_aliases() {
        assert_eq!(
            LabourSkill::parse("弱劳动力或半劳动力"),
            Ok(LabourSkill::Weak)
        );
        assert_eq!(LabourSkill::parse("3"), Ok(LabourSkill::Weak));
        assert_eq!(Relation::parse(" 之子 "), Ok(Relation::Son));
        assert_eq!(
            IdentityKind::parse("五保"),
            Ok(IdentityKind::ExtremePoverty)
        );
        assert_eq!(PovertyCause::parse("01"), Ok(PovertyCause::Illness));
        let err = Health::parse("很好").unwrap_err();
        assert!(err.to_string().contains("很好"));
        assert!(err.to_string().contains("长期慢性病"));
    }

    #[test]
    fn codes_are_unique_per_list() {
        fn unique<T: Copy>(all: &[T], code: fn(T) -> &'static str) {
            let mut seen = std::collections::HashSet::new();
            for &v in all {
                assert!(seen.insert(code(v)));
            }
        }
        unique(IdentityKind::ALL, IdentityKind::code);
        unique(Relation::ALL, Relation::code);
        unique(SchoolStage::ALL, SchoolStage::code);
        for k in IdentityKind::ALL {
            assert_eq!(IdentityKind::parse(k.code()), Ok(*k));
            assert_eq!(IdentityKind::parse(k.zh()), Ok(*k));
        }
    }

    #[test]
    fn self_care_from_activities() {
        assert_eq!(
            SelfCare::from_impossible_activities(0),
            SelfCare::SelfReliant
        );
        assert_eq!(
            SelfCare::from_impossible_activities(3),
            SelfCare::PartiallyLost
        );
        assert_eq!(SelfCare::from_impossible_activities(4), SelfCare::FullyLost);
    }
}
