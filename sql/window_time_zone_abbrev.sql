-- A recurring window's occurrences start at the same local wall-clock time in its time
-- zone, whatever the daylight-saving offset (windows.md).  create_window checks
-- time_zone against the time zone database (pg_tzset()), where CET (like EET, MET and
-- WET) is a zone with summer time, the same as Europe/Paris today.  Up to 1.2,
-- window_occurrence() computed with AT TIME ZONE, which takes a name that is also a time
-- zone abbreviation (timezone_abbreviations: CET = +01:00) as that fixed offset, so a
-- daily 02:00 window in zone CET ran at 03:00 in summer, an hour off the zone
-- create_window accepted.  The window follows the zone it was checked against: the
-- occurrence engine resolves time_zone as the zone, never as an abbreviation.
CREATE EXTENSION maintmode;
\i test/fixtures/fleet.sql
SET client_min_messages = warning;
SET maintmode.test_now = '2026-01-10 00:00 UTC';
SELECT maintmode.create_window('agent', 1, '2026-01-15 02:00 Europe/Paris',
                               duration => '1 hour', repeat => 'daily',
                               time_zone => 'Europe/Paris', reason => 'paris') AS paris,
       maintmode.create_window('agent', 3, '2026-01-15 02:00 Europe/Paris',
                               duration => '1 hour', repeat => 'daily',
                               time_zone => 'CET', reason => 'cet') AS cet;
-- The zone CET keeps summer time as Europe/Paris does.
SET timezone = 'CET';
SELECT to_char('2026-07-15 00:30 UTC'::timestamptz, 'HH24:MI TZ') AS in_zone_cet;
SET timezone = 'Europe/Paris';
SELECT to_char('2026-07-15 00:30 UTC'::timestamptz, 'HH24:MI TZ') AS in_europe_paris;
RESET timezone;
-- In force at 02:30 local summer time (00:30 UTC) on 15 July: both windows.
SELECT w.reason, w.time_zone,
       to_char(o.starts AT TIME ZONE 'UTC', 'MM-DD HH24:MI') AS starts_utc,
       to_char(o.ends AT TIME ZONE 'UTC', 'MM-DD HH24:MI') AS ends_utc
  FROM maintmode.maintenance_window w
  LEFT JOIN LATERAL maintmode.window_occurrence(w, '2026-07-15 00:30 UTC') o ON true
 ORDER BY w.id;
SET maintmode.test_now = '2026-07-15 00:30 UTC';
SELECT * FROM maintmode.sweep_windows();
SELECT * FROM fleet;

RESET maintmode.test_now;
DROP VIEW fleet, state_digest;
DROP EXTENSION maintmode;
