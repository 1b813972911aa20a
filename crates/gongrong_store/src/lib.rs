//! Gongrong storage. One [`Store`] type over SQLite (embedded default: one file, WAL) or
//! PostgreSQL (when the URL starts with `postgres://`), each dialect with its own forward-only
//! migrations under `migrations/`. Every query that reads people takes the caller's [`Scope`].
//!
//! CONTRACT FILE: the public types and method signatures below are what the import, web and CLI
//! crates build against. Keep them stable; add, don't rename.

use chrono::{DateTime, NaiveDate, Utc};
use gongrong_domain::codes::{
    Health, IdentityKind, LabourSkill, Relation, SchoolStage, SelfCare, Sex,
};
use gongrong_domain::unify::{StagedRecord, Unified};
use gongrong_domain::{Disability, IdNumber, Region, RegionCode, RegionTable, Register, RegisterRecord, Role, Scope};
use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database URL {0:?} is neither a SQLite path nor postgres://…")]
    Url(String),
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    #[error("{0}")]
    Conflict(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

// ---------- users and sessions ----------

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// The region the user works in (village, town or district).
    pub area: RegionCode,
    /// For department officers: the department (e.g. "教育").
    pub department: Option<String>,
}

impl User {
    /// What this user may read: their area.
    pub fn scope(&self) -> Scope {
        Scope::Within(self.area)
    }
}

#[derive(Clone, Debug)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub area: RegionCode,
    pub department: Option<String>,
    /// An argon2id PHC string; the store never sees a password.
    pub password_hash: String,
}

// ---------- import batches (staging) ----------

#[derive(Clone, Debug)]
pub struct NewBatch {
    pub register: Register,
    pub file_name: String,
    /// SHA-256 of the file's bytes: the same file imported twice is recognised and skipped.
    pub sha256: String,
    pub encoding: String,
    pub imported_at: DateTime<Utc>,
    pub imported_by: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchSummary {
    pub id: i64,
    pub register: Register,
    pub file_name: String,
    pub sha256: String,
    pub imported_at: DateTime<Utc>,
    pub accepted: u64,
    pub rejected: u64,
}

/// One rejected row (or one problem of a row): the reject report's line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectRow {
    pub file: String,
    pub row: u64,
    pub field: String,
    pub value: String,
    pub reason: String,
}

