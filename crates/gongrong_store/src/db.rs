//! The small dialect layer: one pool type per backend, and query execution with a shared
//! argument type ([`Arg`]) and row type ([`Row`]), so that every query is written once.
//!
//! Query text uses `$1, $2, …` placeholders, which both PostgreSQL and SQLite (through sqlx)
//! accept. Where the dialects really differ (schema, bulk loading, clearing tables), the
//! difference lives in SQL files or in [`crate::bulk`], not in duplicated Rust.

use crate::{Result, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgArguments, PgConnection, PgPool, PgPoolOptions, PgRow};
use sqlx::query::Query;
use sqlx::sqlite::{
    SqliteArguments, SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool,
    SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{Decode, Postgres, Row as _, Sqlite, Type};
use std::str::FromStr;
use std::time::Duration;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Clone, Debug)]
pub(crate) enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl Db {
    /// Connects and runs the dialect's pending migrations.
    pub async fn open(url: &str) -> Result<Db> {
        let db = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = PgPoolOptions::new()
                .max_connections(10)
                .acquire_timeout(Duration::from_secs(30))
                .connect(url)
                .await?;
            POSTGRES_MIGRATIONS.run(&pool).await?;
            Db::Postgres(pool)
        } else {
            let options = sqlite_options(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(30));
            // An in-memory database lives as long as a connection to it: keep exactly one open.
            let in_memory = url.contains(":memory:") || url.contains("mode=memory");
            let pool = SqlitePoolOptions::new()
                .max_connections(if in_memory { 1 } else { 8 })
                .min_connections(u32::from(in_memory))
                .idle_timeout(if in_memory {
                    None
                } else {
                    Some(Duration::from_secs(600))
                })
                .max_lifetime(if in_memory {
                    None
                } else {
                    Some(Duration::from_secs(3600))
                })
                .connect_with(options)
                .await?;
            SQLITE_MIGRATIONS.run(&pool).await?;
            Db::Sqlite(pool)
        };
        Ok(db)
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    /// Dialect-specific SQL: `(sqlite, postgres)`.
    pub fn pick(&self, sqlite: &'static str, postgres: &'static str) -> &'static str {
        match self {
            Db::Sqlite(_) => sqlite,
            Db::Postgres(_) => postgres,
        }
    }

    pub async fn acquire(&self) -> Result<Pooled> {
        Ok(match self {
            Db::Sqlite(p) => Pooled::Sqlite(p.acquire().await?),
            Db::Postgres(p) => Pooled::Postgres(p.acquire().await?),
        })
    }

    pub async fn begin(&self) -> Result<Tx> {
        Ok(match self {
            Db::Sqlite(p) => Tx::Sqlite(p.begin().await?),
            Db::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    pub async fn execute(&self, sql: &str, args: Vec<Arg>) -> Result<u64> {
        self.acquire().await?.conn().execute(sql, args).await
    }

    pub async fn fetch_all(&self, sql: &str, args: Vec<Arg>) -> Result<Vec<Row>> {
        self.acquire().await?.conn().fetch_all(sql, args).await
    }

    pub async fn fetch_optional(&self, sql: &str, args: Vec<Arg>) -> Result<Option<Row>> {
        self.acquire().await?.conn().fetch_optional(sql, args).await
    }

    pub async fn fetch_one(&self, sql: &str, args: Vec<Arg>) -> Result<Row> {
        self.acquire().await?.conn().fetch_one(sql, args).await
    }
}

/// `sqlite://PATH`, `sqlite:PATH`, `sqlite::memory:` or a plain path.
fn sqlite_options(url: &str) -> Result<SqliteConnectOptions> {
    if url.starts_with("sqlite:") {
        return SqliteConnectOptions::from_str(url).map_err(StoreError::from);
    }
    if url.is_empty() || url.contains("://") {
        return Err(StoreError::Url(url.to_owned()));
    }
    Ok(SqliteConnectOptions::new().filename(url))
}

/// A connection checked out of the pool.
pub(crate) enum Pooled {
    Sqlite(PoolConnection<Sqlite>),
    Postgres(PoolConnection<Postgres>),
}

impl Pooled {
    pub fn conn(&mut self) -> Conn<'_> {
        match self {
            Pooled::Sqlite(c) => Conn::Sqlite(c),
            Pooled::Postgres(c) => Conn::Postgres(c),
        }
    }
}

/// A transaction; dropped without [`Tx::commit`], it rolls back.
pub(crate) enum Tx {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

impl Tx {
    pub fn conn(&mut self) -> Conn<'_> {
        match self {
            Tx::Sqlite(t) => Conn::Sqlite(t),
            Tx::Postgres(t) => Conn::Postgres(t),
        }
    }

    pub async fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }
}

