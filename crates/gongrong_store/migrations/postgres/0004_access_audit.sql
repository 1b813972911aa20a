-- Access control, the audit chain and account security (issue 7). Forward-only: never edit an
-- applied migration; add one. See docs/SECURITY.md.

-- ---------- the audit chain ----------
-- Append-only, hash-chained (crates/gongrong_store/src/audit/mod.rs documents the canonical
-- serialisation). `seq` is dense from 1; `at` is the exact text that was hashed.
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    channel TEXT NOT NULL,
    origin TEXT,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_actor ON audit_log (actor, seq);
CREATE INDEX audit_log_target ON audit_log (target, seq);
-- Append-only in the database too (the hash chain still catches whoever drops these).
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- The chain's head: the last record's seq and hash. Every append locks this row first.
CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
-- The events of the old `audit_events` table are moved into the chain by the store when it
-- opens the database (hashing needs SHA-256, which SQL does not have on every backend).

-- ---------- department officers' people ----------
-- Filled by the policy engine's population run: the people with an entitlement to one of the
-- department's policies. A department officer sees exactly these people (inside their area).
-- Not keyed to persons by a foreign key: a registry rebuild that renumbers persons empties it
-- (crates/gongrong_store/src/registry.rs), and the next population run fills it again.
CREATE TABLE department_people (
    department TEXT NOT NULL,
    person_id BIGINT NOT NULL,
    policy TEXT NOT NULL,
    filled_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (department, person_id, policy)
);
CREATE INDEX department_people_person ON department_people (person_id, department);

-- ---------- accounts and sessions ----------
ALTER TABLE users ADD COLUMN disabled BOOLEAN NOT NULL DEFAULT FALSE;

-- Sessions now carry their CSRF token and their idle clock; sessions from before this
-- migration have neither and are ended (everyone signs in again once).
DELETE FROM sessions;
ALTER TABLE sessions ADD COLUMN csrf_token TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN created_at TIMESTAMPTZ NOT NULL DEFAULT '1970-01-01T00:00:00Z';
ALTER TABLE sessions ADD COLUMN last_seen_at TIMESTAMPTZ NOT NULL DEFAULT '1970-01-01T00:00:00Z';

-- Failed sign-ins per key (`user:<name>` or `addr:<ip>`), for the rate limit and the lockout.
CREATE TABLE login_throttle (
    key TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    window_start TIMESTAMPTZ NOT NULL,
    locked_until TIMESTAMPTZ
);
