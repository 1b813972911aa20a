-- Per town (first 9 digits of the village code) inside the scope pattern $1: all rows, rows in
-- both registers, poverty register only, dibao register only. {table} is persons or households.
SELECT substr(village, 1, 9) AS town,
       COUNT(*) AS all_rows,
       COALESCE(SUM(CASE WHEN in_poverty AND in_dibao THEN 1 ELSE 0 END), 0) AS both_registers,
       COALESCE(SUM(CASE WHEN in_poverty AND NOT in_dibao THEN 1 ELSE 0 END), 0) AS poverty_only,
       COALESCE(SUM(CASE WHEN in_dibao AND NOT in_poverty THEN 1 ELSE 0 END), 0) AS dibao_only
FROM {table}
WHERE village LIKE $1
GROUP BY substr(village, 1, 9)
ORDER BY town
