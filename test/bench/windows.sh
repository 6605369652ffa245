#!/usr/bin/env bash
# Benchmark of what windows add, each beside its baseline in the same run on the same
# data: prints ms for ours and the baseline's (best of ROUNDS runs, alternating), and
# the ratio baseline/ours.
#   bash test/bench/windows.sh [AGENTS [ROUNDS]]    (default 100000 and 3; PG_CONFIG honoured)
# With --sweep, the cost of the window sweep on a fleet of SIZE times a million agents
# (1,000 clients of 10 sites each) under 1,000 windows, 100 of them monthly patch nights
# that take a tenth of the fleet in: prints ms (best and worst of ROUNDS) of each sweep.
#   bash test/bench/windows.sh --sweep [SIZE [ROUNDS]]   (default 0.1 and 3)
# Not run by run_all.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "${1:-}" = --sweep ]; then
    size=${2:-0.1}
    rounds=${3:-3}
    agents=$(awk -v s="$size" 'BEGIN { printf "%d", s * 1000000 }')
    if [ "$agents" -lt 100000 ] || [ "$agents" -gt 1000000 ]; then
        echo "SIZE is 0.1 to 1 (of a million agents), not $size" >&2
        exit 2
    fi
    . test/bench/paired.sh
    cat >>"$script" <<'SQL'
CREATE EXTENSION maintmode;
INSERT INTO maintmode.client (name) SELECT 'client' || g FROM generate_series(1, 1000) g;
INSERT INTO maintmode.site (client_id, name)
    SELECT 1 + (g - 1) / 10, 'site' || g FROM generate_series(1, 10000) g;
INSERT INTO maintmode.agent (site_id, hostname, last_seen)
    SELECT 1 + g % 10000, 'host' || g, now() FROM generate_series(1, :agents) g;
INSERT INTO maintmode.check_result (agent_id, name, email_alert, status)
    SELECT id, 'disk', true, CASE WHEN id % 3 = 0 THEN 'failing' ELSE 'passing' END
      FROM maintmode.agent;
-- 1,000 windows, written as create_window() writes them (each create_window() call
-- sweeps the fleet, which would make the setup take minutes):
--  * 100 monthly patch nights, one per client of clients 1 to 100 (a tenth of the
--    agents): the Wednesday after the second Tuesday, 22:00-02:00 Berlin time;
--  * 200 daily windows on agents, 02:00-03:00 local time in five zones;
--  * 100 weekly windows on sites, Sunday 03:00-05:00 New York time;
--  * 300 one-off windows on sites, one a day through 2026;
--  * 300 one-off windows on agents, ended: history the sweep reads past.
INSERT INTO maintmode.maintenance_window
    (client_id, starts_at, repeat, time_zone, duration, reason, created_by)
    SELECT g, '2026-01-01 22:00 Europe/Berlin',
           'FREQ=MONTHLY;BYDAY=WE;BYMONTHDAY=9,10,11,12,13,14,15', 'Europe/Berlin',
           '4 hours', 'patch night', current_user
      FROM generate_series(1, 100) g;
INSERT INTO maintmode.maintenance_window
    (agent_id, starts_at, repeat, time_zone, duration, reason, created_by)
    SELECT g * 37, '2026-01-02 02:00'::timestamp AT TIME ZONE z, 'daily', z, '1 hour',
           'nightly', current_user
      FROM generate_series(1, 200) g,
           LATERAL (SELECT (ARRAY['Europe/Berlin', 'America/New_York', 'Australia/Sydney',
                                  'Asia/Tokyo', 'UTC'])[1 + g % 5] AS z) zone;
INSERT INTO maintmode.maintenance_window
    (site_id, starts_at, repeat, time_zone, duration, reason, created_by)
    SELECT 5000 + g, '2026-01-04 03:00 America/New_York', 'FREQ=WEEKLY;BYDAY=SU',
           'America/New_York', '2 hours', 'weekly', current_user
      FROM generate_series(1, 100) g;
