-- Recurrence rules (RFC 5545): the examples of RFC 5545 section 3.8.5.3 that fall in the
-- supported set, each checked occurrence by occurrence against the list the RFC
-- publishes (all at 09:00 New York time, on both sides of the 1997 and 1998
-- daylight-saving changes); the RFC's examples outside the set, and every other refused
-- rule, with its SQLSTATE and the part it names; how a rule is stored; the keywords;
-- the "Wednesday after the second Tuesday" patch night; the last weekday of the month;
-- UNTIL (inclusive, in both its forms), COUNT and ends.
CREATE EXTENSION maintmode;
\i test/fixtures/fleet.sql
SET client_min_messages = warning;
SET TimeZone = 'UTC';
SET maintmode.test_now = '1997-01-01 00:00 UTC';

-- rfc(dtstart, rule, expected, upto): a window on agent 1 repeating rule from dtstart
-- (local New York time, as the RFC's DTSTART;TZID=America/New_York), one hour long;
-- whether its occurrences up to upto are the expected local days, in order; how many;
-- whether every one starts at 09:00 New York time; and the days that differ, if any.
CREATE FUNCTION pg_temp.rfc(dtstart timestamp, rule text, expected date[],
                            upto timestamptz DEFAULT '2001-01-01 UTC',
                            OUT ok boolean, OUT occurrences bigint, OUT at_nine boolean,
                            OUT differ text)
LANGUAGE plpgsql AS $$
DECLARE
    w bigint := maintmode.create_window('agent', 1, dtstart AT TIME ZONE 'America/New_York',
                                        duration => '1 hour', repeat => rule,
                                        time_zone => 'America/New_York', reason => 'rfc');
    got date[];
BEGIN
    SELECT array_agg((o.starts AT TIME ZONE 'America/New_York')::date ORDER BY o.starts),
           count(*),
           bool_and((o.starts AT TIME ZONE 'America/New_York')::time = '09:00'
                    AND o.ends - o.starts = '1 hour')
      INTO got, occurrences, at_nine
      FROM maintmode.window_occurrences(w, '1997-01-01 UTC', upto) o;
    ok := got = expected;
    IF NOT ok THEN
        differ := format('got %s', got);
    END IF;
END $$;

-- Daily for 10 occurrences.
SELECT * FROM pg_temp.rfc('1997-09-02 09:00', 'FREQ=DAILY;COUNT=10',
    '{1997-09-02,1997-09-03,1997-09-04,1997-09-05,1997-09-06,1997-09-07,1997-09-08,
      1997-09-09,1997-09-10,1997-09-11}');
-- Daily until December 24, 1997: September 2 to December 23, across the change to EST
-- on October 26.
SELECT * FROM pg_temp.rfc('1997-09-02 09:00', 'FREQ=DAILY;UNTIL=19971224T000000Z',
    ARRAY(SELECT generate_series('1997-09-02'::date, '1997-12-23', '1 day')::date));
-- Every other day, forever: the published days, to December 3.
SELECT * FROM pg_temp.rfc('1997-09-02 09:00', 'FREQ=DAILY;INTERVAL=2',
    ARRAY(SELECT generate_series('1997-09-02'::date, '1997-12-03', '2 days')::date),
    '1997-12-04 UTC');
-- Every 10 days, 5 occurrences.
SELECT * FROM pg_temp.rfc('1997-09-02 09:00', 'FREQ=DAILY;INTERVAL=10;COUNT=5',
    '{1997-09-02,1997-09-12,1997-09-22,1997-10-02,1997-10-12}');
-- Weekly for 10 occurrences.
SELECT * FROM pg_temp.rfc('1997-09-02 09:00', 'FREQ=WEEKLY;COUNT=10',
    '{1997-09-02,1997-09-09,1997-09-16,1997-09-23,1997-09-30,1997-10-07,1997-10-14,
      1997-10-21,1997-10-28,1997-11-04}');
-- Weekly until December 24, 1997.
SELECT * FROM pg_temp.rfc('1997-09-02 09:00', 'FREQ=WEEKLY;UNTIL=19971224T000000Z',
    '{1997-09-02,1997-09-09,1997-09-16,1997-09-23,1997-09-30,1997-10-07,1997-10-14,
      1997-10-21,1997-10-28,1997-11-04,1997-11-11,1997-11-18,1997-11-25,1997-12-02,
      1997-12-09,1997-12-16,1997-12-23}');
-- Every other week, forever: to February 17, 1998.
SELECT * FROM pg_temp.rfc('1997-09-02 09:00', 'FREQ=WEEKLY;INTERVAL=2;WKST=SU',
    '{1997-09-02,1997-09-16,1997-09-30,1997-10-14,1997-10-28,1997-11-11,1997-11-25,
      1997-12-09,1997-12-23,1998-01-06,1998-01-20,1998-02-03,1998-02-17}',
    '1998-02-18 UTC');
