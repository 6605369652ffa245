#!/usr/bin/env bash
# Random SQL against maintmode: sqlsmith (Debian package) sends generated queries to a
# throwaway cluster holding a small fleet, first as the superuser, then as the
# application role rmm_app with the grants doc/dba-scripts.md gives it, and the server must
# survive all of them with its counters right.
#
#   bash test/fuzz/sqlsmith.sh                     # as root, from anywhere
#   SQLSMITH_QUERIES=20000 SQLSMITH_SEED=7 bash test/fuzz/sqlsmith.sh
#
# SQLSMITH_QUERIES: queries per role (default 5000, 25 to 50 s each).
# SQLSMITH_SEED: sqlsmith's random seed (default: a new one, printed).  sqlsmith steers
# away from constructs that fail, so the same seed repeats the same queries as long as
# they have the same outcomes: same code, and a fleet that is the same but for now()
# (the daily window below is in force from 07:00 to 09:00 UTC, or 06:00-08:00 in summer).
#
# It installs sqlsmith if missing, builds and installs maintmode from this checkout,
# prints TAP lines (exit status 1 if any fails) and a summary, and leaves the queries,
# sqlsmith's output and the server log in results/sqlsmith/ (one query per line ending
# in ";" in ROLE.sql; the Nth character of the progress lines in ROLE.out is the Nth
# query's outcome: "." ok, "C" connection lost, a letter otherwise an error).
#
# What sqlsmith does, and why the run is safe as the superuser:
# * Each query runs in its own transaction, which sqlsmith rolls back, with
#   statement_timeout 1s.  Its INSERT/UPDATE/DELETE/MERGE, set_config() and whatever the
#   functions it calls write are undone, so checking the counters after the run only
#   shows that nothing non-transactional broke them.  The real check runs inside those
#   transactions: statement triggers added to the fleet tables (schema fuzz_check, made
#   here, not part of the extension) run verify_counters() and the flag check after
#   every outermost statement on client, site, agent or check_result, after the
#   extension's own triggers, and log a WARNING with the query when anything is off.
#   They count nesting, so a statement run by a function or a cascade inside another
#   statement is not checked halfway through the outer one.
# * --exclude-catalog for both roles: as the superuser, sqlsmith would otherwise write to
#   pg_catalog's tables (inside its transactions, but a broken catalog row can crash a
#   backend, which would be a false alarm), and for both roles the ~150 catalog
#   relations would crowd the extension's dozen tables and views out of the queries.
#   Functions cannot be excluded: sqlsmith calls any function in pg_proc.  As the
#   superuser that includes pg_terminate_backend, pg_cancel_backend, pg_reload_conf and
#   set_config: the first two need a pid, and the only one the queries can plausibly
#   come up with is pg_backend_pid(), sqlsmith's own session (it reconnects, and the
#   summary counts lost connections); nothing changes the configuration files; and
#   set_config is rolled back with the transaction.  The superuser can also write the extension's
#   internal tables (counters, saved states, server mode) directly; that is not a bug,
#   and the in-transaction check does not run for statements on those tables.
# * sqlsmith leaves out set-returning functions, so take_notifications(),
#   verify_counters() and window_occurrence() are never called; the summary lists the
#   extension's functions the generated queries call.
set -euo pipefail
cd "$(dirname "$0")/../.."
started=$SECONDS

queries=${SQLSMITH_QUERIES:-5000}
seed=${SQLSMITH_SEED:-$(( (RANDOM << 15 | RANDOM) % 1000000 ))}
out=results/sqlsmith

bash test/deps.sh sqlsmith
. test/cluster.sh
{ make -s PG_CONFIG="$PG_CONFIG" && make -s PG_CONFIG="$PG_CONFIG" install; } >/dev/null
rm -rf "$out"
mkdir -p "$out"

cluster_start
# Errors with their SQLSTATE, role and client, and where in the C code they were raised
# (LOCATION lines), so that the summary can count them by class and tell the extension's
# own errors from the core's.
psql -X -q -v ON_ERROR_STOP=1 -c "ALTER SYSTEM SET log_line_prefix = '%m [%p] user=%u app=%a sqlstate=%e '" \
    -c "ALTER SYSTEM SET log_error_verbosity = verbose" -c "SELECT pg_reload_conf()" >/dev/null
export PGDATABASE=fuzz
psql -X -q -d postgres -c "CREATE DATABASE fuzz"
sql() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

