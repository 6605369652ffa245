-- Check and task alerts, suppression in maintenance, the notification queue,
-- leaving maintenance while still failing, alert_on_leave, alert_allowed, refused inputs.
CREATE EXTENSION maintmode;
\i test/fixtures/fleet.sql

-- Every alert, one line each; times as "is it set".
CREATE TEMP VIEW alerts AS
    SELECT al.id, a.hostname AS host, al.kind, al.severity, al.message,
           al.email, al.sms, al.suppressed, al.suppressed_reason AS why,
           al.email_sent_at IS NOT NULL AS email_sent, al.sms_sent_at IS NOT NULL AS sms_sent,
           al.resolved_at IS NOT NULL AS resolved
      FROM maintmode.alert al JOIN maintmode.agent a ON a.id = al.agent_id
     ORDER BY al.id;
-- What a sender got, in the order it got it.
CREATE TEMP TABLE got (channel text, ord bigint, id bigint, message text,
                       email_sent boolean, sms_sent boolean);
CREATE FUNCTION pg_temp.take(channel text, n integer) RETURNS SETOF got
LANGUAGE sql AS $$
    INSERT INTO got
    SELECT channel, ordinality, t.id, t.message,
           t.email_sent_at IS NOT NULL, t.sms_sent_at IS NOT NULL
      FROM maintmode.take_notifications(channel, n) WITH ORDINALITY t
    RETURNING *
$$;

SELECT * FROM fleet;
-- hq1 (id 1) is out of maintenance, hq2 (id 2) is in it.
INSERT INTO maintmode.check_result (agent_id, kind, name, alert_severity, email_alert, text_alert)
VALUES (1, 'check', 'disk', 'error', true, true),
       (1, 'task', 'backup', 'warning', true, false),
       (1, 'check', 'cpu', 'info', false, false),		-- no alerts wanted
       (2, 'check', 'disk', 'error', true, true),
       (2, 'task', 'backup', 'info', false, true),
       (3, 'check', 'ping', 'warning', true, false);
-- A check inserted already failing raises nothing: alerts follow status changes.
INSERT INTO maintmode.check_result (agent_id, name, status, email_alert)
VALUES (5, 'born-failing', 'failing', true);
SELECT count(*) AS alerts FROM maintmode.alert;

-- One statement turns all of hq1's and hq2's checks failing: an alert for each one
-- with alerts on; hq2's are recorded, suppressed, and never queued.
UPDATE maintmode.check_result SET status = 'failing' WHERE agent_id IN (1, 2);
SELECT * FROM alerts;
-- Still failing is not a new failure.
UPDATE maintmode.check_result SET status = 'failing' WHERE agent_id IN (1, 2);
SELECT count(*) AS alerts FROM maintmode.alert;

-- An application inserting alerts itself gets the same suppression (the row is kept).
INSERT INTO maintmode.alert (agent_id, kind, severity, message, email)
VALUES (4, 'overdue', 'error', 'br1 looks overdue (app)', true),
       (5, 'overdue', 'error', 'br2 looks overdue (app)', true);
SELECT * FROM alerts WHERE id > 5;

-- The senders: oldest first, at most max_count, each alert once per channel.
SELECT * FROM pg_temp.take('email', 2);
SELECT * FROM pg_temp.take('email', 10);
SELECT * FROM pg_temp.take('email', 10);
SELECT * FROM pg_temp.take('sms', 10);
-- The returned rows are maintmode.alert rows, every column, for an ORM to map.
SELECT pg_catalog.format_type(prorettype, NULL) AS returns, proretset
  FROM pg_proc WHERE oid = 'maintmode.take_notifications'::regproc;

-- A queued alert whose agent enters maintenance before a sender takes it is not sent:
-- the switch marks it suppressed (on every channel), and no sender returns it.
UPDATE maintmode.check_result SET status = 'failing' WHERE agent_id = 3;
SELECT maintmode.set_agent_maintenance(3, true);
SELECT * FROM pg_temp.take('email', 10);
SELECT * FROM alerts WHERE host = 'hq3';
-- An alert already sent is left alone when its agent enters maintenance.
SELECT maintmode.set_agent_maintenance(1, true);
SELECT * FROM pg_temp.take('email', 10);
SELECT id, host, suppressed, email_sent, sms_sent FROM alerts WHERE host = 'hq1';

