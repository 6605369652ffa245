-- The baselines of (a) in test/bench/dashboard.sh, made once the fleet is built.
CREATE SCHEMA bench;
-- The floor: exactly the views' output, already computed, in plain tables.
CREATE TABLE bench.client_copy AS SELECT * FROM maintmode.client_dashboard;
CREATE TABLE bench.site_copy AS SELECT * FROM maintmode.site_dashboard;
ANALYZE bench.client_copy, bench.site_copy;
-- The dashboard computed from the base tables at read time.
CREATE VIEW bench.agent_colour AS
    SELECT a.id, a.site_id, a.maintenance_mode,
           CASE
               WHEN a.maintenance_mode THEN 'maintenance'
               WHEN count(*) FILTER (WHERE c.status = 'failing' AND c.alert_severity = 'error') > 0
                    OR ((a.overdue_email_alert OR a.overdue_text_alert OR a.overdue_dashboard_alert)
                        AND maintmode.agent_status(a.last_seen, a.offline_time, a.overdue_time) = 'overdue')
                   THEN 'error'
               WHEN count(*) FILTER (WHERE c.status = 'failing' AND c.alert_severity = 'warning') > 0
                   THEN 'warning'
               ELSE 'other'
           END AS colour
      FROM maintmode.agent a LEFT JOIN maintmode.check_result c ON c.agent_id = a.id
     GROUP BY a.id;
CREATE VIEW bench.site_tree AS
    SELECT s.id AS site_id, s.client_id, s.name, count(a.id) AS agents,
           count(a.id) FILTER (WHERE a.maintenance_mode) AS agents_in_maintenance,
           CASE
               WHEN count(a.id) > 0 AND bool_and(a.maintenance_mode) THEN 'maintenance'
               WHEN bool_or(a.colour = 'error') THEN 'error'
               WHEN bool_or(a.colour = 'warning') THEN 'warning'
               ELSE 'ok'
           END AS colour
      FROM maintmode.site s LEFT JOIN bench.agent_colour a ON a.site_id = s.id
     GROUP BY s.id;
CREATE VIEW bench.client_tree AS
    SELECT k.id AS client_id, k.name, count(a.id) AS agents,
           count(a.id) FILTER (WHERE a.maintenance_mode) AS agents_in_maintenance,
           CASE
               WHEN count(a.id) > 0 AND bool_and(a.maintenance_mode) THEN 'maintenance'
               WHEN bool_or(a.colour = 'error') THEN 'error'
               WHEN bool_or(a.colour = 'warning') THEN 'warning'
               ELSE 'ok'
           END AS colour
      FROM maintmode.client k
      LEFT JOIN maintmode.site s ON s.client_id = k.id
      LEFT JOIN bench.agent_colour a ON a.site_id = s.id
     GROUP BY k.id;
