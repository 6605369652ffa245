#!/usr/bin/env bash
# The writes of (b) and (h) in test/bench/dashboard.sh counted in CPU instructions per
# statement instead of timed, so that the load of a shared machine does not disturb
# them: ours (the extension's triggers as installed) against the same tables with every
# trigger of the extension's on agent and check_result dropped, the two alternating
# twice.  Builds AGENTS agents (default 10,000; 10 checks each, 3% failing) in a
# throwaway cluster, stops it, and runs N transactions (default 1,000), each committed
# as pgbench's are, with kept plans in a single-user backend under valgrind's callgrind:
#   heartbeat   UPDATE agent SET last_seen = now() WHERE id = $1;
#   check       UPDATE check_result SET status = ... WHERE id = $1, (b)'s mix: 95%
#               passing, 3% failing, 2% pending, on checks across the fleet;
#   check flip  (b2)'s: one check of each of 100 agents, failing at severity error or
#               passing, each reported twice running: half of the statements change
#               their agent's colour;
#   check-in    (h)'s: an agent's heartbeat and its 10 check results, 3% of them
#               changing status (counted per check-in: 11 statements, one transaction).
# Prints the instructions per statement of each side and how fast ours is as a share of
# the baseline (its instructions over ours: the goals' terms), and the same against a
# third side, the extension's triggers present but disabled (ALTER TABLE ... DISABLE
# TRIGGER, the heartbeat goal's own baseline): PostgreSQL still copies a disabled
# trigger into every UPDATE's executor state, still locks each row first for a BEFORE
# row trigger, and still captures transition tables for one that has them.
# Needs valgrind (as test/valgrind.sh); takes a few minutes.
# Usage: PG_CONFIG=... bash test/bench/ingest_instructions.sh [agents] [n]
set -euo pipefail
cd "$(dirname "$0")/../.."
AGENTS=${1:-10000}
N=${2:-1000}
. test/cluster.sh
. test/bench/callgrind.sh
instruction_fleet "$AGENTS"
"${PSQL[@]}" -v agents="$AGENTS" <<'SQL'
SELECT setseed(0.3);
INSERT INTO maintmode.check_result (agent_id, name, status, alert_severity)
    SELECT a, 'check' || k, CASE WHEN random() < 0.03 THEN 'failing' ELSE 'passing' END,
           (ARRAY['error', 'warning', 'info'])[1 + (a + k) % 3]
      FROM generate_series(1, :agents) a, generate_series(1, 10) k
     ORDER BY a, k;
-- n transactions on rows spread over the table, each statement with its kept plan.
CREATE PROCEDURE public.statements(work text, n integer, agents integer)
LANGUAGE plpgsql AS $$
DECLARE
    target bigint;
BEGIN
    FOR i IN 1..n LOOP
        IF work = 'heartbeat' THEN
            target := 1 + (i::bigint * 7919) % agents;
            UPDATE maintmode.agent SET last_seen = now() WHERE id = target;
        ELSIF work = 'check' THEN
            target := 1 + (i::bigint * 7919) % (agents * 10);
            UPDATE maintmode.check_result
               SET status = CASE WHEN i % 100 < 95 THEN 'passing'
                                 WHEN i % 100 < 98 THEN 'failing' ELSE 'pending' END
             WHERE id = target;
        ELSIF work = 'checkin' THEN
            target := 1 + (i::bigint * 7919) % agents;
            UPDATE maintmode.agent SET last_seen = now() WHERE id = target;
            FOR k IN 0..9 LOOP
                UPDATE maintmode.check_result
                   SET status = CASE WHEN (i * 10 + k) % 100 < 3
                                     THEN CASE status WHEN 'failing' THEN 'passing' ELSE 'failing' END
                                     ELSE status END
                 WHERE id = 10 * target - k;
            END LOOP;
        ELSE
            -- the first check of agent 1 + (i / 2) % 100, twice, failing on odd rounds
            target := 10 * ((i / 2) % 100) + 1;
            UPDATE maintmode.check_result
               SET status = CASE WHEN (i / 200) % 2 = 0 THEN 'failing' ELSE 'passing' END,
                   alert_severity = 'error'
             WHERE id = target;
        END IF;
        COMMIT;
    END LOOP;