-- Weekly on Tuesday and Thursday for five weeks, in the RFC's two ways.
SELECT * FROM pg_temp.rfc('1997-09-02 09:00', 'FREQ=WEEKLY;UNTIL=19971007T000000Z;WKST=SU;BYDAY=TU,TH',
    '{1997-09-02,1997-09-04,1997-09-09,1997-09-11,1997-09-16,1997-09-18,1997-09-23,
      1997-09-25,1997-09-30,1997-10-02}');
SELECT * FROM pg_temp.rfc('1997-09-02 09:00', 'FREQ=WEEKLY;COUNT=10;WKST=SU;BYDAY=TU,TH',
    '{1997-09-02,1997-09-04,1997-09-09,1997-09-11,1997-09-16,1997-09-18,1997-09-23,
      1997-09-25,1997-09-30,1997-10-02}');
-- Every other week on Monday, Wednesday and Friday until December 24, 1997, starting
-- on Monday, September 1.
SELECT * FROM pg_temp.rfc('1997-09-01 09:00',
    'FREQ=WEEKLY;INTERVAL=2;UNTIL=19971224T000000Z;WKST=SU;BYDAY=MO,WE,FR',
    '{1997-09-01,1997-09-03,1997-09-05,1997-09-15,1997-09-17,1997-09-19,1997-09-29,
      1997-10-01,1997-10-03,1997-10-13,1997-10-15,1997-10-17,1997-10-27,1997-10-29,
      1997-10-31,1997-11-10,1997-11-12,1997-11-14,1997-11-24,1997-11-26,1997-11-28,
      1997-12-08,1997-12-10,1997-12-12,1997-12-22}');
-- Every other week on Tuesday and Thursday, for 8 occurrences.
SELECT * FROM pg_temp.rfc('1997-09-02 09:00', 'FREQ=WEEKLY;INTERVAL=2;COUNT=8;WKST=SU;BYDAY=TU,TH',
    '{1997-09-02,1997-09-04,1997-09-16,1997-09-18,1997-09-30,1997-10-02,1997-10-14,
      1997-10-16}');
-- Monthly on the first Friday for 10 occurrences.
SELECT * FROM pg_temp.rfc('1997-09-05 09:00', 'FREQ=MONTHLY;COUNT=10;BYDAY=1FR',
    '{1997-09-05,1997-10-03,1997-11-07,1997-12-05,1998-01-02,1998-02-06,1998-03-06,
      1998-04-03,1998-05-01,1998-06-05}');
-- Monthly on the first Friday until December 24, 1997.
SELECT * FROM pg_temp.rfc('1997-09-05 09:00', 'FREQ=MONTHLY;UNTIL=19971224T000000Z;BYDAY=1FR',
    '{1997-09-05,1997-10-03,1997-11-07,1997-12-05}');
