-- maintmode.max_window_length: a superuser's setting (an interval, default 31 days)
-- that caps a one-off window, and each occurrence of a recurring one; exactly that long
-- is allowed, a second more is refused (22023) and nothing is created.
CREATE EXTENSION maintmode;
\i test/fixtures/fleet.sql
SET client_min_messages = warning;
SET TimeZone = 'UTC';
SET maintmode.test_now = '2026-05-01 00:00 UTC';
CREATE TEMP VIEW window_digest AS
    SELECT md5(concat_ws('|', (SELECT digest FROM state_digest),
                         (SELECT string_agg(w::text, ',' ORDER BY w.id)
                            FROM maintmode.maintenance_window w))) AS digest;

SHOW maintmode.max_window_length;

-- One-off, by ends or by duration: 31 days exactly, then a second more.
SELECT maintmode.create_window('agent', 1, '2026-06-01 00:00 UTC', '2026-07-02 00:00 UTC',
                               reason => 'exactly 31 days') IS NOT NULL AS created;
SELECT maintmode.create_window('agent', 1, '2026-06-01 00:00 UTC', duration => '31 days',
                               reason => 'exactly 31 days') IS NOT NULL AS created;
SELECT digest AS before FROM window_digest \gset
SELECT maintmode.create_window('agent', 1, '2026-06-01 00:00 UTC', '2026-07-02 00:00:01 UTC',
                               reason => 'too long'); \echo SQLSTATE :SQLSTATE
SELECT maintmode.create_window('agent', 1, '2026-06-01 00:00 UTC', duration => '31 days 1 second',
                               reason => 'too long'); \echo SQLSTATE :SQLSTATE
SELECT maintmode.create_window('agent', 1, '2026-06-01 00:00 UTC', duration => '2 mons',
                               reason => 'too long'); \echo SQLSTATE :SQLSTATE
SELECT digest = :'before' AS unchanged FROM window_digest;

-- A one-off window extended: to 31 days exactly, not a second more.
SELECT maintmode.create_window('agent', 2, '2026-06-01 00:00 UTC', duration => '1 day',
                               reason => 'extended') AS extended \gset
SELECT maintmode.extend_window(:extended, '2026-07-02 00:00 UTC');
SELECT maintmode.extend_window(:extended, '2026-07-02 00:00:01 UTC'); \echo SQLSTATE :SQLSTATE

-- A recurring window: each occurrence's duration, against a lower limit.
SET maintmode.max_window_length = '2 hours';
SHOW maintmode.max_window_length;
SELECT maintmode.create_window('agent', 3, '2026-06-01 22:00 UTC', duration => '2 hours',
                               repeat => 'FREQ=MONTHLY;BYDAY=2TU', time_zone => 'UTC',
                               reason => 'exactly 2 hours') IS NOT NULL AS created;
SELECT maintmode.create_window('agent', 3, '2026-06-01 22:00 UTC', duration => '2 hours 1 second',
                               repeat => 'FREQ=MONTHLY;BYDAY=2TU', time_zone => 'UTC',
                               reason => 'too long'); \echo SQLSTATE :SQLSTATE
SELECT maintmode.create_window('agent', 3, '2026-06-01 22:00 UTC', '2026-06-01 23:00 UTC',
                               reason => 'one hour') IS NOT NULL AS created;
-- A recurring series may run longer than the limit: ends ends the series, not an
-- occurrence.
SELECT maintmode.create_window('agent', 3, '2026-06-01 22:00 UTC', '2027-06-01 22:00 UTC',
                               duration => '1 hour', repeat => 'daily', time_zone => 'UTC',
                               reason => 'a year of nights') IS NOT NULL AS created;
-- Windows created under a higher limit are kept as they were.
SELECT count(*) AS windows_over_the_limit FROM maintmode.maintenance_window
 WHERE coalesce(duration, ends_at - starts_at) > '2 hours';
RESET maintmode.max_window_length;

-- Accepted values: any positive interval, in any interval syntax; refused: zero,
-- negative, malformed (22023 from SET, which names the setting).
SET maintmode.max_window_length = 'P60D'; SHOW maintmode.max_window_length;
SET maintmode.max_window_length = '1 mon'; SHOW maintmode.max_window_length;
SET maintmode.max_window_length = '0'; \echo SQLSTATE :SQLSTATE
SET maintmode.max_window_length = '-1 day'; \echo SQLSTATE :SQLSTATE
SET maintmode.max_window_length = '1 mon -1 day'; \echo SQLSTATE :SQLSTATE
SET maintmode.max_window_length = 'a fortnight'; \echo SQLSTATE :SQLSTATE
SET maintmode.max_window_length = ''; \echo SQLSTATE :SQLSTATE
SHOW maintmode.max_window_length;
RESET maintmode.max_window_length;

-- Only a superuser sets it (or a role granted SET on it): the limit is the
-- installation's, not the window creator's.
CREATE ROLE regress_window_creator;
SET ROLE regress_window_creator;
SET maintmode.max_window_length = '365 days'; \echo SQLSTATE :SQLSTATE
SHOW maintmode.max_window_length;
RESET ROLE;
DROP ROLE regress_window_creator;

RESET maintmode.test_now;
DROP VIEW window_digest, fleet, state_digest;
DROP EXTENSION maintmode;
