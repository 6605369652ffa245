#!/usr/bin/env bash
# Stress test: STRESS_CLIENTS sessions (default 16) run a mixed RMM workload for
# STRESS_SECONDS (default 60) on one fleet in a throwaway cluster: heartbeats, check
# results, check-ins, agent/site/client switches, server maintenance, windows, both
# sweeps and two alert senders, with the window worker sweeping too.  The isolation specs
# try chosen interleavings of two or three sessions; this looks for what they did not
# think of, then checks that nothing went wrong:
#   no deadlock; no other error; the dashboard counters equal their recomputation; every
#   alert sent at most once per channel, and none left unsent after draining the senders;
#   every failing check with alerts on has a live alert and no passing one an unresolved
#   one; window flags follow the windows in force; saved states are all or none; one
#   event-log row per successful server_maint_mode call; nothing left in maintenance
#   after force-disable and the end of every window.
#
# Each kind of session is its own pgbench process (its own scripts and weights), so that
# one kind's failures neither hide nor stop another's and pgbench counts transactions
# per script.  pgbench runs without retries: a deadlock or serialization failure is
# counted as a failed transaction and the client goes on; any other error aborts that
# client.  Every error also lands in the server log (with its SQLSTATE and the session's
# kind as application name), which is what the checks count.
#
# Prints TAP ("ok N - what" / "not ok N - what", then "1..N"); exits 0 when all pass.
#   PG_CONFIG=... bash test/stress/stress.sh      (maintmode built and installed for it)
# STRESS_KINDS runs a subset of the session kinds (KINDS below), sharing the clients,
# e.g. STRESS_KINDS="heartbeat checks email sms".  Run by test/run_all.sh.
set -uo pipefail
cd "$(dirname "$0")/../.."
seconds=${STRESS_SECONDS:-60}
clients=${STRESS_CLIENTS:-16}

# kind: its share of the clients (of 16), then its scripts with their pgbench weights.
declare -A SHARE=([heartbeat]=2 [checks]=4 [checkin]=2 [switch]=2 [server]=1 [window]=1
                  [overdue]=1 [email]=2 [sms]=1)
declare -A SCRIPTS=(
    [heartbeat]="heartbeat@50 quiet@1"
    [checks]="checks@1"
    [checkin]="checkin@1"
    [switch]="agent_on_off@6 agent_until@2 site_on_off@3 client_on_off@1"
    [server]="enable@4 enable_and_window@2 disable@5 force_enable@1 force_disable@1"
    [window]="create_window@4 end_window@2 sweep_windows@2"
    [overdue]="sweep_overdue@1"
    [email]="send_email@1"
    [sms]="send_sms@1")
# Transactions per second of a kind's whole process, where unbounded it would hold the
# agent table or the sweep lock most of the time and starve the rest.
declare -A RATE=([server]=2 [window]=10)
KINDS="heartbeat checks checkin switch server window overdue email sms"
kinds=${STRESS_KINDS:-$KINDS}
for kind in $kinds; do
    [ -n "${SHARE[$kind]:-}" ] || { echo "stress.sh: unknown kind $kind (kinds: $KINDS)" >&2; exit 2; }
done

AGENTS=2000 SITES=100 CLIENTS=10 CHECKS_PER_AGENT=10

. test/cluster.sh
# The window worker sweeps every second beside the sessions' own sweeps.  Each log line
# carries the SQLSTATE, the backend type and the application name (the session kind).
CLUSTER_OPTS="-c max_connections=$((clients + 20)) -c shared_preload_libraries=maintmode"
CLUSTER_OPTS+=" -c maintmode.window_sweep_interval=1 -c log_line_prefix='%m [%p] %e [%b] [%a] '"
# Others may install another build into the same PostgreSQL while this runs: the server
# preloads the library at its start, so a later install does not change it under the run
# (a removal does, see below); its checksum says which build ran.
library=$(md5sum <"$("$PG_CONFIG" --pkglibdir)/maintmode.so" | cut -c1-12)
cluster_start
work=$(mktemp -d /tmp/maintmode-stress.XXXXXX)
trap 'cluster_stop; rm -rf "$work"' EXIT
SERVER_LOG=$CLUSTER_DIR/server.log