-- Every other month on the first and last Sunday of the month for 10 occurrences.
SELECT * FROM pg_temp.rfc('1997-09-07 09:00', 'FREQ=MONTHLY;INTERVAL=2;COUNT=10;BYDAY=1SU,-1SU',
    '{1997-09-07,1997-09-28,1997-11-02,1997-11-30,1998-01-04,1998-01-25,1998-03-01,
      1998-03-29,1998-05-03,1998-05-31}');
-- Monthly on the second-to-last Monday of the month for 6 months.
SELECT * FROM pg_temp.rfc('1997-09-22 09:00', 'FREQ=MONTHLY;COUNT=6;BYDAY=-2MO',
    '{1997-09-22,1997-10-20,1997-11-17,1997-12-22,1998-01-19,1998-02-16}');
-- Monthly on the third-to-the-last day of the month, forever: to February 1998.
SELECT * FROM pg_temp.rfc('1997-09-28 09:00', 'FREQ=MONTHLY;BYMONTHDAY=-3',
    '{1997-09-28,1997-10-29,1997-11-28,1997-12-29,1998-01-29,1998-02-26}',
    '1998-03-01 UTC');
-- Monthly on the 2nd and 15th of the month for 10 occurrences.
SELECT * FROM pg_temp.rfc('1997-09-02 09:00', 'FREQ=MONTHLY;COUNT=10;BYMONTHDAY=2,15',
    '{1997-09-02,1997-09-15,1997-10-02,1997-10-15,1997-11-02,1997-11-15,1997-12-02,
      1997-12-15,1998-01-02,1998-01-15}');
-- Monthly on the first and last day of the month for 10 occurrences.
SELECT * FROM pg_temp.rfc('1997-09-30 09:00', 'FREQ=MONTHLY;COUNT=10;BYMONTHDAY=1,-1',
    '{1997-09-30,1997-10-01,1997-10-31,1997-11-01,1997-11-30,1997-12-01,1997-12-31,
      1998-01-01,1998-01-31,1998-02-01}');
-- Every 18 months on the 10th thru 15th of the month for 10 occurrences.
SELECT * FROM pg_temp.rfc('1997-09-10 09:00',
    'FREQ=MONTHLY;INTERVAL=18;COUNT=10;BYMONTHDAY=10,11,12,13,14,15',
    '{1997-09-10,1997-09-11,1997-09-12,1997-09-13,1997-09-14,1997-09-15,1999-03-10,
      1999-03-11,1999-03-12,1999-03-13}');
-- Every Tuesday, every other month: to March 1998.
SELECT * FROM pg_temp.rfc('1997-09-02 09:00', 'FREQ=MONTHLY;INTERVAL=2;BYDAY=TU',
    '{1997-09-02,1997-09-09,1997-09-16,1997-09-23,1997-09-30,1997-11-04,1997-11-11,
      1997-11-18,1997-11-25,1998-01-06,1998-01-13,1998-01-20,1998-01-27,1998-03-03,
      1998-03-10,1998-03-17,1998-03-24,1998-03-31}',
    '1998-04-01 UTC');
-- Every Friday the 13th, forever: the RFC excludes DTSTART (September 2, 1997, not a
-- Friday the 13th) with an EXDATE; here a start the rule does not give is no
-- occurrence anyway.  To October 13, 2000.
SELECT * FROM pg_temp.rfc('1997-09-02 09:00', 'FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13',
    '{1998-02-13,1998-03-13,1998-11-13,1999-08-13,2000-10-13}');
-- The first Saturday that follows the first Sunday of the month, forever: to June 1998.
SELECT * FROM pg_temp.rfc('1997-09-13 09:00', 'FREQ=MONTHLY;BYDAY=SA;BYMONTHDAY=7,8,9,10,11,12,13',
    '{1997-09-13,1997-10-11,1997-11-08,1997-12-13,1998-01-10,1998-02-07,1998-03-07,
      1998-04-11,1998-05-09,1998-06-13}',
    '1998-06-14 UTC');
