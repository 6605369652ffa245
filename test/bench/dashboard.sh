#!/usr/bin/env bash
# Dashboard benchmark (issue 3).  Builds 1,000,000 agents in 100,000 sites and 10,000
# clients with 10 checks per agent on a throwaway cluster, then prints, each with our
# figure, the baseline's measured in the same run, and the ratio:
#   (a) reading the full client and site trees with colours (sent to the client, and
#       computed on the server only), and one client's tree, vs plain views / queries
#       that recompute the colours with GROUP BY from the base tables;
#   (b) check-result UPDATE throughput from 8 pgbench clients with the counter
#       triggers, vs the same tables with them disabled; (b2) the same, all 8 clients
#       on the checks of one client with half of the updates changing colour;
#   (c) server_maint_mode enable + disable (with the maintenance history it writes),
#       vs the bare SQL that saves the same snapshot and does the same updates with the
#       counter and history triggers disabled.
# Usage: PG_CONFIG=... bash test/bench/dashboard.sh [scale]   (scale 1 = the full fleet;
# 0.1 = a tenth of it, for a quick look).  Not run by run_all.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
SCALE=${1:-1}
. test/cluster.sh
make -s PG_CONFIG="$PG_CONFIG" >/dev/null && make -s PG_CONFIG="$PG_CONFIG" install >/dev/null
cluster_start
as_pg "$PG_BINDIR/pg_ctl" -D "$CLUSTER_DIR/data" -m fast stop >/dev/null
cat >>"$CLUSTER_DIR/data/postgresql.conf" <<CONF
shared_buffers = 2GB
work_mem = 64MB
maintenance_work_mem = 512MB
max_wal_size = 8GB
synchronous_commit = off
autovacuum = off
CONF
as_pg "$PG_BINDIR/pg_ctl" -D "$CLUSTER_DIR/data" -l "$CLUSTER_DIR/server.log" -w \
    -o "-c listen_addresses='' -k $CLUSTER_DIR -p $PGPORT -c fsync=off" start >/dev/null