# NOTICEs (server already in maintenance, saved states discarded, ...) are expected.
export PGOPTIONS='-c client_min_messages=warning'
sql() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }

# The fleet: agents in blocks of 20 per site, sites in blocks of 10 per client; check ids
# are (agent - 1) * 10 + 1 .. agent * 10.  One agent in twenty is in maintenance by hand,
# one in ten has been quiet for an hour (overdue), one in five has overdue alerts on; a
# tenth of the checks fail, a quarter have e-mail alerts, a twentieth SMS.  sent_log is
# what the senders sent: a second send of an alert on a channel violates its key.
sql -v agents=$AGENTS -v sites=$SITES -v clients=$CLIENTS -v checks=$CHECKS_PER_AGENT <<'SQL' || exit 1
CREATE EXTENSION maintmode;
INSERT INTO maintmode.client (name) SELECT 'client' || g FROM generate_series(1, :clients) g;
INSERT INTO maintmode.site (client_id, name)
    SELECT 1 + (g - 1) / (:sites / :clients), 'site' || g FROM generate_series(1, :sites) g;
INSERT INTO maintmode.agent (site_id, hostname, maintenance_mode, last_seen,
                             overdue_email_alert, overdue_text_alert)
    SELECT 1 + (g - 1) / (:agents / :sites), 'host' || g, g % 20 = 7,
           now() - CASE WHEN g % 10 = 0 THEN interval '1 hour' ELSE interval '0' END,
           g % 5 = 0, g % 20 = 0
      FROM generate_series(1, :agents) g;
INSERT INTO maintmode.check_result (agent_id, name, alert_severity, email_alert, text_alert)
    SELECT a, 'check' || k, (ARRAY['info', 'warning', 'error'])[1 + (a + k) % 3],
           (a + k) % 4 = 0, (a + k) % 20 = 0
      FROM generate_series(1, :agents) a, generate_series(1, :checks) k
     ORDER BY a, k;
-- Reported after their insertion, as agents do: the failing ones raise their alerts.
UPDATE maintmode.check_result
   SET status = CASE WHEN (7 * agent_id + id) % 10 = 0 THEN 'failing' ELSE 'passing' END;
CREATE TABLE sent_log (
    channel text NOT NULL,
    alert_id bigint NOT NULL,
    sent_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (channel, alert_id)
);
SELECT FROM maintmode.sweep_overdue();
VACUUM ANALYZE;
SQL

# The pgbench scripts, one file each.
mkdir "$work/sql"
script() { cat >"$work/sql/$1.sql"; }
script heartbeat <<SQL
\set a random(1, $AGENTS)
UPDATE maintmode.agent SET last_seen = now() WHERE id = :a;
SQL
# An agent last seen an hour ago: stands in for one that went quiet, so that the overdue
# sweep keeps raising alerts (and resolving them at the agent's next heartbeat).
script quiet <<SQL
\set a random(1, $AGENTS)
UPDATE maintmode.agent SET last_seen = now() - interval '1 hour' WHERE id = :a;
SQL
# Five check results in one transaction, one statement each, each flipping between
# passing and failing: every one changes its agent's failing counts.  One check of a
# random agent from each fifth of the fleet, in ascending order: the application's own
# rows are locked in one order, as a careful application does, so that a deadlock can
# only come from what the extension locks besides (agent rows, counter rows).
{
    band=$((AGENTS / 5))
    for i in 1 2 3 4 5; do
        echo "\set a$i random($(( (i - 1) * band + 1 )), $(( i * band )))"
        echo "\set c$i (:a$i - 1) * $CHECKS_PER_AGENT + random(1, $CHECKS_PER_AGENT)"
    done
    echo 'BEGIN;'
    for i in 1 2 3 4 5; do
        echo "UPDATE maintmode.check_result SET status = CASE status WHEN 'failing' THEN 'passing' ELSE 'failing' END WHERE id = :c$i;"
    done
    echo 'COMMIT;'
} | script checks
# An agent checks in: its heartbeat and all its check results, a fifth of them failing.
# (One line per statement: a deadlock report lists the first line of each.)
script checkin <<SQL
\set a random(1, $AGENTS)
BEGIN;
UPDATE maintmode.agent SET last_seen = now() WHERE id = :a;
UPDATE maintmode.check_result SET status = CASE WHEN random() < 0.2 THEN 'failing' ELSE 'passing' END WHERE agent_id = :a;
COMMIT;
SQL
script agent_on_off <<SQL
\set a random(1, $AGENTS)
\set on random(0, 1)
SELECT maintmode.set_agent_maintenance(:a, :on = 1);
SQL
script agent_until <<SQL
\set a random(1, $AGENTS)
SELECT maintmode.set_agent_maintenance(:a, true, until => now() + interval '3 seconds',
                                       reason => 'stress');