-- The third instance into the month of one of Tuesday, Wednesday or Thursday, for the
-- next 3 months.
SELECT * FROM pg_temp.rfc('1997-09-04 09:00', 'FREQ=MONTHLY;COUNT=3;BYDAY=TU,WE,TH;BYSETPOS=3',
    '{1997-09-04,1997-10-07,1997-11-06}');
-- The second-to-last weekday of the month: to March 1998.
SELECT * FROM pg_temp.rfc('1997-09-29 09:00', 'FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-2',
    '{1997-09-29,1997-10-30,1997-11-27,1997-12-30,1998-01-29,1998-02-26,1998-03-30}',
    '1998-04-01 UTC');
-- Where WKST makes a difference: Monday, then Sunday.
SELECT * FROM pg_temp.rfc('1997-08-05 09:00', 'FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=MO',
    '{1997-08-05,1997-08-10,1997-08-19,1997-08-24}');
SELECT * FROM pg_temp.rfc('1997-08-05 09:00', 'FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=SU',
    '{1997-08-05,1997-08-17,1997-08-19,1997-08-31}');
-- An invalid date (February 30) is ignored.
SELECT * FROM pg_temp.rfc('2007-01-15 09:00', 'FREQ=MONTHLY;BYMONTHDAY=15,30;COUNT=5',
    '{2007-01-15,2007-01-30,2007-02-15,2007-03-15,2007-03-30}', '2008-01-01 UTC');

-- The instants across the change of 1997-10-26: 09:00 EDT is 13:00 UTC, 09:00 EST 14:00.
SELECT to_char(starts, 'YYYY-MM-DD HH24:MI') AS starts_utc, to_char(ends, 'HH24:MI') AS ends_utc
  FROM maintmode.window_occurrences(
           (SELECT id FROM maintmode.maintenance_window WHERE repeat = 'FREQ=DAILY;UNTIL=19971224T000000Z'),
           '1997-10-24 UTC', '1997-10-28 UTC');

-- The RFC's examples outside the supported set, and every other refusal: 22023 with
-- the offending part named, and nothing created.
CREATE FUNCTION pg_temp.refusal(rule text, OUT state text, OUT message text,
                                OUT detail text, OUT hint text)
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM maintmode.create_window('agent', 1, '1997-09-02 13:00 UTC', duration => '1 hour',
                                    repeat => rule, time_zone => 'America/New_York',
                                    reason => 'refused');
    state := '00000';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                            detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
