-- The client/site tree: one row per client, its sites indented below it.
SELECT CASE WHEN GROUPING(s.name) = 1 THEN c.name ELSE '    ' || s.name END AS "client / site",
       count(a.id) AS agents,
       count(a.id) FILTER (WHERE a.maintenance_mode) AS "in maintenance",
       count(a.id) FILTER (WHERE st.status = 'online') AS online,
       count(a.id) FILTER (WHERE st.status = 'offline') AS offline,
       count(a.id) FILTER (WHERE st.status = 'overdue') AS overdue
  FROM maintmode.client c
  LEFT JOIN maintmode.site s ON s.client_id = c.id
  LEFT JOIN maintmode.agent a ON a.site_id = s.id
  LEFT JOIN LATERAL (SELECT maintmode.agent_status(a.last_seen, a.offline_time,
                                                   a.overdue_time) AS status) st ON true
 GROUP BY GROUPING SETS ((c.name), (c.name, s.name))
 ORDER BY c.name, GROUPING(s.name) DESC, s.name;