// ---------- registry views ----------

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SearchQuery {
    /// A name (substring), or an ID number (exact; 15-digit converted).
    pub text: Option<String>,
    /// Limit to one village (must lie in the caller's scope to return anything).
    pub village: Option<RegionCode>,
    /// 0-based page.
    pub page: u32,
    pub page_size: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonHit {
    pub person_id: i64,
    pub household_id: i64,
    pub name: String,
    pub id_number: IdNumber,
    pub sex: Sex,
    pub birth_date: NaiveDate,
    pub village: RegionCode,
    pub village_name: String,
    pub in_poverty: bool,
    pub in_dibao: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchPage {
    pub hits: Vec<PersonHit>,
    pub total: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberView {
    pub person_id: i64,
    pub name: String,
    pub id_number: IdNumber,
    pub sex: Sex,
    pub birth_date: NaiveDate,
    pub relation: Relation,
    pub death_date: Option<NaiveDate>,
    pub health: Option<Health>,
    pub labour: Option<LabourSkill>,
    pub disability: Option<Disability>,
    pub self_care: Option<SelfCare>,
    pub school_stage: Option<SchoolStage>,
    pub in_poverty: bool,
    pub in_dibao: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityView {
    pub kind: IdentityKind,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
    /// Where it came from, e.g. "poverty register, batch 3 row 17".
    pub source: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRowView {
    pub register: Register,
    pub batch_id: i64,
    pub file_name: String,
    pub row: u64,
    /// Every column of the source row, header → value, in file order.
    pub raw: Vec<(String, String)>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HouseholdView {
    pub id: i64,
    pub village: RegionCode,
    pub village_name: String,
    pub town_name: String,
    pub poverty_keys: Vec<String>,
    pub dibao_keys: Vec<String>,
    pub members: Vec<MemberView>,
    /// All identities with their history (ended ones included), newest first.
    pub identities: Vec<IdentityView>,
    pub sources: Vec<SourceRowView>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AreaCounts {
    pub code: Option<RegionCode>,
    pub name: String,
    pub persons: u64,
    pub persons_both: u64,
    pub persons_poverty_only: u64,
    pub persons_dibao_only: u64,
    pub households: u64,
    pub households_both: u64,
    pub households_poverty_only: u64,
    pub households_dibao_only: u64,
}

impl AreaCounts {
    /// Share of poverty-register households that are also dibao households (the seed's 82%),
    /// in basis points (1/100 of a percent); `None` when there are no poverty households.
    pub fn overlap_bp(&self) -> Option<u64> {
        let poverty = self.households_both + self.households_poverty_only;
        (poverty > 0).then(|| self.households_both * 10_000 / poverty)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dashboard {
    /// One line per town in scope (towns without households included), sorted by code.
    pub towns: Vec<AreaCounts>,
    pub total: AreaCounts,
    pub built_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistryStats {
    pub persons: u64,
    pub households: u64,
    pub duplicate_rows: u64,
}

// ---------- audit ----------

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub at: DateTime<Utc>,
    /// Username, or "cli:<os user>" for commands.
    pub actor: String,
    /// e.g. "household.read", "import.commit", "session.login".
    pub action: String,
    /// e.g. "household:42".
    pub target: String,
    pub detail: String,
    pub remote_addr: Option<String>,
}

// ---------- the store ----------

/// The database: SQLite or PostgreSQL. Cheap to clone (a connection pool).
#[derive(Clone, Debug)]
pub struct Store {
    // implementation detail: a pool per dialect
}

/// An import in progress: one transaction. Dropped without `commit`, nothing is stored.
pub struct ImportWriter {
    // implementation detail
}

impl Store {
    /// Opens (creating if needed) and migrates. `url` is `postgres://…`, `sqlite://PATH`, or a
    /// plain file path (SQLite, WAL mode).
    pub async fn open(url: &str) -> Result<Store> {
        todo!("{url}")
    }

    /// "sqlite" or "postgres".
    pub fn backend(&self) -> &'static str {
        todo!()
    }

    // -- regions --
    /// Adds or renames villages (the district's own list). Returns rows written.
    pub async fn upsert_villages(&self, villages: &[Region]) -> Result<u64> {
        todo!("{}", villages.len())
    }
    /// The national table plus every stored village.
    pub async fn region_table(&self) -> Result<RegionTable> {
        todo!()
    }

    // -- import --
    pub async fn batch_by_digest(&self, register: Register, sha256: &str) -> Result<Option<BatchSummary>> {
        todo!("{register:?}{sha256}")
    }
    pub async fn begin_import(&self, batch: NewBatch) -> Result<ImportWriter> {
        todo!("{batch:?}")
    }
    pub async fn batches(&self) -> Result<Vec<BatchSummary>> {
        todo!()
    }
    pub async fn rejects(&self, batch_id: i64) -> Result<Vec<RejectRow>> {
        todo!("{batch_id}")
    }
    /// Every staged row of every batch, in (batch, row) order.
    pub async fn staged_records(&self) -> Result<Vec<StagedRecord>> {
        todo!()
    }

    // -- registry --
    /// Replaces the unified registry with `unified` in one transaction.
    pub async fn replace_registry(&self, unified: &Unified, built_at: DateTime<Utc>) -> Result<RegistryStats> {
        todo!("{}{built_at}", unified.persons.len())
    }
    pub async fn search(&self, scope: &Scope, query: &SearchQuery) -> Result<SearchPage> {
        todo!("{scope:?}{query:?}")
    }
    /// `None` when the household does not exist *or* lies outside `scope` (indistinguishable).
    pub async fn household(&self, scope: &Scope, id: i64) -> Result<Option<HouseholdView>> {
        todo!("{scope:?}{id}")
    }
    pub async fn dashboard(&self, scope: &Scope) -> Result<Dashboard> {
        todo!("{scope:?}")
    }

    // -- users and sessions --
    /// Creates the user, or updates role/area/name/hash of an existing username.
    pub async fn upsert_user(&self, user: &NewUser) -> Result<i64> {
        todo!("{}", user.username)
    }
    /// The user and their password hash.
    pub async fn user_for_login(&self, username: &str) -> Result<Option<(User, String)>> {
        todo!("{username}")
    }
    pub async fn create_session(&self, token_sha256: &str, user_id: i64, expires_at: DateTime<Utc>) -> Result<()> {
        todo!("{token_sha256}{user_id}{expires_at}")
    }
    pub async fn session_user(&self, token_sha256: &str, now: DateTime<Utc>) -> Result<Option<User>> {
        todo!("{token_sha256}{now}")
    }
    pub async fn delete_session(&self, token_sha256: &str) -> Result<()> {
        todo!("{token_sha256}")
    }

    // -- audit --
    pub async fn audit(&self, event: &AuditEvent) -> Result<()> {
        todo!("{event:?}")
    }
    pub async fn audit_events(&self, limit: u32) -> Result<Vec<AuditEvent>> {
        todo!("{limit}")
    }
}

impl ImportWriter {
    pub async fn add_records(&mut self, records: &[RegisterRecord]) -> Result<()> {
        todo!("{}", records.len())
    }
    pub async fn add_rejects(&mut self, rejects: &[RejectRow]) -> Result<()> {
        todo!("{}", rejects.len())
    }
    /// Commits the batch with its counts; before this, nothing is visible.
    pub async fn commit(self) -> Result<BatchSummary> {
        todo!()
    }
}
