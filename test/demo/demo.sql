-- The demo: the sample fleet, then the client/site tree before, during and after
-- server maintenance, and after a site is put in maintenance.
\set ON_ERROR_STOP 1
\pset footer off
SET client_min_messages = warning;
CREATE EXTENSION maintmode;
\ir fleet.sql
SET client_min_messages = notice;

\echo
\echo '== The fleet: every agent, its status and its checks and tasks'
SELECT c.name AS client, s.name AS site, a.hostname,
       maintmode.agent_status(a.id) AS status,
       CASE WHEN a.maintenance_mode THEN 'yes' ELSE '' END AS "in maintenance",
       concat_ws(' ', CASE WHEN a.overdue_email_alert THEN 'e-mail' END,
                 CASE WHEN a.overdue_text_alert THEN 'sms' END,
                 CASE WHEN a.overdue_dashboard_alert THEN 'dashboard' END) AS "overdue alerts",
       coalesce(string_agg(r.kind || ' ' || r.name || ' (' || r.alert_severity || ')', ', '
                           ORDER BY r.kind, r.name) FILTER (WHERE r.status = 'failing'),
                '') AS "failing checks and tasks",
       count(r.id) FILTER (WHERE r.status = 'pending') AS pending,
       count(r.id) FILTER (WHERE r.status = 'passing') AS passing
  FROM maintmode.agent a
  JOIN maintmode.site s ON s.id = a.site_id
  JOIN maintmode.client c ON c.id = s.client_id
  LEFT JOIN maintmode.check_result r ON r.agent_id = a.id
 GROUP BY c.name, s.name, a.id
 ORDER BY c.name, s.name, a.hostname;

\echo '== Before maintenance'
\ir tree.sql

\echo '== Server maintenance on, as a DBA does before an upgrade'
SELECT * FROM maintmode.server_maint_mode('enable');
\echo 'An agent added during the window starts in maintenance:'
INSERT INTO maintmode.agent (site_id, hostname, last_seen)
SELECT s.id, 'par-ws04', pg_catalog.now() FROM maintmode.site s WHERE s.name = 'Paris Office';
SELECT hostname, maintenance_mode FROM maintmode.agent WHERE hostname = 'par-ws04';
\echo 'Server maintenance status:'
\x on
SELECT * FROM maintmode.server_maint_status();
\x off
\echo '== During server maintenance'
\ir tree.sql

\echo '== Server maintenance off: every agent back as it was (gx-wh01 stays in maintenance; par-ws04 leaves)'
SELECT * FROM maintmode.server_maint_mode('disable');
\ir tree.sql

\echo '== London HQ put in maintenance'
SELECT maintmode.set_site_maintenance(s.id, true) AS agents_changed
  FROM maintmode.site s WHERE s.name = 'London HQ';
\ir tree.sql
