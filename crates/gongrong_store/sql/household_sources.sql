-- Every staged register row behind the members of household $1 the caller may see ({scope}: a
-- condition on persons p; duplicate rows included), poverty register first, then in file order.
SELECT s.register, s.batch_id, b.file_name, s.row_no, s.raw, s.id
FROM household_members m
JOIN persons p ON p.id = m.person_id
JOIN person_sources ps ON ps.person_id = m.person_id
JOIN staging_records s ON s.id = ps.staging_id
JOIN import_batches b ON b.id = s.batch_id
WHERE m.household_id = $1 AND {scope}
ORDER BY CASE s.register WHEN 'poverty' THEN 0 ELSE 1 END, s.batch_id, s.row_no, s.id
