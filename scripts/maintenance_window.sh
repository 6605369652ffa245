#!/usr/bin/env bash
# maintenance_window.sh: puts a maintmode server into maintenance around an upgrade
# (or any work that would make agents look down), and takes it out again.  --help
# gives the synopsis.
#
# -d takes a database name or a conninfo string ("host=... dbname=..."); without it
# psql's usual environment (PGHOST, PGPORT, PGUSER, PGDATABASE, ~/.pgpass) applies.
# --run enables, runs COMMAND, and always disables afterwards: when COMMAND fails,
# and when the wrapper is interrupted.  It refuses to start inside a window that is
# already open (ending it after COMMAND would end someone else's window).
#
# Exit status: 0 done; 1 the server refused a call, or is not in the state the call
# should have left it in (the server's message is on stderr); 2 usage error;
# with --run: COMMAND's exit status, or 3 when the disable after COMMAND failed and
# the server is still in maintenance.
set -uo pipefail

prog=maintenance_window.sh
dbname=

usage() {
    cat <<EOF
usage: $prog [-d DB] --enable | --disable | --force-enable | --force-disable
       $prog [-d DB] --status
       $prog [-d DB] --run COMMAND [ARG...]
EOF
}

usage_error() {
    usage >&2
    exit 2
}

psql_call() {
    psql -X -v ON_ERROR_STOP=1 -q ${dbname:+-d "$dbname"} "$@"
}

# server_mode OPTION [SQL run after the call, in the same transaction]
# Prints what the call did; fails unless the server ends in the state OPTION means.
server_mode() {
    local option=$1 after=${2:-} row action changed saved restored in_maintenance
    row=$(psql_call -1 -At -F ' ' -v option="$option" -f - <<SQL
SELECT action, agents_changed, states_saved, states_restored, server_in_maintenance
  FROM maintmode.server_maint_mode(:'option');
$after
SQL
) || return 1
    read -r action changed saved restored in_maintenance <<<"$row"
    [ "$in_maintenance" = t ] && in_maintenance=yes || in_maintenance=no
    echo "$action: $changed agents changed, $saved states saved, $restored restored;" \
         "server in maintenance: $in_maintenance"
    case $option:$in_maintenance in
        *enable:yes|*disable:no) ;;
        *) echo "$prog: after $option the server is in maintenance: $in_maintenance" >&2
           return 1 ;;
    esac
}

# server_maint_mode keeps "since" when the server already was in maintenance and sets
# it to now() (this transaction's start) when this call opened the window; checked in
# the same transaction, under the call's lock, so a concurrent enable cannot slip in.
# Refusing rolls the enable back too.
readonly REFUSE_OPEN_WINDOW=$(cat <<'SQL'
DO $$
DECLARE
    mode record;
BEGIN
    SELECT * INTO mode FROM maintmode.server_maint_status();
    IF mode.since <> pg_catalog.now() THEN
        RAISE EXCEPTION 'server is already in maintenance since % (enabled by %)',
                        mode.since, mode.enabled_by
            USING ERRCODE = 'object_in_use',
                  HINT = 'Another maintenance window is open: wait for it to end, or end it with --disable.';
    END IF;
END
$$;
SQL
)

remember_signal() {
    interrupted=$1
}

# The traps only remember the signal, so that nothing cuts the disable short: the
# window is ended by the normal flow, which every signal but KILL lets finish.  A
# signal during the enable skips the command.  The command gets a terminal's Ctrl-C
# itself; a TERM sent to the wrapper alone waits for the command to end.
run_window() {
    local status
    interrupted=
    trap 'remember_signal 129' HUP
    trap 'remember_signal 130' INT
    trap 'remember_signal 143' TERM
    server_mode enable "$REFUSE_OPEN_WINDOW" || exit 1
    if [ -z "$interrupted" ]; then
        "$@"
        status=$?
        [ "$status" = 0 ] || echo "$prog: command exited with status $status; taking the server out of maintenance" >&2
    fi
    if ! server_mode disable; then
        echo "$prog: the server is still in maintenance; end it with: $prog --disable" >&2
        exit 3
    fi
    exit "${interrupted:-$status}"
}

while [ $# -gt 0 ]; do
    case $1 in
        -d|--dbname) [ $# -ge 2 ] || usage_error; dbname=$2; shift 2 ;;
        --enable|--disable|--force-enable|--force-disable)
            [ $# = 1 ] || usage_error; server_mode "${1#--}"; exit ;;
        --status)
            [ $# = 1 ] || usage_error; psql_call -x -c 'SELECT * FROM maintmode.server_maint_status()'
            exit $(( $? == 0 ? 0 : 1 )) ;;
        --run) shift; [ $# -ge 1 ] || usage_error; run_window "$@" ;;
        -h|--help) usage; exit 0 ;;
        *) usage_error ;;
    esac
done
usage_error