PSQL=("$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1)
PGBENCH="$PG_BINDIR/pgbench"
WORK=$(mktemp -d /tmp/maintmode-bench.XXXXXX)
chmod 755 "$WORK"

ms() { echo $(( $(date +%s%N) / 1000000 )); }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
row() { printf '%-58s %12s %12s %8s\n' "$@"; }

CLIENTS=$(awk -v s="$SCALE" 'BEGIN { print int(10000 * s) }')
echo "== building $CLIENTS clients, $((CLIENTS * 10)) sites, $((CLIENTS * 100)) agents, $((CLIENTS * 1000)) checks"
t0=$(ms)
"${PSQL[@]}" -v clients="$CLIENTS" -f test/bench/dashboard_fleet.sql
echo "built in $(( ($(ms) - t0) / 1000 )) s"

# The baseline for (a): the dashboard computed from the base tables at read time.
"${PSQL[@]}" <<'SQL'
CREATE SCHEMA bench;
CREATE VIEW bench.agent_colour AS
    SELECT a.id, a.site_id, a.maintenance_mode,
           CASE
               WHEN a.maintenance_mode THEN 'maintenance'
               WHEN count(*) FILTER (WHERE c.status = 'failing' AND c.alert_severity = 'error') > 0
                    OR ((a.overdue_email_alert OR a.overdue_text_alert OR a.overdue_dashboard_alert)
                        AND maintmode.agent_status(a.last_seen, a.offline_time, a.overdue_time) = 'overdue')
                   THEN 'error'
               WHEN count(*) FILTER (WHERE c.status = 'failing' AND c.alert_severity = 'warning') > 0
                   THEN 'warning'
               ELSE 'other'
           END AS colour
      FROM maintmode.agent a LEFT JOIN maintmode.check_result c ON c.agent_id = a.id
     GROUP BY a.id;
CREATE VIEW bench.site_tree AS
    SELECT s.id AS site_id, s.client_id, s.name, count(a.id) AS agents,
           count(a.id) FILTER (WHERE a.maintenance_mode) AS agents_in_maintenance,
           CASE
               WHEN count(a.id) > 0 AND bool_and(a.maintenance_mode) THEN 'maintenance'
               WHEN bool_or(a.colour = 'error') THEN 'error'
               WHEN bool_or(a.colour = 'warning') THEN 'warning'
               ELSE 'ok'
           END AS colour
      FROM maintmode.site s LEFT JOIN bench.agent_colour a ON a.site_id = s.id
     GROUP BY s.id;
CREATE VIEW bench.client_tree AS
    SELECT k.id AS client_id, k.name, count(a.id) AS agents,
           count(a.id) FILTER (WHERE a.maintenance_mode) AS agents_in_maintenance,
           CASE
               WHEN count(a.id) > 0 AND bool_and(a.maintenance_mode) THEN 'maintenance'
               WHEN bool_or(a.colour = 'error') THEN 'error'
               WHEN bool_or(a.colour = 'warning') THEN 'warning'
               ELSE 'ok'
           END AS colour
      FROM maintmode.client k
      LEFT JOIN maintmode.site s ON s.client_id = k.id
      LEFT JOIN bench.agent_colour a ON a.site_id = s.id
     GROUP BY k.id;
SQL

# pgbench's average latency in ms for one script file.
latency() {							# latency FILE PGBENCH-ARGS...
    local f=$1; shift
    "$PGBENCH" -n -f "$f" "$@" 2>/dev/null | sed -nE 's/^latency average = ([0-9.]+) ms/\1/p'
}
tps() {
    local f=$1; shift
    "$PGBENCH" -n -f "$f" "$@" 2>/dev/null | sed -nE 's/^tps = ([0-9.]+) .*/\1/p'
}

echo
row "" "ours" "baseline" "ratio"	# (a) and (c): baseline / ours; (b): ours / baseline

# (a) The full trees: every row of both views sent to pgbench (which reads and discards
# them); the same computed on the server only (every colour, one row per colour out);
# and one client's tree (the client and its 10 sites), against a recomputation written
# for that one client.
cat >"$WORK/tree_ours.sql" <<'SQL'
SELECT * FROM maintmode.client_dashboard;
SELECT * FROM maintmode.site_dashboard;
SQL
cat >"$WORK/tree_recomputed.sql" <<'SQL'
SELECT * FROM bench.client_tree;
SELECT * FROM bench.site_tree;
SQL
cat >"$WORK/colours_ours.sql" <<'SQL'
SELECT colour, count(*) FROM maintmode.client_dashboard GROUP BY colour;
SELECT colour, count(*) FROM maintmode.site_dashboard GROUP BY colour;
SQL
cat >"$WORK/colours_recomputed.sql" <<'SQL'
SELECT colour, count(*) FROM bench.client_tree GROUP BY colour;
SELECT colour, count(*) FROM bench.site_tree GROUP BY colour;
SQL
cat >"$WORK/one_ours.sql" <<SQL
\set c random(1, $CLIENTS)
SELECT * FROM maintmode.client_dashboard WHERE client_id = :c;
SELECT * FROM maintmode.site_dashboard WHERE client_id = :c ORDER BY name;
SQL
# The recomputation for one client: the colours of that client's agents only.
cat >"$WORK/one_recomputed.sql" <<SQL
\\set c random(1, $CLIENTS)
WITH agent_colour AS (
    SELECT a.id, a.site_id, a.maintenance_mode,
           CASE
               WHEN a.maintenance_mode THEN 'maintenance'
               WHEN count(*) FILTER (WHERE c.status = 'failing' AND c.alert_severity = 'error') > 0
                    OR ((a.overdue_email_alert OR a.overdue_text_alert OR a.overdue_dashboard_alert)
                        AND maintmode.agent_status(a.last_seen, a.offline_time, a.overdue_time) = 'overdue')
                   THEN 'error'
               WHEN count(*) FILTER (WHERE c.status = 'failing' AND c.alert_severity = 'warning') > 0
                   THEN 'warning'
               ELSE 'other'
           END AS colour
      FROM maintmode.site s JOIN maintmode.agent a ON a.site_id = s.id
      LEFT JOIN maintmode.check_result c ON c.agent_id = a.id
     WHERE s.client_id = :c
     GROUP BY a.id)
SELECT k.id AS client_id, k.name, count(a.id) AS agents,
       count(a.id) FILTER (WHERE a.maintenance_mode) AS agents_in_maintenance,
       CASE
           WHEN count(a.id) > 0 AND bool_and(a.maintenance_mode) THEN 'maintenance'
           WHEN bool_or(a.colour = 'error') THEN 'error'
           WHEN bool_or(a.colour = 'warning') THEN 'warning'
           ELSE 'ok'
       END AS colour
  FROM maintmode.client k LEFT JOIN agent_colour a ON true
 WHERE k.id = :c
 GROUP BY k.id;
WITH agent_colour AS (
    SELECT a.id, a.site_id, a.maintenance_mode,
           CASE
               WHEN a.maintenance_mode THEN 'maintenance'
               WHEN count(*) FILTER (WHERE c.status = 'failing' AND c.alert_severity = 'error') > 0
                    OR ((a.overdue_email_alert OR a.overdue_text_alert OR a.overdue_dashboard_alert)
                        AND maintmode.agent_status(a.last_seen, a.offline_time, a.overdue_time) = 'overdue')
                   THEN 'error'
               WHEN count(*) FILTER (WHERE c.status = 'failing' AND c.alert_severity = 'warning') > 0
                   THEN 'warning'
               ELSE 'other'
           END AS colour
      FROM maintmode.site s JOIN maintmode.agent a ON a.site_id = s.id
      LEFT JOIN maintmode.check_result c ON c.agent_id = a.id
     WHERE s.client_id = :c
     GROUP BY a.id)
SELECT s.id AS site_id, s.client_id, s.name, count(a.id) AS agents,
       count(a.id) FILTER (WHERE a.maintenance_mode) AS agents_in_maintenance,
       CASE
           WHEN count(a.id) > 0 AND bool_and(a.maintenance_mode) THEN 'maintenance'
           WHEN bool_or(a.colour = 'error') THEN 'error'
           WHEN bool_or(a.colour = 'warning') THEN 'warning'
           ELSE 'ok'
       END AS colour
  FROM maintmode.site s LEFT JOIN agent_colour a ON a.site_id = s.id
 WHERE s.client_id = :c
 GROUP BY s.id ORDER BY s.name;
SQL
latency "$WORK/tree_ours.sql" -t 5 >/dev/null		# warm the caches
latency "$WORK/tree_recomputed.sql" -t 1 >/dev/null
a_ours=$(latency "$WORK/tree_ours.sql" -t 30)
a_base=$(latency "$WORK/tree_recomputed.sql" -t 3)
row "(a) full client + site trees to the client, ms" "$a_ours" "$a_base" "$(ratio "$a_base" "$a_ours")x"
# What this machine needs to send 110,000 rows at all: the bare client and site tables
# (names and ids, no colour), for scale; no goal is measured against it.
cat >"$WORK/tree_floor.sql" <<'SQL'
SELECT * FROM maintmode.client;
SELECT * FROM maintmode.site;
SQL
row "(a) for scale: the bare client + site tables sent, ms" "$(latency "$WORK/tree_floor.sql" -t 30)" "" ""
a_ours=$(latency "$WORK/colours_ours.sql" -t 30)
a_base=$(latency "$WORK/colours_recomputed.sql" -t 3)
row "(a) full trees computed on the server, ms" "$a_ours" "$a_base" "$(ratio "$a_base" "$a_ours")x"
a_ours=$(latency "$WORK/one_ours.sql" -T 10)
a_base=$(latency "$WORK/one_recomputed.sql" -T 10)
row "(a) one client's tree (client + 10 sites), ms" "$a_ours" "$a_base" "$(ratio "$a_base" "$a_ours")x"

# (b) Check results from 8 clients.  95% of the updates report passing, 3% failing,
# 2% pending: a check result changes far more often than an agent's colour.
cat >"$WORK/checks.sql" <<SQL
\set id random(1, $((CLIENTS * 1000)))
\set r random(1, 100)
UPDATE maintmode.check_result
   SET status = CASE WHEN :r <= 95 THEN 'passing' WHEN :r <= 98 THEN 'failing' ELSE 'pending' END
 WHERE id = :id;
SQL
# (b2) The checks of one client (100 agents), half of the updates flipping the colour.
cat >"$WORK/checks_one_client.sql" <<'SQL'
\set id random(1, 1000)
\set r random(1, 2)
UPDATE maintmode.check_result
   SET status = CASE WHEN :r = 1 THEN 'passing' ELSE 'failing' END, alert_severity = 'error'
 WHERE id = :id;
SQL
counter_triggers() {				# counter_triggers ENABLE|DISABLE TABLE...
    local action=$1; shift
    for t in "$@"; do
        for e in insert update delete truncate; do
            "${PSQL[@]}" -c "ALTER TABLE maintmode.$t $action TRIGGER dashboard_counters_$e"
        done
    done
}
# Three alternating rounds of 10 s each way (the machine may be shared: alternating
# exposes both sides to the same load); the figure is the mean of the rounds.
bench_b() {							# bench_b LABEL SCRIPT
    local ours=0 base=0
    for round in 1 2 3; do
        ours=$(awk -v s="$ours" -v t="$(tps "$2" -c 8 -j 2 -T 10 -M prepared)" 'BEGIN { print s + t / 3 }')
        counter_triggers DISABLE check_result
        base=$(awk -v s="$base" -v t="$(tps "$2" -c 8 -j 2 -T 10 -M prepared)" 'BEGIN { print s + t / 3 }')
        counter_triggers ENABLE check_result
    done
    row "$1" "$(printf %.0f "$ours")" "$(printf %.0f "$base")" \
        "$(awk -v a="$ours" -v b="$base" 'BEGIN { printf "%.0f%%", 100 * a / b }')"
}
bench_b "(b) check updates/s, 8 clients, whole fleet" "$WORK/checks.sql"
"${PSQL[@]}" -c "SELECT maintmode.rebuild_counters()" >/dev/null	# counters were off during the baseline
bench_b "(b2) check updates/s, 8 clients, one client" "$WORK/checks_one_client.sql"
"${PSQL[@]}" -c "SELECT maintmode.rebuild_counters()" >/dev/null
"${PSQL[@]}" -c "VACUUM ANALYZE"

# (c) enable + disable.  The bare SQL is what server_maint_mode does, without triggers.
cat >"$WORK/bare.sql" <<'SQL'
BEGIN;
LOCK TABLE maintmode.agent IN SHARE ROW EXCLUSIVE MODE;
INSERT INTO maintmode.saved_state (agent_id, maintenance_mode)
    SELECT id, maintenance_mode FROM maintmode.agent;
UPDATE maintmode.agent SET maintenance_mode = true WHERE NOT maintenance_mode;
COMMIT;
BEGIN;
LOCK TABLE maintmode.agent IN SHARE ROW EXCLUSIVE MODE;
UPDATE maintmode.agent a SET maintenance_mode = NOT a.maintenance_mode
  FROM maintmode.agent b LEFT JOIN maintmode.saved_state s ON s.agent_id = b.id
 WHERE a.id = b.id AND b.maintenance_mode <> coalesce(s.maintenance_mode, false);
DELETE FROM maintmode.saved_state;
COMMIT;
SQL
c_ours=999999999
c_base=999999999
for round in 1 2 3; do
    t0=$(ms)
    "${PSQL[@]}" -c "SELECT * FROM maintmode.server_maint_mode('enable')" >/dev/null
    "${PSQL[@]}" -c "SELECT * FROM maintmode.server_maint_mode('disable')" >/dev/null
    t=$(( $(ms) - t0 )); [ "$t" -lt "$c_ours" ] && c_ours=$t
    "${PSQL[@]}" -c "VACUUM maintmode.agent, maintmode.agent_counter, maintmode.site_counter, maintmode.client_counter, maintmode.saved_state"
    counter_triggers DISABLE agent
    "${PSQL[@]}" -c "ALTER TABLE maintmode.agent DISABLE TRIGGER maintenance_history_update"
    t0=$(ms)
    "${PSQL[@]}" -f "$WORK/bare.sql" >/dev/null
    t=$(( $(ms) - t0 )); [ "$t" -lt "$c_base" ] && c_base=$t
    counter_triggers ENABLE agent
    "${PSQL[@]}" -c "ALTER TABLE maintmode.agent ENABLE TRIGGER maintenance_history_update"
    "${PSQL[@]}" -c "VACUUM maintmode.agent, maintmode.saved_state"
done
row "(c) server_maint_mode enable + disable, ms (best of 3)" "$c_ours" "$c_base" "$(ratio "$c_ours" "$c_base")x"
echo
"${PSQL[@]}" -c "SELECT count(*) AS counters_that_differ FROM maintmode.verify_counters()"
"${PSQL[@]}" -c "SELECT path, in_maintenance, count(*) AS history_rows FROM maintmode.maintenance_history GROUP BY 1, 2 ORDER BY 1, 2"
rm -rf "$WORK"
