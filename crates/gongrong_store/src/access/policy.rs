//! The role rules, as tables: what each role may do ([`permitted`]), whose records it reads
//! ([`people_rule`]) and how it sees each class of sensitive field ([`visibility`]). Everything
//! the store enforces is decided here; `docs/SECURITY.md` prints the same tables.
//!
//! Least privilege: an administrator manages accounts and reads the audit log but sees no
//! people; an auditor reads the district, masked, and changes nothing; a department officer
//! sees only the people the policy engine lists for their department.

use gongrong_domain::{Level, Role};
use serde::{Deserialize, Serialize};

/// Something an actor may be allowed to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Search people, open households, see dashboard figures (within the people rule), reveal a
    /// masked field with a reason.
    ReadPeople,
    /// Open the clerical-review queue and its pairs.
    ReadReview,
    /// Decide review pairs.
    DecideReview,
    /// Create, change, disable and unlock user accounts.
    ManageUsers,
    /// Read the audit log.
    ReadAudit,
    /// Batch jobs: import registers, rebuild the registry, fill the review queue and the
    /// department lists. Only system actors (commands, scheduled jobs) hold it.
    RunJobs,
}

impl Permission {
    pub const ALL: [Permission; 6] = [
        Permission::ReadPeople,
        Permission::ReadReview,
        Permission::DecideReview,
        Permission::ManageUsers,
        Permission::ReadAudit,
        Permission::RunJobs,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Permission::ReadPeople => "read_people",
            Permission::ReadReview => "read_review",
            Permission::DecideReview => "decide_review",
            Permission::ManageUsers => "manage_users",
            Permission::ReadAudit => "read_audit",
            Permission::RunJobs => "run_jobs",
        }
    }
}

/// The permission table: role × permission. System actors hold every permission.
pub fn permitted(role: Role, p: Permission) -> bool {
    use Permission as P;
    use Role as R;
    match role {
        R::VillageClerk | R::DepartmentOfficer => matches!(p, P::ReadPeople),
        R::TownCaseworker | R::DistrictCivilAffairs | R::DistrictRuralRevitalisation => {
            matches!(p, P::ReadPeople | P::ReadReview | P::DecideReview)
        }
        R::Auditor => matches!(p, P::ReadPeople | P::ReadReview | P::ReadAudit),
        R::Admin => matches!(p, P::ManageUsers | P::ReadAudit),
    }
}

/// Whose records a role reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeopleRule {
    /// Everyone whose household lies in the user's area, which must be a region of this level.
    Area(Level),
    /// Only the people the policy engine lists for the user's department (`department_people`),
    /// inside the user's area (of any level).
    Department,
    /// Nobody.
    Nobody,
}

pub fn people_rule(role: Role) -> PeopleRule {
    match role {
        Role::VillageClerk => PeopleRule::Area(Level::Village),
        Role::TownCaseworker => PeopleRule::Area(Level::Town),
        Role::DistrictCivilAffairs | Role::DistrictRuralRevitalisation | Role::Auditor => {
            PeopleRule::Area(Level::County)
        }
        Role::DepartmentOfficer => PeopleRule::Department,
        Role::Admin => PeopleRule::Nobody,
    }
}

/// The level a user's area must have for the role (`None`: any level).
pub fn area_level(role: Role) -> Option<Level> {
    match people_rule(role) {
        PeopleRule::Area(level) => Some(level),
        PeopleRule::Department | PeopleRule::Nobody => None,
    }
}

/// A class of sensitive field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldClass {
    /// ID numbers (as normalised and as written).
    IdNumber,
    Phone,
    BankAccount,
    /// Health status and self-care ability.
    Health,
    /// Disability category and grade.
    Disability,
}

impl FieldClass {
    pub const ALL: [FieldClass; 5] = [
        FieldClass::IdNumber,
        FieldClass::Phone,
        FieldClass::BankAccount,
        FieldClass::Health,
        FieldClass::Disability,
    ];