END $$;
SELECT count(*) AS windows FROM maintmode.maintenance_window \gset
\x on
SELECT r.rule, f.*
  FROM unnest(ARRAY[
           -- RFC 5545 examples: yearly, by month, by hour and minute, hourly, minutely
           'FREQ=YEARLY;COUNT=10;BYMONTH=6,7',
           'FREQ=DAILY;UNTIL=20000131T140000Z;BYMONTH=1',
           'FREQ=YEARLY;BYDAY=20MO',
           'FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO',
           'FREQ=YEARLY;INTERVAL=3;COUNT=10;BYYEARDAY=1,100,200',
           'FREQ=HOURLY;INTERVAL=3;UNTIL=19970902T170000Z',
           'FREQ=MINUTELY;INTERVAL=15;COUNT=6',
           'FREQ=DAILY;BYHOUR=9,10,11,12,13,14,15,16;BYMINUTE=0,20,40',
           'FREQ=SECONDLY',
           -- not rules
           'hourly', '', 'FREQ=FORTNIGHTLY', 'FREQ=DAILY;', 'FREQ=DAILY;;COUNT=2',
           'FREQ=DAILY;COUNT', 'FREQ DAILY', 'COUNT=3', 'X-NAME=1;FREQ=DAILY',
           'FREQ=DAILY;FREQ=WEEKLY', ' FREQ=DAILY', 'RRULE:RRULE:FREQ=DAILY',
           -- INTERVAL and COUNT: whole numbers from 1; not both COUNT and UNTIL
           'FREQ=DAILY;INTERVAL=0', 'FREQ=DAILY;INTERVAL=-1', 'FREQ=DAILY;INTERVAL=1.5',
           'FREQ=DAILY;COUNT=0', 'FREQ=DAILY;COUNT=+3', 'FREQ=DAILY;COUNT=9999999999',
           'FREQ=DAILY;COUNT=3;UNTIL=19971224T000000Z',
           -- UNTIL: a date or a UTC date-time, nothing else
           'FREQ=DAILY;UNTIL=19971224T000000', 'FREQ=DAILY;UNTIL=1997-12-24',
           'FREQ=DAILY;UNTIL=19970230', 'FREQ=DAILY;UNTIL=19971224T240000Z',
           'FREQ=DAILY;UNTIL=00001224',
           -- BYDAY: weekdays; a number in the month only for MONTHLY, 1 to 5 or -1 to -5
           'FREQ=WEEKLY;BYDAY=XX', 'FREQ=WEEKLY;BYDAY=MO,', 'FREQ=WEEKLY;BYDAY=2TU',
           'FREQ=DAILY;BYDAY=-1FR', 'FREQ=MONTHLY;BYDAY=6TU', 'FREQ=MONTHLY;BYDAY=-6TU',
           'FREQ=MONTHLY;BYDAY=0TU', 'FREQ=MONTHLY;BYDAY=+TU', 'FREQ=MONTHLY;BYDAY=123TU',
           -- BYMONTHDAY: 1 to 31 or -1 to -31, not with WEEKLY
           'FREQ=MONTHLY;BYMONTHDAY=0', 'FREQ=MONTHLY;BYMONTHDAY=32',
           'FREQ=MONTHLY;BYMONTHDAY=-32', 'FREQ=WEEKLY;BYMONTHDAY=1',
           -- BYSETPOS: 1 to 366 or -1 to -366, with BYDAY or BYMONTHDAY
           'FREQ=MONTHLY;BYSETPOS=1', 'FREQ=MONTHLY;BYDAY=MO;BYSETPOS=0',
           'FREQ=MONTHLY;BYDAY=MO;BYSETPOS=367',
           -- WKST: a weekday
           'FREQ=WEEKLY;WKST=MONDAY',
           -- valid, but with no occurrence from the start, or none left
           'FREQ=MONTHLY;INTERVAL=12;BYMONTHDAY=31;BYDAY=MO;UNTIL=19990101',
           'FREQ=DAILY;INTERVAL=7;BYDAY=MO', 'FREQ=DAILY;UNTIL=19960101']) WITH ORDINALITY AS r(rule, n),
       pg_temp.refusal(r.rule) f
 ORDER BY r.n;
\x off
SELECT count(*) = :windows AS nothing_created FROM maintmode.maintenance_window;
-- A repeat too long to echo in full is cut in the message.
SELECT message FROM pg_temp.refusal('FREQ=DAILY;BYDAY=' || repeat('MO,', 50) || 'XX');

-- Names and values in any case, as iCalendar's; an "RRULE:" prefix allowed.  A rule is
-- stored in upper case without the prefix, a keyword in lower case.
SELECT count(maintmode.create_window('agent', 1, '1997-09-02 13:00 UTC', duration => '1 hour',
                                     repeat => r, time_zone => 'America/New_York',
                                     reason => 'case: ' || r))
  FROM unnest(ARRAY['rrule:freq=monthly;byday=2tu;until=19981231t000000z', 'Daily',
                    'WEEKLY', 'monthly', 'RRULE:FREQ=MONTHLY;BYDAY=+1MO,-1FR']) AS r;
SELECT reason, repeat FROM maintmode.maintenance_window WHERE reason LIKE 'case: %' ORDER BY id;

