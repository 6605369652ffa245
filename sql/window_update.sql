-- Windows of 1.2 keep their meaning after ALTER EXTENSION UPDATE: daily and weekly rows
-- written by 1.2 are in force at the same instants under 1.3's engine as under 1.2's
-- SQL, every quarter of an hour across both daylight-saving changes of 2026, except where
-- 1.3 follows RFC 5545 and 1.2 did not: a start in the spring-forward gap, a start that
-- exists twice, and hours of a duration across a change, which are elapsed time.  A 1.2 schema served by this library keeps its own rules: daily and
-- weekly only.
SET client_min_messages = warning;
CREATE EXTENSION maintmode VERSION '1.2';
\i test/fixtures/fleet.sql
SET TimeZone = 'UTC';
SET maintmode.test_now = '2026-01-01 00:00 UTC';

SELECT maintmode.create_window('site', 1, '2026-01-05 08:00 Europe/Berlin', duration => '2 hours',
                               repeat => 'daily', time_zone => 'Europe/Berlin', reason => 'daily 08:00'),
       maintmode.create_window('site', 2, '2026-01-05 09:00 America/New_York', duration => '90 minutes',
                               repeat => 'weekly', time_zone => 'America/New_York', reason => 'weekly Monday'),
       maintmode.create_window('site', 3, '2026-01-03 23:00 Australia/Sydney', duration => '3 hours',
                               repeat => 'daily', time_zone => 'Australia/Sydney', reason => 'daily 23:00'),
       maintmode.create_window('agent', 1, '2026-03-29 00:30 UTC', '2026-03-29 05:00 UTC',
                               reason => 'one-off'),
       maintmode.create_window('agent', 2, '2026-01-05 02:30 Europe/Berlin', duration => '1 hour',
                               repeat => 'daily', time_zone => 'Europe/Berlin', reason => 'daily 02:30');
-- 1.2 has no monthly repeat: the library says so, and how to get it.
SELECT maintmode.create_window('site', 1, '2026-01-05 08:00 UTC', duration => '1 hour',
                               repeat => 'monthly', time_zone => 'UTC', reason => 'x'); \echo SQLSTATE :SQLSTATE

-- The occurrence in force at every quarter of an hour around the changes, by 1.2.
CREATE TEMP TABLE instants AS
    SELECT t FROM generate_series('2026-03-26 UTC'::timestamptz, '2026-04-08 UTC', '15 minutes') t
    UNION ALL
    SELECT t FROM generate_series('2026-10-22 UTC'::timestamptz, '2026-11-04 UTC', '15 minutes') t;
CREATE TEMP TABLE in_force_1_2 AS
    SELECT w.id, w.reason, i.t, o.starts, o.ends
      FROM maintmode.maintenance_window w CROSS JOIN instants i
      LEFT JOIN LATERAL maintmode.window_occurrence(w, i.t) o ON true;

ALTER EXTENSION maintmode UPDATE TO '1.3';
SELECT extversion FROM pg_extension WHERE extname = 'maintmode';
SELECT id, repeat, time_zone, duration, reason FROM maintmode.maintenance_window ORDER BY id;

-- The same answers at every instant, but for the 02:30 window on the two days of change
-- and the Sydney window on the night of its change.
SELECT b.reason, count(*) AS instants,
       count(*) FILTER (WHERE (b.starts, b.ends) IS NOT DISTINCT FROM (o.starts, o.ends)) AS same
  FROM in_force_1_2 b
  JOIN maintmode.maintenance_window w ON w.id = b.id
  LEFT JOIN LATERAL maintmode.window_occurrence(w, b.t) o ON true
 GROUP BY b.id, b.reason ORDER BY b.id;
-- Where they differ: on 2026-03-29, 02:30 does not exist in Berlin; 1.2 started at
-- 01:30 UTC and ended at 01:30 UTC (an empty occurrence), 1.3 starts at 01:30 UTC, the
-- offset before the gap, and runs its hour.  On 2026-10-25, 02:30 exists twice; 1.2
-- took the second, 1.3 takes the first (00:30 UTC) as RFC 5545 says.  On the night of
-- 2026-04-05, when Sydney's clocks go back an hour at 03:00, the 23:00 window's 3 hours
-- were 4 under 1.2 (it ended at 02:00 local standard time); 1.3 ends it 3 hours after
-- it started, at 02:00 local summer time.
SELECT b.t, b.starts AS starts_1_2, b.ends AS ends_1_2, o.starts AS starts_1_3, o.ends AS ends_1_3
  FROM in_force_1_2 b
  JOIN maintmode.maintenance_window w ON w.id = b.id
  LEFT JOIN LATERAL maintmode.window_occurrence(w, b.t) o ON true
 WHERE (b.starts, b.ends) IS DISTINCT FROM (o.starts, o.ends)
 ORDER BY b.t;

-- The new functions and view read the old rows.
SELECT to_char(starts AT TIME ZONE 'America/New_York', 'Dy YYYY-MM-DD HH24:MI') AS weekly_monday
  FROM maintmode.window_occurrences(2, '2026-03-01 UTC', '2026-03-20 UTC');
SELECT window_id, scope, target_name, starts, ends, in_force, repeat
  FROM maintmode.upcoming_windows ORDER BY window_id;
-- And the schema takes what 1.3 does.
SELECT maintmode.create_window('site', 1, '2026-01-05 08:00 UTC', duration => '1 hour',
                               repeat => 'monthly', time_zone => 'UTC', reason => 'monthly') > 0 AS created;

RESET maintmode.test_now;
DROP VIEW fleet, state_digest;
DROP EXTENSION maintmode;