INSERT INTO maintmode.maintenance_window (site_id, starts_at, ends_at, reason, created_by)
    SELECT 6000 + g, '2026-01-10 00:00 UTC'::timestamptz + g * interval '1 day',
           '2026-01-10 06:00 UTC'::timestamptz + g * interval '1 day', 'planned', current_user
      FROM generate_series(1, 300) g;
INSERT INTO maintmode.maintenance_window
    (agent_id, starts_at, ends_at, ended_at, reason, created_by)
    SELECT g * 101, '2026-01-01 00:00 UTC', '2026-01-01 01:00 UTC', '2026-01-01 00:30 UTC',
           'old', current_user
      FROM generate_series(1, 300) g;
-- The fleet as the sweep finds it on patch night (Wednesday 2026-04-15), before 22:00.
SET maintmode.test_now = '2026-04-15 19:00 UTC';
SELECT maintmode.sweep_windows() \g /dev/null
VACUUM ANALYZE;
SELECT count(*) AS patch_night_agents FROM maintmode.agent a JOIN maintmode.site s ON s.id = a.site_id
 WHERE s.client_id <= 100 \gset
SQL
    sweep="SELECT maintmode.sweep_windows()"
    # What a sweep that starts or ends patch night changes, as an application's UPDATE
    # of the same agents changes it: the same triggers (effective flag, dashboard
    # counters, alerts, history) fire for the same rows.
    patch_agents_in="UPDATE maintmode.agent a SET maintenance_mode = true FROM maintmode.site s WHERE s.id = a.site_id AND s.client_id <= 100"
    patch_agents_out="UPDATE maintmode.agent a SET maintenance_mode = false FROM maintmode.site s WHERE s.id = a.site_id AND s.client_id <= 100"
    at() { echo "SET LOCAL maintmode.test_now = '$1';"; }
    for ((r = 1; r <= rounds; r++)); do
        measure 'sweep, nothing to change (19:00 UTC)' '' "$(at '2026-04-15 19:00 UTC')" "$sweep"
        measure 'sweep starting patch night (20:00 UTC): its agents enter' '' "$(at '2026-04-15 20:00 UTC')" "$sweep"
        measure 'the same agents put in maintenance by one UPDATE (baseline)' '' '' "$patch_agents_in"
        measure 'the same agents taken out by one UPDATE (baseline)' '' "$patch_agents_in;" "$patch_agents_out"
        measure 'occurrence in force of the 1,000 windows, alone' '' '' \
            "SELECT count(*) FROM maintmode.maintenance_window w WHERE EXISTS (SELECT FROM maintmode.window_occurrence(w, '2026-04-15 20:00 UTC'))"
        measure 'upcoming_windows (next occurrence of the 1,000 windows)' '' "$(at '2026-04-15 19:00 UTC')" \
            "SELECT count(*) FROM maintmode.upcoming_windows"
    done
    cat >>"$script" <<'SQL'
-- Patch night under way: the sweeps that find nothing to change, and the one that ends it.
SET maintmode.test_now = '2026-04-15 20:00 UTC';
SELECT maintmode.sweep_windows() \g /dev/null
VACUUM ANALYZE;
SQL
    for ((r = 1; r <= rounds; r++)); do
        measure 'sweep, nothing to change, patch night in force (20:01 UTC)' '' "$(at '2026-04-15 20:01 UTC')" "$sweep"
        measure 'sweep ending patch night (00:00 UTC): its agents leave' '' "$(at '2026-04-16 00:00 UTC')" "$sweep"
    done
    cat >>"$script" <<'SQL'
\pset footer off
\unset QUIET
SELECT what, min(ms) AS best_ms, max(ms) AS worst_ms FROM runs GROUP BY what ORDER BY min(ord);
SELECT :agents AS agents, :patch_night_agents AS patch_night_agents,
       (SELECT count(*) FROM maintmode.maintenance_window) AS windows;