    pub fn code(self) -> &'static str {
        match self {
            FieldClass::IdNumber => "id_number",
            FieldClass::Phone => "phone",
            FieldClass::BankAccount => "bank_account",
            FieldClass::Health => "health",
            FieldClass::Disability => "disability",
        }
    }

    pub fn parse(code: &str) -> Option<FieldClass> {
        FieldClass::ALL.into_iter().find(|c| c.code() == code)
    }
}

/// How a reader sees a field class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    Clear,
    /// Partly shown (identifiers keep their ends) or hidden (code-list values); revealable one
    /// field of one person at a time, with a reason, audited.
    Masked,
    /// Not shown and not revealable: the role has no use for it.
    Withheld,
}

/// Partner departments whose officers see more than the base department row: the disability
/// federation (残联) works with disability details, health (卫健) and medical insurance (医保)
/// with health details.
pub const DISABILITY_FEDERATION: &str = "残联";
pub const HEALTH_COMMISSION: &str = "卫健";
pub const MEDICAL_INSURANCE: &str = "医保";

/// The field-class × role matrix. `department` matters for department officers only.
pub fn visibility(role: Role, department: Option<&str>, class: FieldClass) -> Visibility {
    use FieldClass as F;
    use Visibility::{Clear, Masked, Withheld};
    match role {
        Role::TownCaseworker | Role::DistrictCivilAffairs => Clear,
        Role::VillageClerk | Role::DistrictRuralRevitalisation => match class {
            F::BankAccount => Masked,
            _ => Clear,
        },
        Role::Auditor => Masked,
        Role::Admin => Withheld,
        Role::DepartmentOfficer => match (department, class) {
            (Some(DISABILITY_FEDERATION), F::Disability) => Clear,
            (Some(DISABILITY_FEDERATION), F::Health) => Masked,
            (Some(HEALTH_COMMISSION | MEDICAL_INSURANCE), F::Health) => Clear,
            (Some(HEALTH_COMMISSION | MEDICAL_INSURANCE), F::Disability) => Masked,
            (_, F::IdNumber | F::Phone) => Masked,
            (_, F::BankAccount | F::Health | F::Disability) => Withheld,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_system_actors_run_jobs_and_admins_see_no_people() {
        for role in Role::ALL {
            assert!(!permitted(role, Permission::RunJobs), "{role:?}");
        }
        assert!(!permitted(Role::Admin, Permission::ReadPeople));
        assert_eq!(people_rule(Role::Admin), PeopleRule::Nobody);
        for class in FieldClass::ALL {
            assert_eq!(visibility(Role::Admin, None, class), Visibility::Withheld);
        }
    }

    #[test]
    fn auditors_read_masked_and_change_nothing() {
        assert!(permitted(Role::Auditor, Permission::ReadPeople));
        assert!(!permitted(Role::Auditor, Permission::DecideReview));
        assert!(!permitted(Role::Auditor, Permission::ManageUsers));
        for class in FieldClass::ALL {
            assert_eq!(visibility(Role::Auditor, None, class), Visibility::Masked);
        }
    }

    #[test]
    fn departments_see_what_their_policies_need() {
        let d = Role::DepartmentOfficer;
        use FieldClass as F;
        assert_eq!(
            visibility(d, Some("残联"), F::Disability),
            Visibility::Clear
        );
        assert_eq!(
            visibility(d, Some("教育"), F::Disability),
            Visibility::Withheld
        );
        assert_eq!(visibility(d, Some("教育"), F::Health), Visibility::Withheld);
        assert_eq!(visibility(d, Some("卫健"), F::Health), Visibility::Clear);
        assert_eq!(visibility(d, Some("教育"), F::IdNumber), Visibility::Masked);
        assert_eq!(visibility(d, None, F::BankAccount), Visibility::Withheld);
    }

    #[test]
    fn codes_round_trip() {
        for c in FieldClass::ALL {
            assert_eq!(FieldClass::parse(c.code()), Some(c));
        }
        assert_eq!(FieldClass::parse("name"), None);
    }
}
