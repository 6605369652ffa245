#!/usr/bin/env bash
# (c) of test/bench/dashboard.sh counted in CPU instructions instead of timed, so that
# the load of a shared machine does not disturb it: server_maint_mode('enable') then
# ('disable'), against the bare SQL that also writes the history rows
# (test/bench/server_mode_bare.sql, with the extension's triggers on agent dropped, as
# there).  On the benchmark's fleet (test/bench/dashboard_fleet.sql) of AGENTS agents
# (default 20,000) in a throwaway cluster; each side in a single-user backend under
# valgrind's callgrind, after one unmeasured round of both, so that each finds the tables
# as the timed rounds do (indexes split, pages pruned), and on vacuumed tables.  Prints
# the instructions per agent of each side and their ratio.  Needs valgrind (as
# test/valgrind.sh); takes a few minutes.
# Usage: PG_CONFIG=... bash test/bench/server_mode_instructions.sh [agents]
set -euo pipefail
cd "$(dirname "$0")/../.."
AGENTS=${1:-20000}
. test/cluster.sh
. test/bench/callgrind.sh
make -s PG_CONFIG="$PG_CONFIG" >/dev/null && make -s PG_CONFIG="$PG_CONFIG" install >/dev/null
cluster_start
PSQL=("$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1)
"${PSQL[@]}" -v clients=$((AGENTS / 100)) -f test/bench/dashboard_fleet.sql >/dev/null
"${PSQL[@]}" -At -c "SELECT pg_get_triggerdef(oid) || ';' FROM pg_trigger
                      WHERE tgrelid = 'maintmode.agent'::regclass AND NOT tgisinternal" \
    >"$CLUSTER_DIR/create_triggers.sql"
"${PSQL[@]}" -At -c "SELECT format('DROP TRIGGER %I ON maintmode.agent;', tgname) FROM pg_trigger
                      WHERE tgrelid = 'maintmode.agent'::regclass AND NOT tgisinternal" \
    >"$CLUSTER_DIR/drop_triggers.sql"
as_pg "$PG_BINDIR/pg_ctl" -D "$CLUSTER_DIR/data" -m fast stop >/dev/null

# A single-user backend reads a statement per line.
printf "SELECT * FROM maintmode.server_maint_mode('enable');\nSELECT * FROM maintmode.server_maint_mode('disable');\n" \
    >"$CLUSTER_DIR/ours.sql"
sed 's/:history/true/g' test/bench/server_mode_bare.sql | grep -v '^--' | tr '\n' ' ' |
    sed 's/; */;\n/g' >"$CLUSTER_DIR/bare.sql"
chmod 644 "$CLUSTER_DIR"/*.sql
vacuum() {
    echo "VACUUM maintmode.agent, maintmode.saved_state, maintmode.agent_counter, maintmode.site_counter, maintmode.client_counter, maintmode.maintenance_history, maintmode.alert;" |
        single >/dev/null 2>&1
}
# run SIDE [measure]: one enable + disable of the side, its instructions when measured.
run() {
    vacuum
    if [ "$1" = ours ]; then
        if [ -n "${2:-}" ]; then callgrind_instructions <"$CLUSTER_DIR/ours.sql"
        else single <"$CLUSTER_DIR/ours.sql" >/dev/null 2>&1; fi
    else
        single <"$CLUSTER_DIR/drop_triggers.sql" >/dev/null 2>&1
        if [ -n "${2:-}" ]; then callgrind_instructions <"$CLUSTER_DIR/bare.sql"
        else single <"$CLUSTER_DIR/bare.sql" >/dev/null 2>&1; fi
        single <"$CLUSTER_DIR/create_triggers.sql" >/dev/null 2>&1
    fi
}
run ours
run bare
# What a backend costs that runs nothing: subtracted from both.
idle=$(echo "SELECT 1;" | callgrind_instructions)
ours=$(( $(run ours measure) - idle ))
bare=$(( $(run bare measure) - idle ))
printf '%-52s %12s %12s %9s\n' "(c) enable + disable, instructions per agent" "ours" "bare+hist." "ratio"
printf '%-52s %12s %12s %8sx\n' "$AGENTS agents" $((ours / AGENTS)) $((bare / AGENTS)) \
    "$(awk -v a="$ours" -v b="$bare" 'BEGIN { printf "%.3f", a / b }')"