END $$;
VACUUM ANALYZE;
SQL
# The extension's triggers on the two tables, to drop for the baseline and create again.
"${PSQL[@]}" -At -c "SELECT pg_get_triggerdef(oid) || ';' FROM pg_trigger
                      WHERE tgrelid IN ('maintmode.agent'::regclass, 'maintmode.check_result'::regclass)
                        AND NOT tgisinternal" >"$CLUSTER_DIR/create_triggers.sql"
"${PSQL[@]}" -At -c "SELECT format('DROP TRIGGER %I ON %s;', tgname, tgrelid::regclass) FROM pg_trigger
                      WHERE tgrelid IN ('maintmode.agent'::regclass, 'maintmode.check_result'::regclass)
                        AND NOT tgisinternal" >"$CLUSTER_DIR/drop_triggers.sql"
"${PSQL[@]}" -At -c "SELECT format('ALTER TABLE %s DISABLE TRIGGER %I;', tgrelid::regclass, tgname)
                       FROM pg_trigger
                      WHERE tgrelid IN ('maintmode.agent'::regclass, 'maintmode.check_result'::regclass)
                        AND NOT tgisinternal" >"$CLUSTER_DIR/disable_triggers.sql"
"${PSQL[@]}" -At -c "SELECT format('ALTER TABLE %s %s TRIGGER %I;', tgrelid::regclass,
                              CASE tgenabled WHEN 'A' THEN 'ENABLE ALWAYS' WHEN 'R' THEN 'ENABLE REPLICA'
                                             WHEN 'D' THEN 'DISABLE' ELSE 'ENABLE' END, tgname)
                       FROM pg_trigger
                      WHERE tgrelid IN ('maintmode.agent'::regclass, 'maintmode.check_result'::regclass)
                        AND NOT tgisinternal" >"$CLUSTER_DIR/enable_triggers.sql"
as_pg "$PG_BINDIR/pg_ctl" -D "$CLUSTER_DIR/data" -m fast stop >/dev/null

# The extension's triggers as the side has them (ours: installed; bare: dropped;
# disabled: installed and disabled), set in a backend of its own; the baselines' writes
# leave the counters behind: recounted.
SIDE=ours
side() {
    [ "$1" = "$SIDE" ] && return 0
    {
        case $SIDE in
            bare) cat "$CLUSTER_DIR/create_triggers.sql" ;;
            disabled) cat "$CLUSTER_DIR/enable_triggers.sql" ;;
        esac
        case $1 in
            ours) echo "SELECT maintmode.rebuild_counters();" ;;
            bare) cat "$CLUSTER_DIR/drop_triggers.sql" ;;
            disabled) cat "$CLUSTER_DIR/disable_triggers.sql" ;;
        esac
    } | single >/dev/null 2>&1
    SIDE=$1
}
# instructions WORK COUNT: the whole backend's instructions.  The sides run in one order,
# then in the reverse: what a run leaves in the tables moves the next run's count by up
# to 2%, whichever side it is.
# Each side starts from vacuumed tables: pages that earlier runs left to prune would
# weigh on whichever side ran second.
instructions() {
    echo "VACUUM;" | single >/dev/null 2>&1
    printf "CALL public.statements('%s', %s, %s);\n" "$1" "$2" "$AGENTS" | callgrind_instructions
}

# as_fast_as BASELINE OURS: ours as a share of the baseline's speed.
as_fast_as() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f%%", 100 * a / b }'; }
printf '%-44s %12s %12s %10s %12s %10s\n' "instructions each (of $N)" "ours" "no triggers" \
    "as fast as" "disabled" "as fast as"
for work in heartbeat check flip checkin; do
    ours=0 bare=0 disabled=0
    for order in "bare ours disabled" "disabled ours bare"; do
        for s in $order; do
            side $s
            base=$(instructions "$work" 0)
            declare "$s=$((${!s} + $(instructions "$work" "$N") - base))"
        done
    done
    ours=$((ours / 2 / N)) bare=$((bare / 2 / N)) disabled=$((disabled / 2 / N))
    case $work in
        heartbeat) what="heartbeat (h)" ;;
        check) what="check result, (b)'s mix" ;;
        flip) what="check result on one client, (b2)'s" ;;
        checkin) what="check-in (heartbeat + 10 check results)" ;;
    esac
    printf '%-44s %12s %12s %10s %12s %10s\n' "$what" "$ours" "$bare" "$(as_fast_as "$bare" "$ours")" \
        "$disabled" "$(as_fast_as "$disabled" "$ours")"
done