SQL
    psql -X -v agents="$agents" -f "$script"
    echo "size $size: $agents agents, best and worst of $rounds rounds"
    exit 0
fi
agents=${1:-100000}
rounds=${2:-3}
. test/bench/paired.sh

cat >>"$script" <<'SQL'
CREATE EXTENSION maintmode;
INSERT INTO maintmode.client (name) SELECT 'client' || g FROM generate_series(1, 10) g;
INSERT INTO maintmode.site (client_id, name) SELECT 1 + g % 10, 'site' || g FROM generate_series(1, 100) g;
INSERT INTO maintmode.agent (site_id, hostname, last_seen, maintenance_mode)
    SELECT 1 + g % 100, 'host' || g, now(), g % 7 = 0 FROM generate_series(1, :agents) g;
INSERT INTO maintmode.check_result (agent_id, name, email_alert, status)
    SELECT id, 'disk', true, CASE WHEN id % 3 = 0 THEN 'failing' ELSE 'passing' END
      FROM maintmode.agent;
-- 50 windows on sites, ended: the history a sweep reads past.
SET maintmode.test_now = '2026-03-02 08:00 UTC';
SELECT count(maintmode.create_window('site', g, '2026-03-01 08:00 UTC', duration => '1 hour',
                                     reason => 'old')) FROM generate_series(1, 50) g \g /dev/null
VACUUM ANALYZE;
SQL

no_effective_trigger='ALTER TABLE maintmode.agent DISABLE TRIGGER agent_effective_maintenance;'
heartbeats="UPDATE maintmode.agent SET last_seen = now()"
# Every agent enters and leaves maintenance: by a server-wide window (create_window puts
# them in, end_window takes them out: two sweeps), and by the core's force-enable and
# force-disable: the same changes, with the same alert and dashboard triggers firing.
window_round="DO \$d\$ DECLARE w bigint; BEGIN
    w := maintmode.create_window('server', NULL, '2026-03-02 08:00 UTC', duration => '1 hour', reason => 'bench');
    PERFORM maintmode.end_window(w); END \$d\$"
server_round="DO \$d\$ BEGIN
    PERFORM maintmode.server_maint_mode('force-enable');
    PERFORM maintmode.server_maint_mode('force-disable'); END \$d\$"
sweep="SELECT maintmode.sweep_windows()"
count_agents="SELECT count(*) FROM maintmode.agent WHERE maintenance_mode"

for ((r = 1; r <= rounds; r++)); do
    measure 'heartbeat of every agent (1 statement)' ours '' "$heartbeats"
    measure 'heartbeat of every agent (1 statement)' 'without the BEFORE trigger' "$no_effective_trigger" "$heartbeats"
    measure 'every agent in and out of maintenance' 'server window' '' "$window_round"
    measure 'every agent in and out of maintenance' 'force-enable + force-disable' '' "$server_round"
    measure 'sweep with nothing to change' ours '' "$sweep"
    measure 'sweep with nothing to change' 'count of agents in maintenance' '' "$count_agents"
done

cat >>"$script" <<'SQL'
\pset footer off
\unset QUIET
SELECT what, ours, ours_ms, baseline, baseline_ms,
       round(baseline_ms / nullif(ours_ms, 0), 2) AS "baseline/ours"
  FROM (SELECT what, min(ord) AS ord,
               min(side) FILTER (WHERE ord % 2 = 1) AS ours,
               min(ms) FILTER (WHERE ord % 2 = 1) AS ours_ms,
               min(side) FILTER (WHERE ord % 2 = 0) AS baseline,
               min(ms) FILTER (WHERE ord % 2 = 0) AS baseline_ms
          FROM runs GROUP BY what) r
 ORDER BY ord;
SQL
psql -X -v agents="$agents" -f "$script"
echo "agents: $agents, best of $rounds rounds"
