-- Alerts raised, suppressed and resolved by statements over many rows (more than the
-- 100 for which the triggers keep a plan), checked against the base tables.
CREATE EXTENSION maintmode;
INSERT INTO maintmode.client (name) VALUES ('bulk');
INSERT INTO maintmode.site (client_id, name) VALUES (1, 'a'), (1, 'b');
-- 3000 agents, one in five in maintenance, one in three with the overdue text flag; each
-- with a check (alerts on for two in three).
INSERT INTO maintmode.agent (site_id, hostname, maintenance_mode, overdue_text_alert)
    SELECT 1 + g % 2, 'h' || g, g % 5 = 0, g % 3 = 0 FROM generate_series(1, 3000) g;
INSERT INTO maintmode.check_result (agent_id, name, email_alert, text_alert)
    SELECT id, 'disk', id % 3 <> 0, id % 3 = 1 FROM maintmode.agent;

-- Every check fails in one statement: one alert per check with alerts on, suppressed
-- exactly for the agents in maintenance.
UPDATE maintmode.check_result SET status = 'failing';
SELECT count(*) AS alerts,
       count(*) = (SELECT count(*) FROM maintmode.check_result WHERE email_alert OR text_alert)
           AS one_per_alerting_check,
       count(*) FILTER (WHERE al.suppressed) AS suppressed,
       bool_and(al.suppressed = a.maintenance_mode) AS suppressed_iff_in_maintenance,
       bool_and(al.email = c.email_alert AND al.sms = c.text_alert) AS channels_as_check
  FROM maintmode.alert al
  JOIN maintmode.agent a ON a.id = al.agent_id
  JOIN maintmode.check_result c ON c.id = al.check_id;

-- A statement over every agent that switches only one of them: the switch is seen.
UPDATE maintmode.agent SET last_seen = now(), maintenance_mode = (id = 2999) OR maintenance_mode;
SELECT agent_id, suppressed_reason FROM maintmode.alert WHERE suppressed AND NOT agent_id % 5 = 0;
-- Heartbeats of every agent switch nothing and raise nothing.
SELECT count(*) AS alerts_before FROM maintmode.alert \gset
UPDATE maintmode.agent SET last_seen = now() - interval '1 hour';
UPDATE maintmode.check_result SET status = 'failing';
SELECT count(*) - :alerts_before AS new_alerts FROM maintmode.alert;

-- Site a enters maintenance: every alert still to send for its agents is suppressed.
SELECT maintmode.set_site_maintenance(1, true);
SELECT count(*) AS still_to_send_in_maintenance
  FROM maintmode.alert al JOIN maintmode.agent a ON a.id = al.agent_id
 WHERE a.maintenance_mode AND NOT al.suppressed;

-- Server maintenance on and off: everyone out of maintenance except the agents that
-- were in it before; each agent that left raises one live alert for its failing check
-- (alerts on) and one for its outage (overdue text flag on).
SELECT action, agents_changed FROM maintmode.server_maint_mode('enable');
SELECT count(*) AS alerts_before FROM maintmode.alert \gset
SELECT count(*) AS leaving FROM maintmode.agent a
  JOIN maintmode.saved_state s ON s.agent_id = a.id WHERE NOT s.maintenance_mode \gset
SELECT action, agents_changed = :leaving AS all_left FROM maintmode.server_maint_mode('disable');
SELECT al.kind, count(*) AS raised, bool_and(NOT a.maintenance_mode) AS all_out,
       bool_and(NOT al.suppressed) AS all_live
  FROM maintmode.alert al JOIN maintmode.agent a ON a.id = al.agent_id
 WHERE al.id > :alerts_before GROUP BY al.kind ORDER BY al.kind;
SELECT (SELECT count(*) FROM maintmode.check_result c JOIN maintmode.agent a ON a.id = c.agent_id
         WHERE NOT a.maintenance_mode AND (c.email_alert OR c.text_alert)) AS checks_expected,
       (SELECT count(*) FROM maintmode.agent
         WHERE NOT maintenance_mode AND overdue_text_alert) AS outages_expected;
-- The sweep then raises nothing live (the agents out of maintenance got theirs), and
-- records the outages of the agents still in maintenance.
SELECT * FROM maintmode.sweep_overdue();
SELECT count(*) AS in_maintenance_overdue_flagged FROM maintmode.agent
 WHERE maintenance_mode AND overdue_text_alert;
-- At most one live alert per failing check and per outage.
SELECT count(*) AS checks_with_two_live_alerts FROM (
    SELECT check_id FROM maintmode.alert WHERE NOT suppressed AND resolved_at IS NULL
       AND kind = 'check' GROUP BY check_id HAVING count(*) > 1) d;
SELECT count(*) AS outages_with_two_alerts FROM (
    SELECT agent_id FROM maintmode.alert WHERE kind = 'overdue'
     GROUP BY agent_id, last_seen, suppressed HAVING count(*) > 1) d;

-- Every check passes: every open check alert is resolved.
UPDATE maintmode.check_result SET status = 'passing';
SELECT count(*) FILTER (WHERE resolved_at IS NULL) AS open_check_alerts
  FROM maintmode.alert WHERE kind = 'check';

-- Leaving maintenance reads the checks with an alert channel (check_result_alerting_idx),
-- not every check: with ten checks without one per agent added, the agents that leave
-- server maintenance still raise their alerts without a scan of check_result.
BEGIN;
INSERT INTO maintmode.check_result (agent_id, name)
    SELECT id, 'quiet' || k FROM maintmode.agent, generate_series(1, 10) k;
UPDATE maintmode.check_result SET status = 'failing';
ANALYZE maintmode.check_result;
SELECT action, agents_changed FROM maintmode.server_maint_mode('enable');
SELECT count(*) AS alerts_before FROM maintmode.alert \gset
SELECT seq_scan AS scans_before FROM pg_catalog.pg_stat_xact_user_tables
 WHERE relid = 'maintmode.check_result'::pg_catalog.regclass \gset
SELECT action, agents_changed FROM maintmode.server_maint_mode('disable');
SELECT seq_scan - :scans_before AS check_result_scans FROM pg_catalog.pg_stat_xact_user_tables
 WHERE relid = 'maintmode.check_result'::pg_catalog.regclass;
SELECT count(*) AS raised, bool_and(c.email_alert OR c.text_alert) AS all_alerting
  FROM maintmode.alert al JOIN maintmode.check_result c ON c.id = al.check_id
 WHERE al.id > :alerts_before AND NOT al.suppressed;
ROLLBACK;

DROP EXTENSION maintmode;