SQL
script site_on_off <<SQL
\set s random(1, $SITES)
\set on random(0, 1)
SELECT maintmode.set_site_maintenance(:s, :on = 1);
SQL
script client_on_off <<SQL
\set c random(1, $CLIENTS)
\set on random(0, 1)
SELECT maintmode.set_client_maintenance(:c, :on = 1);
SQL
for option in enable disable force-enable force-disable; do
    echo "SELECT * FROM maintmode.server_maint_mode('$option');" | script "${option/-/_}"
done
# A DBA's upgrade: the server into maintenance and a window on the site to be upgraded,
# in one transaction.
script enable_and_window <<SQL
\set s random(1, $SITES)
BEGIN;
SELECT * FROM maintmode.server_maint_mode('enable');
SELECT maintmode.create_window('site', :s, now(), duration => '2 seconds', reason => 'stress upgrade');
COMMIT;
SQL
script create_window <<SQL
\set s random(1, $SITES)
SELECT maintmode.create_window('site', :s, now(), duration => '2 seconds', reason => 'stress');
SQL
# A random window still open; SKIP LOCKED, so that no two sessions pick the same one and
# end_window never finds it already over (55000).
script end_window <<'SQL'
SELECT maintmode.end_window(id)
  FROM (SELECT id FROM maintmode.maintenance_window
         WHERE ended_at IS NULL AND ends_at > now()
         ORDER BY random() LIMIT 1 FOR UPDATE SKIP LOCKED) w;
SQL
# Sweeps run on a timer in production; here every 50 ms.
script sweep_windows <<'SQL'
SELECT * FROM maintmode.sweep_windows();
\sleep 50 ms
SQL
script sweep_overdue <<'SQL'
SELECT * FROM maintmode.sweep_overdue();
\sleep 50 ms
SQL
# A sender takes up to 10 alerts and records them as sent; it polls every 20 ms while
# there is nothing to take.
for channel in email sms; do
    script "send_$channel" <<SQL
WITH sent AS (
    INSERT INTO sent_log (channel, alert_id)
    SELECT '$channel', id FROM maintmode.take_notifications('$channel', 10)
    RETURNING 1)
SELECT count(*) AS taken FROM sent \gset
\if :taken = 0
\sleep 20 ms
\endif
SQL
done

# Clients per kind: its share of the clients, at least one.
total_share=0
for kind in $kinds; do total_share=$((total_share + SHARE[$kind])); done
declare -A NCLIENTS
for kind in $kinds; do
    n=$(( (2 * SHARE[$kind] * clients + total_share) / (2 * total_share) ))
    NCLIENTS[$kind]=$(( n > 0 ? n : 1 ))
done

echo "# $(sql -c "SELECT 'maintmode ' || extversion FROM pg_extension WHERE extname = 'maintmode'")"\
     "(maintmode.so md5 $library),"\
     "$AGENTS agents, $((AGENTS * CHECKS_PER_AGENT)) checks; $seconds s;"\
     "clients: $(for k in $kinds; do printf '%s %s, ' "$k" "${NCLIENTS[$k]}"; done | sed 's/, $//')"
