-- Reminders of maintenance set by hand and forgotten: an alert of kind reminder for an
-- agent in maintenance by a switch or a plain UPDATE for longer than
-- maintmode.remind_after, on the window clock, one per period, never suppressed,
-- resolved when the agent leaves; none for windows or server maintenance; the
-- setting and sweep_reminders() for superusers only.
CREATE EXTENSION maintmode;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET maintmode.test_now = '2026-06-01 10:00 UTC';
\i test/fixtures/fleet.sql
\i test/fixtures/outcome.sql
SET client_min_messages = warning;
CREATE ROLE regress_reminder_app;
GRANT USAGE ON SCHEMA maintmode TO regress_reminder_app;
GRANT SELECT, UPDATE ON maintmode.agent TO regress_reminder_app;
GRANT SELECT ON maintmode.alert TO regress_reminder_app;

CREATE TEMP VIEW reminders AS
    SELECT al.id, a.hostname, al.severity, al.email, al.sms, al.suppressed,
           al.created_at, al.resolved_at, al.message
      FROM maintmode.alert al JOIN maintmode.agent a ON a.id = al.agent_id
     WHERE al.kind = 'reminder'
     ORDER BY al.id;

-- The setting: seven days by default, an interval literal, 0 for off; superusers only.
SHOW maintmode.remind_after;
SELECT maintmode.remind_after();
SELECT v AS remind_after, pg_temp.outcome(format('SET maintmode.remind_after = %L', v))
  FROM unnest(ARRAY['1 day', 'P2W', '36 hours', '0', '-1 day', '1 day -1 hour',
                    'soon', '', '101 years', 'infinity']) v;
SET maintmode.remind_after = '0';
SELECT maintmode.remind_after() IS NULL AS off;
RESET maintmode.remind_after;
SET ROLE regress_reminder_app;
SELECT pg_temp.outcome($$SET maintmode.remind_after = '1 day'$$) AS app_sets_remind_after,
       pg_temp.outcome($$SET maintmode.notify_events = off$$) AS app_sets_notify_events,
       maintmode.remind_after() AS app_reads_it;
-- The sweep is revoked from PUBLIC.
SELECT pg_temp.outcome('SELECT maintmode.sweep_reminders()') AS app_sweeps;
RESET ROLE;

-- The fixture's hq2 and br1 were inserted in maintenance by a superuser without a
-- since: nobody knows how long, and the first sweep reminds of them.  hq1 is switched
-- in now, with a reason, an application puts br2 in with a plain UPDATE (path sql).
SELECT maintmode.set_agent_maintenance(1, true, reason => 'disk swap');
SET ROLE regress_reminder_app;
UPDATE maintmode.agent SET maintenance_mode = true WHERE hostname = 'br2';
RESET ROLE;
SELECT maintmode.sweep_reminders() AS raised;
SELECT hostname, severity, email, sms, suppressed, message FROM reminders;
-- Switched out, they are resolved at the window clock.
SELECT maintmode.set_agent_maintenance(2, false), maintmode.set_agent_maintenance(4, false);
SELECT hostname, resolved_at FROM reminders;

-- Exactly seven days is not longer than seven days; a second more is.
SET maintmode.test_now = '2026-06-08 10:00 UTC';
SELECT maintmode.sweep_reminders() AS raised_at_7_days;
SET maintmode.test_now = '2026-06-08 10:00:01 UTC';
SELECT maintmode.sweep_reminders() AS raised_after_7_days;
SELECT hostname, created_at, message FROM reminders WHERE resolved_at IS NULL;
-- One per period: again now, and during the next seven days, nothing.
SELECT maintmode.sweep_reminders() AS raised_again;
SET maintmode.test_now = '2026-06-15 10:00:00 UTC';
SELECT maintmode.sweep_reminders() AS raised_on_day_14;
-- The next period, once the last reminder is older than seven days: one more each, and
-- the earlier ones stay open.
SET maintmode.test_now = '2026-06-15 10:00:01 UTC';
SELECT maintmode.sweep_reminders() AS raised_7_days_after_the_last;
SET maintmode.test_now = '2026-06-15 10:00:02 UTC';
SELECT maintmode.sweep_reminders() AS raised_after_that;
SELECT hostname, created_at, resolved_at IS NULL AS open,
       substr(message, 1, 38) AS message FROM reminders WHERE hostname IN ('hq1', 'br2');

-- Never suppressed: an agent in maintenance is what a reminder is about.  A sender
-- takes them (and suppresses no reminder), an INSERT of one by hand is kept as is.
SELECT kind, substr(message, 1, 38) AS message FROM maintmode.take_notifications('email', 10);
INSERT INTO maintmode.alert (agent_id, kind, severity, message, email)
    VALUES (1, 'reminder', 'warning', 'written by hand', true)
    RETURNING kind, suppressed;
SELECT kind, message FROM maintmode.take_notifications('email', 10);
SELECT count(*) AS suppressed_reminders FROM maintmode.alert
 WHERE kind = 'reminder' AND suppressed;
-- A reminder is not a check alert: it has no check.
INSERT INTO maintmode.check_result (agent_id, name) VALUES (1, 'disk');
SELECT k AS kind, c AS check_id,
       pg_temp.outcome(format($$INSERT INTO maintmode.alert (agent_id, kind, check_id, severity, message)
                                VALUES (1, %L, %s, 'warning', 'x')$$, k, c)) AS outcome
  FROM (VALUES ('reminder', 'NULL'), ('reminder', '1'), ('overdue', '1'), ('check', 'NULL'),
               ('check', '1'), ('reminders', 'NULL')) v(k, c);
