//! Bulk loading: rows are collected column by column and written in large statements.
//! SQLite gets multi-row `INSERT … VALUES (…), (…)` (one statement per ~30,000 parameters);
//! PostgreSQL gets `INSERT … SELECT * FROM UNNEST($1, $2, …)` with one array per column.

use crate::db::{Arg, Conn};
use crate::{Result, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::postgres::PgArguments;
use sqlx::query::Query;
use sqlx::sqlite::SqliteArguments;
use sqlx::{Postgres, Sqlite};

/// SQLite's default limit is 32,766 bound parameters per statement.
const SQLITE_MAX_PARAMS: usize = 30_000;
/// Rows per PostgreSQL statement (one array per column, so no parameter limit applies).
const POSTGRES_ROWS: usize = 20_000;

enum Column {
    Int(Vec<i64>),
    OptInt(Vec<Option<i64>>),
    Text(Vec<String>),
    OptText(Vec<Option<String>>),
    Bool(Vec<bool>),
    Date(Vec<NaiveDate>),
    OptDate(Vec<Option<NaiveDate>>),
    OptTime(Vec<Option<DateTime<Utc>>>),
    Time(Vec<DateTime<Utc>>),
    Float(Vec<f64>),
}

impl Column {
    fn new(first: Arg, capacity: usize) -> Column {
        fn one<T>(v: T, capacity: usize) -> Vec<T> {
            let mut out = Vec::with_capacity(capacity);
            out.push(v);
            out
        }
        match first {
            Arg::Int(v) => Column::Int(one(v, capacity)),
            Arg::OptInt(v) => Column::OptInt(one(v, capacity)),
            Arg::Text(v) => Column::Text(one(v, capacity)),
            Arg::OptText(v) => Column::OptText(one(v, capacity)),
            Arg::Bool(v) => Column::Bool(one(v, capacity)),
            Arg::Date(v) => Column::Date(one(v, capacity)),
            Arg::OptDate(v) => Column::OptDate(one(v, capacity)),
            Arg::OptTime(v) => Column::OptTime(one(v, capacity)),
            Arg::Time(v) => Column::Time(one(v, capacity)),
            Arg::Float(v) => Column::Float(one(v, capacity)),
        }
    }

    fn push(&mut self, arg: Arg) -> Result<()> {
        match (self, arg) {
            (Column::Int(c), Arg::Int(v)) => c.push(v),
            (Column::OptInt(c), Arg::OptInt(v)) => c.push(v),
            (Column::Text(c), Arg::Text(v)) => c.push(v),
            (Column::OptText(c), Arg::OptText(v)) => c.push(v),
            (Column::Bool(c), Arg::Bool(v)) => c.push(v),
            (Column::Date(c), Arg::Date(v)) => c.push(v),
            (Column::OptDate(c), Arg::OptDate(v)) => c.push(v),
            (Column::OptTime(c), Arg::OptTime(v)) => c.push(v),
            (Column::Time(c), Arg::Time(v)) => c.push(v),
            (Column::Float(c), Arg::Float(v)) => c.push(v),
            (_, arg) => {
                return Err(StoreError::Corrupt(format!(
                    "bulk column receives a value of another type: {arg:?}"
                )));
            }
        }
        Ok(())
    }

    fn bind_sqlite<'q>(
        &'q self,
        q: Query<'q, Sqlite, SqliteArguments<'q>>,
        i: usize,
    ) -> Query<'q, Sqlite, SqliteArguments<'q>> {
        match self {
            Column::Int(c) => q.bind(c[i]),
            Column::OptInt(c) => q.bind(c[i]),
            Column::Text(c) => q.bind(c[i].as_str()),
            Column::OptText(c) => q.bind(c[i].as_deref()),
            Column::Bool(c) => q.bind(c[i]),
            Column::Date(c) => q.bind(c[i]),
            Column::OptDate(c) => q.bind(c[i]),
            Column::OptTime(c) => q.bind(c[i]),
            Column::Time(c) => q.bind(c[i]),
            Column::Float(c) => q.bind(c[i]),
        }
    }

    fn bind_postgres<'q>(
        &'q self,
        q: Query<'q, Postgres, PgArguments>,
        from: usize,
        to: usize,
    ) -> Query<'q, Postgres, PgArguments> {
        match self {
            Column::Int(c) => q.bind(&c[from..to]),
            Column::OptInt(c) => q.bind(&c[from..to]),
            Column::Text(c) => q.bind(&c[from..to]),
            Column::OptText(c) => q.bind(&c[from..to]),
            Column::Bool(c) => q.bind(&c[from..to]),
            Column::Date(c) => q.bind(&c[from..to]),
            Column::OptDate(c) => q.bind(&c[from..to]),
            Column::OptTime(c) => q.bind(&c[from..to]),
            Column::Time(c) => q.bind(&c[from..to]),
            Column::Float(c) => q.bind(&c[from..to]),
        }
    }
}

