-- Gongrong schema, SQLite dialect. Forward-only: never edit an applied migration; add one.
-- Dates are ISO-8601 TEXT (YYYY-MM-DD), instants RFC 3339 TEXT in UTC, booleans 0/1.
-- Codes (sex, relation, identity kinds, …) are the stable machine codes of gongrong_domain.

-- Villages of the district (the national table down to towns ships with the program).
CREATE TABLE regions (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL
);

-- ---------- staging ----------

CREATE TABLE import_batches (
    id INTEGER PRIMARY KEY,
    register TEXT NOT NULL,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    encoding TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    imported_by TEXT NOT NULL,
    accepted INTEGER NOT NULL DEFAULT 0,
    rejected INTEGER NOT NULL DEFAULT 0,
    UNIQUE (register, sha256)
);

CREATE TABLE staging_records (
    id INTEGER PRIMARY KEY,
    batch_id INTEGER NOT NULL REFERENCES import_batches (id),
    row_no INTEGER NOT NULL,
    register TEXT NOT NULL,
    household_key TEXT NOT NULL,
    id_number TEXT NOT NULL,
    name TEXT NOT NULL,
    village TEXT NOT NULL,
    -- The RegisterRecord as JSON, without `raw`.
    record TEXT NOT NULL,
    -- Every source column as JSON [[header, value], …], in file order.
    raw TEXT NOT NULL
);
CREATE INDEX staging_records_batch_row ON staging_records (batch_id, row_no);
CREATE INDEX staging_records_id_number ON staging_records (id_number);

CREATE TABLE import_rejects (
    id INTEGER PRIMARY KEY,
    batch_id INTEGER NOT NULL REFERENCES import_batches (id),
    file TEXT NOT NULL,
    row_no INTEGER NOT NULL,
    field TEXT NOT NULL,
    value TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX import_rejects_batch ON import_rejects (batch_id);

-- ---------- unified registry (rebuilt as a whole) ----------

CREATE TABLE households (
    id INTEGER PRIMARY KEY,
    village TEXT NOT NULL,
    in_poverty BOOLEAN NOT NULL,
    in_dibao BOOLEAN NOT NULL
);
CREATE INDEX households_village ON households (village, in_poverty, in_dibao);

CREATE TABLE household_keys (
    register TEXT NOT NULL,
    household_key TEXT NOT NULL,
    household_id INTEGER NOT NULL REFERENCES households (id),
    PRIMARY KEY (register, household_key)
);
CREATE INDEX household_keys_household ON household_keys (household_id);

CREATE TABLE persons (
    id INTEGER PRIMARY KEY,
    id_number TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    sex TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    -- The village of the person's household: what scopes filter on.
    village TEXT NOT NULL,
    household_id INTEGER REFERENCES households (id),
    death_date TEXT,
    health TEXT,
    labour TEXT,
    disability_category TEXT,
    disability_grade TEXT,
    self_care TEXT,
    school_stage TEXT,
    in_poverty BOOLEAN NOT NULL,
    in_dibao BOOLEAN NOT NULL
);
CREATE INDEX persons_village_name ON persons (village, name);
CREATE INDEX persons_household ON persons (household_id);

CREATE TABLE household_members (
    household_id INTEGER NOT NULL REFERENCES households (id),
    person_id INTEGER NOT NULL REFERENCES persons (id),
    relation TEXT NOT NULL,
    PRIMARY KEY (household_id, person_id)
);
CREATE INDEX household_members_person ON household_members (person_id);

CREATE TABLE identities (
    id INTEGER PRIMARY KEY,
    household_id INTEGER NOT NULL REFERENCES households (id),
    kind TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_to TEXT,
    -- gongrong_domain::Source as JSON.
    source TEXT NOT NULL
);
CREATE INDEX identities_household ON identities (household_id);
CREATE INDEX identities_kind ON identities (kind, household_id);

CREATE TABLE person_sources (
    person_id INTEGER NOT NULL REFERENCES persons (id),
    staging_id INTEGER NOT NULL REFERENCES staging_records (id),
    PRIMARY KEY (person_id, staging_id)
);

CREATE TABLE registry_duplicates (
    staging_id INTEGER PRIMARY KEY REFERENCES staging_records (id)
);

CREATE TABLE registry_meta (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    built_at TEXT NOT NULL,
    persons INTEGER NOT NULL,
    households INTEGER NOT NULL,
    duplicate_rows INTEGER NOT NULL
);

-- ---------- users, sessions, audit ----------

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    area TEXT NOT NULL,
    department TEXT,
    password_hash TEXT NOT NULL
);

CREATE TABLE sessions (
    token_sha256 TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE audit_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL,
    remote_addr TEXT
);
CREATE INDEX audit_events_at ON audit_events (at);
