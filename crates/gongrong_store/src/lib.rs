//! Gongrong storage. One [`Store`] type over SQLite (embedded default: one file, WAL) or
//! PostgreSQL (when the URL starts with `postgres://`), each dialect with its own forward-only
//! migrations under `migrations/`. Every query that reads people takes the caller's [`Scope`].
//!
//! CONTRACT FILE: the public types and method signatures below are what the import, web and CLI
//! crates build against. Keep them stable; add, don't rename.

mod bulk;
mod codec;
mod dashboard;
mod db;
mod import;
mod regions;
mod registry;
mod review;
mod users;
mod views;

use chrono::{DateTime, NaiveDate, Utc};
use gongrong_domain::codes::{
    Health, IdentityKind, LabourSkill, Relation, SchoolStage, SelfCare, Sex,
};
use gongrong_domain::unify::{StagedRecord, Unified};
use gongrong_domain::{
    Disability, IdNumber, Region, RegionCode, RegionTable, Register, RegisterRecord, Role, Scope,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

pub(crate) use regions::national;
pub use views::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};

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
    /// The village of the person's household (what scopes filter on).
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
    /// Where it came from (a register row, a case decision, a manual entry).
    pub source: gongrong_domain::Source,
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

// ---------- reconciliation: clerical review (CONTRACT; implemented in review.rs) ----------

/// A reviewer's verdict on a pair of register rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewVerdict {
    /// The two rows describe the same person.
    Match,
    /// The two rows describe different people.
    NonMatch,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewDecision {
    pub verdict: ReviewVerdict,
    pub decided_by: String,
    pub decided_at: DateTime<Utc>,
    pub note: String,
}

/// Which pairs a queue lists.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewFilter {
    #[default]
    Pending,
    Decided,
    All,
}

/// A pair the linkage put in the clerical-review band, written by `gongrong reconcile`.
/// Pairs are keyed by their two staging ids (smaller first), which stay stable across runs
/// because imports are idempotent; decisions are keyed the same way and survive every re-run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewReviewPair {
    pub left_staging_id: i64,
    pub right_staging_id: i64,
    /// Match weight (log2 Bayes factor) and probability from the linkage model.
    pub weight: f64,
    pub probability: f64,
    /// `gongrong_link::Explanation`, serialised: levels fired with their weights.
    pub explanation: serde_json::Value,
}

/// One line of the review queue.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReviewPairSummary {
    pub id: i64,
    pub left_name: String,
    pub right_name: String,
    pub left_register: Register,
    pub right_register: Register,
    pub village: RegionCode,
    pub village_name: String,
    pub weight: f64,
    pub probability: f64,
    pub decision: Option<ReviewDecision>,
}

/// A pair with both full source rows, for the side-by-side page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReviewPair {
    pub id: i64,
    /// Both staged rows, `raw` included.
    pub left: StagedRecord,
    pub right: StagedRecord,
    pub weight: f64,
    pub probability: f64,
    pub explanation: serde_json::Value,
    pub decision: Option<ReviewDecision>,
}

/// One `gongrong reconcile` run, as logged.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewReconcileRun {
    pub run_at: DateTime<Utc>,
    /// SHA-256 of the linkage configuration (TOML as read).
    pub config_sha256: String,
    /// SHA-256 over the staged rows' ids, the decisions and the configuration: equal digests mean
    /// equal input.
    pub input_sha256: String,
    /// The run's figures (persons, households, pairs, …) as JSON.
    pub stats: serde_json::Value,
}

/// What an incremental `gongrong reconcile` continues from, stored with the run that produced it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReconcileState {
    /// The linkage model the run scored with (`gongrong_link::Model` as JSON).
    pub model: serde_json::Value,
    /// SHA-256 over the review decisions the run applied.
    pub decisions_sha256: String,
    /// The run linked every staged row with an id up to this one…
    pub covered_through: i64,
    /// …this many rows.
    pub covered_rows: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReconcileRun {
    pub id: i64,
    pub run_at: DateTime<Utc>,
    pub config_sha256: String,
    pub input_sha256: String,
    pub stats: serde_json::Value,
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
    db: db::Db,
}

/// An import in progress: one transaction. Dropped without `commit`, nothing is stored.
pub struct ImportWriter {
    pub(crate) tx: db::Tx,
    pub(crate) batch: NewBatch,
    pub(crate) id: i64,
    pub(crate) accepted: u64,
    pub(crate) rejected_rows: BTreeSet<(String, u64)>,
}

impl Store {
    /// Opens (creating if needed) and migrates. `url` is `postgres://…`, `sqlite://PATH`, or a
    /// plain file path (SQLite, WAL mode).
    pub async fn open(url: &str) -> Result<Store> {
        Ok(Store {
            db: db::Db::open(url).await?,
        })
    }

