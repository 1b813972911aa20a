-- Empties the unified registry. TRUNCATE is transactional in PostgreSQL and far faster than
-- DELETE for a million rows.
TRUNCATE registry_meta, registry_duplicates, person_sources, identities, household_members,
    household_keys, persons, households;
