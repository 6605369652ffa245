-- Maintenance windows and hand-set maintenance with an expiry, on the window clock
-- (maintmode.test_now): start, end, overlap, hand switches and ORM updates during a
-- window, early end, extension, expiry, server_maint_mode, alerts when a window ends,
-- recurrence across a daylight-saving change, refused inputs.
CREATE EXTENSION maintmode;
SET TimeZone = 'UTC';
SET maintmode.test_now = '2026-03-02 07:00 UTC';
\i test/fixtures/fleet.sql
SET client_min_messages = notice;

-- Per agent: H hand-set, W covered by a window, M in maintenance (what everyone reads).
CREATE TEMP VIEW flags AS
    SELECT string_agg(hostname || ':' || CASE WHEN hand_maintenance THEN 'H' ELSE '-' END
                      || CASE WHEN window_maintenance THEN 'W' ELSE '-' END
                      || CASE WHEN maintenance_mode THEN 'M' ELSE '-' END,
                      ' ' ORDER BY id) AS agents
      FROM maintmode.agent;
CREATE TEMP VIEW in_maintenance AS
    SELECT hostname, source, window_id, since, until, set_by, reason
      FROM maintmode.agents_in_maintenance;

-- The fixture's hand-set agents (hq2, br1) are hand-set here too.
SELECT * FROM flags;
-- The fixture inserted them as a superuser without saying who or since when: a
-- superuser's INSERT is kept as written (a restore), so both stay unknown.  A switch
-- says: the session's role and the window clock.
SELECT maintmode.window_clock();
SET maintmode.test_now = '2026-03-02 08:00 UTC';
SELECT hostname, source, set_by = current_user AS set_by_me, since FROM in_maintenance;
SELECT maintmode.set_agent_maintenance(4, false), maintmode.set_agent_maintenance(4, true);
SELECT hostname, source, set_by = current_user AS set_by_me, since FROM in_maintenance;

-- A window on site hq (hq1, hq2, hq3) from 09:00 to 11:00: created before it starts,
-- it changes nothing yet.
SELECT maintmode.create_window('site', 1, '2026-03-02 09:00 UTC', '2026-03-02 11:00 UTC',
                               reason => 'rack move');
SELECT * FROM flags;
-- At 09:00 the sweep puts its agents in; hq2 keeps its hand flag under the window.
SET maintmode.test_now = '2026-03-02 09:00 UTC';
SELECT * FROM maintmode.sweep_windows();
SELECT * FROM flags;
SELECT * FROM in_maintenance;
-- The dashboard follows the effective state: site hq is all in maintenance.
SELECT name, agents, agents_in_maintenance, colour FROM maintmode.site_dashboard ORDER BY site_id;
SELECT count(*) AS counters_differ FROM maintmode.verify_counters();
-- A sweep with nothing to do changes nothing.
SELECT * FROM maintmode.sweep_windows();

-- An overlapping window on client acme (sites hq and branch) from 10:00 to 12:00,
-- given as a duration.  Created while in force, it applies at once.
SET maintmode.test_now = '2026-03-02 10:30 UTC';
SELECT maintmode.create_window('client', 1, '2026-03-02 10:00 UTC', duration => '2 hours',
                               reason => 'network upgrade');
SELECT * FROM flags;
-- At 11:00 the site window ends, but the client window still covers hq: nobody leaves.
SET maintmode.test_now = '2026-03-02 11:00 UTC';
SELECT * FROM maintmode.sweep_windows();
SELECT * FROM flags;
-- At 12:00 both are over: each agent is back to its hand flag (hq2, br1 stay in).
SET maintmode.test_now = '2026-03-02 12:00 UTC';
SELECT * FROM maintmode.sweep_windows();
SELECT * FROM flags;

-- A window on agent dc2 while its check is failing: the alert is suppressed; when the
-- window ends with the check still failing, a live alert is raised.
INSERT INTO maintmode.check_result (agent_id, name, email_alert) VALUES (7, 'disk', true);
SET maintmode.test_now = '2026-03-02 13:00 UTC';
SELECT maintmode.create_window('agent', 7, '2026-03-02 13:00 UTC', '2026-03-02 14:00 UTC',
                               reason => 'disk replacement');
