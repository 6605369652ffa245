-- create_window judges a duration by interval comparison, which counts a month as 30
-- days, but the window's end is computed by adding the interval to a time, where a
-- month is the calendar's.  A duration with months and negative days, such as
-- '1 mon -29 days' (one day by comparison), is then accepted where its real length is
-- negative or longer than the repeat period: a one-off window that ends before it
-- starts fails on the table's check constraint (23514, not the 22023 of the argument
-- checks, which "every argument" passes before anything is written: security.md); a
-- daily window's occurrences last two days in 31-day months and end before they start
-- in February.  Such durations must be refused (22023) like the others.
CREATE EXTENSION maintmode;
\i test/fixtures/fleet.sql
SET client_min_messages = warning;
SET maintmode.test_now = '2026-05-01 12:00 UTC';
CREATE FUNCTION pg_temp.outcome(call text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE call;
    RETURN 'accepted';
EXCEPTION WHEN OTHERS THEN
    RETURN 'refused ' || SQLSTATE;
END $$;
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
