#!/usr/bin/env bash
# Random recurrence rules against python-dateutil: COUNT random RRULEs of the supported
# set (FREQ DAILY, WEEKLY, MONTHLY, with INTERVAL, BYDAY with and without numbers,
# BYMONTHDAY, BYSETPOS, COUNT, UNTIL in both forms, WKST), each from a random start in
# UTC, expanded for three years by maintmode (create_window, window_occurrences) and by
# dateutil.rrule, which must agree occurrence by occurrence; a rule with no occurrence
# must be refused by create_window.
#
#   bash test/fuzz/rrule.sh [COUNT [SEED]]       (default 500 rules, seed 1)
#
# Builds and installs maintmode from this checkout, runs on a throwaway cluster, prints
# the rules that differ and "N rules, N differ, N left out" (rules dateutil did not
# expand within two seconds); exit status 1 if any differ.  Needs
# python3 with dateutil (Debian: python3-dateutil).  Not run by run_all.sh.
#
# One difference is RFC 5545's, not a bug: dateutil's first week runs from DTSTART, not
# from WKST, so BYSETPOS picks among fewer days in it than in RFC 5545's week (which
# maintmode follows, dropping only the days before the start); WEEKLY rules with BYSETPOS
# therefore start on WKST's weekday here.
set -euo pipefail
cd "$(dirname "$0")/../.."
count=${1:-500}
seed=${2:-1}
python3 -c 'import dateutil.rrule' 2>/dev/null || { echo "needs python3 with dateutil" >&2; exit 2; }
. test/cluster.sh
make -s PG_CONFIG="$PG_CONFIG" >/dev/null && make -s PG_CONFIG="$PG_CONFIG" install >/dev/null
cluster_start

python3 - "$count" "$seed" <<'PYTHON'
import datetime
import random
import signal
import subprocess
import sys

from dateutil import rrule, tz

count, seed = int(sys.argv[1]), int(sys.argv[2])
rng = random.Random(seed)
weekdays = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU']
cases = []
skipped = 0


def timed_out(signum, frame):
    raise TimeoutError


signal.signal(signal.SIGALRM, timed_out)
for i in range(count):
    freq = rng.choice(['DAILY', 'WEEKLY', 'MONTHLY'])
    parts = ['FREQ=' + freq]
    if rng.random() < 0.5:
        parts.append('INTERVAL=%d' % rng.randint(1, 4))
    by = False
    if rng.random() < 0.5:
        days = rng.sample(weekdays, rng.randint(1, 4))
        if freq == 'MONTHLY' and rng.random() < 0.5:
            days = ['%d%s' % (rng.choice([1, 2, 3, 4, 5, -1, -2, -3, -4, -5]), d) for d in days]
        parts.append('BYDAY=' + ','.join(days))
        by = True
    if freq != 'WEEKLY' and rng.random() < 0.3:
        monthdays = rng.sample([d for d in range(-31, 32) if d != 0], rng.randint(1, 6))
        parts.append('BYMONTHDAY=' + ','.join(map(str, monthdays)))
        by = True
    if by and rng.random() < 0.3:
        parts.append('BYSETPOS=' + ','.join(map(str, rng.sample([1, 2, 3, 4, 5, -1, -2, -3],
                                                                  rng.randint(1, 2)))))
    if rng.random() < 0.3:
        parts.append('WKST=' + rng.choice(weekdays))
    start = datetime.datetime(2025, rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23),
                              rng.choice([0, 15, 30, 45]), tzinfo=tz.UTC)
    end = rng.random()
    if end < 0.3:
        parts.append('COUNT=%d' % rng.randint(1, 30))
    elif end < 0.5:
        until = start + datetime.timedelta(days=rng.randint(0, 500), hours=rng.randint(0, 23))
        parts.append('UNTIL=' + until.strftime('%Y%m%dT%H%M%SZ'))
    elif end < 0.6:
        parts.append('UNTIL=' + (start + datetime.timedelta(days=rng.randint(0, 500))).strftime('%Y%m%d'))
    if freq == 'WEEKLY' and any(p.startswith('BYSETPOS') for p in parts):
        wkst = ([p[5:] for p in parts if p.startswith('WKST=')] or ['MO'])[0]
        while weekdays[start.weekday()] != wkst:
            start += datetime.timedelta(days=1)
    rng.shuffle(parts)
    rule = ';'.join(parts)
    horizon = start + datetime.timedelta(days=3 * 365)
    # A date UNTIL is the whole local day (UTC here); dateutil wants a UTC date-time.
    # Without an end, dateutil looks for occurrences up to the year 9999: end it at the
    # horizon, which changes nothing compared.
    theirs = ';'.join(p + 'T235959Z' if p.startswith('UNTIL=') and len(p) == 14 else p
                      for p in parts)
    if 'COUNT=' not in theirs and 'UNTIL=' not in theirs:
        theirs += ';UNTIL=' + horizon.strftime('%Y%m%dT%H%M%SZ')
    # A COUNT rule that rarely matches keeps dateutil looking for years of periods: such
    # a rule is left out after two seconds.
    signal.alarm(2)
    try:
        expected = [d for d in rrule.rrulestr(theirs, dtstart=start).between(start, horizon, inc=True)
                    if d < horizon][:200]
    except TimeoutError:
        skipped += 1
        continue
    finally:
        signal.alarm(0)
    cases.append((rule, start, horizon, ','.join(d.strftime('%Y%m%d%H%M') for d in expected)))

sql = ["\\set ON_ERROR_STOP on",
       "SET client_min_messages = warning;",
       "CREATE EXTENSION maintmode;",
       "INSERT INTO maintmode.client (name) VALUES ('c');",
       "INSERT INTO maintmode.site (client_id, name) VALUES (1, 's');",
       "INSERT INTO maintmode.agent (site_id, hostname) VALUES (1, 'a');",
       "SET maintmode.test_now = '2024-01-01 UTC';",
       """CREATE FUNCTION pg_temp.occurrences(rule text, s timestamptz, h timestamptz)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    w bigint;
    result text;
BEGIN
    BEGIN
        w := maintmode.create_window('agent', 1, s, duration => '1 hour', repeat => rule,
                                     time_zone => 'UTC', reason => 'fuzz');
    EXCEPTION WHEN OTHERS THEN
        RETURN 'refused: ' || SQLERRM;
    END;
    SELECT string_agg(to_char(starts AT TIME ZONE 'UTC', 'YYYYMMDDHH24MI'), ',' ORDER BY starts)
      INTO result
      FROM (SELECT starts FROM maintmode.window_occurrences(w, s, h) LIMIT 200) o;
    RETURN coalesce(result, '');
END $$;"""]
for i, (rule, start, horizon, _) in enumerate(cases):
    sql.append("SELECT %d, pg_temp.occurrences('%s', '%s', '%s');"
               % (i, rule, start.isoformat(), horizon.isoformat()))
out = subprocess.run(['psql', '-X', '-q', '-At', '-F', '|'], input='\n'.join(sql),
                     capture_output=True, text=True, check=True)
differ = 0
for line in out.stdout.splitlines():
    i, got = line.split('|', 1)
    rule, start, _, expected = cases[int(i)]
    if got == expected or (expected == '' and got.startswith('refused:') and 'no occurrence' in got):
        continue
    differ += 1
    print('DIFFERS %s from %s\n  maintmode %s\n  dateutil  %s' % (rule, start, got[:400], expected[:400]))
print('%d rules, %d differ, %d left out (seed %d)' % (len(cases), differ, skipped, seed))
sys.exit(1 if differ else 0)
PYTHON
