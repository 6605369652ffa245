#!/usr/bin/env bash
# The performance benchmark.  For each fleet size (1 = 1,000,000 agents in 100,000
# sites and 10,000 clients, 10 checks per agent) it builds the fleet on a throwaway
# cluster and prints, each beside its baseline measured in the same run (ours and the
# baseline alternate, round by round), the ratio:
#   (a) the full client and site trees sent to the client, against the same rows
#       already computed (a plain table holding exactly the views' output) and against
#       views that recompute the colours from the base tables; the same as a new
#       connection's first read; the same computed on the server only (EXPLAIN
#       ANALYZE), and counted by colour there; one client's tree;
#   (b) check-result UPDATEs/s from 8 clients over the whole fleet, against the same
#       tables without the extension's triggers on check_result; (b2) the same with all
#       8 on the checks of one client, half of the updates changing an agent's colour;
#   (h) heartbeats/s (UPDATE agent SET last_seen) from 8 clients, against the same
#       tables without the extension's triggers on agent, and against the same with
#       them disabled (the goal's own baseline; PostgreSQL still locks each row first
#       for a disabled BEFORE row trigger); an agent's whole check-in
#       (its heartbeat and its 10 check results, 3% changing status, one transaction),
#       against both tables without them;
#   (c) server_maint_mode enable + disable, against the bare SQL that saves the same
#       snapshot and makes the same changes with no trigger of the extension's (ours
#       includes the maintenance history it writes; a second baseline writes the same
#       history rows by plain SQL too).
# With more than one size it then prints (s), the figures side by side: one client's
# reads and the per-write costs should stay flat, full trees and server mode grow no
# faster than the fleet.  "Without the triggers" means dropped, not disabled: a disabled
# trigger with transition tables still has them captured.
#
# Usage: PG_CONFIG=... bash test/bench/dashboard.sh [SIZE...]
#   no SIZE: 0.1 0.33 1 and the curve, then the window benchmark at the same sizes
#   (about 30 minutes); one SIZE (0.1: a quick look, about 8 minutes): that size only.
# Not run by run_all.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(0.1 0.33 1)
ROUNDS=${ROUNDS:-3}
TPS_ROUNDS=${TPS_ROUNDS:-5}
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
full_page_writes = off
autovacuum = off
CONF
# Huge pages for the shared buffers, as PostgreSQL's documentation advises for 2 GB of
# them: with 4 kB pages every backend maps each buffer it touches a page at a time and
# misses the TLB on it, which on the project's VM doubled the CPU of every write, both
# sides alike (13,600 against 25,100 trigger-free check updates/s at a tenth of the
# fleet), and weighed most on whichever side touches more pages.  Reserved for the run
# as root, given back after; without them (not root, or no memory to spare) the run
# goes on with 4 kB pages and says so.
HUGE_PAGES_BEFORE=$(cat /proc/sys/vm/nr_hugepages 2>/dev/null || echo)
huge_pages_back() {
    [ -z "$HUGE_PAGES_BEFORE" ] || echo "$HUGE_PAGES_BEFORE" 2>/dev/null >/proc/sys/vm/nr_hugepages || true
}
huge=$(as_pg "$PG_BINDIR/postgres" -D "$CLUSTER_DIR/data" -C shared_memory_size_in_huge_pages 2>/dev/null || echo 0)
if [ "$huge" -gt 0 ] && [ -n "$HUGE_PAGES_BEFORE" ] &&
    echo $((HUGE_PAGES_BEFORE + huge)) 2>/dev/null >/proc/sys/vm/nr_hugepages &&
    [ "$(awk '/^HugePages_Free/ { print $2 }' /proc/meminfo)" -ge "$huge" ]; then
    trap 'cluster_stop; huge_pages_back' EXIT
    echo "huge_pages = on" >>"$CLUSTER_DIR/data/postgresql.conf"
    echo "shared buffers in huge pages ($huge of 2 MB)"
else
    huge_pages_back
    HUGE_PAGES_BEFORE=
    echo "shared buffers in 4 kB pages: no huge pages to reserve (figures not comparable with the performance doc's)"
