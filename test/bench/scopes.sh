#!/usr/bin/env bash
# Row-level security of the scopes: what it costs the writers that are not limited.
# Builds AGENTS agents (default 100,000: 10 per site, 10 sites per client, 3 checks per
# agent) on a throwaway cluster, an application role with the documented grants of
# rmm_app (unscoped), and a technician limited to one client.  Then, round by round,
# alternating the two sides so that both see the same load and the same table growth:
#   (h) heartbeats, UPDATE maintmode.agent SET last_seen = now() WHERE id = $1,
#   (c) check results, UPDATE maintmode.check_result SET status = ... WHERE id = $1
#       (95% passing, 3% failing, 2% pending, as test/bench/dashboard.sh's (b)),
# by the application role with the policies (as installed) and without them (row-level
# security disabled on agent and check_result: the tables as 1.2 had them), each with
# prepared statements (-M prepared) and with the simple protocol (-M simple: every
# statement planned again, as most ORMs send them; the policy's sub-selects are planned
# each time).  For scale, the technician's heartbeats on its own agents.  Prints the
# median tps of each side, their ratio, and each side's lowest and highest round.  On a
# shared machine the rounds spread widely: test/bench/scopes_instructions.sh counts the
# instructions of the same statements instead, which no load disturbs.
# Usage: PG_CONFIG=... bash test/bench/scopes.sh [agents] [seconds per run] [rounds]
# Not run by run_all.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
AGENTS=${1:-100000}
SECONDS_PER_RUN=${2:-10}
ROUNDS=${3:-5}
. test/cluster.sh
make -s PG_CONFIG="$PG_CONFIG" >/dev/null && make -s PG_CONFIG="$PG_CONFIG" install >/dev/null
cluster_start
as_pg "$PG_BINDIR/pg_ctl" -D "$CLUSTER_DIR/data" -m fast stop >/dev/null
cat >>"$CLUSTER_DIR/data/postgresql.conf" <<CONF
shared_buffers = 512MB
synchronous_commit = off
autovacuum = off
max_wal_size = 4GB
CONF
as_pg "$PG_BINDIR/pg_ctl" -D "$CLUSTER_DIR/data" -l "$CLUSTER_DIR/server.log" -w \
    -o "-c listen_addresses='' -k $CLUSTER_DIR -p $PGPORT -c fsync=off" start >/dev/null
