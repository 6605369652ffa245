#!/usr/bin/env bash
# The one test command: installs what is needed, builds and installs maintmode
# (compiler warnings are errors), runs every test on throwaway clusters, and ends
# with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

bash test/deps.sh || exit 1
. test/cluster.sh
{ make -s PG_CONFIG="$PG_CONFIG" clean && make -s PG_CONFIG="$PG_CONFIG" COPT=-Werror && make -s PG_CONFIG="$PG_CONFIG" install; } >/dev/null || { echo "build failed" >&2; exit 1; }

PGXS_DIR=$(dirname "$("$PG_CONFIG" --pgxs)")/../..
passed=0
failed=0
failures=()

record() {						# record NAME ok|FAILED
    if [ "$2" = ok ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        failures+=("$1")
    fi
}

# pg_regress and pg_isolation_regress print "test NAME ... ok" (15) or
# "ok N - NAME" / "not ok N - NAME" (16 and later); count each test.
count_regress_log() {			# count_regress_log KIND LOG EXPECTED_COUNT
    local kind=$1 log=$2 want=$3 seen=0
    while read -r name result; do
        record "$kind/$name" "$result"
        seen=$((seen + 1))
    done < <(sed -nE \
        -e 's/^test ([^ ]+) +\.\.\. (ok|FAILED|failed).*/\1 \2/p' \
        -e 's/^ +([^ ]+) +\.\.\. (ok|FAILED|failed).*/\1 \2/p' \
        -e 's/^ok [0-9]+ +[-+] ([^ ]+).*/\1 ok/p' \
        -e 's/^not ok [0-9]+ +[-+] ([^ ]+).*/\1 FAILED/p' "$log")
    # a runner that died before reporting every test fails for the rest
    for ((; seen < want; seen++)); do record "$kind/(not run)" FAILED; done
}

rm -rf results
mkdir -p results/isolation
cluster_start

# The pg_regress, isolation and TAP tests run through PGXS's own `make installcheck`
# (REGRESS, ISOLATION, TAP_TESTS in the Makefile), one kind at a time so that a failing
# kind does not keep the others from running; as postgres, in a copy of the checkout,
# because PostgreSQL::Test::Cluster runs initdb, which refuses root.
check_dir=$(mktemp -d /tmp/maintmode-check.XXXXXX)
tar --exclude=./.git --exclude=./results -cf - . | tar -C "$check_dir" -xf -
chmod -R a+rX "$check_dir"
[ "$(id -u)" = 0 ] && chown -R postgres: "$check_dir"
installcheck() {				# installcheck LOG MAKE_ARGS...
    local log=$1
    shift
    as_pg env PGHOST="$PGHOST" PGPORT="$PGPORT" PGUSER="$PGUSER" \
        make -C "$check_dir" -s PG_CONFIG="$PG_CONFIG" installcheck "$@" >"$log" 2>&1
}

echo "== pg_regress"
installcheck results/regress.log ISOLATION= TAP_TESTS=
cat results/regress.log
count_regress_log regress results/regress.log "$(ls sql/*.sql | wc -l)"
[ -f "$check_dir/results/regression.diffs" ] && head -200 "$check_dir/results/regression.diffs"

echo "== isolation"
installcheck results/isolation.log REGRESS= TAP_TESTS=
cat results/isolation.log
count_regress_log isolation results/isolation.log "$(ls test/isolation/specs/*.spec | wc -l)"
[ -f "$check_dir/results/isolation/regression.diffs" ] &&
    head -200 "$check_dir/results/isolation/regression.diffs"

echo "== TAP"
installcheck results/tap.log REGRESS= ISOLATION=
cat results/tap.log
# prove prints "test/t/NAME.pl .. ok" for each test file that passed.
for t in test/t/*.pl; do
    if grep -qE "^${t//./\\.} \.+ ok\$" results/tap.log; then
        record "tap/$(basename "$t")" ok
    else
        record "tap/$(basename "$t")" FAILED
    fi
done

# count_outcome_lines KIND LOG EXIT_STATUS SED_ARGS...: the sed expressions turn each
# result line of LOG into "ok NAME" or "FAILED NAME"; a runner that exits non-zero
# without reporting a failure (it died, or could not start) counts as one failure.
count_outcome_lines() {
    local kind=$1 log=$2 status=$3 failed_before=$failed result name
    shift 3
    while read -r result name; do
        record "$kind/$name" "$result"
    done < <(sed -nE "$@" "$log")
    [ "$status" = 0 ] || [ "$failed" -gt "$failed_before" ] || record "$kind/(exit status $status)" FAILED
}

echo "== django"
# The app is installed from clients/django with pip, as an RMM's project would install
# it, into a throwaway virtual environment of Debian's own interpreter that also sees
# Debian's python3-django and python3-psycopg2 (--system-site-packages).  Offline:
# pip looks nothing up (--no-index) and builds with Debian's setuptools
# (--no-build-isolation).  The test project test/django has it in INSTALLED_APPS.
django_venv=$(mktemp -d /tmp/maintmode-django.XXXXXX)
if /usr/bin/python3 -m venv --system-site-packages "$django_venv" >results/django-install.log 2>&1 &&
    "$django_venv/bin/python" -m pip install --no-index --no-build-isolation ./clients/django \
        >>results/django-install.log 2>&1; then
    record "django/pip install ./clients/django" ok
    (cd test/django && PYTHONDONTWRITEBYTECODE=1 "$django_venv/bin/python" manage.py test --noinput) \
        >results/django.log 2>&1
    django_status=$?
else
    cat results/django-install.log
    record "django/pip install ./clients/django" FAILED
    : >results/django.log
    django_status=0			# nothing ran: the install's failure is counted
fi
rm -rf "$django_venv" clients/django/build clients/django/*.egg-info
cat results/django.log
count_outcome_lines django results/django.log "$django_status" \
    -e 's/^PASS (.*)/ok \1/p' -e 's/^(FAIL|ERROR) (.*)/FAILED \2/p'
cluster_stop

# run_tap KIND SCRIPT: a script printing TAP, one count per "ok"/"not ok" line.
run_tap() {
    local kind=$1 script=$2 status
    bash "$script" >"results/$kind.log" 2>&1
    status=$?
    cat "results/$kind.log"
    count_outcome_lines "$kind" "results/$kind.log" "$status" \
        -e 's/^ok [0-9]+ - (.*)/ok \1/p' -e 's/^not ok [0-9]+ - (.*)/FAILED \1/p'
}

echo "== DBA script"
run_tap dba test/dba/test_maintenance_window.sh
echo "== stress"
run_tap stress test/stress/stress.sh
echo "== documented grants"
run_tap grants test/docs/test_grants.sh

echo "== demo"
# The README's first command: its whole output, less what differs between runs,
# is test/demo/expected.out.  The server status's record header is as wide as its
# widest value, since (a timestamp whose trailing zero microseconds are not shown); the
# events name the process that sent them.
bash test/demo.sh 2>&1 | sed -E -e 's/^(== Building and installing maintmode for ).*/\1PG_CONFIG/' \
    -e 's/^(== Throwaway cluster on ).*/\1DIR, port PORT/' -e 's/^(since +\| ).*/\1SINCE/' \
    -e 's/^(-\[ RECORD [0-9]+ \]-+\+)-+$/\1---/' \
    -e 's/(received from server process with PID )[0-9]+/\1PID/' \
    >results/demo.out
if [ "${PIPESTATUS[0]}" = 0 ] && diff -u test/demo/expected.out results/demo.out; then
    record demo/demo.sh ok
else
    record demo/demo.sh FAILED
fi

rm -rf "$check_dir"

echo "== debian package"
# Last: removing the package deletes the files `make install` wrote.
run_tap debian test/debian.sh

[ ${#failures[@]} -gt 0 ] && printf 'failed: %s\n' "${failures[@]}"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
