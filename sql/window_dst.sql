-- Local times of recurring windows (RFC 5545 section 3.3.5) on the days the clocks
-- change, both ways, in three zones on both hemispheres: a start that does not exist
-- (spring forward) takes the UTC offset before the gap; one that exists twice (fall
-- back) is the first; hours are elapsed time and days are calendar days.  Then windows
-- crossing midnight and month ends, time zone names, and the sweep applying a monthly
-- patch night at the right instants.
CREATE EXTENSION maintmode;
\i test/fixtures/fleet.sql
SET client_min_messages = warning;
SET TimeZone = 'UTC';
SET maintmode.test_now = '2026-01-01 00:00 UTC';

-- occurrences(window, zone, from, to): each occurrence in UTC and in the zone's local
-- time, and how long it lasts.
CREATE FUNCTION pg_temp.occurrences(w bigint, zone text, "from" timestamptz, "to" timestamptz)
RETURNS TABLE (starts_utc text, ends_utc text, starts_local text, ends_local text,
               lasts interval)
LANGUAGE sql AS $$
    SELECT to_char(o.starts, 'MM-DD HH24:MI'), to_char(o.ends, 'MM-DD HH24:MI'),
           to_char(o.starts AT TIME ZONE zone, 'MM-DD HH24:MI'),
           to_char(o.ends AT TIME ZONE zone, 'MM-DD HH24:MI'), o.ends - o.starts
      FROM maintmode.window_occurrences(w, "from", "to") o
$$;

-- Europe/Berlin, spring forward on 2026-03-29 (02:00 CET becomes 03:00 CEST): the daily
-- 02:00-03:00 window starts at 02:00 with the offset before the gap, 01:00 UTC, and
-- lasts its hour: 01:00-02:00 UTC (03:00-04:00 local) that day.
SELECT maintmode.create_window('site', 1, '2026-03-27 02:00 Europe/Berlin', duration => '1 hour',
                               repeat => 'daily', time_zone => 'Europe/Berlin',
                               reason => 'nightly backup') AS berlin_2am \gset
SELECT * FROM pg_temp.occurrences(:berlin_2am, 'Europe/Berlin', '2026-03-27 UTC', '2026-03-31 UTC');
-- Fall back on 2026-10-25 (03:00 CEST becomes 02:00 CET): 02:00 happens twice; the
-- window starts at the first, 00:00 UTC, and ends an hour later, at the second 02:00.
SELECT * FROM pg_temp.occurrences(:berlin_2am, 'Europe/Berlin', '2026-10-23 UTC', '2026-10-27 UTC');
-- A window in the middle of the gap (02:30) starts at 02:30 with the offset before it;
-- a duration in days ends on the next day's 02:30, so the occurrence that starts in the
-- gap lasts 23 hours and the one before it 24.
SELECT maintmode.create_window('site', 1, '2026-03-27 02:30 Europe/Berlin', duration => '1 day',
                               repeat => 'daily', time_zone => 'Europe/Berlin',
                               reason => 'day long') AS berlin_day \gset
SELECT * FROM pg_temp.occurrences(:berlin_day, 'Europe/Berlin', '2026-03-28 UTC', '2026-03-31 UTC');
SELECT * FROM pg_temp.occurrences(:berlin_day, 'Europe/Berlin', '2026-10-24 UTC', '2026-10-27 UTC');
-- A business-hours window (08:00-10:00) keeps its local hours: 07:00 UTC in winter,
-- 06:00 in summer.
SELECT maintmode.create_window('site', 1, '2026-03-27 08:00 Europe/Berlin', duration => '2 hours',
                               repeat => 'FREQ=DAILY;BYDAY=SA,SU,MO', time_zone => 'Europe/Berlin',
                               reason => 'business hours') AS berlin_8am \gset
SELECT * FROM pg_temp.occurrences(:berlin_8am, 'Europe/Berlin', '2026-03-27 UTC', '2026-03-31 UTC');
SELECT * FROM pg_temp.occurrences(:berlin_8am, 'Europe/Berlin', '2026-10-23 UTC', '2026-10-27 UTC');

-- America/New_York: spring forward on 2026-03-08 (02:00 EST becomes 03:00 EDT), fall
-- back on 2026-11-01 (02:00 EDT becomes 01:00 EST).  A daily 02:30 window starts at
-- 07:30 UTC on the day of the gap (03:30 EDT); a daily 01:30 window starts at the first
-- 01:30 (EDT, 05:30 UTC) on the day 01:30 happens twice.
SELECT maintmode.create_window('client', 2, '2026-03-06 02:30 America/New_York', duration => '1 hour',
                               repeat => 'daily', time_zone => 'America/New_York',
                               reason => 'in the gap') AS ny_gap \gset