fi
as_pg "$PG_BINDIR/pg_ctl" -D "$CLUSTER_DIR/data" -l "$CLUSTER_DIR/server.log" -w \
    -o "-c listen_addresses='' -k $CLUSTER_DIR -p $PGPORT -c fsync=off" start >/dev/null
PSQL=("$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1)
PGBENCH="$PG_BINDIR/pgbench"
WORK=$(mktemp -d /tmp/maintmode-bench.XXXXXX)
chmod 755 "$WORK"
trap 'rm -rf "$WORK"; cluster_stop; huge_pages_back' EXIT
FIGURES="$WORK/figures"			# SIZE KEY VALUE, for the curve
: >"$FIGURES"

ms() { echo $(( $(date +%s%N) / 1000000 )); }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
percent() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f%%", 100 * a / b }'; }
row() { printf '%-62s %12s %12s %9s%s\n' "$1" "$2" "$3" "$4" "${5:+  $5}"; }
keep() { echo "$SIZE $1 $2" >>"$FIGURES"; }	# keep KEY VALUE
min() { printf '%s\n' "$@" | sort -g | head -1; }
max() { printf '%s\n' "$@" | sort -g | tail -1; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# pgbench's average latency in ms, and its transactions per second.
latency() {						# latency FILE PGBENCH-ARGS...
    local f=$1; shift
    "$PGBENCH" -n -f "$f" "$@" 2>/dev/null | sed -nE 's/^latency average = ([0-9.]+) ms/\1/p'
}
# A new connection's first read, in ms: each of 10 transactions on a connection of its
# own (pgbench -C, prepared: the statement is prepared then run once), less pgbench's
# connection time (which counts connecting and disconnecting).
first_read() {					# first_read FILE
    "$PGBENCH" -n -C -t 10 -M prepared -f "$1" 2>/dev/null |
        awk '/^latency average/ { l = $4 } /^average connection time/ { c = $5 }
             END { printf "%.3f", l - c }'
}
tps() {
    local f=$1; shift
    "$PGBENCH" -n -f "$f" "$@" 2>/dev/null | sed -nE 's/^tps = ([0-9.]+) .*/\1/p'
}
# Every timed write starts right after a checkpoint, ours and the baseline alike: one
# that began during a run (every 5 minutes) made that run alone pay for its writes,
# which moved the ratios by up to 10 points from round to round.  Without full-page
# images (full_page_writes = off, like fsync): with them, a run right after a checkpoint
# would write an image of nearly every page it touches, both sides alike, and measure
# that more than the writes.
checkpoint() { "${PSQL[@]}" -c CHECKPOINT; }

# The extension's triggers on some tables, dropped for a baseline and created again
# after it, as they were (a disabled trigger still has its transition tables captured);
# with TRIGGERS=disabled, disabled and enabled again instead.
triggers_off() {				# triggers_off TABLE...
    local t off on
    if [ "${TRIGGERS:-dropped}" = disabled ]; then
        off="format('ALTER TABLE %s DISABLE TRIGGER %I;', tgrelid::regclass, tgname)"
        on="format('ALTER TABLE %s %s TRIGGER %I;', tgrelid::regclass,
                   CASE tgenabled WHEN 'A' THEN 'ENABLE ALWAYS' WHEN 'R' THEN 'ENABLE REPLICA'
                                  WHEN 'D' THEN 'DISABLE' ELSE 'ENABLE' END, tgname)"
    else
        off="format('DROP TRIGGER %I ON %s;', tgname, tgrelid::regclass)"
        on="pg_get_triggerdef(oid) || ';'"
    fi
    : >"$WORK/triggers.sql"
    for t in "$@"; do
        "${PSQL[@]}" -At -c "SELECT $on FROM pg_trigger
                              WHERE tgrelid = 'maintmode.$t'::regclass AND NOT tgisinternal" \
            >>"$WORK/triggers.sql"
        "${PSQL[@]}" -At -c "SELECT $off FROM pg_trigger
                              WHERE tgrelid = 'maintmode.$t'::regclass AND NOT tgisinternal" |
            "${PSQL[@]}"
    done
}
triggers_on() { "${PSQL[@]}" -f "$WORK/triggers.sql"; }
# Writes made without the triggers leave the counters behind: recount, and vacuum the
# rows the recount deleted, which the next round would otherwise step over.
recount() {
    "${PSQL[@]}" -c "SELECT maintmode.rebuild_counters()" \
        -c "VACUUM maintmode.agent_counter, maintmode.site_counter, maintmode.client_counter" >/dev/null
}

# Alternating rounds of pgbench, ours then the baseline in odd rounds, the baseline then
# ours in even ones (so that neither side always runs first on a fleet that changes as
# the rounds go); prints "ours baseline" tps, the median of the rounds, then how far the
# rounds spread: "rounds: LOW to HIGH", the lowest and highest of ours as a share of
# the baseline round by round.  Five rounds of 6 s rather than three of 10 s: on a
# shared machine a run can lose 10 to 30% to its neighbours, and the median of five
# sets two such runs aside.
alternate_tps() {				# alternate_tps SCRIPT SECONDS TABLE...
    local script=$1 seconds=$2 r o=() b=() share=()
    shift 2
    for ((r = 1; r <= TPS_ROUNDS; r++)); do
        if ((r % 2)); then
            checkpoint
            o+=("$(tps "$script" -c 8 -j 2 -T "$seconds" -M prepared)")
        fi
        triggers_off "$@"
        checkpoint
        b+=("$(tps "$script" -c 8 -j 2 -T "$seconds" -M prepared)")
        triggers_on
        case " $* " in *" check_result "*) recount ;; esac
        if ! ((r % 2)); then
            checkpoint
            o+=("$(tps "$script" -c 8 -j 2 -T "$seconds" -M prepared)")
        fi
    done
    for ((r = 0; r < TPS_ROUNDS; r++)); do
        share+=("$(percent "${o[r]}" "${b[r]}")")
    done
    echo "$(median "${o[@]}") $(median "${b[@]}") rounds: $(min "${share[@]}") to $(max "${share[@]}")"
}