/// Rows for one table, collected column-wise. Every row must give the same columns with the
/// same [`Arg`] variants (an `Opt*` variant for a nullable column, in every row).
pub(crate) struct Bulk {
    table: &'static str,
    names: &'static [&'static str],
    /// Appended after the VALUES / SELECT, e.g. `ON CONFLICT (code) DO UPDATE …`.
    suffix: &'static str,
    columns: Vec<Column>,
    rows: usize,
    capacity: usize,
}

impl Bulk {
    pub fn new(table: &'static str, names: &'static [&'static str]) -> Bulk {
        Bulk {
            table,
            names,
            suffix: "",
            columns: Vec::new(),
            rows: 0,
            capacity: 0,
        }
    }

    pub fn with_capacity(mut self, rows: usize) -> Bulk {
        self.capacity = rows;
        self
    }

    pub fn on_conflict(mut self, suffix: &'static str) -> Bulk {
        self.suffix = suffix;
        self
    }

    pub fn len(&self) -> usize {
        self.rows
    }

    pub fn push(&mut self, row: Vec<Arg>) -> Result<()> {
        if row.len() != self.names.len() {
            return Err(StoreError::Corrupt(format!(
                "{} values for the {} columns of {}",
                row.len(),
                self.names.len(),
                self.table
            )));
        }
        if self.columns.is_empty() {
            let capacity = self.capacity;
            self.columns = row.into_iter().map(|a| Column::new(a, capacity)).collect();
        } else {
            for (col, arg) in self.columns.iter_mut().zip(row) {
                col.push(arg)?;
            }
        }
        self.rows += 1;
        Ok(())
    }

    /// Inserts every row and empties the collection.
    pub async fn flush(&mut self, conn: &mut Conn<'_>) -> Result<u64> {
        let written = self.rows as u64;
        if self.rows > 0 {
            match conn {
                Conn::Sqlite(c) => self.insert_sqlite(c).await?,
                Conn::Postgres(c) => self.insert_postgres(c).await?,
            }
        }
        self.columns.clear();
        self.rows = 0;
        Ok(written)
    }

    fn insert_head(&self) -> String {
        format!("INSERT INTO {} ({}) ", self.table, self.names.join(", "))
    }

    async fn insert_sqlite(&self, conn: &mut sqlx::SqliteConnection) -> Result<()> {
        let width = self.names.len();
        let per_statement = (SQLITE_MAX_PARAMS / width.max(1)).max(1);
        let mut start = 0;
        while start < self.rows {
            let end = (start + per_statement).min(self.rows);
            let mut sql = self.insert_head();
            sql.push_str("VALUES ");
            // Anonymous `?` placeholders: SQLite looks named ones (`$1`) up linearly, which
            // makes parsing a statement with thousands of them quadratic.
            let tuple = format!("({})", vec!["?"; width].join(", "));
            for row in 0..end - start {
                if row > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&tuple);
            }
            sql.push(' ');
            sql.push_str(self.suffix);
            let mut q = sqlx::query(&sql);
            for row in start..end {
                for col in &self.columns {
                    q = col.bind_sqlite(q, row);
                }
            }
            q.execute(&mut *conn).await?;
            start = end;
        }
        Ok(())
    }

    async fn insert_postgres(&self, conn: &mut sqlx::PgConnection) -> Result<()> {
        let params: Vec<String> = (1..=self.names.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "{}SELECT * FROM UNNEST({}) {}",
            self.insert_head(),
            params.join(", "),
            self.suffix
        );
        let mut start = 0;
        while start < self.rows {
            let end = (start + POSTGRES_ROWS).min(self.rows);
            let mut q = sqlx::query(&sql);
            for col in &self.columns {
                q = col.bind_postgres(q, start, end);
            }
            q.execute(&mut *conn).await?;
            start = end;
        }
        Ok(())
    }
}