UPDATE maintmode.check_result SET status = 'failing' WHERE agent_id = 7;
SELECT id, kind, message, suppressed, suppressed_reason FROM maintmode.alert ORDER BY id;
-- Hand switches during the window set the hand flag only: switching dc2 out changes
-- nothing (it was not in by hand), and it stays in maintenance while the window lasts.
SELECT maintmode.set_agent_maintenance(7, false);
SELECT * FROM flags;
SET maintmode.test_now = '2026-03-02 14:00 UTC';
SELECT * FROM maintmode.sweep_windows();
SELECT * FROM flags;
SELECT id, kind, message, suppressed, suppressed_reason FROM maintmode.alert ORDER BY id;

-- Put in by hand during a window, an agent stays in after it.
SET maintmode.test_now = '2026-03-02 15:00 UTC';
SELECT maintmode.create_window('agent', 6, '2026-03-02 15:00 UTC', '2026-03-02 16:00 UTC',
                               reason => 'os upgrade');
SELECT maintmode.set_agent_maintenance(6, true);
SET maintmode.test_now = '2026-03-02 16:00 UTC';
SELECT * FROM maintmode.sweep_windows();
SELECT * FROM flags;

-- An ORM's plain UPDATE of maintenance_mode is a hand change.  Writing back the value it
-- read changes nothing; taking an agent out that a window holds leaves it in.
UPDATE maintmode.agent SET maintenance_mode = false WHERE hostname = 'dc1';
UPDATE maintmode.agent SET maintenance_mode = true WHERE hostname = 'hq1';
SELECT * FROM flags;
SELECT maintmode.create_window('agent', 3, '2026-03-02 16:00 UTC', '2026-03-02 17:00 UTC',
                               reason => 'memory test');
UPDATE maintmode.agent SET maintenance_mode = maintenance_mode, last_seen = '2026-03-02 16:00 UTC'
 WHERE hostname = 'hq3';
UPDATE maintmode.agent SET maintenance_mode = false WHERE hostname IN ('hq1', 'hq3');
SELECT * FROM flags;

-- Early end: a server-wide window from 16:30 for two hours, ended at 17:00.
SET maintmode.test_now = '2026-03-02 16:30 UTC';
SELECT maintmode.create_window('server', NULL, '2026-03-02 16:30 UTC', duration => '2 hours',
                               reason => 'database migration') AS server_window \gset
SELECT * FROM flags;
-- An agent created under it starts in maintenance, with no hand flag.
INSERT INTO maintmode.agent (site_id, hostname) VALUES (3, 'dc3');
SELECT * FROM flags;
DELETE FROM maintmode.agent WHERE hostname = 'dc3';
SET maintmode.test_now = '2026-03-02 17:00 UTC';
SELECT maintmode.end_window(:server_window);
SELECT * FROM flags;
SELECT maintmode.end_window(:server_window); \echo SQLSTATE :SQLSTATE
-- A window ended before it started never applies.
SELECT maintmode.create_window('agent', 1, '2026-03-02 18:00 UTC', '2026-03-02 19:00 UTC',
                               reason => 'cancelled') AS cancelled \gset
SELECT maintmode.end_window(:cancelled);
SET maintmode.test_now = '2026-03-02 18:30 UTC';
SELECT * FROM maintmode.sweep_windows();

-- Extension: br2's window from 18:30 to 19:00, extended at 18:45 to 20:00.
SELECT maintmode.create_window('agent', 5, '2026-03-02 18:30 UTC', '2026-03-02 19:00 UTC',
                               reason => 'firmware') AS extended \gset
SET maintmode.test_now = '2026-03-02 18:45 UTC';
SELECT maintmode.extend_window(:extended, '2026-03-02 20:00 UTC');
SELECT maintmode.extend_window(:extended, '2026-03-02 19:30 UTC'); \echo SQLSTATE :SQLSTATE
SET maintmode.test_now = '2026-03-02 19:00 UTC';
SELECT * FROM maintmode.sweep_windows();
SELECT hostname, source, since, until, reason FROM in_maintenance WHERE hostname = 'br2';
SET maintmode.test_now = '2026-03-02 20:00 UTC';
SELECT * FROM maintmode.sweep_windows();
SELECT * FROM flags;
SELECT maintmode.extend_window(:extended, '2026-03-02 21:00 UTC'); \echo SQLSTATE :SQLSTATE

