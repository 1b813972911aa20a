-- Refreshes planner statistics after a registry rebuild.
ANALYZE registry_meta, person_sources, identities, household_members, household_keys, persons,
    households;
