#!/usr/bin/env bash
# Runs the regression suite (sql/*.sql) once against a throwaway server started
# under valgrind (memcheck; every backend is a fork, so it is checked too), and
# reports the errors valgrind found in any backend.  Slow (minutes): not part of
# run_all.sh.  Ends with "valgrind: N errors" (0 to pass) and exits non-zero on
# errors.  PostgreSQL's own suppressions (src/tools/valgrind.supp) are not
# installed by Debian; test/valgrind.supp holds what a run of PostgreSQL 15
# without maintmode reports (WAL and statistics padding bytes written out).
set -uo pipefail
cd "$(dirname "$0")/.."

bash test/deps.sh valgrind || exit 1
. test/cluster.sh
{ make -s PG_CONFIG="$PG_CONFIG" clean && make -s PG_CONFIG="$PG_CONFIG" COPT='-O0 -g' &&
  make -s PG_CONFIG="$PG_CONFIG" install; } >/dev/null || { echo "build failed" >&2; exit 1; }

CLUSTER_DIR=$(mktemp -d /tmp/maintmode-valgrind.XXXXXX)
chmod 755 "$CLUSTER_DIR"
cp test/valgrind.supp "$CLUSTER_DIR/"
[ "$(id -u)" = 0 ] && chown postgres: "$CLUSTER_DIR" "$CLUSTER_DIR/valgrind.supp"
trap cluster_stop EXIT
export PGHOST=$CLUSTER_DIR PGPORT=$((20000 + RANDOM % 20000)) PGDATABASE=postgres
PGUSER=$(if [ "$(id -u)" = 0 ]; then echo postgres; else id -un; fi)
export PGUSER
as_pg "$PG_BINDIR/initdb" -D "$CLUSTER_DIR/data" -A trust -U "$PGUSER" >"$CLUSTER_DIR/initdb.log" 2>&1

# pg_ctl starts this instead of postgres: the server under valgrind.
cat >"$CLUSTER_DIR/postgres-valgrind" <<WRAP
#!/bin/sh
exec valgrind --quiet --trace-children=no --error-limit=no --num-callers=30 \
    --suppressions=$CLUSTER_DIR/valgrind.supp --gen-suppressions=all \
    --log-file=$CLUSTER_DIR/valgrind.%p.log "$PG_BINDIR/postgres" "\$@"
WRAP
chmod 755 "$CLUSTER_DIR/postgres-valgrind"
as_pg "$PG_BINDIR/pg_ctl" -D "$CLUSTER_DIR/data" -l "$CLUSTER_DIR/server.log" -w -t 600 \
    -p "$CLUSTER_DIR/postgres-valgrind" \
    -o "-c listen_addresses='' -k $CLUSTER_DIR -p $PGPORT -c fsync=off -c max_parallel_workers_per_gather=0" \
    start >/dev/null || { cat "$CLUSTER_DIR/server.log"; exit 1; }

PGXS_DIR=$(dirname "$("$PG_CONFIG" --pgxs)")/../..
rm -rf results/valgrind
mkdir -p results/valgrind
regress_tests=$(ls sql/*.sql | xargs -n1 basename | sed 's/\.sql$//')
"$PGXS_DIR/src/test/regress/pg_regress" --bindir="$PG_BINDIR" --inputdir=. \
    --outputdir=results/valgrind --dbname=contrib_regression $regress_tests
regress_status=$?
as_pg "$PG_BINDIR/pg_ctl" -D "$CLUSTER_DIR/data" -m fast -w -t 600 stop >/dev/null

# Every process's log; those with errors are kept in results/valgrind.
errors=0
for log in "$CLUSTER_DIR"/valgrind.*.log; do
    n=$(grep -c '^==[0-9]*== [A-Z].*\(Invalid\|uninitialised\|Uninitialised\|Mismatched\|definitely lost\|overlap\)' "$log")
    if [ "$n" -gt 0 ]; then
        errors=$((errors + n))
        cp "$log" results/valgrind/
        echo "== $(basename "$log"): $n errors"
        head -60 "$log"
    fi
done
echo "valgrind: $errors errors; regression suite $([ $regress_status = 0 ] && echo passed || echo FAILED)"
[ "$errors" = 0 ] && [ "$regress_status" = 0 ]
