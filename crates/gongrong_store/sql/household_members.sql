-- The members of household $1 the caller may see ({scope}: a condition on persons p), head first
-- (relation codes sort in list order), then by ID number.
SELECT p.id, p.name, p.id_number, p.sex, p.birth_date, m.relation, p.death_date, p.health,
       p.labour, p.disability_category, p.disability_grade, p.self_care, p.school_stage,
       p.in_poverty, p.in_dibao
FROM household_members m
JOIN persons p ON p.id = m.person_id
WHERE m.household_id = $1 AND {scope}
ORDER BY m.relation, p.id_number
