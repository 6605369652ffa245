#!/usr/bin/env bash
# What the scopes' row-level security costs an unscoped application role, in CPU
# instructions per statement, which the load of a shared machine does not disturb as it
# does timings (test/bench/scopes.sh).  Builds AGENTS agents (default 10,000, 3 checks
# each) in a throwaway cluster, stops it, and runs N statements (default 1,000) in a
# single-user backend under valgrind's callgrind, as a role with the documented
# application grants (SET ROLE), each way: with the policies (as installed) and without
# (row-level security disabled on agent and check_result), the two alternating twice.
# The statements are heartbeats (UPDATE maintmode.agent SET last_seen = now() WHERE
# id = $1) and check results (UPDATE maintmode.check_result SET status = ... WHERE
# id = $1), planned each time (as sent without a prepared statement, by most ORMs) and
# with a kept plan (a prepared statement).  Prints the instructions per statement of
# each side and the difference.  Needs valgrind (as test/valgrind.sh); takes a few
# minutes.  Usage: PG_CONFIG=... bash test/bench/scopes_instructions.sh [agents] [n]
set -euo pipefail
cd "$(dirname "$0")/../.."
AGENTS=${1:-10000}
N=${2:-1000}
. test/cluster.sh
. test/bench/callgrind.sh
instruction_fleet "$AGENTS"
"${PSQL[@]}" -v agents="$AGENTS" <<'SQL'
INSERT INTO maintmode.check_result (agent_id, name, status)
    SELECT a, 'check' || k, 'passing' FROM generate_series(1, :agents) a, generate_series(1, 3) k;
CREATE ROLE bench_app;
GRANT USAGE ON SCHEMA maintmode TO bench_app;
GRANT SELECT, INSERT, UPDATE, DELETE
   ON maintmode.client, maintmode.site, maintmode.agent, maintmode.check_result TO bench_app;
-- n statements on distinct rows, each planned again (EXECUTE) or with a kept plan.
CREATE FUNCTION public.statements(work text, planned_each_time boolean, n integer, agents integer)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    target bigint;
BEGIN
    FOR i IN 1..n LOOP
        target := 1 + (i::bigint * 7919) % CASE work WHEN 'heartbeat' THEN agents ELSE agents * 3 END;
        IF work = 'heartbeat' AND planned_each_time THEN
            EXECUTE 'UPDATE maintmode.agent SET last_seen = now() WHERE id = ' || target;
        ELSIF work = 'heartbeat' THEN
            UPDATE maintmode.agent SET last_seen = now() WHERE id = target;
        ELSIF planned_each_time THEN
            EXECUTE 'UPDATE maintmode.check_result SET status = '
                    || CASE WHEN i % 20 = 0 THEN '''failing''' ELSE '''passing''' END
                    || ' WHERE id = ' || target;
        ELSE
            UPDATE maintmode.check_result
               SET status = CASE WHEN i % 20 = 0 THEN 'failing' ELSE 'passing' END
             WHERE id = target;
        END IF;
    END LOOP;
END $$;
GRANT EXECUTE ON FUNCTION public.statements(text, boolean, integer, integer) TO bench_app;
VACUUM ANALYZE;
SQL
as_pg "$PG_BINDIR/pg_ctl" -D "$CLUSTER_DIR/data" -m fast stop >/dev/null

# instructions SIDE WORK PLANNED_EACH_TIME COUNT: the whole backend's instructions.
instructions() {
    printf 'ALTER TABLE maintmode.agent %s ROW LEVEL SECURITY;\nALTER TABLE maintmode.check_result %s ROW LEVEL SECURITY;\n' \
        "$1" "$1" | single >/dev/null 2>&1
    printf "SET ROLE bench_app;\nSELECT public.statements('%s', %s, %s, %s);\n" "$2" "$3" "$4" "$AGENTS" |
        callgrind_instructions
}

printf '%-52s %12s %12s %12s\n' "instructions per statement (of $N)" "policies" "none" "more"
for work in heartbeat checks; do
    for each in true false; do
        # The backend's start and the call, without the statements.
        base=$(instructions ENABLE "$work" "$each" 0)
        on=0 off=0
        for round in 1 2; do
            off=$((off + $(instructions DISABLE "$work" "$each" "$N") - base))
            on=$((on + $(instructions ENABLE "$work" "$each" "$N") - base))
        done
        on=$((on / 2 / N)) off=$((off / 2 / N))
        printf '%-52s %12s %12s %11s\n' \
            "$work, $([ "$each" = true ] && echo "planned each time" || echo "kept plan")" "$on" "$off" \
            "$(awk -v a="$on" -v b="$off" 'BEGIN { printf "%+.1f%%", 100 * (a - b) / b }')"
    done
done