SELECT * FROM pg_temp.occurrences(:ny_gap, 'America/New_York', '2026-03-07 UTC', '2026-03-10 UTC');
SELECT maintmode.create_window('client', 2, '2026-10-30 01:30 America/New_York', duration => '1 hour',
                               repeat => 'daily', time_zone => 'America/New_York',
                               reason => 'in the overlap') AS ny_overlap \gset
SELECT * FROM pg_temp.occurrences(:ny_overlap, 'America/New_York', '2026-10-31 UTC', '2026-11-03 UTC');
-- Weekly on Sunday, 00:00 for 4 hours: on the days of change the occurrence lasts 4
-- hours of elapsed time, and ends at 05:00 local in spring and at 03:00 in autumn.
SELECT maintmode.create_window('client', 2, '2026-03-01 00:00 America/New_York', duration => '4 hours',
                               repeat => 'weekly', time_zone => 'America/New_York',
                               reason => 'sunday night') AS ny_sunday \gset
SELECT * FROM pg_temp.occurrences(:ny_sunday, 'America/New_York', '2026-03-01 UTC', '2026-03-16 UTC');
SELECT * FROM pg_temp.occurrences(:ny_sunday, 'America/New_York', '2026-10-25 UTC', '2026-11-09 UTC');

-- Australia/Sydney, southern hemisphere: fall back on 2026-04-05 (03:00 AEDT becomes
-- 02:00 AEST), spring forward on 2026-10-04 (02:00 AEST becomes 03:00 AEDT).
SELECT maintmode.create_window('agent', 6, '2026-04-02 02:30 Australia/Sydney', duration => '1 hour',
                               repeat => 'daily', time_zone => 'Australia/Sydney',
                               reason => 'sydney 02:30') AS sydney \gset
SELECT * FROM pg_temp.occurrences(:sydney, 'Australia/Sydney', '2026-04-03 UTC', '2026-04-06 UTC');
SELECT * FROM pg_temp.occurrences(:sydney, 'Australia/Sydney', '2026-10-02 UTC', '2026-10-05 UTC');
-- The window in force at instants around the change, as the sweep asks.
SELECT t AS at, o.starts, o.ends
  FROM maintmode.maintenance_window w,
       unnest(ARRAY['2026-10-03 16:29:59 UTC', '2026-10-03 16:30 UTC', '2026-10-03 17:29:59 UTC',
                    '2026-10-03 17:30 UTC']::timestamptz[]) t
  LEFT JOIN LATERAL maintmode.window_occurrence(w, t) o ON true
 WHERE w.id = :sydney ORDER BY t;

-- Crossing midnight and month ends: the last day of every month, 23:00-02:00 Berlin
-- time (BYMONTHDAY=-1), which ends on the first of the next month; the one on 31 March
-- starts in summer time, two days after the change.
SELECT maintmode.create_window('site', 2, '2026-01-31 23:00 Europe/Berlin', duration => '3 hours',
                               repeat => 'FREQ=MONTHLY;BYMONTHDAY=-1', time_zone => 'Europe/Berlin',
                               reason => 'month end') AS month_end \gset
SELECT * FROM pg_temp.occurrences(:month_end, 'Europe/Berlin', '2026-01-01 UTC', '2026-06-01 UTC');
-- A duration in months is calendar months: from the 31st, a month later is the last day
-- of a shorter month.
SELECT maintmode.create_window('site', 2, '2026-01-31 12:00 UTC', duration => '1 mon',
                               repeat => 'FREQ=MONTHLY;INTERVAL=2;BYMONTHDAY=-1', time_zone => 'UTC',
                               reason => 'a month') AS a_month \gset
SELECT * FROM pg_temp.occurrences(:a_month, 'UTC', '2026-01-01 UTC', '2026-08-01 UTC');

-- time_zone is always the IANA zone of that name, in any case: CET keeps summer time
-- (as SET TIME ZONE 'CET' does, not as the abbreviation CET, +01:00), and a name that is
-- only an abbreviation, or no zone at all, is refused (22023).
SELECT count(maintmode.create_window('agent', 7, '2026-07-01 02:00 Europe/Paris',
                                     duration => '1 hour', repeat => 'daily', time_zone => z,
                                     reason => 'zone ' || z))
  FROM unnest(ARRAY['CET', 'europe/paris', 'Europe/Paris']) AS z;
