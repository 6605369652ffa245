#!/usr/bin/env bash
# Tests scripts/maintenance_window.sh on its own throwaway cluster (maintmode must be
# installed for $PG_CONFIG): the success paths, calls the server refuses (non-zero
# exit, the server's message on stderr, nothing changed), and the state after each.
# Prints "ok N - what" / "not ok N - what" per assertion and a trailing plan "1..N".
set -uo pipefail
cd "$(dirname "$0")/../.."
. test/cluster.sh
. test/tap.sh
cluster_start

window=$PWD/scripts/maintenance_window.sh
work=$(mktemp -d /tmp/maintmode-dba.XXXXXX)
chmod 777 "$work"	# the wrapped commands write here, maybe as another user
trap 'cluster_stop; rm -rf "$work"' EXIT
out=$work/stdout err=$work/stderr

sql() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }

# One line per fleet state: hostname:M in maintenance, hostname:- not.
fleet() {
    sql -c "SELECT string_agg(hostname || ':' || CASE WHEN maintenance_mode THEN 'M' ELSE '-' END,
                              ' ' ORDER BY id) FROM maintmode.agent"
}
# in_maintenance|saved_states
mode() { sql -c "SELECT in_maintenance, saved_states FROM maintmode.server_maint_status()"; }

window() { "$window" "$@" >"$out" 2>"$err"; rc=$?; }

tap_explain() {
    echo "# exit status $rc; stdout:"; sed 's/^/#   /' "$out"
    echo "# stderr:"; sed 's/^/#   /' "$err"
}
has() { grep -qF -- "$2" "$1" || { echo "# no \"$2\" in $1"; return 1; }; }

sql -c 'CREATE EXTENSION maintmode' -f test/fixtures/fleet.sql >/dev/null
ORIGINAL='hq1:- hq2:M hq3:- br1:M br2:- dc1:- dc2:-'
ALL_IN='hq1:M hq2:M hq3:M br1:M br2:M dc1:M dc2:M'

# --status, --enable, --disable
window --status
check "--status exits 0" equals "$rc" 0
check "--status shows the server out of maintenance" has "$out" "in_maintenance        | f"
window --enable
check "--enable exits 0" equals "$rc" 0
check "--enable reports what it did" has "$out" "enable: 5 agents changed, 7 states saved, 0 restored; server in maintenance: yes"
check "--enable puts every agent in maintenance" equals "$(fleet)" "$ALL_IN"
check "--enable saves every state" equals "$(mode)" "t|7"
# Server maintenance that lasts longer than maintmode.remind_after shows in --status.
window --status
check "--status shows a new server maintenance not due a reminder" has "$out" "reminder_due          | f"
sql -c "UPDATE maintmode.server_mode SET since = since - interval '8 days'"
window --status
check "--status shows one older than maintmode.remind_after" has "$out" "reminder_due          | t"
window --disable
check "--disable exits 0" equals "$rc" 0
check "--disable reports what it restored" has "$out" "disable: 5 agents changed, 0 states saved, 7 restored; server in maintenance: no"
check "--disable restores every agent" equals "$(fleet)" "$ORIGINAL"
check "--disable removes the saved states" equals "$(mode)" "f|0"

# --run: the command runs inside the window; the window ends after it
window --run bash -c 'psql -XAtc "SELECT in_maintenance FROM maintmode.server_maint_status()" >"$0"' "$work/seen"
check "--run exits 0 when the command succeeds" equals "$rc" 0
check "--run's command runs with the server in maintenance" equals "$(cat "$work/seen")" t
check "--run ends the window after the command" equals "$(fleet)|$(mode)" "$ORIGINAL|f|0"

window --run bash -c 'exit 7'
check "--run exits with the failed command's status" equals "$rc" 7
check "--run says the command failed" has "$err" "command exited with status 7; taking the server out of maintenance"
check "--run ends the window after a failed command" equals "$(fleet)|$(mode)" "$ORIGINAL|f|0"
check "--run reports the disable after a failed command" has "$out" "7 restored; server in maintenance: no"

# The command interrupts the wrapper, as a TERM from an operator would.
window --run bash -c 'kill -TERM $PPID'
check "--run interrupted by TERM exits 143" equals "$rc" 143
check "--run interrupted ends the window" equals "$(fleet)|$(mode)" "$ORIGINAL|f|0"

# Signals while a call waits: another session holds the server_mode row, the test
# sends TERM once the wrapper's enable or disable waits for it, then lets it go.
hold_server_mode() {			# returns once the row is locked
    rm -f "$work/fifo" "$work/locked"
    mkfifo "$work/fifo"
    psql -X -q <"$work/fifo" >/dev/null &
    holder=$!
    exec 7>"$work/fifo"
    echo "BEGIN; SELECT FROM maintmode.server_mode FOR UPDATE; \\! touch $work/locked" >&7
    wait_until test -e "$work/locked"
}
release_server_mode() {
    echo 'COMMIT;' >&7
    exec 7>&-
    wait "$holder"
}
waiting_calls() {				# waiting_calls OPTION: sessions whose OPTION call waits
    sql -c "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'
              AND query LIKE '%server_maint_mode(''$1'')%'"
}
wait_until() {					# polls (bounded) until COMMAND succeeds
    local _
    for _ in $(seq 600); do "$@" && return; sleep 0.1; done
    echo "# gave up waiting for: $*"
}
is() { [ "$("${@:2}")" = "$1" ]; }		# is VALUE COMMAND...: COMMAND prints VALUE

