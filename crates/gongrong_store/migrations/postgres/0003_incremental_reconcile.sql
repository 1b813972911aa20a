-- Incremental reconciliation: what a `gongrong reconcile` run needs from the one before it.
-- Forward-only: never edit an applied migration; add one. Runs logged before this migration have
-- NULLs here, so the next run is a full one. A run is only continued while the registry is the
-- one it wrote (`registry_meta.built_at` = its `run_at`).

-- gongrong_link::Model (m/u/prior tables) as JSON: the model later incremental runs score with.
ALTER TABLE reconcile_runs ADD COLUMN model TEXT;
-- SHA-256 over the review decisions the run applied.
ALTER TABLE reconcile_runs ADD COLUMN decisions_sha256 TEXT;
-- The staged rows the run linked: every row with an id up to `covered_through`, `covered_rows`
-- of them (a row staged later is new to the next run).
ALTER TABLE reconcile_runs ADD COLUMN covered_through BIGINT;
ALTER TABLE reconcile_runs ADD COLUMN covered_rows BIGINT;