-- A series whose occurrences are all over is refused like a one-off window that is over.
SET maintmode.test_now = '2026-01-01 00:00 UTC';
SELECT * FROM pg_temp.refusal('FREQ=DAILY;COUNT=2');

-- The keywords: weekly on the weekday of starts; monthly on its day of the month, and
-- no occurrence in a month without it (from January 31: no February, April, June...).
SELECT maintmode.create_window('agent', 2, '2026-01-31 22:00 Europe/Berlin', duration => '3 hours',
                               repeat => 'monthly', time_zone => 'Europe/Berlin',
                               reason => 'month end') AS month_end \gset
SELECT to_char(starts AT TIME ZONE 'Europe/Berlin', 'Dy YYYY-MM-DD HH24:MI') AS starts_berlin,
       to_char(ends AT TIME ZONE 'Europe/Berlin', 'Dy YYYY-MM-DD HH24:MI') AS ends_berlin
  FROM maintmode.window_occurrences(:month_end, '2026-01-01 UTC', '2027-01-01 UTC');

-- Patch night: "the Wednesday after the second Tuesday", 22:00-02:00 Berlin time.  The
-- second Tuesday falls on the 8th to the 14th, so the Wednesday after it is the
-- Wednesday on the 9th to the 15th: BYDAY=WE;BYMONTHDAY=9,...,15.  The tempting
-- BYMONTHDAY=8,...,14 (the second Wednesday) is wrong in a month that begins on a
-- Wednesday: in April and July 2026 it gives the 8th, six days before patch Tuesday
-- (the 14th).
SELECT maintmode.create_window('site', 3, '2026-01-01 22:00 Europe/Berlin', duration => '4 hours',
                               repeat => 'FREQ=MONTHLY;BYDAY=WE;BYMONTHDAY=9,10,11,12,13,14,15',
                               time_zone => 'Europe/Berlin', reason => 'patch night')
    AS patch_night \gset
SELECT maintmode.create_window('site', 3, '2026-01-01 22:00 Europe/Berlin', duration => '4 hours',
                               repeat => 'FREQ=MONTHLY;BYDAY=WE;BYMONTHDAY=8,9,10,11,12,13,14',
                               time_zone => 'Europe/Berlin', reason => 'second Wednesday')
    AS second_wednesday \gset
SELECT to_char(p.starts AT TIME ZONE 'Europe/Berlin', 'YYYY-MM-DD HH24:MI') AS patch_night,
       to_char(p.ends AT TIME ZONE 'Europe/Berlin', 'MM-DD HH24:MI') AS until,
       to_char(p.starts, 'HH24:MI') AS starts_utc,
       (SELECT (t::date + 1)::text FROM generate_series(date_trunc('month', p.starts),
                                                        date_trunc('month', p.starts) + interval '27 days',
                                                        '1 day') t
         WHERE extract(isodow FROM t) = 2 ORDER BY t OFFSET 1 LIMIT 1)
           = (p.starts AT TIME ZONE 'Europe/Berlin')::date::text AS day_after_patch_tuesday,
       to_char(s.starts AT TIME ZONE 'Europe/Berlin', 'YYYY-MM-DD') AS second_wednesday
  FROM maintmode.window_occurrences(:patch_night, '2026-01-01 UTC', '2027-01-01 UTC') p
  JOIN maintmode.window_occurrences(:second_wednesday, '2026-01-01 UTC', '2027-01-01 UTC') s
    ON date_trunc('month', s.starts) = date_trunc('month', p.starts)
 ORDER BY p.starts;

-- The last weekday of the month (BYSETPOS=-1), at 18:00 New York time, in 2026.
SELECT maintmode.create_window('client', 2, '2026-01-01 18:00 America/New_York', duration => '2 hours',
                               repeat => 'FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1',
                               time_zone => 'America/New_York', reason => 'month closing')
    AS last_weekday \gset