-- Hand-set maintenance with an expiry, for an agent and for a site.
SELECT maintmode.set_agent_maintenance(1, true, until => '2026-03-02 21:00 UTC',
                                       reason => 'disk swap');
SELECT maintmode.set_site_maintenance(3, true, until => '2026-03-02 22:00 UTC');
-- Again with the same expiry changes nothing; with another expiry, it changes it.
SELECT maintmode.set_agent_maintenance(1, true, until => '2026-03-02 21:00 UTC');
SELECT maintmode.set_agent_maintenance(1, true, until => '2026-03-02 20:30 UTC');
-- Who, why and until when, longest in maintenance first.
SELECT * FROM in_maintenance;
SET maintmode.test_now = '2026-03-02 20:29:59 UTC';
SELECT * FROM maintmode.sweep_windows();
SET maintmode.test_now = '2026-03-02 20:30 UTC';
SELECT * FROM maintmode.sweep_windows();
SELECT * FROM flags;

-- Server maintenance saves and restores hand flags: a window is neither saved nor
-- restored, and an expiry is held while the server is in maintenance.
SELECT maintmode.create_window('site', 2, '2026-03-02 20:30 UTC', '2026-03-02 21:30 UTC',
                               reason => 'branch power work');
SELECT * FROM flags;
-- agents_changed counts the agents that entered maintenance: not br2, which the window
-- holds there already.
SELECT * FROM maintmode.server_maint_mode('enable');
SELECT string_agg(a.hostname || ':' || CASE WHEN s.maintenance_mode THEN 'M' ELSE '-' END,
                  ' ' ORDER BY a.id) AS saved
  FROM maintmode.saved_state s JOIN maintmode.agent a ON a.id = s.agent_id;
SELECT * FROM flags;
SET maintmode.test_now = '2026-03-02 22:00 UTC';
SELECT * FROM maintmode.sweep_windows();
SELECT * FROM flags;
SELECT * FROM maintmode.server_maint_mode('disable');
SELECT * FROM flags;
-- The expiry held during server maintenance takes effect at the next sweep.
SELECT * FROM maintmode.sweep_windows();
SELECT * FROM flags;

-- Recurrence across a daylight-saving change: every day 08:00-10:00 Berlin time on site
-- dc (dc1, dc2); Berlin goes from UTC+1 to UTC+2 on 2026-03-29.  The occurrences before
-- and after the change, in UTC:
SELECT maintmode.create_window('site', 3, '2026-03-27 08:00 Europe/Berlin',
                               duration => '2 hours', repeat => 'daily',
                               time_zone => 'Europe/Berlin', reason => 'business hours')
    AS daily \gset
SELECT t AS at, o.starts, o.ends
  FROM maintmode.maintenance_window w,
       unnest(ARRAY['2026-03-27 07:30 UTC', '2026-03-28 08:59 UTC', '2026-03-29 06:00 UTC',
                    '2026-03-29 07:59 UTC', '2026-03-30 06:00 UTC']::timestamptz[]) t
  LEFT JOIN LATERAL maintmode.window_occurrence(w, t) o ON true
 WHERE w.id = :daily ORDER BY t;
-- Outside every occurrence: before the first, between two, after the shift.
SELECT t AS at, o.starts
  FROM maintmode.maintenance_window w,
       unnest(ARRAY['2026-03-27 06:59 UTC', '2026-03-28 09:00 UTC', '2026-03-29 08:00 UTC',
                    '2026-03-30 05:59 UTC']::timestamptz[]) t
  LEFT JOIN LATERAL maintmode.window_occurrence(w, t) o ON true
 WHERE w.id = :daily ORDER BY t;