PSQL=("$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1)
WORK=$(mktemp -d /tmp/maintmode-bench.XXXXXX)
chmod 755 "$WORK"
trap 'rm -rf "$WORK"; cluster_stop' EXIT

echo "== building $AGENTS agents, $((AGENTS / 10)) sites, $((AGENTS / 100)) clients, $((AGENTS * 3)) checks"
"${PSQL[@]}" -v agents="$AGENTS" <<'SQL'
CREATE EXTENSION maintmode;
INSERT INTO maintmode.client (name) SELECT 'client' || g FROM generate_series(1, :agents / 100) g;
INSERT INTO maintmode.site (client_id, name)
    SELECT (g - 1) / 10 + 1, 'site' || g FROM generate_series(1, :agents / 10) g;
INSERT INTO maintmode.agent (site_id, hostname, maintenance_mode, last_seen)
    SELECT (g - 1) / 10 + 1, 'agent' || g, random() < 0.05, now()
      FROM generate_series(1, :agents) g;
INSERT INTO maintmode.check_result (agent_id, name, status, alert_severity)
    SELECT a, 'check' || k, 'passing', (ARRAY['error', 'warning', 'info'])[1 + (a + k) % 3]
      FROM generate_series(1, :agents) a, generate_series(1, 3) k;
-- The application's grants of doc/dba-scripts.md; a technician of client 1.
CREATE ROLE bench_app LOGIN;
GRANT USAGE ON SCHEMA maintmode TO bench_app;
GRANT SELECT, INSERT, UPDATE, DELETE
   ON maintmode.client, maintmode.site, maintmode.agent, maintmode.check_result TO bench_app;
CREATE ROLE bench_tech LOGIN IN ROLE bench_app;
SELECT maintmode.grant_scope('bench_tech', 'client', 1);
VACUUM ANALYZE;
SQL

cat >"$WORK/heartbeat.sql" <<SQL
\set id random(1, $AGENTS)
UPDATE maintmode.agent SET last_seen = now() WHERE id = :id;
SQL
cat >"$WORK/checks.sql" <<SQL
\set id random(1, $((AGENTS * 3)))
\set r random(1, 100)
UPDATE maintmode.check_result
   SET status = CASE WHEN :r <= 95 THEN 'passing' WHEN :r <= 98 THEN 'failing' ELSE 'pending' END
 WHERE id = :id;
SQL
# Client 1's agents: ids 1 to 100.
cat >"$WORK/tech_heartbeat.sql" <<'SQL'
\set id random(1, 100)
UPDATE maintmode.agent SET last_seen = now() WHERE id = :id;
SQL

tps() {								# tps ROLE MODE FILE
    "$PG_BINDIR/pgbench" -n -U "$1" -M "$2" -f "$3" -c 4 -j 2 -T "$SECONDS_PER_RUN" 2>/dev/null |
        sed -nE 's/^tps = ([0-9.]+) .*/\1/p'
}
policies() {						# policies ENABLE|DISABLE
    "${PSQL[@]}" -c "ALTER TABLE maintmode.agent $1 ROW LEVEL SECURITY" \
                 -c "ALTER TABLE maintmode.check_result $1 ROW LEVEL SECURITY"
}
# The median, lowest and highest of the numbers on stdin.
stats() {
    sort -n | awk '{ v[NR] = $1 } END {
        m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "%.0f %.0f %.0f\n", m, v[1], v[NR] }'
}

: >"$WORK/runs"
for round in $(seq "$ROUNDS"); do
    for work in heartbeat checks; do
        for mode in prepared simple; do
            # Each round starts from the other side, so neither always runs second.
            for side in $( ((round % 2)) && echo "on off" || echo "off on"); do
                policies "$([ "$side" = on ] && echo ENABLE || echo DISABLE)"
                echo "$work $mode $side $(tps bench_app "$mode" "$WORK/$work.sql")" >>"$WORK/runs"
            done
        done
    done
    policies ENABLE
    echo "tech_heartbeat simple on $(tps bench_tech simple "$WORK/tech_heartbeat.sql")" >>"$WORK/runs"
    echo "round $round of $ROUNDS done"
done

echo
printf '%-44s %22s %22s %7s\n' "tps, 4 clients (median of $ROUNDS rounds of ${SECONDS_PER_RUN} s)" \
    "policies (low-high)" "none (low-high)" "ratio"
for work in heartbeat checks; do
    for mode in prepared simple; do
        read -r on on_low on_high < <(awk -v w=$work -v m=$mode '$1 == w && $2 == m && $3 == "on" { print $4 }' "$WORK/runs" | stats)
        read -r off off_low off_high < <(awk -v w=$work -v m=$mode '$1 == w && $2 == m && $3 == "off" { print $4 }' "$WORK/runs" | stats)
        printf '%-44s %22s %22s %6.1f%%\n' "application role, $work, $mode" \
            "$on ($on_low-$on_high)" "$off ($off_low-$off_high)" \
            "$(awk -v a="$on" -v b="$off" 'BEGIN { print 100 * a / b }')"
    done
done
read -r t t_low t_high < <(awk '$1 == "tech_heartbeat" { print $4 }' "$WORK/runs" | stats)
printf '%-44s %22s\n' "technician of client 1, heartbeat, simple" "$t ($t_low-$t_high)"

echo
"${PSQL[@]}" -c "SELECT count(*) AS counters_that_differ FROM maintmode.verify_counters()"
