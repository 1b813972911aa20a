-- Refreshes planner statistics after a registry rebuild, sampling at most 1000 rows per index.
PRAGMA analysis_limit = 1000;
ANALYZE;