start=$(date +%s)
for kind in $kinds; do
    options=()
    for s in ${SCRIPTS[$kind]}; do options+=(-f "$work/sql/${s%@*}.sql@${s#*@}"); done
    [ -n "${RATE[$kind]:-}" ] && options+=(-R "${RATE[$kind]}")
    PGAPPNAME=stress-$kind "$PG_BINDIR/pgbench" -n -c "${NCLIENTS[$kind]}" -j "${NCLIENTS[$kind]}" \
        -T "$seconds" --failures-detailed --verbose-errors "${options[@]}" \
        >"$work/$kind.out" 2>"$work/$kind.err" &
    echo "$!" >"$work/$kind.pid"
done
for kind in $kinds; do
    wait "$(cat "$work/$kind.pid")"
    echo "$?" >"$work/$kind.status"
done
elapsed=$(( $(date +%s) - start ))
# A replaced library is not loaded by the running server, but a removed one fails every
# backend that has not yet looked up a function of it.
library_now=$(md5sum <"$("$PG_CONFIG" --pkglibdir)/maintmode.so" 2>/dev/null | cut -c1-12)
[ "$library_now" = "$library" ] ||
    echo "# maintmode.so was replaced or removed during the run (now: ${library_now:-none})"

# pgbench's counts per script: "SCRIPT OK FAILED SERIALIZATION DEADLOCK".  With one
# script pgbench prints only the totals.
counts() {						# counts KIND
    awk -v single="$(wc -w <<<"${SCRIPTS[$1]}")" '
        BEGIN { ok = failed = ser = dl = 0 }
        function flush() { if (name != "") print name, ok, failed, ser, dl }
        /^transaction type: / && single == 1 { name = $3 }
        /^number of transactions actually processed: / && single == 1 { ok = $6 }
        /^number of failed transactions: / && single == 1 { failed = $5 }
        /^number of serialization failures: / && single == 1 { ser = $5 }
        /^number of deadlock failures: / && single == 1 { dl = $5 }
        /^SQL script [0-9]+: / { flush(); name = $4; ok = failed = ser = dl = 0 }
        /^ - [0-9]+ transactions / { ok = $2 }
        /^ - number of failed transactions: / { failed = $6 }
        /^ - number of serialization failures: / { ser = $6 }
        /^ - number of deadlock failures: / { dl = $6 }
        END { flush() }' "$work/$1.out" | sed -E 's|^[^ ]*/([^/ ]+)\.sql |\1 |'
}
for kind in $kinds; do counts "$kind"; done >"$work/counts"
summed() { awk -v col="$1" '{ n += $col } END { print n + 0 }' "$work/counts"; }
echo "# transactions in ${elapsed} s (ok/failed): $(awk '{ printf "%s%s %d/%d", sep, $1, $2, $3; sep = ", " }' "$work/counts")"

# Drain: the senders' statement until take_notifications returns nothing.
drain() {
    local taken
    while :; do
        taken=$(sql -c "WITH sent AS (INSERT INTO sent_log (channel, alert_id)
                                      SELECT '$1', id FROM maintmode.take_notifications('$1', 1000)
                                      RETURNING 1)
                        SELECT count(*) FROM sent") || return 1
        [ "$taken" = 0 ] && return 0
    done
}

. test/tap.sh

