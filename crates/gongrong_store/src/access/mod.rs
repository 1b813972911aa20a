//! Who is asking: the [`Access`] value every store method that reads or changes people data
//! requires. It is built from a signed-in [`User`] ([`Access::user`]) or names a system actor
//! ([`Access::system`], for commands and jobs); it carries the moment and the place of the
//! request, so that the store can audit the call itself.
//!
//! The store, not the caller, turns an `Access` into a row filter ([`scope`]), a field mask
//! ([`crate::mask`]) and audit records ([`crate::audit`]). See `docs/SECURITY.md`.

pub mod policy;
pub(crate) mod scope;

use crate::{Result, StoreError, User};
use chrono::{DateTime, SubsecRound, Utc};
use gongrong_domain::{RegionCode, Role};
pub use policy::{FieldClass, PeopleRule, Permission, Visibility};
pub(crate) use scope::PeopleScope;

/// The acting party of a store call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    /// A signed-in user, as their session carried them.
    User(User),
    /// A command or job (`cli:reconcile`, `job:population`, …): trusted, unrestricted, audited.
    System(String),
}

/// What a store call runs as. Cheap to clone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Access {
    actor: Actor,
    at: DateTime<Utc>,
    channel: String,
    origin: Option<String>,
}

impl Access {
    /// The access of a signed-in user at `at` (the request's time). Build it only from the user
    /// a valid session returned ([`crate::Store::session`]), never from a hand-made `User`.
    pub fn user(user: &User, at: DateTime<Utc>) -> Access {
        Access {
            actor: Actor::User(user.clone()),
            at: at.trunc_subsecs(6),
            channel: "web".to_owned(),
            origin: None,
        }
    }

    /// A system actor: a command (`cli:import`) or a job. Holds every permission.
    pub fn system(name: impl Into<String>, at: DateTime<Utc>) -> Access {
        Access {
            actor: Actor::System(name.into()),
            at: at.trunc_subsecs(6),
            channel: "cli".to_owned(),
            origin: None,
        }
    }

    /// Through which door the request came (`web`, `api`, `cli`): recorded in the audit log.
    pub fn via(mut self, channel: &str) -> Access {
        channel.clone_into(&mut self.channel);
        self
    }

    /// Where the request came from (the client address, or the OS user of a command).
    pub fn from_origin(mut self, origin: Option<String>) -> Access {
        self.origin = origin;
        self
    }

    /// The same actor at another moment (a long job stamping each step).
    pub fn at(mut self, at: DateTime<Utc>) -> Access {
        self.at = at.trunc_subsecs(6);
        self
    }

    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// The name the audit log records: the username, or the system actor's name.
    pub fn actor_name(&self) -> &str {
        match &self.actor {
            Actor::User(u) => &u.username,
            Actor::System(name) => name,
        }
    }

    pub fn time(&self) -> DateTime<Utc> {
        self.at
    }

    pub fn channel(&self) -> &str {
        &self.channel
    }

    pub fn origin(&self) -> Option<&str> {
        self.origin.as_deref()
    }

    /// The user, for a user access.
    pub fn user_ref(&self) -> Option<&User> {
        match &self.actor {
            Actor::User(u) => Some(u),
            Actor::System(_) => None,
        }
    }

    /// The role, for a user access (`None` for a system actor).
    pub fn role(&self) -> Option<Role> {
        self.user_ref().map(|u| u.role)
    }

    /// Whether the actor holds `p` (the table in [`policy::permitted`]).
    pub fn can(&self, p: Permission) -> bool {
        match &self.actor {
            Actor::User(u) => policy::permitted(u.role, p),
            Actor::System(_) => true,
        }
    }

    /// `Ok` when the actor holds `p`, else [`StoreError::Forbidden`].
    pub(crate) fn require(&self, p: Permission) -> Result<()> {
        if self.can(p) {
            Ok(())
        } else {
            Err(StoreError::Forbidden(format!(
                "{} may not {}",
                self.actor_name(),
                p.code()
            )))
        }
    }

    /// How this actor sees a field class ([`policy::visibility`]).
    pub fn visibility(&self, class: FieldClass) -> Visibility {
        match &self.actor {
            Actor::User(u) => policy::visibility(u.role, u.department.as_deref(), class),
            Actor::System(_) => Visibility::Clear,
        }
    }

    /// Whether this actor sees any sensitive field class less than clearly.
    pub fn masks_anything(&self) -> bool {
        FieldClass::ALL
            .into_iter()
            .any(|c| self.visibility(c) != Visibility::Clear)
    }

    /// Whose records this actor reads.
    pub(crate) fn people(&self) -> PeopleScope {
        let Actor::User(u) = &self.actor else {
            return PeopleScope::All;
        };
        if !policy::permitted(u.role, Permission::ReadPeople) {
            return PeopleScope::Nobody;
        }
        match policy::people_rule(u.role) {
            PeopleRule::Area(level) if u.area.level() == level => PeopleScope::Area(u.area),
            // A misconfigured account (a clerk with a town's area) sees nobody: fail closed.
            PeopleRule::Area(_) | PeopleRule::Nobody => PeopleScope::Nobody,
            PeopleRule::Department => match u.department.as_deref().map(str::trim) {
                Some(d) if !d.is_empty() => PeopleScope::Department {
                    department: d.to_owned(),
                    area: u.area,
                },
                _ => PeopleScope::Nobody,
            },
        }
    }

    /// The area this actor's people lie in (`None`: everywhere, for system actors).
    pub fn area(&self) -> Option<RegionCode> {
        self.user_ref().map(|u| u.area)
    }

    /// Whether this is a department officer, whose people come from the policy engine.
    pub fn is_department(&self) -> bool {
        self.role() == Some(Role::DepartmentOfficer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn user(role: Role, area: &str, department: Option<&str>) -> User {
        User {
            id: 1,
            username: "u".into(),
            display_name: "U".into(),
            role,
            area: RegionCode::parse(area).unwrap(),
            department: department.map(str::to_owned),
        }
    }

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
    }

    #[test]
    fn scopes_follow_the_role_and_fail_closed() {
        let clerk = Access::user(&user(Role::VillageClerk, "370305100201", None), at());
        assert!(matches!(clerk.people(), PeopleScope::Area(a) if a.as_str() == "370305100201"));
        let wrong = Access::user(&user(Role::VillageClerk, "370305100", None), at());
        assert_eq!(wrong.people(), PeopleScope::Nobody, "a clerk given a town");
        let admin = Access::user(&user(Role::Admin, "370305", None), at());
        assert_eq!(admin.people(), PeopleScope::Nobody);
        let edu = Access::user(&user(Role::DepartmentOfficer, "370305", Some("教育")), at());
        assert!(matches!(edu.people(), PeopleScope::Department { .. }));
        let nodept = Access::user(&user(Role::DepartmentOfficer, "370305", None), at());
        assert_eq!(nodept.people(), PeopleScope::Nobody);
        assert_eq!(Access::system("cli:test", at()).people(), PeopleScope::All);
    }

    #[test]
    fn permissions_are_checked() {
        let auditor = Access::user(&user(Role::Auditor, "370305", None), at());
        assert!(auditor.require(Permission::ReadPeople).is_ok());
        assert!(matches!(
            auditor.require(Permission::DecideReview),
            Err(StoreError::Forbidden(_))
        ));
        assert!(Access::system("cli:x", at()).can(Permission::RunJobs));
        assert!(auditor.masks_anything());
        assert!(!Access::system("cli:x", at()).masks_anything());
    }
}