-- The sweep follows it: in at 08:30 Berlin time on either side of the change.
SET maintmode.test_now = '2026-03-28 07:30 UTC';
SELECT * FROM maintmode.sweep_windows();
SELECT * FROM flags;
SET maintmode.test_now = '2026-03-30 05:30 UTC';
SELECT * FROM maintmode.sweep_windows();
SET maintmode.test_now = '2026-03-30 06:30 UTC';
SELECT * FROM maintmode.sweep_windows();
SELECT hostname, source, since, until, reason FROM in_maintenance WHERE source = 'window';
-- Weekly, on the weekday of its first occurrence (Monday 2026-03-23, 09:00 Berlin).
SELECT maintmode.create_window('agent', 1, '2026-03-23 09:00 Europe/Berlin',
                               duration => '1 hour', repeat => 'weekly',
                               time_zone => 'Europe/Berlin', reason => 'weekly patching')
    AS weekly \gset
SELECT t AS at, o.starts, o.ends
  FROM maintmode.maintenance_window w,
       unnest(ARRAY['2026-03-23 08:30 UTC', '2026-03-30 07:30 UTC', '2026-03-31 07:30 UTC',
                    '2026-04-06 07:00 UTC']::timestamptz[]) t
  LEFT JOIN LATERAL maintmode.window_occurrence(w, t) o ON true
 WHERE w.id = :weekly ORDER BY t;
-- Ending a recurring window ends the series.
SELECT maintmode.end_window(:daily);
SELECT * FROM flags;
SET maintmode.test_now = '2026-03-31 06:30 UTC';
SELECT * FROM maintmode.sweep_windows();

-- After every window, switch, expiry and server change above, the dashboard counters
-- still equal their recomputation.
SELECT count(*) AS counters_differ FROM maintmode.verify_counters();

-- Refused inputs: the SQLSTATE, and nothing changed.
CREATE TEMP VIEW window_digest AS
    SELECT md5(concat_ws('|', (SELECT digest FROM state_digest),
                         (SELECT string_agg(w::text, ',' ORDER BY w.id)
                            FROM maintmode.maintenance_window w))) AS digest;
