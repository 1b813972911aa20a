-- Reconciliation (`gongrong reconcile`): the clerical-review queue, reviewer decisions and the
-- log of runs. Forward-only: never edit an applied migration; add one.

-- Rows whose ID number fails its check character: still rejected by the import (the reject
-- report lists them), but staged too with this flag so that reconciliation can link them to
-- the person they describe. `id_number` holds a provisional number (the first 17 characters
-- with a recomputed check character); `record.id_number_raw` the number as written.
ALTER TABLE staging_records ADD COLUMN id_checksum_failed BOOLEAN NOT NULL DEFAULT 0;

-- One pair of staged rows in the clerical-review band, keyed by (left, right), left < right.
-- Undecided pairs are replaced by every run; a decided pair stays (and binds later runs).
CREATE TABLE review_pairs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    left_staging_id INTEGER NOT NULL REFERENCES staging_records (id),
    right_staging_id INTEGER NOT NULL REFERENCES staging_records (id),
    weight REAL NOT NULL,
    probability REAL NOT NULL,
    -- gongrong_link::Explanation as JSON.
    explanation TEXT NOT NULL,
    queued_at TEXT NOT NULL,
    -- 'match' / 'non_match'; NULL while pending.
    verdict TEXT,
    decided_by TEXT,
    decided_at TEXT,
    note TEXT,
    UNIQUE (left_staging_id, right_staging_id),
    CHECK (left_staging_id < right_staging_id)
);
CREATE INDEX review_pairs_weight ON review_pairs (weight DESC, id);

-- Every `gongrong reconcile` run: its inputs' digest and its figures (JSON).
CREATE TABLE reconcile_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_at TEXT NOT NULL,
    config_sha256 TEXT NOT NULL,
    input_sha256 TEXT NOT NULL,
    stats TEXT NOT NULL
);
