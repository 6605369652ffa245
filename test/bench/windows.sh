#!/usr/bin/env bash
# Benchmark of what windows add, each beside its baseline in the same run on the same
# data: prints ms for ours and the baseline's (best of ROUNDS runs, alternating), and
# the ratio baseline/ours.
#   bash test/bench/windows.sh [AGENTS [ROUNDS]]    (default 100000 and 3; PG_CONFIG honoured)
# Not run by run_all.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
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
