-- Per town (first 9 digits of the village code) of the rows the caller may see ({scope}: a
-- condition on t): all rows, rows in both registers, poverty register only, dibao register only.
-- {table} is persons or households.
SELECT substr(t.village, 1, 9) AS town,
       COUNT(*) AS all_rows,
       COALESCE(SUM(CASE WHEN t.in_poverty AND t.in_dibao THEN 1 ELSE 0 END), 0) AS both_registers,
       COALESCE(SUM(CASE WHEN t.in_poverty AND NOT t.in_dibao THEN 1 ELSE 0 END), 0) AS poverty_only,
       COALESCE(SUM(CASE WHEN t.in_dibao AND NOT t.in_poverty THEN 1 ELSE 0 END), 0) AS dibao_only
FROM {table} t
WHERE {scope}
GROUP BY substr(t.village, 1, 9)
ORDER BY town