-- Leaving maintenance while still failing raises a live alert for each failing check
-- with alerts on that no live alert covers: hq3's was suppressed before it was sent,
-- so ping is raised again; hq1's were sent, so nothing is repeated.
SELECT maintmode.set_agent_maintenance(3, false), maintmode.set_agent_maintenance(1, false);
SELECT * FROM alerts WHERE id > 7;
SELECT * FROM pg_temp.take('email', 10);

-- Passing again resolves every open alert of the check, suppressed or not.
UPDATE maintmode.check_result SET status = 'passing' WHERE agent_id = 3;
-- Pending also counts as no longer failing.
UPDATE maintmode.check_result SET status = 'pending' WHERE agent_id = 1 AND name = 'backup';
SELECT id, host, message, suppressed, resolved FROM alerts WHERE host IN ('hq1', 'hq3');
-- Failing again is a new failure: a new alert.
UPDATE maintmode.check_result SET status = 'failing' WHERE agent_id = 3;
SELECT id, host, message, suppressed, resolved FROM alerts WHERE host = 'hq3';

-- hq2 (in maintenance since the start) leaves with disk and backup still failing:
-- both are raised live now; the suppressed records stay as they were.
SELECT maintmode.set_agent_maintenance(2, false);
SELECT * FROM alerts WHERE host = 'hq2';

-- Server maintenance: 'disable' takes many agents out in one statement, and every
-- failure hidden meanwhile is raised then, in one set-based pass.
SELECT action, agents_changed FROM maintmode.server_maint_mode('enable');
UPDATE maintmode.check_result SET status = 'passing' WHERE status = 'failing';
UPDATE maintmode.check_result SET status = 'failing'
 WHERE (agent_id, name) IN ((1, 'disk'), (2, 'disk'), (3, 'ping'));
SELECT id, host, message, suppressed, why, email_sent, resolved FROM alerts WHERE id >= 11;
SELECT action, agents_changed FROM maintmode.server_maint_mode('disable');
SELECT * FROM fleet;
-- hq3's alert queued before 'enable' stays suppressed although hq3 is out again: the
-- failure is reported once, by the alert raised when it left.
SELECT id, host, message, suppressed, why, email_sent, resolved FROM alerts WHERE id >= 11;

-- maintmode.alert_on_leave = off: leaving maintenance raises nothing; the failure stays
-- recorded as suppressed and resolves as usual.
SHOW maintmode.alert_on_leave;
SELECT count(*) AS alerts_before FROM maintmode.alert \gset
SELECT maintmode.set_agent_maintenance(3, true);
UPDATE maintmode.check_result SET status = 'passing' WHERE agent_id = 3;
UPDATE maintmode.check_result SET status = 'failing' WHERE agent_id = 3;
SET maintmode.alert_on_leave = off;
SELECT maintmode.set_agent_maintenance(3, false);
RESET maintmode.alert_on_leave;
SELECT id > :alerts_before AS new, host, message, suppressed, resolved
  FROM alerts WHERE host = 'hq3' ORDER BY id DESC LIMIT 2;
-- Nothing for hq3: still to send are only the alerts 'disable' raised for hq1 and hq2.
SELECT * FROM pg_temp.take('email', 10);
-- It is a superuser setting: a role that may switch agents cannot waive it.
CREATE ROLE regress_alerts_operator;
SET ROLE regress_alerts_operator;
SET maintmode.alert_on_leave = off; \echo SQLSTATE :SQLSTATE
RESET ROLE;
DROP ROLE regress_alerts_operator;

-- alert_allowed: may this agent alert now?
SELECT hostname, maintenance_mode, maintmode.alert_allowed(id) FROM maintmode.agent ORDER BY id;

-- Refused inputs: an error with a SQLSTATE, and nothing changed.
CREATE TEMP VIEW alert_digest AS
    SELECT md5(string_agg(al::text, ',' ORDER BY al.id)) AS digest FROM maintmode.alert al;