SELECT pg_temp.outcome($$INSERT INTO maintmode.alert (agent_id, kind, severity, message)
                         VALUES (1, NULL, 'warning', 'x')$$) AS null_kind;
DELETE FROM maintmode.alert WHERE message = 'x';

-- Leaving: by a switch, and by an application's plain UPDATE, resolves every open
-- reminder of the agent at the window clock.
SET maintmode.test_now = '2026-06-16 09:00 UTC';
SELECT maintmode.set_agent_maintenance(1, false);
SET ROLE regress_reminder_app;
UPDATE maintmode.agent SET maintenance_mode = false WHERE hostname = 'br2';
RESET ROLE;
SELECT hostname, count(*) AS reminders, count(*) FILTER (WHERE resolved_at IS NULL) AS open,
       min(resolved_at) AS resolved_at
  FROM reminders GROUP BY hostname ORDER BY hostname;

-- Not for windows: a nine-day window on site dc holds dc1 and dc2, no reminder.  An
-- agent in by hand and by a window gets them for its hand-set maintenance, and they
-- are resolved when the hand flag goes off, although the window still holds it.
SELECT maintmode.create_window('site', 3, '2026-06-16 09:00 UTC', duration => '9 days',
                               reason => 'datacentre move') AS w \gset
SELECT maintmode.set_agent_maintenance(6, true, until => '2026-06-30 00:00 UTC',
                                       reason => 'firmware');
SET maintmode.test_now = '2026-06-24 09:00 UTC';
SELECT maintmode.sweep_reminders() AS raised;
SELECT hostname, message FROM reminders WHERE resolved_at IS NULL;
SELECT maintmode.set_agent_maintenance(6, false);
SELECT hostname, maintenance_mode FROM maintmode.agent WHERE hostname LIKE 'dc%' ORDER BY id;
SELECT hostname, resolved_at FROM reminders WHERE hostname LIKE 'dc%';
SELECT maintmode.end_window(:w);

-- Not for server maintenance: the agents it put in carry its reason while it lasts;
-- hq3, in by hand before, keeps its own details and its reminders.  Its length shows
-- in server_maint_status(): reminder_due, past remind_after on the window clock.
SELECT maintmode.set_agent_maintenance(3, true, reason => 'rebuild');
SELECT action, agents_changed FROM maintmode.server_maint_mode('enable');
-- Its since is now(), not the window clock: moved to the clock's time for the test.
UPDATE maintmode.server_mode SET since = maintmode.window_clock();
SELECT in_maintenance, reminder_due FROM maintmode.server_maint_status();
SET maintmode.test_now = '2026-07-02 09:00:01 UTC';
SELECT maintmode.sweep_reminders() AS raised;
SELECT hostname, message FROM reminders WHERE resolved_at IS NULL;
SELECT in_maintenance, reminder_due FROM maintmode.server_maint_status();
SET maintmode.remind_after = '9 days';
SELECT in_maintenance, reminder_due FROM maintmode.server_maint_status();
RESET maintmode.remind_after;
-- An agent whose hand reason is "server maintenance" by its own switch, outside server
-- maintenance, is reminded like any other.
SELECT action, agents_changed FROM maintmode.server_maint_mode('disable');
SELECT in_maintenance, reminder_due FROM maintmode.server_maint_status();
SELECT maintmode.set_agent_maintenance(7, true, reason => 'server maintenance');
SET maintmode.test_now = '2026-07-10 09:00 UTC';
SELECT maintmode.sweep_reminders() AS raised;
SELECT hostname, created_at, message FROM reminders WHERE resolved_at IS NULL;

-- remind_after 0: nothing is raised; what is open is still resolved when it ends.
SET maintmode.remind_after = 0;
SET maintmode.test_now = '2026-09-01 09:00 UTC';
SELECT maintmode.sweep_reminders() AS raised_when_off;
-- A reminder left open for an agent no longer in hand-set maintenance (a writer that
-- raced with a sweep) is resolved by the next sweep.
INSERT INTO maintmode.alert (agent_id, kind, severity, message) VALUES (5, 'reminder', 'warning', 'stale');
SELECT maintmode.sweep_reminders() AS raised_when_off;
SELECT hostname, resolved_at FROM reminders WHERE message = 'stale';
RESET maintmode.remind_after;

-- A long reason is cut in the message.
SELECT maintmode.set_agent_maintenance(7, false);
SELECT maintmode.set_agent_maintenance(7, true, reason => repeat('x', 500));
SET maintmode.test_now = '2026-09-09 09:00 UTC';
SELECT maintmode.sweep_reminders() AS raised;
SELECT length(message), right(message, 10) FROM reminders
 WHERE hostname = 'dc2' AND resolved_at IS NULL;

RESET maintmode.test_now;
DROP VIEW reminders, fleet, state_digest;
REVOKE ALL ON SCHEMA maintmode FROM regress_reminder_app;
REVOKE ALL ON ALL TABLES IN SCHEMA maintmode FROM regress_reminder_app;
DROP EXTENSION maintmode;
DROP ROLE regress_reminder_app;