echo "# seed $seed, $queries queries per role"

# The fleet: 4 clients, 12 sites (one without agents), 200 agents (some never seen,
# some overdue), 3 checks or tasks each (a fifth failing), alerts raised by the checks'
# status changes and the overdue sweep, agents in maintenance by hand (some with an
# expiry) and under windows (one in force on a site, a recurring one, a future one).
sql -c "CREATE EXTENSION maintmode" >/dev/null
sql >/dev/null <<'EOF'
INSERT INTO maintmode.client (name) SELECT 'client-' || c FROM generate_series(1, 4) c;
INSERT INTO maintmode.site (client_id, name)
SELECT c.id, 'site-' || s FROM maintmode.client c, generate_series(1, 3) s;
INSERT INTO maintmode.agent (site_id, hostname, last_seen, overdue_email_alert,
                             overdue_text_alert, overdue_dashboard_alert)
SELECT (SELECT min(id) FROM maintmode.site) + a % 11, 'host-' || a,
       CASE WHEN a % 13 <> 0 THEN now() - (a % 50) * interval '1 minute' END,
       a % 3 = 0, a % 5 = 0, a % 7 = 0
  FROM generate_series(1, 200) a;
INSERT INTO maintmode.check_result (agent_id, kind, name, alert_severity, email_alert, text_alert)
SELECT a.id, (ARRAY['check', 'task'])[1 + n % 2], 'check-' || n,
       (ARRAY['info', 'warning', 'error'])[1 + (a.id + n) % 3], (a.id + n) % 2 = 0,
       (a.id + n) % 3 = 0
  FROM maintmode.agent a, generate_series(1, 3) n;
-- Checks are inserted pending: a change to failing is what raises alerts.
UPDATE maintmode.check_result SET status = CASE WHEN id % 5 = 0 THEN 'failing' ELSE 'passing' END;
SELECT maintmode.set_agent_maintenance(id, true, reason => 'fuzz fleet')
  FROM maintmode.agent WHERE id % 17 = 0;
SELECT maintmode.set_agent_maintenance(id, true, until => now() + interval '1 hour')
  FROM maintmode.agent WHERE id % 19 = 0;
SELECT maintmode.create_window('site', (SELECT min(id) FROM maintmode.site),
                               now() - interval '1 hour', duration => '3 hours',
                               reason => 'rack move');
SELECT maintmode.create_window('client', (SELECT max(id) FROM maintmode.client),
                               '2025-01-06 08:00 Europe/Berlin', duration => '2 hours',
                               repeat => 'daily', time_zone => 'Europe/Berlin',
                               reason => 'business hours');
SELECT maintmode.create_window('server', NULL, now() + interval '1 day',
                               duration => '30 minutes', reason => 'database migration');
SELECT maintmode.sweep_overdue();
EOF
sql -At -F' ' -c "SELECT count(*), count(*) FILTER (WHERE maintenance_mode),
                         count(*) FILTER (WHERE window_maintenance) FROM maintmode.agent" \
    -c "SELECT count(*) FROM maintmode.check_result WHERE status = 'failing'" \
    -c "SELECT count(*), count(*) FILTER (WHERE suppressed) FROM maintmode.alert" |
    { read -r agents in_maint in_window; read -r failing; read -r alerts suppressed
      echo "# fleet: $agents agents ($in_maint in maintenance, $in_window under a window)," \
           "$failing failing checks, $alerts alerts ($suppressed suppressed)"; }