SELECT to_char(starts AT TIME ZONE 'America/New_York', 'Dy YYYY-MM-DD HH24:MI') AS last_weekday,
       to_char(starts, 'HH24:MI') AS starts_utc
  FROM maintmode.window_occurrences(:last_weekday, '2026-01-01 UTC', '2027-01-01 UTC');

-- UNTIL is inclusive: an occurrence starting at it runs in full; one starting a second
-- later is not in the series.  ends cuts the series at that instant: what starts at or
-- after it is not, and an occurrence under way ends there.
SELECT maintmode.create_window('agent', 3, '2026-02-01 10:00 UTC', duration => '2 hours',
                               repeat => 'FREQ=DAILY;UNTIL=20260203T100000Z', time_zone => 'UTC',
                               reason => 'until at a start') AS until_at \gset
SELECT maintmode.create_window('agent', 3, '2026-02-01 10:00 UTC', duration => '2 hours',
                               repeat => 'FREQ=DAILY;UNTIL=20260203T095959Z', time_zone => 'UTC',
                               reason => 'until before a start') AS until_before \gset
SELECT maintmode.create_window('agent', 3, '2026-02-01 10:00 UTC', duration => '2 hours',
                               repeat => 'FREQ=DAILY;UNTIL=20260203', time_zone => 'UTC',
                               reason => 'until a date') AS until_date \gset
SELECT maintmode.create_window('agent', 3, '2026-02-01 10:00 UTC', '2026-02-03 11:00 UTC',
                               duration => '2 hours', repeat => 'daily', time_zone => 'UTC',
                               reason => 'ends') AS ends_cut \gset
SELECT w.reason, w.repeat, w.ends_at, o.starts, o.ends
  FROM maintmode.maintenance_window w,
       maintmode.window_occurrences(w.id, '2026-02-01 UTC', '2026-02-10 UTC') o
 WHERE w.id IN (:until_at, :until_before, :until_date, :ends_cut)
 ORDER BY w.id, o.starts;
-- A date UNTIL is a local day: in Sydney, the occurrence at 09:00 local on the UNTIL
-- day (the day before in UTC) is the last.
SELECT maintmode.create_window('agent', 3, '2026-02-01 09:00 Australia/Sydney', duration => '1 hour',
                               repeat => 'FREQ=DAILY;UNTIL=20260203', time_zone => 'Australia/Sydney',
                               reason => 'until a Sydney date') AS sydney_until \gset
SELECT starts, to_char(starts AT TIME ZONE 'Australia/Sydney', 'YYYY-MM-DD HH24:MI') AS starts_sydney
  FROM maintmode.window_occurrences(:sydney_until, '2026-01-01 UTC', '2026-03-01 UTC');
-- COUNT counts from the first occurrence at or after starts: a start the rule does not
-- give (a Monday, for Tuesdays) is not one.
SELECT maintmode.create_window('agent', 3, '2026-02-02 10:00 UTC', duration => '1 hour',
                               repeat => 'FREQ=WEEKLY;BYDAY=TU;COUNT=3', time_zone => 'UTC',
                               reason => 'count') AS counted \gset
SELECT to_char(starts, 'Dy YYYY-MM-DD HH24:MI') AS starts
  FROM maintmode.window_occurrences(:counted, '2026-01-01 UTC', '2027-01-01 UTC');
-- Counted on the calendar, COUNT reaches its end also when the range asked for starts
-- long after: the fourth and last of a daily COUNT=4.
SELECT maintmode.create_window('agent', 3, '2026-02-01 10:00 UTC', duration => '1 hour',
                               repeat => 'FREQ=DAILY;COUNT=4', time_zone => 'UTC',
                               reason => 'count 4') AS count4 \gset
SELECT * FROM maintmode.window_occurrences(:count4, '2026-02-04 10:30 UTC', '2027-01-01 UTC');