SELECT w.time_zone, to_char(o.starts, 'MM-DD HH24:MI') AS starts_utc
  FROM maintmode.maintenance_window w,
       maintmode.window_occurrences(w.id, '2026-07-15 UTC', '2026-07-16 UTC') o
 WHERE w.reason LIKE 'zone %' ORDER BY w.id;
SELECT maintmode.create_window('agent', 7, '2026-07-01 02:00 UTC', duration => '1 hour',
                               repeat => 'daily', time_zone => 'CEST', reason => 'x'); \echo SQLSTATE :SQLSTATE
SELECT maintmode.create_window('agent', 7, '2026-07-01 02:00 UTC', duration => '1 hour',
                               repeat => 'daily', time_zone => 'Mars/Olympus_Mons', reason => 'x'); \echo SQLSTATE :SQLSTATE
SELECT maintmode.create_window('agent', 7, '2026-07-01 02:00 UTC', duration => '1 hour',
                               repeat => 'daily', time_zone => '', reason => 'x'); \echo SQLSTATE :SQLSTATE

-- The sweep applies a monthly window at its instants.  Patch night on site dc (dc1,
-- dc2): the Wednesday after the second Tuesday, 22:00-02:00 Berlin time; in March 2026
-- it is the 11th (21:00-01:00 UTC), in April the 15th (20:00-00:00 UTC, summer time).
-- The windows above are cancelled first, so that only this one moves agents.
SELECT count(maintmode.end_window(id)) AS cancelled FROM maintmode.maintenance_window;
SELECT maintmode.create_window('site', 3, '2026-01-01 22:00 Europe/Berlin', duration => '4 hours',
                               repeat => 'FREQ=MONTHLY;BYDAY=WE;BYMONTHDAY=9,10,11,12,13,14,15',
                               time_zone => 'Europe/Berlin', reason => 'patch night') AS patch \gset
SELECT window_id, scope, target, target_name, starts, ends, in_force, repeat, reason
  FROM maintmode.upcoming_windows WHERE window_id = :patch;
-- sweep_at(t): the sweep with the window clock at t, what it changed, and site dc after.
CREATE FUNCTION pg_temp.sweep_at(t timestamptz, OUT entered bigint, OUT left_ bigint,
                                 OUT dc text)
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('maintmode.test_now', t::text, false);
    SELECT s.window_entered, s.window_left INTO entered, left_ FROM maintmode.sweep_windows() s;
    SELECT string_agg(hostname || ':' || CASE WHEN maintenance_mode THEN 'M' ELSE '-' END,
                      ' ' ORDER BY id) INTO dc FROM maintmode.agent WHERE site_id = 3;
END $$;
SELECT t AS window_clock, s.*
  FROM unnest(ARRAY['2026-03-11 20:59:59 UTC', '2026-03-11 21:00 UTC', '2026-03-12 00:59:59 UTC',
                    '2026-03-12 01:00 UTC', '2026-04-08 21:00 UTC', '2026-04-15 19:59:59 UTC',
                    '2026-04-15 20:00 UTC']::timestamptz[]) WITH ORDINALITY AS u(t, n),
       pg_temp.sweep_at(t) s
 ORDER BY n;
-- While it runs, agents_in_maintenance names it with the occurrence's start and end, and
-- upcoming_windows shows it in force.
SELECT hostname, source, window_id = :patch AS patch_night, since, until, reason
  FROM maintmode.agents_in_maintenance WHERE source = 'window' ORDER BY hostname;
SELECT starts, ends, in_force FROM maintmode.upcoming_windows WHERE window_id = :patch;
SELECT t AS window_clock, s.*
  FROM unnest(ARRAY['2026-04-15 23:59:59 UTC', '2026-04-16 00:00 UTC']::timestamptz[])
       WITH ORDINALITY AS u(t, n),
       pg_temp.sweep_at(t) s
 ORDER BY n;
-- Afterwards, the next one: May 13.
SELECT starts, ends, in_force FROM maintmode.upcoming_windows WHERE window_id = :patch;
SELECT count(*) AS counters_differ FROM maintmode.verify_counters();
-- The history records each start and end by the window, with its reason.
SELECT h.changed_at, a.hostname, h.in_maintenance, h.path, h.window_id = :patch AS patch_night,
       h.reason
  FROM maintmode.maintenance_history h JOIN maintmode.agent a ON a.id = h.agent_id
 WHERE h.path = 'window' ORDER BY h.id;

RESET maintmode.test_now;
DROP VIEW fleet, state_digest;
DROP EXTENSION maintmode;