SELECT digest AS before FROM alert_digest \gset
SELECT * FROM maintmode.take_notifications('fax', 1); \echo SQLSTATE :SQLSTATE
SELECT * FROM maintmode.take_notifications('EMAIL', 1); \echo SQLSTATE :SQLSTATE
SELECT * FROM maintmode.take_notifications('', 1); \echo SQLSTATE :SQLSTATE
SELECT * FROM maintmode.take_notifications(repeat('x', 100000), 1); \echo SQLSTATE :SQLSTATE
SELECT * FROM maintmode.take_notifications(NULL, 1); \echo SQLSTATE :SQLSTATE
SELECT * FROM maintmode.take_notifications('email', 0); \echo SQLSTATE :SQLSTATE
SELECT * FROM maintmode.take_notifications('sms', -5); \echo SQLSTATE :SQLSTATE
SELECT * FROM maintmode.take_notifications('email', NULL); \echo SQLSTATE :SQLSTATE
SELECT * FROM maintmode.take_notifications('email', 'lots'); \echo SQLSTATE :SQLSTATE
SELECT maintmode.alert_allowed(999); \echo SQLSTATE :SQLSTATE
SELECT maintmode.alert_allowed(NULL); \echo SQLSTATE :SQLSTATE
\set VERBOSITY terse
INSERT INTO maintmode.alert (agent_id, kind, check_id, severity, message)
VALUES (1, 'page', 1, 'error', 'x'); \echo SQLSTATE :SQLSTATE
INSERT INTO maintmode.alert (agent_id, kind, severity, message)
VALUES (1, 'check', 'error', 'a check alert needs its check'); \echo SQLSTATE :SQLSTATE
INSERT INTO maintmode.alert (agent_id, kind, severity, message)
VALUES (999, 'overdue', 'error', 'x'); \echo SQLSTATE :SQLSTATE
\set VERBOSITY default
SELECT digest = :'before' AS unchanged FROM alert_digest;

-- A resolved alert being loaded (a restore) is kept as written, also for an agent in
-- maintenance: it is no news to suppress.
SELECT maintmode.set_agent_maintenance(2, true) >= 0 AS switched;
SELECT maintenance_mode AS hq2_in_maintenance FROM maintmode.agent WHERE id = 2;
INSERT INTO maintmode.alert (agent_id, kind, severity, message, email, resolved_at)
VALUES (2, 'overdue', 'error', 'hq2 was overdue (loaded)', true, now())
RETURNING suppressed, suppressed_reason, resolved_at IS NOT NULL AS resolved;

-- A check moved to another agent (an agent renumbered: reference.md) takes its alerts
-- along, and they are not deleted with the agent it left.
INSERT INTO maintmode.agent (site_id, hostname) VALUES (1, 'hq1-new') RETURNING id AS new_id \gset
SELECT count(*) AS hq1_check_alerts FROM maintmode.alert
 WHERE agent_id = 1 AND check_id IS NOT NULL \gset
SELECT :hq1_check_alerts > 0 AS hq1_has_check_alerts;
UPDATE maintmode.check_result SET agent_id = :new_id WHERE agent_id = 1;
SELECT count(*) AS alerts_of_other_agents_checks
  FROM maintmode.alert a JOIN maintmode.check_result c ON c.id = a.check_id
 WHERE a.agent_id <> c.agent_id;
DELETE FROM maintmode.agent WHERE id = 1;
SELECT count(*) = :hq1_check_alerts AS kept FROM maintmode.alert WHERE agent_id = :new_id;

-- The table is dumped with the extension's data, and goes with its agent or check.
SELECT 'maintmode.alert'::regclass = ANY (extconfig) AS dumped
  FROM pg_extension WHERE extname = 'maintmode';
DELETE FROM maintmode.check_result WHERE agent_id = 3;
SELECT count(*) AS hq3_alerts FROM maintmode.alert WHERE agent_id = 3;
DELETE FROM maintmode.client WHERE name = 'acme';
SELECT count(*) AS alerts_left FROM maintmode.alert;

DROP VIEW fleet, state_digest, alerts, alert_digest;
DROP FUNCTION pg_temp.take(text, integer);
DROP TABLE got;
DROP EXTENSION maintmode;