    /// "sqlite" or "postgres".
    pub fn backend(&self) -> &'static str {
        self.db.backend()
    }

    // -- regions --
    /// Adds or renames villages (the district's own list). Returns rows written.
    pub async fn upsert_villages(&self, villages: &[Region]) -> Result<u64> {
        regions::upsert_villages(&self.db, villages).await
    }
    /// The national table plus every stored village.
    pub async fn region_table(&self) -> Result<RegionTable> {
        regions::region_table(&self.db).await
    }

    // -- import --
    pub async fn batch_by_digest(
        &self,
        register: Register,
        sha256: &str,
    ) -> Result<Option<BatchSummary>> {
        import::batch_by_digest(&self.db, register, sha256).await
    }
    /// Starts a batch. `Conflict` if the same (register, sha256) is already committed.
    /// On SQLite the batch holds the database's write lock until it commits or is dropped.
    pub async fn begin_import(&self, batch: NewBatch) -> Result<ImportWriter> {
        import::begin(&self.db, batch).await
    }
    pub async fn batches(&self) -> Result<Vec<BatchSummary>> {
        import::batches(&self.db).await
    }
    pub async fn rejects(&self, batch_id: i64) -> Result<Vec<RejectRow>> {
        import::rejects(&self.db, batch_id).await
    }
    /// Every staged row of every batch, in (batch, row) order.
    /// Rows staged only for linkage (their ID number fails its check character, so the import
    /// rejected them) are not included: see [`Store::flagged_records`].
    pub async fn staged_records(&self) -> Result<Vec<StagedRecord>> {
        import::staged_records(&self.db, true, false).await
    }
    /// Like [`Store::staged_records`] with every `raw` left empty: what building the registry
    /// needs, at a fraction of the memory for a million rows.
    pub async fn staged_records_without_raw(&self) -> Result<Vec<StagedRecord>> {
        import::staged_records(&self.db, false, false).await
    }
    /// Rows whose only problem is the ID number's check character, staged (besides their reject
    /// rows) so that reconciliation can link them: `id_number_raw` is the number as written,
    /// `id_number` a provisional one (first 17 characters, check character recomputed). `raw`
    /// is left empty. In (batch, row) order.
    pub async fn flagged_records(&self) -> Result<Vec<StagedRecord>> {
        import::staged_records(&self.db, false, true).await
    }

    // -- registry --
    /// Replaces the unified registry with `unified` in one transaction.
    pub async fn replace_registry(
        &self,
        unified: &Unified,
        built_at: DateTime<Utc>,
    ) -> Result<RegistryStats> {
        registry::replace(&self.db, unified, None, built_at).await
    }
    /// [`Store::replace_registry`] with the person ids given (`person_ids[i]` for
    /// `unified.persons[i]`; distinct and positive), so that persons can keep their ids across
    /// an incremental reconcile. Households are numbered `j + 1` as always.
    pub async fn replace_registry_with_person_ids(
        &self,
        unified: &Unified,
        person_ids: &[i64],
        built_at: DateTime<Utc>,
    ) -> Result<RegistryStats> {
        registry::replace(&self.db, unified, Some(person_ids), built_at).await
    }
    /// `(staging_id, person_id)` of every row the registry's persons are built from, by staging id.
    pub async fn person_sources(&self) -> Result<Vec<(i64, i64)>> {
        registry::person_sources(&self.db).await
    }
    /// When the registry was last written (`None` before the first build).
    pub async fn registry_built_at(&self) -> Result<Option<DateTime<Utc>>> {
        registry::built_at(&self.db).await
    }
    /// Page `page` of the persons matching `query` inside `scope`, ordered by village, name.
    /// A `page_size` of 0 means [`DEFAULT_PAGE_SIZE`]; larger than [`MAX_PAGE_SIZE`] is capped.
    pub async fn search(&self, scope: &Scope, query: &SearchQuery) -> Result<SearchPage> {
        views::search(&self.db, scope, query).await
    }
    /// `None` when the household does not exist *or* lies outside `scope` (indistinguishable).
    pub async fn household(&self, scope: &Scope, id: i64) -> Result<Option<HouseholdView>> {
        views::household(&self.db, scope, id).await
    }
    /// Counts per town inside `scope` (persons include deceased ones still listed). Towns: every
    /// national town of a county (or larger) scope; the one town of a town or village scope;
    /// for [`Scope::All`], the towns of the stored villages. `total.name` is the scope's name.
    pub async fn dashboard(&self, scope: &Scope) -> Result<Dashboard> {
        dashboard::dashboard(&self.db, scope).await
    }

    // -- reconciliation: clerical review --
    /// Replaces the undecided pairs with `pairs` and keeps decided ones (pairs are keyed by
    /// `(left_staging_id, right_staging_id)`, smaller first; a re-proposed pair keeps its id and
    /// decision, with its scores updated). Returns how many pairs were new to the queue.
    pub async fn replace_review_queue(
        &self,
        pairs: &[NewReviewPair],
        at: DateTime<Utc>,
    ) -> Result<u64> {
        review::replace_queue(&self.db, pairs, at, true).await
    }
    /// Upserts `pairs` into the queue like [`Store::replace_review_queue`] but deletes nothing:
    /// an incremental reconcile adds the pairs of new rows and keeps every other pair.
    pub async fn extend_review_queue(
        &self,
        pairs: &[NewReviewPair],
        at: DateTime<Utc>,
    ) -> Result<u64> {
        review::replace_queue(&self.db, pairs, at, false).await
    }
    /// A page of the queue: pairs whose two rows both lie in `scope`, by weight descending
    /// (most likely first), then id; with the number of such pairs. A `page_size` of 0 means
    /// [`DEFAULT_PAGE_SIZE`]; larger than [`MAX_PAGE_SIZE`] is capped.
    pub async fn review_queue(
        &self,
        scope: &Scope,
        filter: ReviewFilter,
        page: u32,
        page_size: u32,
    ) -> Result<(Vec<ReviewPairSummary>, u64)> {
        review::queue(&self.db, scope, filter, page, page_size).await
    }
    /// `None` when the pair does not exist or one of its rows lies outside `scope`.
    pub async fn review_pair(&self, scope: &Scope, id: i64) -> Result<Option<ReviewPair>> {
        review::pair(&self.db, scope, id).await
    }
    /// Records (or overwrites) the decision; `false` when the pair does not exist or lies outside
    /// `scope`. Auditing is the caller's.
    pub async fn decide_review(
        &self,
        scope: &Scope,
        id: i64,
        decision: &ReviewDecision,
    ) -> Result<bool> {
        review::decide(&self.db, scope, id, decision).await
    }
    /// Every decided pair: `(left_staging_id, right_staging_id, verdict)`, ordered by the key.
    pub async fn review_decisions(&self) -> Result<Vec<(i64, i64, ReviewVerdict)>> {
        review::decisions(&self.db).await
    }
    /// Logs a reconcile run; returns its id.
    pub async fn record_reconcile_run(&self, run: &NewReconcileRun) -> Result<i64> {
        review::record_run(&self.db, run, None).await
    }
    /// Logs a reconcile run with what the next run continues from; returns its id.
    pub async fn record_reconcile_run_with_state(
        &self,
        run: &NewReconcileRun,
        state: &ReconcileState,
    ) -> Result<i64> {
        review::record_run(&self.db, run, Some(state)).await
    }
    /// The newest run with its state; `None` before the first run, and a `None` state when the
    /// newest run stored none (logged before incremental reconciliation, or without state).
    pub async fn last_reconcile_state(
        &self,
    ) -> Result<Option<(ReconcileRun, Option<ReconcileState>)>> {
        review::last_state(&self.db).await
    }
    /// The newest `limit` runs, newest first.
    pub async fn reconcile_runs(&self, limit: u32) -> Result<Vec<ReconcileRun>> {
        review::runs(&self.db, limit).await
    }

    // -- users and sessions --
    /// Creates the user, or updates role/area/name/hash of an existing username.
    pub async fn upsert_user(&self, user: &NewUser) -> Result<i64> {
        users::upsert_user(&self.db, user).await
    }
    /// The user and their password hash.
    pub async fn user_for_login(&self, username: &str) -> Result<Option<(User, String)>> {
        users::user_for_login(&self.db, username).await
    }
    pub async fn create_session(
        &self,
        token_sha256: &str,
        user_id: i64,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        users::create_session(&self.db, token_sha256, user_id, expires_at).await
    }
    /// The session's user; `None` for an unknown session or one that expired (`expires_at <= now`).
    pub async fn session_user(
        &self,
        token_sha256: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<User>> {
        users::session_user(&self.db, token_sha256, now).await
    }
    pub async fn delete_session(&self, token_sha256: &str) -> Result<()> {
        users::delete_session(&self.db, token_sha256).await
    }
    /// Removes every session expired at `now`; returns how many.
    pub async fn delete_expired_sessions(&self, now: DateTime<Utc>) -> Result<u64> {
        users::delete_expired_sessions(&self.db, now).await
    }

    // -- audit --
    pub async fn audit(&self, event: &AuditEvent) -> Result<()> {
        users::audit(&self.db, event).await
    }
    /// The newest `limit` events, newest first.
    pub async fn audit_events(&self, limit: u32) -> Result<Vec<AuditEvent>> {
        users::audit_events(&self.db, limit).await
    }
}

impl ImportWriter {
    /// The id the batch gets once committed.
    pub fn batch_id(&self) -> i64 {
        self.id
    }
    pub async fn add_records(&mut self, records: &[RegisterRecord]) -> Result<()> {
        self.write_records(records, false).await
    }
    /// Stages rows that were rejected only for their ID number's check character (their reject
    /// rows are added with [`ImportWriter::add_rejects`] as usual), so that reconciliation can
    /// link them. They do not count as accepted.
    pub async fn add_flagged_records(&mut self, records: &[RegisterRecord]) -> Result<()> {
        self.write_records(records, true).await
    }
    pub async fn add_rejects(&mut self, rejects: &[RejectRow]) -> Result<()> {
        self.write_rejects(rejects).await
    }
    /// Commits the batch with its counts; before this, nothing is visible.
    pub async fn commit(self) -> Result<BatchSummary> {
        self.finish().await
    }
}