rm -f "$work/ran"
hold_server_mode
"$window" --run touch "$work/ran" >"$out" 2>"$err" &
wrapper=$!
wait_until is 1 waiting_calls enable
kill -TERM "$wrapper"
release_server_mode
wait "$wrapper"
rc=$?
check "TERM during the enable exits 143" equals "$rc" 143
check "TERM during the enable skips the command" equals "$([ -e "$work/ran" ] && echo ran)" ""
check "TERM during the enable ends the window it opened" equals "$(grep -c '^enable: \|^disable: ' "$out")|$(fleet)|$(mode)" "2|$ORIGINAL|f|0"

# The command itself waits until the row is held, so that the disable has to wait.
rm -f "$work/locked"
"$window" --run bash -c 'until [ -e "$0" ]; do sleep 0.1; done' "$work/locked" >"$out" 2>"$err" &
wrapper=$!
wait_until grep -q '^enable: ' "$out"
hold_server_mode
wait_until is 1 waiting_calls disable
kill -TERM "$wrapper"
release_server_mode
wait "$wrapper"
rc=$?
check "TERM during the disable exits 143" equals "$rc" 143
check "TERM during the disable does not cut it short" equals "$(grep -c '^disable: ' "$out")|$(fleet)|$(mode)" "1|$ORIGINAL|f|0"

# --run inside an open window is refused by the server and changes nothing.
window --enable
window --run touch "$work/ran"
check "--run inside an open window exits 1" equals "$rc" 1
check "--run inside an open window prints the server's error" has "$err" "ERROR:  server is already in maintenance since"
check "--run inside an open window does not run the command" equals "$([ -e "$work/ran" ] && echo ran)" ""
check "--run inside an open window leaves that window as it was" equals "$(fleet)|$(mode)" "$ALL_IN|t|7"
window --disable
check "the open window then ends as it would have" equals "$(fleet)|$(mode)" "$ORIGINAL|f|0"

# A role without EXECUTE on server_maint_mode: the server refuses, nothing changes.
sql -c 'CREATE ROLE maintmode_ops LOGIN' -c 'GRANT USAGE ON SCHEMA maintmode TO maintmode_ops'
PGUSER=maintmode_ops window --enable
check "a refused --enable exits 1" equals "$rc" 1
check "a refused --enable prints the server's error" has "$err" "ERROR:  permission denied for function server_maint_mode"
check "a refused --enable changes nothing" equals "$(fleet)|$(mode)" "$ORIGINAL|f|0"
PGUSER=maintmode_ops window --run touch "$work/ran"
check "a refused --run exits 1 without running the command" equals "$rc|$([ -e "$work/ran" ] && echo ran)" "1|"
sql -c 'GRANT EXECUTE ON FUNCTION maintmode.server_maint_mode(text) TO maintmode_ops'
PGUSER=maintmode_ops window --enable
check "with EXECUTE granted, --enable works for that role" equals "$rc|$(mode)" "0|t|7"
PGUSER=maintmode_ops window --disable
check "and --disable too" equals "$rc|$(fleet)|$(mode)" "0|$ORIGINAL|f|0"

# --disable that leaves the server in maintenance (after --force-enable) fails.
window --force-enable
check "--force-enable exits 0" equals "$rc|$(fleet)|$(mode)" "0|$ALL_IN|t|0"
window --disable
check "--disable after --force-enable exits 1" equals "$rc" 1
check "--disable after --force-enable passes the server's notice on" has "$err" "NOTICE:  no saved states to restore: the server was force-enabled; nothing changed"
check "--disable after --force-enable says the server is still in maintenance" has "$err" "after disable the server is in maintenance: yes"
window --force-disable
check "--force-disable takes every agent out" equals "$rc|$(fleet)|$(mode)" "0|hq1:- hq2:- hq3:- br1:- br2:- dc1:- dc2:-|f|0"

# Usage and connection errors.
window --enabel
check "an unknown option exits 2 with the usage" equals "$rc|$(head -c 6 "$err")" "2|usage:"
window --run
check "--run without a command exits 2" equals "$rc" 2
window --help
check "--help prints the usage on stdout and exits 0" equals "$rc|$(head -c 6 "$out")" "0|usage:"
window -d "host=$work/nowhere" --status
check "a server that cannot be reached exits 1 with psql's message" equals "$rc|$(grep -c 'connection to server' "$err")" "1|1"

tap_done