SELECT digest AS before FROM window_digest \gset
SELECT maintmode.create_window('site', 1, '2026-04-01 10:00 UTC', '2026-04-01 09:00 UTC', reason => 'x'); \echo SQLSTATE :SQLSTATE
SELECT maintmode.create_window('site', 1, '2026-04-01 10:00 UTC', '2026-04-01 10:00 UTC', reason => 'x'); \echo SQLSTATE :SQLSTATE
SELECT maintmode.create_window('site', 1, '2026-04-01 10:00 UTC', '2026-04-01 11:00 UTC', '1 hour', reason => 'x'); \echo SQLSTATE :SQLSTATE
SELECT maintmode.create_window('site', 1, '2026-04-01 10:00 UTC', reason => 'x'); \echo SQLSTATE :SQLSTATE
SELECT maintmode.create_window('site', 1, '2026-04-01 10:00 UTC', duration => '-1 hour', reason => 'x'); \echo SQLSTATE :SQLSTATE
SELECT maintmode.create_window('site', 1, '2026-04-01 10:00 UTC', duration => '1 hour', repeat => 'daily', time_zone => 'Mars/Olympus_Mons', reason => 'x'); \echo SQLSTATE :SQLSTATE
SELECT maintmode.create_window('site', 1, '2026-04-01 10:00 UTC', duration => '1 hour', repeat => 'daily', reason => 'x'); \echo SQLSTATE :SQLSTATE
SELECT maintmode.create_window('site', 1, '2026-04-01 10:00 UTC', duration => '25 hours', repeat => 'daily', time_zone => 'UTC', reason => 'x'); \echo SQLSTATE :SQLSTATE
SELECT maintmode.create_window('site', 1, '2026-04-01 10:00 UTC', duration => '1 hour', repeat => 'hourly', time_zone => 'UTC', reason => 'x'); \echo SQLSTATE :SQLSTATE
SELECT maintmode.create_window('site', 1, '2026-04-01 10:00 UTC', duration => '1 hour', time_zone => 'UTC', reason => 'x'); \echo SQLSTATE :SQLSTATE
SELECT maintmode.create_window('site', 99, '2026-04-01 10:00 UTC', duration => '1 hour', reason => 'x'); \echo SQLSTATE :SQLSTATE
SELECT maintmode.create_window('agent', 99, '2026-04-01 10:00 UTC', duration => '1 hour', reason => 'x'); \echo SQLSTATE :SQLSTATE
SELECT maintmode.create_window('rack', 1, '2026-04-01 10:00 UTC', duration => '1 hour', reason => 'x'); \echo SQLSTATE :SQLSTATE
SELECT maintmode.create_window(NULL, 1, '2026-04-01 10:00 UTC', duration => '1 hour', reason => 'x'); \echo SQLSTATE :SQLSTATE
SELECT maintmode.create_window('site', NULL, '2026-04-01 10:00 UTC', duration => '1 hour', reason => 'x'); \echo SQLSTATE :SQLSTATE
SELECT maintmode.create_window('server', 1, '2026-04-01 10:00 UTC', duration => '1 hour', reason => 'x'); \echo SQLSTATE :SQLSTATE
SELECT maintmode.create_window('site', 1, NULL, duration => '1 hour', reason => 'x'); \echo SQLSTATE :SQLSTATE
SELECT maintmode.create_window('site', 1, '2026-04-01 10:00 UTC', duration => '1 hour', reason => ' '); \echo SQLSTATE :SQLSTATE
SELECT maintmode.create_window('site', 1, '2026-04-01 10:00 UTC', duration => '1 hour'); \echo SQLSTATE :SQLSTATE
SELECT maintmode.end_window(999); \echo SQLSTATE :SQLSTATE
SELECT maintmode.end_window(NULL); \echo SQLSTATE :SQLSTATE
SELECT maintmode.extend_window(:weekly, NULL); \echo SQLSTATE :SQLSTATE
SELECT maintmode.extend_window(:weekly, '2027-01-01 UTC'); \echo SQLSTATE :SQLSTATE
SELECT maintmode.set_agent_maintenance(2, true, until => '2026-03-31 06:00 UTC'); \echo SQLSTATE :SQLSTATE
SELECT maintmode.set_agent_maintenance(2, false, until => '2026-04-30 UTC'); \echo SQLSTATE :SQLSTATE
SELECT maintmode.set_site_maintenance(1, false, reason => 'why not'); \echo SQLSTATE :SQLSTATE
-- Infinite and out-of-range instants and durations, a one-off window already over, a
-- series already ended, and reasons of Unicode white space (NO-BREAK SPACE, IDEOGRAPHIC
-- SPACE, ZERO WIDTH SPACE) are refused, naming the argument.
SELECT maintmode.create_window('site', 1, '-infinity', duration => '1 hour', repeat => 'daily', time_zone => 'UTC', reason => 'x'); \echo SQLSTATE :SQLSTATE
SELECT maintmode.create_window('site', 1, 'infinity', duration => '1 hour', repeat => 'daily', time_zone => 'UTC', reason => 'x'); \echo SQLSTATE :SQLSTATE
SELECT maintmode.create_window('site', 1, '2026-04-01 10:00 UTC', 'infinity', reason => 'x'); \echo SQLSTATE :SQLSTATE
SELECT maintmode.create_window('site', 1, '4000-01-01 BC', duration => '1 hour', reason => 'x'); \echo SQLSTATE :SQLSTATE
SELECT maintmode.create_window('site', 1, '10000-01-01 UTC', duration => '1 hour', reason => 'x'); \echo SQLSTATE :SQLSTATE
SELECT maintmode.create_window('site', 1, '9999-12-31 23:00 UTC', duration => '2 hours', reason => 'x'); \echo SQLSTATE :SQLSTATE
SELECT maintmode.create_window('site', 1, '2026-04-01 10:00 UTC', duration => '178000000 years', reason => 'x'); \echo SQLSTATE :SQLSTATE
SELECT maintmode.create_window('site', 1, '2026-03-30 10:00 UTC', duration => '1 hour', reason => 'x'); \echo SQLSTATE :SQLSTATE
SELECT maintmode.create_window('site', 1, '2026-03-30 10:00 UTC', '2026-03-31 06:30 UTC', reason => 'x'); \echo SQLSTATE :SQLSTATE
SELECT maintmode.create_window('site', 1, '2026-03-01 10:00 UTC', '2026-03-30 00:00 UTC', duration => '1 hour', repeat => 'daily', time_zone => 'UTC', reason => 'x'); \echo SQLSTATE :SQLSTATE
SELECT maintmode.create_window('site', 1, '2026-04-01 10:00 UTC', duration => '1 hour', reason => U&'\00A0\3000\200B'); \echo SQLSTATE :SQLSTATE
SELECT maintmode.set_agent_maintenance(2, true, reason => U&'\3000'); \echo SQLSTATE :SQLSTATE
SELECT maintmode.set_agent_maintenance(2, true, until => 'infinity'); \echo SQLSTATE :SQLSTATE
SELECT maintmode.set_agent_maintenance(2, true, until => '-infinity'); \echo SQLSTATE :SQLSTATE
SELECT maintmode.extend_window(:weekly, 'infinity'); \echo SQLSTATE :SQLSTATE
-- Only a superuser moves the window clock.
CREATE ROLE regress_clock_mover;
SET ROLE regress_clock_mover;
SET maintmode.test_now = '2030-01-01 UTC'; \echo SQLSTATE :SQLSTATE
RESET ROLE;
DROP ROLE regress_clock_mover;
SELECT maintmode.window_clock();
SELECT digest = :'before' AS unchanged FROM window_digest;