-- The range of window_occurrences: what overlaps it (starts < to, ends > from); its
-- arguments are refused when NULL, not finite, or to is not after from; an unknown
-- window is P0002.
SELECT * FROM maintmode.window_occurrences(:until_at, '2026-02-02 11:59:59 UTC', '2026-02-03 10:00 UTC');
SELECT * FROM maintmode.window_occurrences(NULL, '2026-02-01 UTC', '2026-02-02 UTC'); \echo SQLSTATE :SQLSTATE
SELECT * FROM maintmode.window_occurrences(:until_at, NULL, '2026-02-02 UTC'); \echo SQLSTATE :SQLSTATE
SELECT * FROM maintmode.window_occurrences(:until_at, '2026-02-01 UTC', 'infinity'); \echo SQLSTATE :SQLSTATE
SELECT * FROM maintmode.window_occurrences(:until_at, '2026-02-02 UTC', '2026-02-01 UTC'); \echo SQLSTATE :SQLSTATE
SELECT * FROM maintmode.window_occurrences(:until_at, '2026-02-02 UTC', '2026-02-02 UTC'); \echo SQLSTATE :SQLSTATE
SELECT * FROM maintmode.window_occurrences(99999, '2026-02-01 UTC', '2026-02-02 UTC'); \echo SQLSTATE :SQLSTATE

-- A stored repeat the engine cannot read (only a superuser's hand can write one) is an
-- error that names the window, not a silently skipped window.
INSERT INTO maintmode.maintenance_window (starts_at, repeat, time_zone, duration, reason, created_by)
    VALUES ('2026-02-01 UTC', 'FREQ=YEARLY', 'UTC', '1 hour', 'by hand', current_user)
    RETURNING id AS by_hand \gset
SELECT * FROM maintmode.window_occurrences(:by_hand, '2026-02-01 UTC', '2026-02-02 UTC'); \echo SQLSTATE :SQLSTATE
DELETE FROM maintmode.maintenance_window WHERE id = :by_hand;

-- An INTERVAL beyond the calendar repeats nothing more, and the window's period is the
-- calendar's: 613,566,757 weeks once wrapped around to a period of 3 days, which
-- refused this 4-day duration as longer than its period.  A duration beyond the years
-- 1 to 9999, which only a row made by hand can have (window_occurrence() takes any
-- row), is refused (22008) rather than computed past the calendar.
SELECT maintmode.create_window('agent', 1, '2026-02-01 10:00 UTC', duration => '4 days',
                               repeat => 'FREQ=WEEKLY;INTERVAL=613566757', time_zone => 'UTC',
                               reason => 'once in ages') AS ages \gset
SELECT * FROM maintmode.window_occurrences(:ages, '2026-01-01 UTC', '9999-01-01 UTC');
SELECT o.* FROM maintmode.maintenance_window w,
       maintmode.window_occurrence(w, '2026-02-03 UTC') o WHERE w.id = :ages;
SELECT o.* FROM maintmode.maintenance_window w,
       maintmode.window_occurrence((w.id, w.agent_id, w.site_id, w.client_id, w.starts_at,
                                    w.ends_at, w.repeat, w.time_zone,
                                    interval '2147480000 months', w.reason, w.created_by,
                                    w.created_at, w.ended_at)::maintmode.maintenance_window,
                                   '2026-02-03 UTC') o
 WHERE w.id = :ages; \echo SQLSTATE :SQLSTATE
SELECT o.* FROM maintmode.maintenance_window w,
       maintmode.window_next_occurrence((w.id, w.agent_id, w.site_id, w.client_id, w.starts_at,
                                         w.ends_at, w.repeat, w.time_zone,
                                         interval '-2147480000 days', w.reason, w.created_by,
                                         w.created_at, w.ended_at)::maintmode.maintenance_window,
                                        '2026-02-03 UTC') o
 WHERE w.id = :ages; \echo SQLSTATE :SQLSTATE

RESET maintmode.test_now;
DROP VIEW fleet, state_digest;
DROP EXTENSION maintmode;