# rmm_app: exactly the application's grants of doc/dba-scripts.md (its first SQL block
# under "Grants for an application", up to the blank line before the job and DBA roles).
app_grants=$(awk '/^## Grants for an application/ { section = 1 }
                  section && /^```sql/ { block = 1; next }
                  block && /^$/ { exit }
                  block { print }' doc/dba-scripts.md)
sql -v ON_ERROR_STOP=1 -c "$app_grants" >/dev/null || { echo "the documented grants failed" >&2; exit 1; }

# The check inside sqlsmith's transactions (see the header).  fuzz_check.depth counts the
# statements on fleet tables under way; fuzz_check.checks counts the checks run (a
# sequence: it survives the rollbacks).
sql >/dev/null <<'EOF'
CREATE SCHEMA fuzz_check;
CREATE SEQUENCE fuzz_check.checks;
CREATE FUNCTION fuzz_check.statement_starts() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('fuzz_check.depth',
                       (coalesce(nullif(current_setting('fuzz_check.depth', true), ''), '0')::int
                        + 1)::text, true);
    RETURN NULL;
END $$;
CREATE FUNCTION fuzz_check.statement_ends() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    depth int := current_setting('fuzz_check.depth')::int - 1;
    wrong text;
BEGIN
    PERFORM set_config('fuzz_check.depth', depth::text, true);
    IF depth > 0 THEN
        RETURN NULL;
    END IF;
    PERFORM nextval('fuzz_check.checks');
    SELECT string_agg(w, '; ') INTO wrong
      FROM (SELECT format('%s %s%s %s stored %s recomputed %s', counter, id,
                          ' stripe ' || stripe, field, coalesce(stored::text, 'missing'),
                          recomputed) AS w
              FROM maintmode.verify_counters()
            UNION ALL
            SELECT format('agent %s maintenance_mode %s hand %s window %s', id,
                          maintenance_mode, hand_maintenance, window_maintenance)
              FROM maintmode.agent
             WHERE maintenance_mode IS DISTINCT FROM (hand_maintenance OR window_maintenance)) m;
    IF wrong IS NOT NULL THEN
        RAISE WARNING 'fuzz_check mismatch after % on %: %', TG_OP, TG_TABLE_NAME, wrong
            USING DETAIL = 'query: ' || current_query();
    END IF;
    RETURN NULL;
END $$;
DO $$
DECLARE
    t text;
BEGIN
    -- "zz_": AFTER triggers of one event fire in name order, so after the extension's.
    FOREACH t IN ARRAY ARRAY['client', 'site', 'agent', 'check_result'] LOOP
        EXECUTE format('CREATE TRIGGER zz_fuzz_check_starts BEFORE INSERT OR UPDATE OR DELETE
                        ON maintmode.%I FOR EACH STATEMENT
                        EXECUTE FUNCTION fuzz_check.statement_starts()', t);
        EXECUTE format('CREATE TRIGGER zz_fuzz_check_ends AFTER INSERT OR UPDATE OR DELETE
                        ON maintmode.%I FOR EACH STATEMENT
                        EXECUTE FUNCTION fuzz_check.statement_ends()', t);
    END LOOP;
END $$;
EOF

checks_run() { sql -At -c "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM fuzz_check.checks"; }

# run_sqlsmith ROLE: ROLE.sql (the queries), ROLE.out (progress, error report).
run_sqlsmith() {
    local role=$1 status=0 t0=$SECONDS checks_before
    checks_before=$(checks_run)
    sqlsmith --target="host=$PGHOST port=$PGPORT dbname=$PGDATABASE user=$role" \
        --exclude-catalog --seed="$seed" --max-queries="$queries" \
        --dump-all-queries --verbose >"$out/$role.sql" 2>"$out/$role.out" || status=$?
    elapsed[$role]=$((SECONDS - t0))
    checks[$role]=$(($(checks_run) - checks_before))
    # sqlsmith exits 0 after max-queries; anything else is in its output's last line
    exit_status[$role]=$status
}

# outcomes ROLE: one character per query executed, from the progress lines of sqlsmith
# --verbose: "." ok, "e" error, "S" syntax error, "t" timeout, "C" connection lost.
outcomes() { grep -E '^[.etTsScC]+$' "$out/$1.out" | tr -d '\n'; }

declare -A elapsed checks exit_status
roles=(postgres rmm_app)
for role in "${roles[@]}"; do
    echo "# sqlsmith as $role ..."
    run_sqlsmith "$role"
done

# ---- checks -------------------------------------------------------------------------
log=$CLUSTER_DIR/server.log
. test/tap.sh
ran_all() { [ "${exit_status[$1]}" = 0 ] && [ "$(outcomes "$1" | wc -c)" = "$queries" ]; }
server_up() { sql -At -c "SELECT 1" >/dev/null 2>&1; }
crash_lines() { grep -E 'terminated by signal|server process .* was terminated|PANIC|TRAP:' "$log"; }
no_crash() { ! crash_lines >/dev/null; }
counters_right() { [ "$(sql -At -c "SELECT count(*) FROM maintmode.verify_counters()" 2>&1)" = 0 ]; }
flags_right() {
    [ "$(sql -At -c "SELECT count(*) FROM maintmode.agent
                      WHERE maintenance_mode IS DISTINCT FROM (hand_maintenance OR window_maintenance)" 2>&1)" = 0 ]
}
mismatch_lines() { grep -F 'fuzz_check mismatch' "$log"; }
no_mismatch() { ! mismatch_lines >/dev/null; }

for role in "${roles[@]}"; do
    check "sqlsmith ran its $queries queries as $role" ran_all "$role"
done
check "server still accepts connections" server_up
check "server log shows no crash (terminated by signal, PANIC, TRAP)" no_crash
check "maintmode.verify_counters() returns no rows" counters_right
check "every agent's maintenance_mode = (hand_maintenance OR window_maintenance)" flags_right
check "counters and flags right after every statement on the fleet tables, inside sqlsmith's transactions" no_mismatch

# ---- summary ------------------------------------------------------------------------
src_files=$(basename -a src/*.c | paste -sd'|')
# summarise_errors ROLE: the errors of ROLE's sqlsmith query session (not its schema
# loader's, not this script's) by SQLSTATE, and those raised in src/*.c.
summarise_errors() {
    awk -v role="$1" -v src="^($src_files):" '
        # "... user=R app=sqlsmith::dut sqlstate=S ERROR:  S: message", later its LOCATION
        function ours_line(l) { return l ~ ("user=" role " app=sqlsmith::dut ") }
        ours_line($0) && / (ERROR|FATAL):  / {
            state = $0; sub(/.* sqlstate=/, "", state); sub(/ .*/, "", state)
            message = $0; sub(".* (ERROR|FATAL):  " state ": ", "", message)
            count[state]++; class[substr(state, 1, 2)]++
            if (!(state in example)) example[state] = substr(message, 1, 70)
            pending = 1; next
        }
        pending && ours_line($0) && / LOCATION:  / {
            where = $0; sub(/.* LOCATION:  [^,]*, /, "", where)
            if (where ~ src) raised[state ": " message]++
            pending = 0
        }
        # sort keys: class "42", its SQLSTATEs "42 <count> 42804", maintmode'"'"'s own "~"
        END {
            for (c in class) printf "%s\t#   class %s: %d\n", c, c, class[c]
            for (s in count)
                printf "%s %07d\t#     %s %5d  e.g. %s\n", substr(s, 1, 2), 9999999 - count[s], s, count[s], example[s]
            for (m in raised) printf "~\t#   raised in maintmode'"'"'s C code: %d x %s\n", raised[m], m
        }' "$log" | LC_ALL=C sort -t"$(printf '\t')" -k1,1 | cut -f2-
}
count_char() { tr -cd "$2" <<<"$1" | wc -c; }	# count_char STRING CHAR

echo "# ---- summary (seed $seed)"
for role in "${roles[@]}"; do
    o=$(outcomes "$role")
    echo "# $role: ${#o} queries in ${elapsed[$role]} s: $(count_char "$o" .) ok," \
         "$(count_char "$o" etTsScC) failed ($(count_char "$o" cC) with the connection lost);" \
         "${checks[$role]} in-transaction checks"
    echo "#   maintmode functions called:" \
         "$(grep -o 'maintmode\.[a-z_]*(' "$out/$role.sql" | sed 's/maintmode\.//; s/($//' |
            sort | uniq -c | sort -rn | awk '{printf "%s%s %s", sep, $2, $1; sep = ", "}')"
    echo "#   errors by SQLSTATE:"
    summarise_errors "$role"
    # A crash shows as a lost connection: each such query in a file of its own.
    for n in $(awk -v o="$o" 'BEGIN { for (i = 1; i <= length(o); i++) if (substr(o, i, 1) ~ /[cC]/) print i }'); do
        awk -v n="$n" 'BEGIN { RS = ";\n" } NR == n { print $0 ";" }' "$out/$role.sql" >"$out/$role-lost-$n.sql"
        echo "#   connection lost at query $n: $out/$role-lost-$n.sql"
    done
done
if ! no_crash; then
    echo "# crashes in the server log:"
    grep -E -A2 'terminated by signal|server process .* was terminated|PANIC|TRAP:' "$log" | sed 's/^/#   /'
fi
if ! no_mismatch; then
    echo "# mismatches (query follows each):"
    grep -F -A12 'fuzz_check mismatch' "$log" | sed 's/^/#   /'
fi
cp "$log" "$out/server.log"
echo "# crashes found: $(crash_lines | grep -c 'terminated by signal' || true); runtime $((SECONDS - started)) s; files in $out/"
tap_done