/// A borrowed connection of either dialect.
pub(crate) enum Conn<'c> {
    Sqlite(&'c mut SqliteConnection),
    Postgres(&'c mut PgConnection),
}

impl Conn<'_> {
    /// Runs one statement; returns the number of rows affected.
    pub async fn execute(&mut self, sql: &str, args: Vec<Arg>) -> Result<u64> {
        Ok(match self {
            Conn::Sqlite(c) => sqlite_query(sql, &args)
                .execute(&mut **c)
                .await?
                .rows_affected(),
            Conn::Postgres(c) => pg_query(sql, &args)
                .execute(&mut **c)
                .await?
                .rows_affected(),
        })
    }

    /// Runs a script of statements separated by `;` (none may contain a `;` itself), one by
    /// one. (`sqlx::raw_sql` would do this, but its future does not prove `Send` in callers.)
    pub async fn script(&mut self, sql: &str) -> Result<()> {
        for statement in sql.split(';') {
            let code = statement
                .lines()
                .filter(|l| !l.trim_start().starts_with("--"))
                .any(|l| !l.trim().is_empty());
            if code {
                self.execute(statement, Vec::new()).await?;
            }
        }
        Ok(())
    }

    pub async fn fetch_all(&mut self, sql: &str, args: Vec<Arg>) -> Result<Vec<Row>> {
        Ok(match self {
            Conn::Sqlite(c) => sqlite_query(sql, &args)
                .fetch_all(&mut **c)
                .await?
                .into_iter()
                .map(Row::Sqlite)
                .collect(),
            Conn::Postgres(c) => pg_query(sql, &args)
                .fetch_all(&mut **c)
                .await?
                .into_iter()
                .map(Row::Postgres)
                .collect(),
        })
    }

    pub async fn fetch_optional(&mut self, sql: &str, args: Vec<Arg>) -> Result<Option<Row>> {
        Ok(match self {
            Conn::Sqlite(c) => sqlite_query(sql, &args)
                .fetch_optional(&mut **c)
                .await?
                .map(Row::Sqlite),
            Conn::Postgres(c) => pg_query(sql, &args)
                .fetch_optional(&mut **c)
                .await?
                .map(Row::Postgres),
        })
    }

    pub async fn fetch_one(&mut self, sql: &str, args: Vec<Arg>) -> Result<Row> {
        self.fetch_optional(sql, args)
            .await?
            .ok_or(StoreError::Database(sqlx::Error::RowNotFound))
    }
}

/// A query argument of either dialect. Dates and instants bind as the dialect's native type
/// (PostgreSQL `DATE` / `TIMESTAMPTZ`; SQLite ISO-8601 text).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Arg {
    Int(i64),
    OptInt(Option<i64>),
    Text(String),
    OptText(Option<String>),
    Bool(bool),
    Date(NaiveDate),
    OptDate(Option<NaiveDate>),
    OptTime(Option<DateTime<Utc>>),
    Time(DateTime<Utc>),
    Float(f64),
}

