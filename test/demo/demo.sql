-- The demo: the sample fleet, then the client/site tree with its dashboard colours
-- before, during and after server maintenance, and after a site is put in
-- maintenance; what happens to alerts meanwhile; the events a listener gets; and the
-- reminder a week later about the site left in maintenance.
\set ON_ERROR_STOP 1
\pset footer off
SET client_min_messages = warning;
CREATE EXTENSION maintmode;
\ir fleet.sql
SET client_min_messages = notice;

\echo
\echo '== The fleet: every agent, its status, colour, and failing checks and tasks'
SELECT c.name AS client, s.name AS site, a.hostname,
       d.status, d.colour,
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
  JOIN maintmode.agent_dashboard d ON d.agent_id = a.id
  JOIN maintmode.site s ON s.id = a.site_id
  JOIN maintmode.client c ON c.id = s.client_id
  LEFT JOIN maintmode.check_result r ON r.agent_id = a.id
 GROUP BY c.name, s.name, a.id, d.status, d.colour
 ORDER BY c.name, s.name, a.hostname;

\echo '== Before maintenance'
\ir tree.sql
\echo 'A check turns failing (e-mail alert wanted), and the overdue sweep runs:'
UPDATE maintmode.check_result SET status = 'failing' WHERE name = 'CPU load';
SELECT * FROM maintmode.sweep_overdue();
\ir alerts.sql

\echo '== A dashboard listens for events about maintenance (NOTIFY maintmode_events): psql'
\echo '   shows each as the transaction that made it commits'
LISTEN maintmode_events;

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
\echo 'The alerts queued before are not sent now; a check failing now alerts nobody:'
UPDATE maintmode.check_result SET status = 'failing'
 WHERE name = 'Memory' AND agent_id = (SELECT id FROM maintmode.agent WHERE hostname = 'gx-app02');
\ir alerts.sql
\echo 'What an e-mail sender takes now:'
SELECT id, message FROM maintmode.take_notifications('email', 10);

\echo '== Server maintenance off: every agent back as it was (gx-wh01 stays in maintenance, par-ws04 leaves); lon-web01 and gx-app02 now show the checks that failed meanwhile'
SELECT * FROM maintmode.server_maint_mode('disable');
\ir tree.sql
\echo 'Leaving maintenance alerts for the failures it hid; what an e-mail sender takes now:'
SELECT id, message FROM maintmode.take_notifications('email', 10);

\echo '== London HQ put in maintenance, on 1 June (the demo sets the clock of windows and reminders,'
\echo '   maintmode.test_now, so that its output is the same every day)'
SET TimeZone = 'UTC';
SET maintmode.test_now = '2026-06-01 09:00 UTC';
SELECT maintmode.set_site_maintenance(s.id, true, reason => 'network rewiring') AS agents_changed
  FROM maintmode.site s WHERE s.name = 'London HQ';
\ir tree.sql

\echo '== Nine days later, nobody has taken London HQ out: the reminder sweep (the window worker'
\echo '   runs it) reminds of its agents, and of gx-wh01, in maintenance since before anyone'
\echo '   recorded when; a reminder is never suppressed, and goes out by e-mail'
SET maintmode.test_now = '2026-06-10 09:00 UTC';
SELECT maintmode.sweep_reminders() AS reminders_raised;
SELECT id, message FROM maintmode.take_notifications('email', 10);
\echo 'The next sweep reminds of nothing until another seven days (maintmode.remind_after) have passed:'
SELECT maintmode.sweep_reminders() AS reminders_raised;
\echo 'London HQ taken out: its reminders are resolved'
SELECT maintmode.set_site_maintenance(s.id, false) AS agents_changed
  FROM maintmode.site s WHERE s.name = 'London HQ';
SELECT a.hostname, al.resolved_at
  FROM maintmode.alert al JOIN maintmode.agent a ON a.id = al.agent_id
 WHERE al.kind = 'reminder' ORDER BY al.id;
