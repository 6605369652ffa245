#!/usr/bin/env bash
# The documented grants work as written: every SQL block of the README's "Roles and
# privileges" section, of doc/dba-scripts.md's "Grants for an application, a sweep job
# and a DBA" and of doc/security.md's "Technicians limited to their clients and sites"
# runs verbatim on a throwaway cluster with the extension, and each role they create
# (viewer, operator, scope administrator, application, cron job, DBA, technicians) can
# do what the docs say and is refused (42501) what they do not.  Prints TAP; exits
# non-zero if any fails.
set -uo pipefail
cd "$(dirname "$0")/../.."
. test/cluster.sh
. test/tap.sh

# The ```sql blocks of the section of FILE under HEADING (up to the next "## ").
sql_blocks() {						# sql_blocks FILE HEADING
    awk -v heading="$2" '
        $0 == heading { section = 1; next }
        section && /^## / { exit }
        section && /^```sql/ { block = 1; next }
        block && /^```/ { block = 0; next }
        block { print }' "$1"
}

cluster_start
sql() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }
# as ROLE SQL: the SQLSTATE of running SQL as ROLE (00000 when it succeeds).
as() {
    local state
    state=$(psql -X -q -At -v VERBOSITY=sqlstate -c "SET ROLE $1" -c "$2" 2>&1 >/dev/null |
                sed -nE 's/^ERROR: +([0-9A-Z]{5}).*/\1/p' | head -1)
    echo "${state:-00000}"
}

sql -c 'CREATE EXTENSION maintmode' -f test/fixtures/fleet.sql >/dev/null
sql -c 'CREATE ROLE alice LOGIN; CREATE ROLE viewer_person LOGIN'

# in_session ROLE SQL: the same, logged in as ROLE (its session, not SET ROLE).
in_session() {
    local state
    state=$(psql -X -q -At -v VERBOSITY=sqlstate -U "$1" -c "$2" 2>&1 >/dev/null |
                sed -nE 's/^ERROR: +([0-9A-Z]{5}).*/\1/p' | head -1)
    echo "${state:-00000}"
}
# value_as ROLE SQL: what SQL returns as ROLE.
value_as() { psql -X -q -At -c "SET ROLE $1" -c "$2" 2>&1; }

readme=$(sql_blocks README.md '## Roles and privileges')
scripts=$(sql_blocks doc/dba-scripts.md '## Grants for an application, a sweep job and a DBA')
technicians=$(sql_blocks doc/security.md '## Technicians limited to their clients and sites')
check "the README's roles block runs as written" sql -c "$readme"
check "doc/dba-scripts.md's grants block runs as written" sql -c "$scripts"
sql -c 'GRANT maint_viewer TO viewer_person'
sql -c 'CREATE ROLE erin LOGIN IN ROLE maint_scope_admin'
check "doc/security.md's technicians block runs as written" sql -c "$technicians"

# maint_viewer: reads everything, changes nothing.
check "viewer reads agents" equals "$(as viewer_person 'SELECT count(*) FROM maintmode.agent')" 00000
check "viewer reads the site dashboard's colours" \
    equals "$(as viewer_person 'SELECT colour FROM maintmode.site_dashboard')" 00000
check "viewer calls server_maint_status()" \
    equals "$(as viewer_person 'SELECT * FROM maintmode.server_maint_status()')" 00000
check "viewer may not switch" \
    equals "$(as viewer_person 'SELECT maintmode.set_agent_maintenance(1, true)')" 42501
check "viewer may not update agents" \
    equals "$(as viewer_person 'UPDATE maintmode.agent SET maintenance_mode = true')" 42501

# maint_operator (alice): switches, server mode, windows; no direct writes.
check "operator switches an agent" \
    equals "$(as alice 'SELECT maintmode.set_agent_maintenance(1, true)')" 00000
check "operator enables server maintenance" \
    equals "$(as alice "SELECT maintmode.server_maint_mode('enable')")" 00000
check "operator disables it" \
    equals "$(as alice "SELECT maintmode.server_maint_mode('disable')")" 00000
check "operator creates a window" \
    equals "$(as alice "SELECT maintmode.create_window('site', 1, now(), duration => '1 hour', reason => 'x')")" 00000
check "operator may not update agents directly" \
    equals "$(as alice 'UPDATE maintmode.agent SET maintenance_mode = false')" 42501

# rmm_app: the fleet, the dashboards, the switches, the senders' queue.
check "application inserts an agent" \
    equals "$(as rmm_app "INSERT INTO maintmode.agent (site_id, hostname) VALUES (1, 'app-made')")" 00000
check "application writes check results" \
    equals "$(as rmm_app "UPDATE maintmode.check_result SET status = 'failing'")" 00000
check "application switches a site" \
    equals "$(as rmm_app 'SELECT maintmode.set_site_maintenance(2, true)')" 00000
check "application reads the client dashboard's colours" \
    equals "$(as rmm_app 'SELECT colour FROM maintmode.client_dashboard')" 00000
check "application takes notifications" \
    equals "$(as rmm_app "SELECT * FROM maintmode.take_notifications('email', 10)")" 00000