macro_rules! arg_from {
    ($($t:ty => $v:ident),* $(,)?) => {
        $(impl From<$t> for Arg {
            fn from(v: $t) -> Self {
                Arg::$v(v)
            }
        })*
    };
}
arg_from!(i64 => Int, Option<i64> => OptInt, String => Text, Option<String> => OptText,
    bool => Bool, NaiveDate => Date, Option<NaiveDate> => OptDate, DateTime<Utc> => Time,
    Option<DateTime<Utc>> => OptTime,
    f64 => Float);

impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Text(v.to_owned())
    }
}
impl From<Option<&str>> for Arg {
    fn from(v: Option<&str>) -> Self {
        Arg::OptText(v.map(str::to_owned))
    }
}
impl From<u64> for Arg {
    /// Counts and row numbers; values beyond `i64::MAX` cannot occur in practice and saturate.
    fn from(v: u64) -> Self {
        Arg::Int(i64::try_from(v).unwrap_or(i64::MAX))
    }
}

fn sqlite_query<'q>(sql: &'q str, args: &'q [Arg]) -> Query<'q, Sqlite, SqliteArguments<'q>> {
    args.iter().fold(sqlx::query(sql), |q, a| match a {
        Arg::Int(v) => q.bind(*v),
        Arg::OptInt(v) => q.bind(*v),
        Arg::Text(v) => q.bind(v.as_str()),
        Arg::OptText(v) => q.bind(v.as_deref()),
        Arg::Bool(v) => q.bind(*v),
        Arg::Date(v) => q.bind(*v),
        Arg::OptDate(v) => q.bind(*v),
        Arg::OptTime(v) => q.bind(*v),
        Arg::Time(v) => q.bind(*v),
        Arg::Float(v) => q.bind(*v),
    })
}

fn pg_query<'q>(sql: &'q str, args: &'q [Arg]) -> Query<'q, Postgres, PgArguments> {
    args.iter().fold(sqlx::query(sql), |q, a| match a {
        Arg::Int(v) => q.bind(*v),
        Arg::OptInt(v) => q.bind(*v),
        Arg::Text(v) => q.bind(v.as_str()),
        Arg::OptText(v) => q.bind(v.as_deref()),
        Arg::Bool(v) => q.bind(*v),
        Arg::Date(v) => q.bind(*v),
        Arg::OptDate(v) => q.bind(*v),
        Arg::OptTime(v) => q.bind(*v),
        Arg::Time(v) => q.bind(*v),
        Arg::Float(v) => q.bind(*v),
    })
}

/// A result row of either dialect.
pub(crate) enum Row {
    Sqlite(SqliteRow),
    Postgres(PgRow),
}

/// A Rust type both dialects decode.
pub(crate) trait Value:
    for<'r> Decode<'r, Sqlite> + Type<Sqlite> + for<'r> Decode<'r, Postgres> + Type<Postgres>
{
}
impl<T> Value for T where
    T: for<'r> Decode<'r, Sqlite> + Type<Sqlite> + for<'r> Decode<'r, Postgres> + Type<Postgres>
{
}

impl Row {
    /// Column `i` (0-based).
    pub fn get<T: Value>(&self, i: usize) -> Result<T> {
        Ok(match self {
            Row::Sqlite(r) => r.try_get(i)?,
            Row::Postgres(r) => r.try_get(i)?,
        })
    }

    /// A non-negative count or row number.
    pub fn count(&self, i: usize) -> Result<u64> {
        let v: i64 = self.get(i)?;
        u64::try_from(v).map_err(|_| StoreError::Corrupt(format!("negative count {v}")))
    }
}

/// Query arguments collected while the query text is built: [`Params::push`] returns the
/// placeholder (`$n`) of the argument it adds.
#[derive(Clone, Debug, Default)]
pub(crate) struct Params(Vec<Arg>);

impl Params {
    pub fn push(&mut self, arg: Arg) -> String {
        self.0.push(arg);
        format!("${}", self.0.len())
    }

    pub fn into_vec(self) -> Vec<Arg> {
        self.0
    }
}
