-- Empties the unified registry, children first (foreign keys are enforced).
DELETE FROM registry_meta;
DELETE FROM registry_duplicates;
DELETE FROM person_sources;
DELETE FROM identities;
DELETE FROM household_members;
DELETE FROM household_keys;
DELETE FROM persons;
DELETE FROM households;