check "application calls server_maint_status()" \
    equals "$(as rmm_app 'SELECT * FROM maintmode.server_maint_status()')" 00000
check "application may not switch the server" \
    equals "$(as rmm_app "SELECT maintmode.server_maint_mode('enable')")" 42501
check "application may not sweep" equals "$(as rmm_app 'SELECT maintmode.sweep_overdue()')" 42501

# rmm_cron: the sweeps only.
check "cron job sweeps overdue agents" equals "$(as rmm_cron 'SELECT maintmode.sweep_overdue()')" 00000
check "cron job sweeps windows" equals "$(as rmm_cron 'SELECT maintmode.sweep_windows()')" 00000
check "cron job sweeps reminders" equals "$(as rmm_cron 'SELECT maintmode.sweep_reminders()')" 00000
check "cron job may not switch" \
    equals "$(as rmm_cron 'SELECT maintmode.set_agent_maintenance(1, false)')" 42501
check "cron job may not read agents" equals "$(as rmm_cron 'SELECT count(*) FROM maintmode.agent')" 42501

# rmm_dba: server maintenance and its status, nothing else.
check "DBA enables server maintenance" \
    equals "$(as rmm_dba "SELECT maintmode.server_maint_mode('enable')")" 00000
check "DBA reads server_maint_status()" \
    equals "$(as rmm_dba 'SELECT * FROM maintmode.server_maint_status()')" 00000
check "DBA disables server maintenance" \
    equals "$(as rmm_dba "SELECT maintmode.server_maint_mode('disable')")" 00000
check "DBA may not switch an agent" \
    equals "$(as rmm_dba 'SELECT maintmode.set_agent_maintenance(1, false)')" 42501
check "DBA may not write check results" \
    equals "$(as rmm_dba "UPDATE maintmode.check_result SET status = 'passing'")" 42501

# maint_scope_admin (erin): grants and revokes scopes, reads nothing.
check "scope administrator grants a scope" \
    equals "$(as erin "SELECT maintmode.grant_scope('dave', 'site', 3)")" 00000
check "scope administrator revokes it" \
    equals "$(as erin "SELECT maintmode.revoke_scope('dave', 'site', 3)")" 00000
check "scope administrator may not read agents" \
    equals "$(as erin 'SELECT count(*) FROM maintmode.agent')" 42501
check "operator may not grant scopes" \
    equals "$(as alice "SELECT maintmode.grant_scope('alice', 'client', 1)")" 42501

# Technicians: carol is acme's (client 1: sites 1 and 2, 6 agents with the
# application's), dave globex's (client 2: site 3, 2 agents).
check "carol switches her client" \
    equals "$(in_session carol 'SELECT maintmode.set_client_maintenance(1, true)')" 00000
check "carol switches a site of it" \
    equals "$(in_session carol 'SELECT maintmode.set_site_maintenance(2, false)')" 00000
check "carol creates a window on an agent of it" \
    equals "$(in_session carol "SELECT maintmode.create_window('agent', 1, now(), duration => '1 hour', reason => 'x')")" 00000
check "carol may not switch globex" \
    equals "$(in_session carol 'SELECT maintmode.set_client_maintenance(2, true)')" 42501
check "carol may not switch globex's site" \
    equals "$(in_session carol 'SELECT maintmode.set_site_maintenance(3, true)')" 42501
check "carol may not switch globex's agent" \
    equals "$(in_session carol 'SELECT maintmode.set_agent_maintenance(6, true)')" 42501
check "carol may not create a window on globex" \
    equals "$(in_session carol "SELECT maintmode.create_window('client', 2, now(), duration => '1 hour', reason => 'x')")" 42501
check "carol may not enable server maintenance" \
    equals "$(in_session carol "SELECT maintmode.server_maint_mode('enable')")" 42501
check "carol may not grant herself globex" \
    equals "$(in_session carol "SELECT maintmode.grant_scope('tech_acme', 'client', 2)")" 42501
check "carol stays acme's after SET ROLE maint_operator" \
    equals "$(in_session carol 'SET ROLE maint_operator; SELECT maintmode.set_client_maintenance(2, true)')" 42501
check "carol reads acme's agents only" equals "$(value_as carol 'SELECT count(*) FROM maintmode.agent')" 6
check "carol's client dashboard is acme" \
    equals "$(value_as carol 'SELECT name FROM maintmode.client_dashboard')" acme
check "dave reads globex's agents only" equals "$(value_as dave 'SELECT count(*) FROM maintmode.agent')" 2
check "dave switches globex" \
    equals "$(in_session dave 'SELECT maintmode.set_client_maintenance(2, true)')" 00000
check "dave may not switch acme" \
    equals "$(in_session dave 'SELECT maintmode.set_client_maintenance(1, false)')" 42501
check "the event log names who switched, technicians included" \
    equals "$(sql -c "SELECT string_agg(DISTINCT role_name, ',') FROM maintmode.event_log WHERE action IN ('enable', 'disable') AND scope <> 'server'")" "alice,carol,dave,rmm_app"
check "the counters are exact" equals "$(sql -c 'SELECT count(*) FROM maintmode.verify_counters()')" 0

tap_done