run_size() {					# run_size SIZE
    SIZE=$1
    local clients db t0 o b c r k
    clients=$(awk -v s="$SIZE" 'BEGIN { print int(10000 * s) }')
    db="bench_$(echo "$SIZE" | tr . _)"
    "${PSQL[@]}" -d postgres -c "CREATE DATABASE $db"
    export PGDATABASE=$db
    echo
    echo "== size $SIZE: $clients clients, $((clients * 10)) sites, $((clients * 100)) agents, $((clients * 1000)) checks"
    t0=$(ms)
    "${PSQL[@]}" -v clients="$clients" -f test/bench/dashboard_fleet.sql >/dev/null
    echo "built in $(( ($(ms) - t0) / 1000 )) s"
    "${PSQL[@]}" -f test/bench/dashboard_baselines.sql
    row "" "ours" "baseline" "ratio"

    # (a) The full trees, sent to pgbench (which reads and discards them).  Each figure
    # is the best of the alternating rounds.
    cat >"$WORK/tree_ours.sql" <<'SQL'
SELECT * FROM maintmode.client_dashboard;
SELECT * FROM maintmode.site_dashboard;
SQL
    cat >"$WORK/tree_copy.sql" <<'SQL'
SELECT * FROM bench.client_copy;
SELECT * FROM bench.site_copy;
SQL
    cat >"$WORK/tree_recomputed.sql" <<'SQL'
SELECT * FROM bench.client_tree;
SELECT * FROM bench.site_tree;
SQL
    # Computed on the server and not sent: every row and column of the views, discarded
    # by EXPLAIN ANALYZE (timing off: one count per row and plan node, both sides alike).
    cat >"$WORK/computed_ours.sql" <<'SQL'
EXPLAIN (ANALYZE, TIMING OFF, COSTS OFF, SUMMARY OFF) SELECT * FROM maintmode.client_dashboard;
EXPLAIN (ANALYZE, TIMING OFF, COSTS OFF, SUMMARY OFF) SELECT * FROM maintmode.site_dashboard;
SQL
    cat >"$WORK/computed_recomputed.sql" <<'SQL'
EXPLAIN (ANALYZE, TIMING OFF, COSTS OFF, SUMMARY OFF) SELECT * FROM bench.client_tree;
EXPLAIN (ANALYZE, TIMING OFF, COSTS OFF, SUMMARY OFF) SELECT * FROM bench.site_tree;
SQL
    # The trees counted by colour: a dashboard's summary, the measure of earlier runs.
    cat >"$WORK/colours_ours.sql" <<'SQL'
SELECT colour, count(*) FROM maintmode.client_dashboard GROUP BY colour;
SELECT colour, count(*) FROM maintmode.site_dashboard GROUP BY colour;
SQL
    cat >"$WORK/colours_recomputed.sql" <<'SQL'
SELECT colour, count(*) FROM bench.client_tree GROUP BY colour;
SELECT colour, count(*) FROM bench.site_tree GROUP BY colour;
SQL
    cat >"$WORK/one_ours.sql" <<SQL
\\set c random(1, $clients)
SELECT * FROM maintmode.client_dashboard WHERE client_id = :c;
SELECT * FROM maintmode.site_dashboard WHERE client_id = :c ORDER BY name;
SQL
    # The recomputation for one client: the colours of that client's agents only.
    cat >"$WORK/one_recomputed.sql" <<SQL
\\set c random(1, $clients)
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
    latency "$WORK/tree_copy.sql" -t 5 >/dev/null
    latency "$WORK/tree_recomputed.sql" -t 1 >/dev/null
    # Runs of a fixed time, not of a fixed count: a backend's first read (its catalog
    # caches, plans and the shared buffers it maps) is measured on its own below, and
    # 20 reads at a tenth of the fleet were too few to amortize it.
    o=(); b=(); c=()
    for ((r = 1; r <= ROUNDS + 2; r++)); do
        o+=("$(latency "$WORK/tree_ours.sql" -T 3)")
        b+=("$(latency "$WORK/tree_copy.sql" -T 3)")
    done
    row "(a) full client + site trees sent, ms (vs the computed copy)" \
        "$(min "${o[@]}")" "$(min "${b[@]}")" "$(ratio "$(min "${o[@]}")" "$(min "${b[@]}")")x"
    keep tree_sent "$(min "${o[@]}")"
    keep tree_copy "$(min "${b[@]}")"
    c=$(latency "$WORK/tree_recomputed.sql" -t 2)
    row "(a) the same vs recomputing views, ms" "$(min "${o[@]}")" "$c" \
        "$(ratio "$c" "$(min "${o[@]}")")x faster"
    o=(); b=()
    for ((r = 1; r <= ROUNDS; r++)); do
        o+=("$(first_read "$WORK/tree_ours.sql")")
        b+=("$(first_read "$WORK/tree_copy.sql")")
    done
    row "(a) the same, first read of a new connection, ms" \
        "$(min "${o[@]}")" "$(min "${b[@]}")" "$(ratio "$(min "${o[@]}")" "$(min "${b[@]}")")x"
    keep tree_first "$(min "${o[@]}")"
    o=(); b=()
    for ((r = 1; r <= ROUNDS; r++)); do
        o+=("$(latency "$WORK/computed_ours.sql" -T 3)")
        b+=("$(latency "$WORK/computed_recomputed.sql" -t 1)")
    done
    row "(a) full trees computed on the server, ms" "$(min "${o[@]}")" "$(min "${b[@]}")" \
        "$(ratio "$(min "${b[@]}")" "$(min "${o[@]}")")x faster"
    keep tree_server "$(min "${o[@]}")"
    o=(); b=()
    for ((r = 1; r <= ROUNDS; r++)); do
        o+=("$(latency "$WORK/colours_ours.sql" -T 3)")
        b+=("$(latency "$WORK/colours_recomputed.sql" -t 1)")
    done
    row "(a) the same counted by colour (GROUP BY colour), ms" "$(min "${o[@]}")" \
        "$(min "${b[@]}")" "$(ratio "$(min "${b[@]}")" "$(min "${o[@]}")")x faster"
    keep tree_colours "$(min "${o[@]}")"
    o=(); b=()
    for ((r = 1; r <= ROUNDS; r++)); do
        o+=("$(latency "$WORK/one_ours.sql" -T 5)")
        b+=("$(latency "$WORK/one_recomputed.sql" -T 5)")
    done
    row "(a) one client's tree (client + 10 sites), ms" "$(min "${o[@]}")" "$(min "${b[@]}")" \
        "$(ratio "$(min "${b[@]}")" "$(min "${o[@]}")")x faster"
    keep one_client "$(min "${o[@]}")"

    # (b) Check results from 8 clients.  95% of the updates report passing, 3% failing,
    # 2% pending: a check result changes far more often than an agent's colour.
    cat >"$WORK/checks.sql" <<SQL
\\set id random(1, $((clients * 1000)))
\\set r random(1, 100)
UPDATE maintmode.check_result
   SET status = CASE WHEN :r <= 95 THEN 'passing' WHEN :r <= 98 THEN 'failing' ELSE 'pending' END
 WHERE id = :id;
SQL
    # (b2) One check of each of the 100 agents of client 1 (the checks of agent a are
    # 10a-9 .. 10a), failing at severity error or passing at random: half of the
    # updates change the check's status, and with it its agent's colour.
    cat >"$WORK/checks_one_client.sql" <<'SQL'
\set id 10 * random(1, 100) - 9
\set r random(1, 2)
UPDATE maintmode.check_result
   SET status = CASE WHEN :r = 1 THEN 'passing' ELSE 'failing' END, alert_severity = 'error'
 WHERE id = :id;
SQL
    read -r o b spread < <(alternate_tps "$WORK/checks.sql" 6 check_result)
    row "(b) check updates/s, 8 clients, whole fleet" "${o%.*}" "${b%.*}" "$(percent "$o" "$b")" "$spread"
    keep check_us "$(awk -v t="$o" 'BEGIN { printf "%.1f", 1e6 / t }')"
    read -r o b spread < <(alternate_tps "$WORK/checks_one_client.sql" 6 check_result)
    row "(b2) check updates/s, 8 clients, one client" "${o%.*}" "${b%.*}" "$(percent "$o" "$b")" "$spread"
    keep check_one_us "$(awk -v t="$o" 'BEGIN { printf "%.1f", 1e6 / t }')"

    # (h) Heartbeats, and an agent's whole check-in: its heartbeat and its 10 check
    # results in one transaction, 3% of them changing status (failing <-> passing).
    cat >"$WORK/heartbeats.sql" <<SQL
\\set id random(1, $((clients * 100)))
UPDATE maintmode.agent SET last_seen = now() WHERE id = :id;
SQL
    {
        echo "\\set a random(1, $((clients * 100)))"
        for k in $(seq 0 9); do echo "\\set r$k random(1, 100)"; done
        echo "BEGIN;"
        echo "UPDATE maintmode.agent SET last_seen = now() WHERE id = :a;"
        for k in $(seq 0 9); do
            echo "UPDATE maintmode.check_result SET status = CASE WHEN :r$k <= 3 THEN CASE status WHEN 'failing' THEN 'passing' ELSE 'failing' END ELSE status END WHERE id = 10 * :a - $k;"
        done
        echo "COMMIT;"
    } >"$WORK/checkin.sql"
    read -r o b spread < <(alternate_tps "$WORK/heartbeats.sql" 6 agent)
    row "(h) heartbeats/s, 8 clients" "${o%.*}" "${b%.*}" "$(percent "$o" "$b")" "$spread"
    keep heartbeat_us "$(awk -v t="$o" 'BEGIN { printf "%.1f", 1e6 / t }')"
    read -r o b spread < <(TRIGGERS=disabled alternate_tps "$WORK/heartbeats.sql" 6 agent)
    row "(h) the same, against the triggers disabled" "${o%.*}" "${b%.*}" "$(percent "$o" "$b")" "$spread"
    read -r o b spread < <(alternate_tps "$WORK/checkin.sql" 6 agent check_result)
    row "(h) check-ins/s (heartbeat + 10 check results), 8 clients" "${o%.*}" "${b%.*}" "$(percent "$o" "$b")" "$spread"
    keep checkin_us "$(awk -v t="$o" 'BEGIN { printf "%.1f", 1e6 / t }')"
    "${PSQL[@]}" -c "VACUUM ANALYZE"

    # (c) enable + disable.  The bare SQL saves the same snapshot (the hand flag and its
    # details) and makes the same changes, setting by hand what the extension's row
    # trigger derives; the second baseline also writes the history rows.  Each side runs
    # its two transactions in one connection: a second backend maps the fleet's shared
    # buffers again, a page fault each (0.35 s of 2.9 s at 0.1).
    o=(); b=(); c=()
    for ((r = 1; r <= ROUNDS; r++)); do
        checkpoint
        t0=$(ms)
        "${PSQL[@]}" -c "SELECT * FROM maintmode.server_maint_mode('enable')" \
            -c "SELECT * FROM maintmode.server_maint_mode('disable')" >/dev/null
        o+=($(( $(ms) - t0 )))
        "${PSQL[@]}" -c "VACUUM maintmode.agent, maintmode.agent_counter, maintmode.site_counter, maintmode.client_counter, maintmode.saved_state"
        triggers_off agent
        checkpoint
        t0=$(ms)
        "${PSQL[@]}" -v history=false -f test/bench/server_mode_bare.sql >/dev/null
        b+=($(( $(ms) - t0 )))
        "${PSQL[@]}" -c "VACUUM maintmode.agent, maintmode.saved_state"
        checkpoint
        t0=$(ms)
        "${PSQL[@]}" -v history=true -f test/bench/server_mode_bare.sql >/dev/null
        c+=($(( $(ms) - t0 )))
        triggers_on
        "${PSQL[@]}" -c "VACUUM maintmode.agent, maintmode.saved_state"
    done
    row "(c) server_maint_mode enable + disable, ms (best of $ROUNDS)" "$(min "${o[@]}")" \
        "$(min "${b[@]}")" "$(ratio "$(min "${o[@]}")" "$(min "${b[@]}")")x"
    row "(c) the same vs bare SQL writing the history rows too" "$(min "${o[@]}")" \
        "$(min "${c[@]}")" "$(ratio "$(min "${o[@]}")" "$(min "${c[@]}")")x"
    keep server_ms "$(min "${o[@]}")"
    keep server_bare_ms "$(min "${b[@]}")"
    "${PSQL[@]}" -At -c "SELECT 'counters that differ from a recount: ' || count(*) FROM maintmode.verify_counters()"
    "${PSQL[@]}" -At -c "SELECT 'history rows written by ours: ' || count(*) FROM maintmode.maintenance_history WHERE path = 'server'"
    unset PGDATABASE
    "${PSQL[@]}" -d postgres -c "DROP DATABASE $db"
}

