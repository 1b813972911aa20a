//! Roles of the people who use Gongrong. Every user has one role and one area (a region code);
//! what they may see is the area, narrowed or widened by the role.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 村级经办人 village clerk: enters applications on a family's behalf; sees one village.
    VillageClerk,
    /// 镇街经办人 town caseworker of the merged town office: surveys, approves; sees one town.
    TownCaseworker,
    /// 区民政局 district civil affairs: files, spot-checks; sees the district.
    DistrictCivilAffairs,
    /// 区乡村振兴局 district rural revitalisation: files, spot-checks; sees the district.
    DistrictRuralRevitalisation,
    /// 部门经办人 officer of a partner department (education, health, …); sees only the people
    /// the policy engine lists for the department's policies, in their area.
    DepartmentOfficer,
    /// 审计 auditor: reads the district, changes nothing, sees sensitive fields masked.
    Auditor,
    /// 系统管理员 administrator: manages user accounts; sees no people.
    Admin,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::VillageClerk,
        Role::TownCaseworker,
        Role::DistrictCivilAffairs,
        Role::DistrictRuralRevitalisation,
        Role::DepartmentOfficer,
        Role::Auditor,
        Role::Admin,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::VillageClerk => "village_clerk",
            Role::TownCaseworker => "town_caseworker",
            Role::DistrictCivilAffairs => "district_civil_affairs",
            Role::DistrictRuralRevitalisation => "district_rural_revitalisation",
            Role::DepartmentOfficer => "department_officer",
            Role::Auditor => "auditor",
            Role::Admin => "admin",
        }
    }

    pub fn parse(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code)
    }

    pub fn zh(self) -> &'static str {
        match self {
            Role::VillageClerk => "村级经办人",
            Role::TownCaseworker => "镇街经办人",
            Role::DistrictCivilAffairs => "区民政局",
            Role::DistrictRuralRevitalisation => "区乡村振兴局",
            Role::DepartmentOfficer => "部门经办人",
            Role::Auditor => "审计人员",
            Role::Admin => "系统管理员",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            Role::VillageClerk => "Village clerk",
            Role::TownCaseworker => "Town caseworker",
            Role::DistrictCivilAffairs => "District civil affairs",
            Role::DistrictRuralRevitalisation => "District rural revitalisation",
            Role::DepartmentOfficer => "Department officer",
            Role::Auditor => "Auditor",
            Role::Admin => "Administrator",
        }
    }

    pub fn label(self, lang: crate::Lang) -> &'static str {
        match lang {
            crate::Lang::Zh => self.zh(),
            crate::Lang::En => self.en(),
        }
    }
}
