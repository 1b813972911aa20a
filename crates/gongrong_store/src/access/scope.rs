//! An [`Access`](super::Access) as SQL: the condition every query on people adds, written once
//! per kind of row so that no query has to spell the role rules again.

use crate::db::{Arg, Params};
use gongrong_domain::RegionCode;

/// Whose rows a query may return.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum PeopleScope {
    All,
    /// Households whose village lies in the area.
    Area(RegionCode),
    /// People listed in `department_people` for the department, inside the area.
    Department {
        department: String,
        area: RegionCode,
    },
    Nobody,
}

impl PeopleScope {
    fn area_pattern(area: &RegionCode) -> Arg {
        format!("{}%", area.prefix()).into()
    }

    /// A condition on a `persons` row aliased `p`.
    pub fn persons(&self, p: &str, params: &mut Params) -> String {
        match self {
            PeopleScope::All => "1 = 1".to_owned(),
            PeopleScope::Area(area) => {
                format!("{p}.village LIKE {}", params.push(Self::area_pattern(area)))
            }
            PeopleScope::Department { department, area } => format!(
                "{p}.village LIKE {} AND EXISTS (SELECT 1 FROM department_people dp \
                 WHERE dp.person_id = {p}.id AND dp.department = {})",
                params.push(Self::area_pattern(area)),
                params.push(department.as_str().into())
            ),
            PeopleScope::Nobody => "1 = 0".to_owned(),
        }
    }

    /// A condition on a `households` row aliased `h`: for a department, households with at
    /// least one of the department's people.
    pub fn households(&self, h: &str, params: &mut Params) -> String {
        match self {
            PeopleScope::All => "1 = 1".to_owned(),
            PeopleScope::Area(area) => {
                format!("{h}.village LIKE {}", params.push(Self::area_pattern(area)))
            }
            PeopleScope::Department { department, area } => format!(
                "{h}.village LIKE {} AND EXISTS (SELECT 1 FROM persons dpp \
                 JOIN department_people dp ON dp.person_id = dpp.id \
                 WHERE dpp.household_id = {h}.id AND dp.department = {})",
                params.push(Self::area_pattern(area)),
                params.push(department.as_str().into())
            ),
            PeopleScope::Nobody => "1 = 0".to_owned(),
        }
    }

    /// A condition on a `staging_records` row aliased `s`: for a department, rows behind one of
    /// the department's people.
    pub fn staging(&self, s: &str, params: &mut Params) -> String {
        match self {
            PeopleScope::All => "1 = 1".to_owned(),
            PeopleScope::Area(area) => {
                format!("{s}.village LIKE {}", params.push(Self::area_pattern(area)))
            }
            PeopleScope::Department { department, area } => format!(
                "{s}.village LIKE {} AND EXISTS (SELECT 1 FROM person_sources dps \
                 JOIN department_people dp ON dp.person_id = dps.person_id \
                 WHERE dps.staging_id = {s}.id AND dp.department = {})",
                params.push(Self::area_pattern(area)),
                params.push(department.as_str().into())
            ),
            PeopleScope::Nobody => "1 = 0".to_owned(),
        }
    }
}
