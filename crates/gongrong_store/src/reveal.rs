//! Revealing one masked field of one person (or of one staged register row): an explicit act
//! with a reason, audited before the clear value is returned, and for that one answer only.

use crate::access::{Access, FieldClass, Permission, Visibility};
use crate::audit::Event;
use crate::codec::{self, parsed_opt};
use crate::db::Params;
use crate::mask::classify_header;
use crate::{Result, Store, StoreError};
use gongrong_domain::codes::{DisabilityCategory, DisabilityGrade, Health, SelfCare};
use gongrong_domain::{Disability, IdNumber, RegisterRecord};
use serde::{Deserialize, Serialize};

/// Whose field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum RevealSubject {
    /// A person of the registry.
    Person(i64),
    /// A staged register row (a household's source row, one side of a review pair).
    StagedRow(i64),
}

impl RevealSubject {
    pub fn target(&self) -> String {
        match self {
            RevealSubject::Person(id) => format!("person:{id}"),
            RevealSubject::StagedRow(id) => format!("staging:{id}"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevealRequest {
    pub subject: RevealSubject,
    pub class: FieldClass,
    /// Why the reader needs the clear value (4–500 characters); recorded in the audit log.
    pub reason: String,
}

/// A clear value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum RevealedValue {
    IdNumber(IdNumber),
    Text(String),
    Health(Option<Health>),
    SelfCare(Option<SelfCare>),
    Disability(Option<Disability>),
}

/// The clear values of the requested class: `(field, value)` with the field a
/// [`RegisterRecord`] field name, or `raw:<header>` for a source column.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Revealed {
    pub subject: RevealSubject,
    pub class: FieldClass,
    pub values: Vec<(String, RevealedValue)>,
}

pub const MIN_REASON_CHARS: usize = 4;
pub const MAX_REASON_CHARS: usize = 500;

fn check_reason(reason: &str) -> Result<&str> {
    let r = reason.trim();
    let n = r.chars().count();
    if !(MIN_REASON_CHARS..=MAX_REASON_CHARS).contains(&n) {
        return Err(StoreError::Invalid(format!(
            "reason: {MIN_REASON_CHARS}–{MAX_REASON_CHARS} characters"
        )));
    }
    if r.chars().any(|c| c.is_control() && c != '\n' && c != '\r') {
        return Err(StoreError::Invalid("reason: control characters".into()));
    }
    Ok(r)
}

pub(crate) async fn reveal(
    store: &Store,
    access: &Access,
    req: &RevealRequest,
) -> Result<Option<Revealed>> {
    access.require(Permission::ReadPeople)?;
    let reason = check_reason(&req.reason)?;
    let target = req.subject.target();
    let denied = |detail: String| Event::new(access, "field.reveal_denied", target.clone(), detail);
    if access.visibility(req.class) == Visibility::Withheld {
        store
            .audit
            .append(vec![denied(format!(
                "{}: withheld for this role; reason: {reason}",
                req.class.code()
            ))])
            .await?;
        return Err(StoreError::Forbidden(format!(
            "{} may not see {}",
            access.actor_name(),
            req.class.code()
        )));
    }
    let values = match req.subject {
        RevealSubject::Person(id) => person_values(store, access, id, req.class).await?,
        RevealSubject::StagedRow(id) => row_values(store, access, id, req.class).await?,
    };
    let Some(values) = values else {
        store
            .audit
            .append(vec![denied(format!(
                "{}: not found or out of scope; reason: {reason}",
                req.class.code()
            ))])
            .await?;
        return Ok(None);
    };
    // The trace is committed before the value leaves the store.
    store
        .audit
        .append(vec![Event::new(
            access,
            "field.reveal",
            target,
            format!("{}; reason: {reason}", req.class.code()),
        )])
        .await?;
    Ok(Some(Revealed {
        subject: req.subject,
        class: req.class,
        values,
    }))
}

async fn person_values(
    store: &Store,
    access: &Access,
    id: i64,
    class: FieldClass,
) -> Result<Option<Vec<(String, RevealedValue)>>> {
    let mut params = Params::default();
    params.push(id.into());
    let scoped = access.people().persons("p", &mut params);
    let sql = format!(
        "SELECT p.id_number, p.health, p.self_care, p.disability_category, p.disability_grade \
         FROM persons p WHERE p.id = $1 AND {scoped}"
    );
    let Some(r) = store.db.fetch_optional(&sql, params.into_vec()).await? else {
        return Ok(None);
    };
    Ok(Some(match class {
        FieldClass::IdNumber => vec![(
            "id_number".to_owned(),
            RevealedValue::IdNumber(codec::id_number(&r, 0)?),
        )],
        FieldClass::Health => vec![
            (
                "health".to_owned(),
                RevealedValue::Health(parsed_opt(&r, 1, "health", Health::parse)?),
            ),
            (
                "self_care".to_owned(),
                RevealedValue::SelfCare(parsed_opt(&r, 2, "self-care", SelfCare::parse)?),
            ),
        ],
        FieldClass::Disability => {
            let category = parsed_opt(&r, 3, "disability category", DisabilityCategory::parse)?;
            let grade = parsed_opt(&r, 4, "disability grade", DisabilityGrade::parse)?;
            vec![(
                "disability".to_owned(),
                RevealedValue::Disability(
                    category
                        .zip(grade)
                        .map(|(category, grade)| Disability { category, grade }),
                ),
            )]
        }
        // Phone numbers and bank accounts live on the register rows: every distinct one.
        FieldClass::Phone | FieldClass::BankAccount => {
            let rows = store
                .db
                .fetch_all(
                    "SELECT s.id, s.record FROM person_sources ps \
                     JOIN staging_records s ON s.id = ps.staging_id \
                     WHERE ps.person_id = $1 ORDER BY s.id",
                    vec![id.into()],
                )
                .await?;
            let mut out: Vec<(String, RevealedValue)> = Vec::new();
            for row in &rows {
                let record: RegisterRecord = codec::json(row, 1, "staged record")?;
                let (field, value) = match class {
                    FieldClass::Phone => ("phone", record.phone),
                    _ => ("bank_account", record.bank_account),
                };
                if let Some(v) = value.filter(|v| !v.trim().is_empty())
                    && !out
                        .iter()
                        .any(|(_, x)| *x == RevealedValue::Text(v.clone()))
                {
                    out.push((field.to_owned(), RevealedValue::Text(v)));
                }
            }
            out
        }
    }))
}

async fn row_values(
    store: &Store,
    access: &Access,
    id: i64,
    class: FieldClass,
) -> Result<Option<Vec<(String, RevealedValue)>>> {
    // A row is the caller's when it lies in their scope, or stands behind one of their people.
    let scope = access.people();
    let mut params = Params::default();
    params.push(id.into());
    let own = scope.staging("s", &mut params);
    let behind = scope.persons("p", &mut params);
    let sql = format!(
        "SELECT s.id FROM staging_records s WHERE s.id = $1 AND ({own} OR EXISTS \
         (SELECT 1 FROM person_sources ps JOIN persons p ON p.id = ps.person_id \
         WHERE ps.staging_id = s.id AND {behind}))"
    );
    if store
        .db
        .fetch_optional(&sql, params.into_vec())
        .await?
        .is_none()
    {
        return Ok(None);
    }
    let Some(s) = crate::import::staged_record(&store.db, id).await? else {
        return Ok(None);
    };
    let r = s.record;
    let mut out: Vec<(String, RevealedValue)> = match class {
        FieldClass::IdNumber => vec![
            ("id_number".into(), RevealedValue::IdNumber(r.id_number)),
            ("id_number_raw".into(), RevealedValue::Text(r.id_number_raw)),
        ],
        FieldClass::Phone => r
            .phone
            .map(|v| ("phone".to_owned(), RevealedValue::Text(v)))
            .into_iter()
            .collect(),
        FieldClass::BankAccount => r
            .bank_account
            .map(|v| ("bank_account".to_owned(), RevealedValue::Text(v)))
            .into_iter()
            .collect(),
        FieldClass::Health => vec![
            ("health".into(), RevealedValue::Health(r.health)),
            ("self_care".into(), RevealedValue::SelfCare(r.self_care)),
        ],
        FieldClass::Disability => {
            vec![("disability".into(), RevealedValue::Disability(r.disability))]
        }
    };
    for (header, value) in r.raw {
        if classify_header(&header) == Some(class) {
            out.push((format!("raw:{header}"), RevealedValue::Text(value)));
        }
    }
    Ok(Some(out))
}