for s in "${SIZES[@]}"; do
    run_size "$s"
done

if [ ${#SIZES[@]} -gt 1 ]; then
    echo
    echo "== (s) how cost grows with the fleet"
    printf '%-46s' "size (1 = 1,000,000 agents)"; for s in "${SIZES[@]}"; do printf '%12s' "$s"; done; echo
    curve() {					# curve LABEL KEY [per-agent]
        printf '%-46s' "$1"
        for s in "${SIZES[@]}"; do
            awk -v s="$s" -v k="$2" -v per="${3:-}" '$1 == s && $2 == k {
                if (per) printf "%12.2f", $3 * 1000 / (s * 1000000); else printf "%12s", $3 }' "$FIGURES"
        done
        echo
    }
    curve "one client's tree, ms" one_client
    curve "check update, us per write (b)" check_us
    curve "check update on one client, us per write (b2)" check_one_us
    curve "heartbeat, us per write" heartbeat_us
    curve "check-in, us per transaction" checkin_us
    curve "full trees sent, ms" tree_sent
    curve "  per agent, us" tree_sent per
    curve "  first read of a new connection, ms" tree_first
    curve "full trees computed on the server, ms" tree_server
    curve "  per agent, us" tree_server per
    curve "full trees counted by colour, ms" tree_colours
    curve "server enable + disable, ms" server_ms
    curve "  per agent, us" server_ms per
    curve "  the bare SQL, per agent, us" server_bare_ms per
fi

# The window sweep at the same sizes, when all of them were asked for.
if [ $# -eq 0 ]; then
    for s in "${SIZES[@]}"; do
        echo
        echo "== windows, size $s"
        bash test/bench/windows.sh --sweep "$s"
    done
fi
