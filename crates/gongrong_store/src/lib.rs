//! Gongrong storage. One [`Store`] type over SQLite (embedded default: one file, WAL) or
//! PostgreSQL (when the URL starts with `postgres://`), each dialect with its own forward-only
//! migrations under `migrations/`.
//!
//! **Access.** Every method that reads or changes people data takes an [`Access`]: a signed-in
//! user ([`Access::user`]) or a system actor ([`Access::system`]). The store checks the role's
//! permission, filters rows to the people the access may see, masks sensitive fields for it
//! ([`Shown`]) and writes the audit record itself ([`audit`]); no caller can forget any of it.
//! The rules are tables in [`access::policy`]; `docs/SECURITY.md` explains how to add a method.
//!
//! CONTRACT FILE: the public types and method signatures below are what the import, web and CLI
//! crates build against. Keep them stable; add, don't rename.

pub mod access;
pub mod audit;
mod bulk;
mod codec;
mod dashboard;
mod db;
mod department;
mod import;
pub mod mask;
mod record_view;
mod regions;
mod registry;
mod reveal;
mod review;
mod sessions;
mod users;
mod views;

use chrono::{DateTime, NaiveDate, Utc};
use gongrong_domain::codes::{
    Health, IdentityKind, LabourSkill, Relation, SchoolStage, SelfCare, Sex,
};
use gongrong_domain::unify::{StagedRecord, Unified};
use gongrong_domain::{
    Disability, IdNumber, Region, RegionCode, RegionTable, Register, RegisterRecord, Role,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

pub use access::{Access, Actor, FieldClass, Permission, Visibility};
pub use audit::{AuditFilter, AuditRecord, ChainProblem, ChainReport, ProblemKind};
pub use department::DepartmentPerson;
pub use mask::Shown;
pub use record_view::RecordView;
pub(crate) use regions::national;
pub use reveal::{RevealRequest, RevealSubject, Revealed, RevealedValue};
pub use review::MAX_NOTE_CHARS;
pub use sessions::{LoginGate, LoginLimits, Session, SessionLimits};
pub use users::{UserAccount, UserChange};
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
    /// The access may not do this (its role lacks the permission, or the field is withheld).
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// Bad input, named (a note too long, an account that does not fit its role).
    #[error("invalid: {0}")]
    Invalid(String),
    #[error("not found: {0}")]
    NotFound(String),
    /// The audit log could not be written: nothing was served or changed.
    #[error("audit log: {0}")]
    Audit(String),
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
    pub id_number: Shown<IdNumber>,
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
    pub id_number: Shown<IdNumber>,
    pub sex: Sex,
    pub birth_date: NaiveDate,
    pub relation: Relation,
    pub death_date: Option<NaiveDate>,
    pub health: Shown<Option<Health>>,
    pub labour: Option<LabourSkill>,
    pub disability: Shown<Option<Disability>>,
    pub self_care: Shown<Option<SelfCare>>,
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
    /// Every column of the source row, header → value, in file order, masked for the reader.
    pub raw: Vec<(String, Shown<String>)>,
    /// The staged row (to reveal one of its masked fields).
    pub staging_id: i64,
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
    /// Both staged rows, `raw` included, masked for the reader.
    pub left: RecordView,
    pub right: RecordView,
    pub weight: f64,
    pub probability: f64,
    pub explanation: serde_json::Value,
    pub decision: Option<ReviewDecision>,
    /// The fields whose clear values differ (`RegisterRecord` field names, `raw:<header>`).
    pub differs: BTreeSet<String>,
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

// ---------- the store ----------

/// The database: SQLite or PostgreSQL. Cheap to clone (a connection pool and the audit writer).
#[derive(Clone, Debug)]
pub struct Store {
    db: db::Db,
    audit: audit::writer::AuditWriter,
}

/// An import in progress: one transaction. Dropped without `commit`, nothing is stored.
pub struct ImportWriter {
    pub(crate) tx: db::Tx,
    pub(crate) access: Access,
    pub(crate) batch: NewBatch,
    pub(crate) id: i64,
    pub(crate) accepted: u64,
    pub(crate) rejected_rows: BTreeSet<(String, u64)>,
}

impl Store {
    /// Opens (creating if needed) and migrates. `url` is `postgres://…`, `sqlite://PATH`, or a
    /// plain file path (SQLite, WAL mode). Starts the audit writer on the current tokio runtime
    /// and moves events of the pre-chain audit table into the chain.
    pub async fn open(url: &str) -> Result<Store> {
        let db = db::Db::open(url).await?;
        let adopted = audit::adopt_legacy(&db).await?;
        if adopted > 0 {
            tracing::info!(
                events = adopted,
                "old audit events moved into the audit chain"
            );
        }
        Ok(Store {
            audit: audit::writer::AuditWriter::start(db.clone()),
            db,
        })
    }

    /// "sqlite" or "postgres".
    pub fn backend(&self) -> &'static str {
        self.db.backend()
    }

    // -- regions --
    /// Adds or renames villages (the district's own list). Returns rows written. Jobs only.
    pub async fn upsert_villages(&self, access: &Access, villages: &[Region]) -> Result<u64> {
        regions::upsert_villages(&self.db, access, villages).await
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
    /// Starts a batch (jobs only); its commit is audited. `Conflict` if the same
    /// (register, sha256) is already committed. On SQLite the batch holds the database's write
    /// lock until it commits or is dropped.
    pub async fn begin_import(&self, access: &Access, batch: NewBatch) -> Result<ImportWriter> {
        import::begin(&self.db, access, batch).await
    }
    pub async fn batches(&self) -> Result<Vec<BatchSummary>> {
        import::batches(&self.db).await
    }
    /// The reject rows of a batch (they hold the rejected values): jobs only, audited.
    pub async fn rejects(&self, access: &Access, batch_id: i64) -> Result<Vec<RejectRow>> {
        access.require(Permission::RunJobs)?;
        let rows = import::rejects(&self.db, batch_id).await?;
        self.audited_bulk_read(
            access,
            "import.rejects_read",
            format!("batch:{batch_id}"),
            rows.len(),
        )
        .await?;
        Ok(rows)
    }
    /// Every staged row of every batch, in (batch, row) order (jobs only, audited).
    /// Rows staged only for linkage (their ID number fails its check character, so the import
    /// rejected them) are not included: see [`Store::flagged_records`].
    pub async fn staged_records(&self, access: &Access) -> Result<Vec<StagedRecord>> {
        self.staged(access, true, false).await
    }
    /// Like [`Store::staged_records`] with every `raw` left empty: what building the registry
    /// needs, at a fraction of the memory for a million rows.
    pub async fn staged_records_without_raw(&self, access: &Access) -> Result<Vec<StagedRecord>> {
        self.staged(access, false, false).await
    }
    /// Rows whose only problem is the ID number's check character, staged (besides their reject
    /// rows) so that reconciliation can link them: `id_number_raw` is the number as written,
    /// `id_number` a provisional one (first 17 characters, check character recomputed). `raw`
    /// is left empty. In (batch, row) order. Jobs only, audited.
    pub async fn flagged_records(&self, access: &Access) -> Result<Vec<StagedRecord>> {
        self.staged(access, false, true).await
    }

    async fn staged(
        &self,
        access: &Access,
        with_raw: bool,
        flagged: bool,
    ) -> Result<Vec<StagedRecord>> {
        access.require(Permission::RunJobs)?;
        let rows = import::staged_records(&self.db, with_raw, flagged).await?;
        let target = if flagged {
            "staging:flagged"
        } else {
            "staging"
        };
        self.audited_bulk_read(access, "staging.read", target.to_owned(), rows.len())
            .await?;
        Ok(rows)
    }

    async fn audited_bulk_read(
        &self,
        access: &Access,
        action: &str,
        target: String,
        rows: usize,
    ) -> Result<()> {
        self.audit
            .append(vec![audit::Event::new(
                access,
                action,
                target,
                format!("{rows} rows"),
            )])
            .await
    }

    // -- registry --
    /// Replaces the unified registry with `unified` in one transaction (jobs only, audited).
    /// Department lists are emptied: persons may have new ids.
    pub async fn replace_registry(
        &self,
        access: &Access,
        unified: &Unified,
        built_at: DateTime<Utc>,
    ) -> Result<RegistryStats> {
        registry::replace(&self.db, access, unified, None, built_at).await
    }
    /// [`Store::replace_registry`] with the person ids given (`person_ids[i]` for
    /// `unified.persons[i]`; distinct and positive), so that persons can keep their ids across
    /// an incremental reconcile. Households are numbered `j + 1` as always. Department lists
    /// keep the persons that still exist.
    pub async fn replace_registry_with_person_ids(
        &self,
        access: &Access,
        unified: &Unified,
        person_ids: &[i64],
        built_at: DateTime<Utc>,
    ) -> Result<RegistryStats> {
        registry::replace(&self.db, access, unified, Some(person_ids), built_at).await
    }
    /// `(staging_id, person_id)` of every row the registry's persons are built from, by staging id.
    pub async fn person_sources(&self) -> Result<Vec<(i64, i64)>> {
        registry::person_sources(&self.db).await
    }
    /// When the registry was last written (`None` before the first build).
    pub async fn registry_built_at(&self) -> Result<Option<DateTime<Utc>>> {
        registry::built_at(&self.db).await
    }
    /// Page `page` of the persons matching `query` that `access` may see, ordered by village,
    /// name; identifiers masked for the reader; audited (`person.search`, with the persons
    /// listed). A `page_size` of 0 means [`DEFAULT_PAGE_SIZE`]; larger than [`MAX_PAGE_SIZE`]
    /// is capped. A village outside the access's area finds nothing.
    pub async fn search(&self, access: &Access, query: &SearchQuery) -> Result<SearchPage> {
        views::search(self, access, query).await
    }
    /// `None` when the household does not exist *or* lies outside the access's scope
    /// (indistinguishable). Audited either way (`household.read` / `household.read_denied`).
    /// A department officer sees only the members their department lists, and their rows.
    pub async fn household(&self, access: &Access, id: i64) -> Result<Option<HouseholdView>> {
        views::household(self, access, id).await
    }
    /// Counts per town of the people `access` may see (persons include deceased ones still
    /// listed). Towns: every national town of a county (or larger) area; the one town of a town
    /// or village area; for system actors, the towns of the stored villages. `total.name` is
    /// the area's name.
    pub async fn dashboard(&self, access: &Access) -> Result<Dashboard> {
        dashboard::dashboard(&self.db, access).await
    }

    // -- department lists (filled by the policy engine's population run) --
    /// Replaces the people listed for `department` (jobs only, audited). A department officer
    /// sees exactly the people of their department's list.
    pub async fn replace_department_people(
        &self,
        access: &Access,
        department: &str,
        people: &[DepartmentPerson],
    ) -> Result<u64> {
        department::replace(&self.db, access, department, people).await
    }
    /// How many people the department's list holds (0 until a population run filled it).
    pub async fn department_people_count(&self, department: &str) -> Result<u64> {
        department::count(&self.db, department).await
    }

    // -- revealing one masked field --
    /// The clear value of one field class of one person (or staged row) the access may see,
    /// for this answer only; the reveal and its reason are audited before the value is
    /// returned. `None` when the subject does not exist or lies outside the scope; `Forbidden`
    /// when the field is withheld from the role; `Invalid` for a missing or malformed reason.
    pub async fn reveal(&self, access: &Access, req: &RevealRequest) -> Result<Option<Revealed>> {
        reveal::reveal(self, access, req).await
    }

    // -- reconciliation: clerical review --
    /// Replaces the undecided pairs with `pairs` and keeps decided ones (pairs are keyed by
    /// `(left_staging_id, right_staging_id)`, smaller first; a re-proposed pair keeps its id and
    /// decision, with its scores updated). Returns how many pairs were new to the queue.
    /// Jobs only, audited.
    pub async fn replace_review_queue(
        &self,
        access: &Access,
        pairs: &[NewReviewPair],
        at: DateTime<Utc>,
    ) -> Result<u64> {
        review::replace_queue(&self.db, access, pairs, at, true).await
    }
    /// Upserts `pairs` into the queue like [`Store::replace_review_queue`] but deletes nothing:
    /// an incremental reconcile adds the pairs of new rows and keeps every other pair.
    pub async fn extend_review_queue(
        &self,
        access: &Access,
        pairs: &[NewReviewPair],
        at: DateTime<Utc>,
    ) -> Result<u64> {
        review::replace_queue(&self.db, access, pairs, at, false).await
    }
    /// A page of the queue: pairs whose two rows both lie in the access's scope, by weight
    /// descending (most likely first), then id; with the number of such pairs. A `page_size`
    /// of 0 means [`DEFAULT_PAGE_SIZE`]; larger than [`MAX_PAGE_SIZE`] is capped.
    pub async fn review_queue(
        &self,
        access: &Access,
        filter: ReviewFilter,
        page: u32,
        page_size: u32,
    ) -> Result<(Vec<ReviewPairSummary>, u64)> {
        review::queue(&self.db, access, filter, page, page_size).await
    }
    /// The pair with both rows masked for the reader; `None` when it does not exist or one of
    /// its rows lies outside the scope. Audited either way.
    pub async fn review_pair(&self, access: &Access, id: i64) -> Result<Option<ReviewPair>> {
        review::pair(self, access, id).await
    }
    /// Records (or overwrites) the access's decision, audited in the same transaction; `None`
    /// when the pair does not exist or lies outside the scope (audited as denied). `Forbidden`
    /// for roles that do not decide; `Invalid` for a note over [`MAX_NOTE_CHARS`] or with
    /// control characters.
    pub async fn decide_review(
        &self,
        access: &Access,
        id: i64,
        verdict: ReviewVerdict,
        note: &str,
    ) -> Result<Option<ReviewDecision>> {
        review::decide(self, access, id, verdict, note).await
    }
    /// Every decided pair: `(left_staging_id, right_staging_id, verdict)`, ordered by the key.
    pub async fn review_decisions(&self) -> Result<Vec<(i64, i64, ReviewVerdict)>> {
        review::decisions(&self.db).await
    }
    /// Logs a reconcile run (jobs only, audited); returns its id.
    pub async fn record_reconcile_run(
        &self,
        access: &Access,
        run: &NewReconcileRun,
    ) -> Result<i64> {
        review::record_run(&self.db, access, run, None).await
    }
    /// Logs a reconcile run with what the next run continues from; returns its id.
    pub async fn record_reconcile_run_with_state(
        &self,
        access: &Access,
        run: &NewReconcileRun,
        state: &ReconcileState,
    ) -> Result<i64> {
        review::record_run(&self.db, access, run, Some(state)).await
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

    // -- user accounts (administrators and commands; every change audited) --
    /// Creates the user, or updates name, role, area, department and password hash of an
    /// existing username (a change of any but the name ends their sessions). `Invalid` when
    /// the area does not fit the role (a village clerk works in a village, a town caseworker in
    /// a town, district roles and auditors in a county) or a department officer has no
    /// department.
    pub async fn upsert_user(&self, access: &Access, user: &NewUser) -> Result<i64> {
        users::upsert_user(&self.db, access, user).await
    }
    /// Changes name, role, area or department (a privilege change ends the user's sessions).
    pub async fn update_user(
        &self,
        access: &Access,
        username: &str,
        change: &UserChange,
    ) -> Result<User> {
        users::update_user(&self.db, access, username, change).await
    }
    /// Sets a new password hash and ends the user's sessions.
    pub async fn set_password(
        &self,
        access: &Access,
        username: &str,
        password_hash: &str,
    ) -> Result<()> {
        users::set_password(&self.db, access, username, password_hash).await
    }
    /// Disables (ends sessions, refuses sign-in) or re-enables an account.
    pub async fn set_disabled(
        &self,
        access: &Access,
        username: &str,
        disabled: bool,
    ) -> Result<()> {
        users::set_disabled(&self.db, access, username, disabled).await
    }
    /// Clears a username's sign-in lock; `false` when it was not locked.
    pub async fn unlock_user(&self, access: &Access, username: &str) -> Result<bool> {
        sessions::unlock(&self.db, access, username).await
    }
    /// Every account with its status (administrators and commands).
    pub async fn users(&self, access: &Access) -> Result<Vec<UserAccount>> {
        users::users(&self.db, access, access.time()).await
    }

    // -- signing in and sessions --
    /// The user and their password hash, for signing in; `None` for an unknown or disabled
    /// account.
    pub async fn user_for_login(&self, username: &str) -> Result<Option<(User, String)>> {
        users::user_for_login(&self.db, username).await
    }
    /// Whether a sign-in for `username` from `addr` may be tried at `now`.
    pub async fn login_gate(
        &self,
        username: &str,
        addr: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<LoginGate> {
        sessions::login_gate(&self.db, username, addr, now).await
    }
    /// Counts a failed sign-in against the username and the address (audited as
    /// `session.login_failed`); returns the lock it caused, if any.
    pub async fn login_failed(
        &self,
        username: &str,
        addr: Option<&str>,
        channel: &str,
        now: DateTime<Utc>,
        limits: &LoginLimits,
    ) -> Result<Option<DateTime<Utc>>> {
        sessions::login_failed(&self.db, username, addr, channel, now, limits).await
    }
    /// Starts a session for the access's user (audited as `session.login`; clears the
    /// username's failed sign-ins). Only the token's SHA-256 is stored.
    pub async fn create_session(
        &self,
        access: &Access,
        token_sha256: &str,
        csrf_token: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        sessions::create_session(&self.db, access, token_sha256, csrf_token, expires_at).await
    }
    /// The session, unless unknown, expired (`expires_at <= now`), idle for `limits.idle`, or
    /// its account disabled.
    pub async fn session(
        &self,
        token_sha256: &str,
        now: DateTime<Utc>,
        limits: &SessionLimits,
    ) -> Result<Option<Session>> {
        sessions::session(&self.db, token_sha256, now, limits).await
    }
    /// Ends a session (audited as `session.logout`); `false` when there was none.
    pub async fn end_session(&self, access: &Access, token_sha256: &str) -> Result<bool> {
        sessions::end_session(&self.db, access, token_sha256).await
    }
    /// Removes every session expired (or idle) at `now`; returns how many.
    pub async fn delete_expired_sessions(
        &self,
        now: DateTime<Utc>,
        limits: &SessionLimits,
    ) -> Result<u64> {
        sessions::delete_expired(&self.db, now, limits).await
    }

    // -- audit --
    /// Appends an event by `access` (a refused request, a job's summary) and waits until it is
    /// committed. Reads and changes through the store are audited by the store itself.
    pub async fn record_event(
        &self,
        access: &Access,
        action: &str,
        target: &str,
        detail: &str,
    ) -> Result<()> {
        self.audit
            .append(vec![audit::Event::new(access, action, target, detail)])
            .await
    }
    /// Appends an event of someone not signed in (a refused request).
    pub async fn record_anonymous_event(
        &self,
        at: DateTime<Utc>,
        channel: &str,
        origin: Option<&str>,
        action: &str,
        target: &str,
        detail: &str,
    ) -> Result<()> {
        self.audit
            .append(vec![audit::Event::anonymous(
                at,
                "anonymous",
                channel,
                origin,
                action,
                target,
                detail,
            )])
            .await
    }
    /// Audit records matching `filter`, newest first (auditors, administrators and commands;
    /// the look itself is audited).
    pub async fn audit_log(
        &self,
        access: &Access,
        filter: &AuditFilter,
    ) -> Result<Vec<AuditRecord>> {
        access.require(Permission::ReadAudit)?;
        let records = audit::list(&self.db, filter).await?;
        self.audit
            .append(vec![audit::Event::new(
                access,
                "audit.read",
                "audit",
                format!(
                    "actor={}; action={}; target={}; {} records",
                    filter.actor.as_deref().unwrap_or_default(),
                    filter.action.as_deref().unwrap_or_default(),
                    filter.target.as_deref().unwrap_or_default(),
                    records.len()
                ),
            )])
            .await?;
        Ok(records)
    }
    /// Walks the whole audit chain and reports the first edited, removed or reordered record.
    pub async fn verify_audit_chain(&self, access: &Access) -> Result<ChainReport> {
        access.require(Permission::ReadAudit)?;
        audit::verify(&self.db).await
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