# The state the workload left, read before anything else changes it.
counters_off=$(sql -c 'SELECT count(*) FROM maintmode.verify_counters()')
# Windows and expiries brought to one clock: after this sweep, in the same transaction,
# an agent's window flag says whether a window in force covers it (the workload's windows
# are all on sites), and no hand flag has outlived its expiry (unless the server is in
# maintenance, which holds expiries).  The sweep's own advisory lock keeps the window
# worker's next sweep (a later clock) out until the count is done.
flags_off=$(sql <<'SQL'
BEGIN;
SELECT pg_advisory_xact_lock('maintmode.maintenance_window'::regclass::oid::int4, 0) \g /dev/null
SELECT maintmode.sweep_windows() \g /dev/null
SELECT count(*) FROM maintmode.agent a
 WHERE a.maintenance_mode <> (a.hand_maintenance OR a.window_maintenance)
    OR a.window_maintenance <> EXISTS (
           SELECT FROM maintmode.maintenance_window w
            WHERE w.site_id = a.site_id AND w.starts_at <= now()
              AND now() < least(w.ends_at, w.ended_at))
    OR (a.hand_until <= now() AND a.hand_maintenance
        AND NOT EXISTS (SELECT FROM maintmode.server_mode WHERE in_maintenance));
COMMIT;
SQL
)
# Saved states: all or none of the agents, as the mode says.
states=$(sql -c "SELECT coalesce((SELECT states_saved_at IS NOT NULL FROM maintmode.server_mode), false),
                        (SELECT count(*) FROM maintmode.saved_state)")
server_rows=$(sql -c "SELECT count(*) FROM maintmode.event_log
                       WHERE scope = 'server'
                         AND action IN ('enable', 'disable', 'force-enable', 'force-disable')")
server_ok=$(awk '$1 ~ /^(enable|enable_and_window|disable|force_enable|force_disable)$/ { n += $2 }
                 END { print n + 0 }' "$work/counts")

# Everything out of maintenance: the server, every window, every hand flag (force-disable
# clears them all).  Agents leaving raise alerts for what still fails; then drain.
sql -c "SELECT FROM maintmode.server_maint_mode('force-disable')" \
    -c "SELECT count(maintmode.end_window(id)) FROM maintmode.maintenance_window
         WHERE least(ends_at, ended_at) > now()" \
    -c "SELECT FROM maintmode.sweep_windows()" >/dev/null
left_in=$(sql -c "SELECT count(*) FILTER (WHERE maintenance_mode), count(*) FILTER (WHERE hand_maintenance),
                         count(*) FILTER (WHERE window_maintenance) FROM maintmode.agent")
drain email && drain sms || echo "# draining failed"
unsent=$(sql -c "SELECT count(*) FROM maintmode.alert
                  WHERE NOT suppressed AND resolved_at IS NULL
                    AND ((email AND email_sent_at IS NULL) OR (sms AND sms_sent_at IS NULL))")
# Sent at most once per channel: sent_log's key.  And sent_log and the alerts' sent_at
# say the same, both ways.
sent_mismatch=$(sql <<'SQL'
SELECT (SELECT count(*) FROM maintmode.alert a
          FULL JOIN (SELECT alert_id FROM sent_log WHERE channel = 'email') l ON l.alert_id = a.id
         WHERE (a.email_sent_at IS NOT NULL) <> (l.alert_id IS NOT NULL))
       || '|' ||
       (SELECT count(*) FROM maintmode.alert a
          FULL JOIN (SELECT alert_id FROM sent_log WHERE channel = 'sms') l ON l.alert_id = a.id
         WHERE (a.sms_sent_at IS NOT NULL) <> (l.alert_id IS NOT NULL));
SQL
)
# With every agent out of maintenance, every failing check with alerts on has a live
# alert, and no check that does not fail has an unresolved one.  The first few that do
# not are listed, with their alerts.
sql >"$work/check_alerts" <<'SQL'
CREATE TEMP VIEW check_alert_off AS
SELECT c.* FROM maintmode.check_result c
 WHERE (c.status = 'failing' AND (c.email_alert OR c.text_alert)
        AND NOT EXISTS (SELECT FROM maintmode.alert al
                         WHERE al.check_id = c.id AND NOT al.suppressed AND al.resolved_at IS NULL))
    OR (c.status <> 'failing'
        AND EXISTS (SELECT FROM maintmode.alert al WHERE al.check_id = c.id AND al.resolved_at IS NULL));
SELECT count(*) FROM check_alert_off;
SELECT format('#   check %s (agent %s) %s; alerts: %s', c.id, c.agent_id, c.status,
              (SELECT string_agg(format('%s created %s%s%s', al.id, al.created_at::time,
                                        ', suppressed: ' || al.suppressed_reason,
                                        ', resolved ' || al.resolved_at::time), '; ' ORDER BY al.id)
                 FROM maintmode.alert al WHERE al.check_id = c.id))
  FROM check_alert_off c ORDER BY c.id LIMIT 5;
SQL
sent=$(sql -c "SELECT string_agg(channel || ' ' || n, ', ' ORDER BY channel)
                 FROM (SELECT channel, count(*) n FROM sent_log GROUP BY channel) s")
alerts=$(sql -c "SELECT count(*) FROM maintmode.alert")

# Errors: every ERROR, FATAL or PANIC line of the server log (the statements above
# included), by SQLSTATE, session kind and message (numbers masked), and what pgbench saw.
perl -ne 'next unless /^[^[]*\[\d+\] (\w{5}) \[([^]]*)\] \[([^]]*)\] (ERROR|FATAL|PANIC):  (.*)/;
           my ($state, $type, $app, $level, $message) = ($1, $2, $3, $4, $5);
           $message =~ s/\d+/N/g;
           print "$state $level [", ($app ne "" ? $app : $type), "] $message\n"' \
    "$SERVER_LOG" | sort | uniq -c | sort -rn >"$work/errors"
deadlocks_log=$(grep -c 'ERROR:  deadlock detected' "$SERVER_LOG")
deadlocks_client=$(summed 5)
serialization_client=$(summed 4)
aborted=$(cat "$work"/*.err | grep -cE 'client [0-9]+ aborted')
statuses=$(for k in $kinds; do cat "$work/$k.status"; done | sort -u | tr '\n' ' ')
other_errors=$(awk '$2 != "40P01" { n += $1 } END { print n + 0 }' "$work/errors")

echo "# deadlocks: $deadlocks_log in the server log, $deadlocks_client failed pgbench transactions"
check "no deadlock" equals "$deadlocks_log|$deadlocks_client" "0|0"
# The first deadlock's report in full (which locks), then every deadlock by the
# statements that took part (the first line of each, numbers masked).
awk 'printing && !/^\t/ && !($4 == pid && / (DETAIL|HINT|CONTEXT|STATEMENT):  /) { printing = 0 }
     !shown && /ERROR:  deadlock detected/ { pid = $4; shown = printing = 1 }
     printing { print "#   " substr($0, 1, 200) }' "$SERVER_LOG"
perl -ne 'sub done { $pairs{join("  <->  ", sort @statements)}++ if $in; $in = 0 }
          if (/ERROR:  deadlock detected/) { done(); $in = 1; @statements = (); next }
          if ($in && /^\tProcess \d+: (.*)/) { (my $q = $1) =~ s/\d+/N/g; push @statements, substr($q, 0, 110); next }
          done() if $in && !/^\t/ && !/ (DETAIL|HINT|CONTEXT|STATEMENT):  /;
          END { done(); printf "#   %4d  %s\n", $pairs{$_}, $_ for sort { $pairs{$b} <=> $pairs{$a} } keys %pairs }' \
    "$SERVER_LOG"
echo "# errors by SQLSTATE, level, session and message:"
sed 's/^/#   /' "$work/errors"
echo "# pgbench: $serialization_client serialization failures, $aborted aborted clients," \
     "exit statuses: $(for k in $kinds; do printf '%s %s, ' "$k" "$(cat "$work/$k.status")"; done | sed 's/, $//')"
check "no other error (server log, pgbench)" \
    equals "$other_errors|$serialization_client|$aborted|$statuses" "0|0|0|0 "
check "dashboard counters equal their recomputation after the workload" equals "$counters_off" 0
echo "# alerts: $alerts raised; sent: $sent"
check "sent_log and the alerts' sent_at agree (each alert sent at most once per channel)" \
    equals "$sent_mismatch" "0|0"
check "after draining (until take_notifications returns nothing), no alert is left to send" \
    equals "$unsent" 0
tail -n +2 "$work/check_alerts"
check "every failing check with alerts on has a live alert, no other check an unresolved one" \
    equals "$(head -1 "$work/check_alerts")" 0
check "after a sweep, window flags match the windows in force and no expiry is overdue" \
    equals "$flags_off" 0
all_or_none() { [ "$states" = "t|$AGENTS" ] || [ "$states" = "f|0" ] || { echo "# got: $states"; return 1; }; }
check "saved states: all agents or none, as the server mode says" all_or_none
echo "# server_maint_mode calls: $server_ok succeeded; event log: $server_rows"
check "one server event logged per successful server_maint_mode call" equals "$server_rows" "$server_ok"
check "after force-disable and every window ended, no agent is in maintenance" equals "$left_in" "0|0|0"

tap_done
