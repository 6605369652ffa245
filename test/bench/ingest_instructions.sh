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
# the baseline (its instructions over ours: the goals' terms).  Needs valgrind (as test/valgrind.sh); takes a few minutes.
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
as_pg "$PG_BINDIR/pg_ctl" -D "$CLUSTER_DIR/data" -m fast stop >/dev/null

# The extension's triggers as the side has them (ours: installed; bare: dropped), set
# in a backend of its own; the baseline's writes leave the counters behind: recounted.
SIDE=ours
side() {
    [ "$1" = "$SIDE" ] && return 0
    if [ "$1" = ours ]; then
        { cat "$CLUSTER_DIR/create_triggers.sql"; echo "SELECT maintmode.rebuild_counters();"; } |
            single >/dev/null 2>&1
    else
        single <"$CLUSTER_DIR/drop_triggers.sql" >/dev/null 2>&1
    fi
    SIDE=$1
}
# instructions WORK COUNT: the whole backend's instructions.
# Each side starts from vacuumed tables: pages that earlier runs left to prune would
# weigh on whichever side ran second.
instructions() {
    echo "VACUUM;" | single >/dev/null 2>&1
    printf "CALL public.statements('%s', %s, %s);\n" "$1" "$2" "$AGENTS" | callgrind_instructions
}

printf '%-44s %12s %12s %12s\n' "instructions each (of $N)" "ours" "no triggers" "as fast as"
for work in heartbeat check flip checkin; do
    ours=0 bare=0
    for round in 1 2; do
        side bare
        base=$(instructions "$work" 0)
        bare=$((bare + $(instructions "$work" "$N") - base))
        side ours
        base=$(instructions "$work" 0)
        ours=$((ours + $(instructions "$work" "$N") - base))
    done
    ours=$((ours / 2 / N)) bare=$((bare / 2 / N))
    case $work in
        heartbeat) what="heartbeat (h)" ;;
        check) what="check result, (b)'s mix" ;;
        flip) what="check result on one client, (b2)'s" ;;
        checkin) what="check-in (heartbeat + 10 check results)" ;;
    esac
    printf '%-44s %12s %12s %11s\n' "$what" "$ours" "$bare" \
        "$(awk -v a="$bare" -v b="$ours" 'BEGIN { printf "%.1f%%", 100 * a / b }')"
done
