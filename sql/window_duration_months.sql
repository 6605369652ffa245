-- create_window judges a duration by interval comparison, which counts a month as 30
-- days, while a window's end adds it to a time, where a month is the calendar's.  A
-- duration with a negative part, such as '1 mon -29 days', could end before it starts
-- or outlast the repeat period: it is refused (22023) like the others.
CREATE EXTENSION maintmode;
\i test/fixtures/fleet.sql
SET client_min_messages = warning;
SET maintmode.test_now = '2026-05-01 12:00 UTC';
\i test/fixtures/outcome.sql
SELECT duration, pg_temp.outcome(format(
           'SELECT maintmode.create_window(%L, 1, %L, duration => %L, reason => %L)',
           'agent', '2027-02-01 10:00 UTC', duration, 'one-off')) AS one_off,
       pg_temp.outcome(format(
           'SELECT maintmode.create_window(%L, 1, %L, duration => %L, reason => %L,'
           ' repeat => %L, time_zone => %L)',
           'agent', '2027-02-01 10:00 UTC', duration, 'daily', 'daily', 'UTC')) AS daily,
       pg_temp.outcome(format(
           'SELECT maintmode.create_window(%L, 1, %L, duration => %L, reason => %L,'
           ' repeat => %L, time_zone => %L)',
           'agent', '2027-02-01 10:00 UTC', duration, 'weekly', 'weekly', 'UTC')) AS weekly
  FROM unnest(ARRAY['1 hour', '1 mon -29 days', '-1 mon 31 days',
                    '1 mon -30 days']::interval[]) AS duration;
-- What was created lasts what it says: no occurrence ends before it starts or lasts
-- longer than its period.
SELECT w.reason, w.duration,
       min(o.ends - o.starts) AS shortest, max(o.ends - o.starts) AS longest
  FROM maintmode.maintenance_window w,
       generate_series('2027-02-01 11:00 UTC'::timestamptz, '2027-03-31 11:00 UTC',
                       '1 hour') AS t,
       maintmode.window_occurrence(w, t) AS o
 GROUP BY w.id, w.reason, w.duration
 ORDER BY w.id;

RESET maintmode.test_now;
DROP VIEW fleet, state_digest;
DROP EXTENSION maintmode;
