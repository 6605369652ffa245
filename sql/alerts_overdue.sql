-- Overdue alerts: the sweep raising, not repeating, resolving; agents in maintenance;
-- leaving maintenance while still overdue; alert_on_leave off.
CREATE EXTENSION maintmode;
\i test/fixtures/fleet.sql

CREATE TEMP VIEW alerts AS
    SELECT al.id, a.hostname AS host, al.kind, al.severity, al.message,
           al.email, al.sms, al.suppressed, al.suppressed_reason AS why,
           al.last_seen = a.last_seen AS this_outage,
           al.resolved_at IS NOT NULL AS resolved
      FROM maintmode.alert al JOIN maintmode.agent a ON a.id = al.agent_id
     ORDER BY al.id;

SELECT * FROM fleet;
-- In one transaction, so that now() is one instant and the boundaries are exact.
BEGIN;
UPDATE maintmode.agent SET last_seen = now() - interval '2 hours', overdue_email_alert = true
 WHERE hostname = 'hq1';					-- overdue, e-mail wanted
UPDATE maintmode.agent SET last_seen = now() - interval '2 hours', overdue_text_alert = true
 WHERE hostname = 'hq2';					-- overdue, but in maintenance
UPDATE maintmode.agent SET last_seen = now() - interval '2 hours'
 WHERE hostname = 'hq3';					-- overdue, no overdue alert flag
UPDATE maintmode.agent SET last_seen = now() - interval '30 minutes',
       overdue_email_alert = true, overdue_text_alert = true
 WHERE hostname = 'br2';					-- exactly 30 minutes: offline, not overdue
UPDATE maintmode.agent SET last_seen = now() - interval '31 minutes',
       overdue_email_alert = true, overdue_text_alert = true
 WHERE hostname = 'dc1';					-- overdue, both wanted
UPDATE maintmode.agent SET overdue_email_alert = true
 WHERE hostname = 'dc2';					-- never seen: offline, not overdue
UPDATE maintmode.agent SET last_seen = now() - interval '3 hours', overdue_time = 240,
       overdue_dashboard_alert = true
 WHERE hostname = 'br1';					-- dashboard flag only, and not overdue yet
SELECT hostname, maintenance_mode, maintmode.agent_status(id) AS status
  FROM maintmode.agent ORDER BY id;
-- One alert per overdue agent with an e-mail or SMS flag on: hq1 and dc1 queued, hq2
-- recorded as suppressed (it never reaches a sender).
SELECT * FROM maintmode.sweep_overdue();
SELECT * FROM alerts;
-- Not twice for the same outage.
SELECT * FROM maintmode.sweep_overdue();
-- br2 checks in before the clock passes its boundary.
UPDATE maintmode.agent SET last_seen = now() WHERE hostname = 'br2';
COMMIT;
SELECT * FROM maintmode.sweep_overdue();
SELECT count(*) AS alerts FROM maintmode.alert;

-- hq1 is seen again: its alert is resolved at the next sweep; dc1 is not.  An alert
-- resolved before a sender took it is not sent any more.
UPDATE maintmode.agent SET last_seen = now() WHERE hostname = 'hq1';
SELECT * FROM maintmode.sweep_overdue();
SELECT id, host, this_outage, resolved FROM alerts;
-- hq1 goes silent again: a new outage, a new alert.
UPDATE maintmode.agent SET last_seen = now() - interval '1 hour' WHERE hostname = 'hq1';
SELECT * FROM maintmode.sweep_overdue();
SELECT id, host, this_outage, suppressed, resolved FROM alerts WHERE host = 'hq1';

-- A queued overdue alert whose agent enters maintenance is not sent, on either channel;
-- hq1's first alert was resolved before any sender ran, so only its second is sent.
SELECT maintmode.set_agent_maintenance(6, true);
SELECT id, message FROM maintmode.take_notifications('sms', 10);
SELECT id, message FROM maintmode.take_notifications('email', 10);
SELECT id, host, suppressed, why FROM alerts WHERE host = 'dc1';

-- Leaving maintenance while still overdue raises a live alert for the outage at once,
-- and the sweep does not repeat it.  hq2's outage was recorded suppressed by the sweep;
-- dc1's alert was suppressed before it was sent.
SELECT maintmode.set_agent_maintenance(2, false), maintmode.set_agent_maintenance(6, false);
SELECT * FROM alerts WHERE host IN ('hq2', 'dc1');
SELECT * FROM maintmode.sweep_overdue();
SELECT id, message, sms_sent_at IS NOT NULL AS sms_sent
  FROM maintmode.take_notifications('sms', 10);
-- dc1's alert went out by SMS only: entering maintenance suppresses what is left (the
-- e-mail), and leaving, still overdue, raises a fresh alert on both channels.
SELECT maintmode.set_agent_maintenance(6, true);
SELECT id, message FROM maintmode.take_notifications('email', 10);
SELECT maintmode.set_agent_maintenance(6, false);
SELECT id, email, sms, suppressed, suppressed_reason AS why,
       email_sent_at IS NOT NULL AS email_sent, sms_sent_at IS NOT NULL AS sms_sent
  FROM maintmode.alert WHERE agent_id = 6 ORDER BY id;
-- Leaving again without a new outage repeats nothing: a live alert already covers it.
SELECT maintmode.set_agent_maintenance(2, true), maintmode.set_agent_maintenance(2, false);
SELECT count(*) AS hq2_alerts FROM maintmode.alert WHERE agent_id = 2;

-- An agent that went overdue in maintenance before any sweep ran: leaving raises it.
BEGIN;
UPDATE maintmode.agent SET last_seen = now() - interval '45 minutes', overdue_time = 30,
       overdue_text_alert = true
 WHERE hostname = 'br1';
SELECT maintmode.set_agent_maintenance(4, false);
SELECT host, message, email, sms, suppressed FROM alerts WHERE host = 'br1';
ROLLBACK;

-- alert_on_leave off: leaving raises nothing, and the outage recorded while in
-- maintenance keeps the sweep from raising it later.
BEGIN;
UPDATE maintmode.agent SET last_seen = now() - interval '45 minutes', overdue_time = 30,
       overdue_text_alert = true
 WHERE hostname = 'br1';
SELECT * FROM maintmode.sweep_overdue();
SET LOCAL maintmode.alert_on_leave = off;
SELECT maintmode.set_agent_maintenance(4, false);
SELECT * FROM maintmode.sweep_overdue();
SELECT host, suppressed, why, this_outage, resolved FROM alerts WHERE host = 'br1';
ROLLBACK;
SHOW maintmode.alert_on_leave;

-- Server maintenance: agents that go overdue during it are recorded, suppressed, and
-- raised live when 'disable' takes them out (all of them in one statement).
SELECT action FROM maintmode.server_maint_mode('enable');
UPDATE maintmode.agent SET last_seen = now() - interval '1 hour', overdue_email_alert = true
 WHERE hostname IN ('br2', 'dc2');
SELECT * FROM maintmode.sweep_overdue();
SELECT action FROM maintmode.server_maint_mode('disable');
SELECT id, host, suppressed, this_outage, resolved FROM alerts WHERE host IN ('br2', 'dc2');
SELECT * FROM maintmode.sweep_overdue();

-- Deleting an agent deletes its alerts.
DELETE FROM maintmode.agent WHERE hostname = 'hq1';
SELECT count(*) AS hq1_alerts FROM maintmode.alert WHERE agent_id = 1;

DROP VIEW fleet, state_digest, alerts;
DROP EXTENSION maintmode;