-- The event log records who created, ended, extended, and what the sweeps changed.
SELECT role_name = current_user AS by_me, action, scope, target_id, agents_changed
  FROM maintmode.event_log WHERE action LIKE '%window%' ORDER BY id;

-- A recurring window with an infinite start, as 1.2 accepted it, has no occurrence:
-- the views that list occurrences still read.
INSERT INTO maintmode.maintenance_window (starts_at, repeat, time_zone, duration, reason, created_by)
    VALUES ('-infinity', 'daily', 'UTC', '1 hour', 'from 1.2', current_user) RETURNING id AS infinite \gset
SELECT count(*) AS in_maintenance FROM maintmode.agents_in_maintenance;
SELECT * FROM maintmode.window_occurrence(
    (SELECT w FROM maintmode.maintenance_window w WHERE id = :infinite), '2026-03-31 06:30 UTC');
DELETE FROM maintmode.maintenance_window WHERE id = :infinite;

-- force-disable takes every agent out, also those a server-wide window holds: it ends
-- the server-wide windows in force (NOTICE); windows of an agent, site or client keep
-- theirs (NOTICE).  While a server-wide window is in force, server_maint_status() says
-- the server is in maintenance, since the window began, by its creator.
SELECT maintmode.create_window('server', NULL, '2026-03-31 06:00 UTC', '2026-03-31 08:00 UTC',
                               reason => 'datacenter move') AS server_window \gset
SELECT maintmode.create_window('agent', 5, '2026-03-31 06:00 UTC', '2026-03-31 08:00 UTC',
                               reason => 'disk swap') AS agent_window \gset
SELECT * FROM flags;
SELECT in_maintenance, since, enabled_by = current_user AS by_me, agents, agents_in_maintenance
  FROM maintmode.server_maint_status();
SELECT * FROM maintmode.server_maint_mode('force-disable');
SELECT * FROM flags;
SELECT in_maintenance, since, agents_in_maintenance FROM maintmode.server_maint_status();
SELECT id = :server_window AS server_window, ended_at FROM maintmode.maintenance_window
 WHERE id IN (:server_window, :agent_window) ORDER BY id;
-- Taking br2 out while its window holds it changes nothing it shows: a NOTICE names the
-- window, its reason and its end, for a switch and for an application's plain UPDATE.
SELECT maintmode.set_agent_maintenance(5, false);
SELECT maintmode.set_site_maintenance(2, false);
UPDATE maintmode.agent SET maintenance_mode = false WHERE id = 5;
SELECT maintenance_mode FROM maintmode.agent WHERE id = 5;
SELECT maintmode.end_window(:agent_window);

-- Deleting a site deletes its windows.
DELETE FROM maintmode.site WHERE id = 3;
SELECT count(*) AS dc_windows FROM maintmode.maintenance_window WHERE id = :daily;

RESET maintmode.test_now;
DROP VIEW fleet, state_digest, window_digest, in_maintenance, flags;
DROP EXTENSION maintmode;
