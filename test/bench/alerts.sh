#!/usr/bin/env bash
# Benchmark of the alert triggers and the sweep, each beside its baseline in the same
# run on the same data: prints ms for ours and the baseline's (best of ROUNDS runs,
# alternating), and the ratio baseline/ours.
#   bash test/bench/alerts.sh [AGENTS [ROUNDS]]     (default 100000 and 3; PG_CONFIG honoured)
# Not run by run_all.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
agents=${1:-100000}
rounds=${2:-3}
. test/bench/paired.sh

cat >>"$script" <<'SQL'
CREATE EXTENSION maintmode;
INSERT INTO maintmode.client (name) SELECT 'client' || g FROM generate_series(1, 10) g;
INSERT INTO maintmode.site (client_id, name) SELECT 1 + g % 10, 'site' || g FROM generate_series(1, 100) g;
-- 70% of the agents overdue, all with the overdue e-mail flag; a check each, alerts on
-- for one in three.
INSERT INTO maintmode.agent (site_id, hostname, last_seen, overdue_email_alert)
    SELECT 1 + g % 100, 'host' || g, now() - (g % 20) * interval '5 minutes', true
      FROM generate_series(1, :agents) g;
INSERT INTO maintmode.check_result (agent_id, name, email_alert)
    SELECT id, 'disk', id % 3 = 0 FROM maintmode.agent;
-- A history: five sent and resolved alerts per agent; and a sixth of the checks failing,
-- their alerts queued.
INSERT INTO maintmode.alert (agent_id, kind, check_id, severity, message, email,
                             email_sent_at, resolved_at)
    SELECT c.agent_id, 'check', c.id, 'warning', 'old', true, now(), now()
      FROM maintmode.check_result c, generate_series(1, 5);
UPDATE maintmode.check_result SET status = 'failing' WHERE id % 2 = 0;
VACUUM ANALYZE;

-- The row-at-a-time way of raising check alerts: a PL/pgSQL FOR EACH ROW trigger.
CREATE FUNCTION pg_temp.row_alert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = 'failing' AND OLD.status <> 'failing' AND (NEW.email_alert OR NEW.text_alert) THEN
        INSERT INTO maintmode.alert (agent_id, kind, check_id, severity, message, email, sms,
                                     suppressed, suppressed_reason)
        SELECT NEW.agent_id, NEW.kind, NEW.id, NEW.alert_severity,
               format('%s "%s" on %s is failing', NEW.kind, NEW.name, a.hostname),
               NEW.email_alert, NEW.text_alert, a.maintenance_mode,
               CASE WHEN a.maintenance_mode THEN 'agent in maintenance when raised' END
          FROM maintmode.agent a WHERE a.id = NEW.agent_id;
    ELSIF OLD.status = 'failing' AND NEW.status <> 'failing' THEN
        UPDATE maintmode.alert SET resolved_at = now()
         WHERE check_id = NEW.id AND resolved_at IS NULL;
    END IF;
    RETURN NULL;
END $$;
SQL

# Since 1.3 one trigger pair applies an UPDATE's changes of agents to the alerts, the
# counters and the history: the baseline goes without all three.
no_alert_trigger='ALTER TABLE maintmode.agent DISABLE TRIGGER agent_changes_begin;
ALTER TABLE maintmode.agent DISABLE TRIGGER agent_changes;'
row_trigger='ALTER TABLE maintmode.check_result DISABLE TRIGGER check_result_alerts;
CREATE TRIGGER row_alert AFTER UPDATE ON maintmode.check_result
    FOR EACH ROW EXECUTE FUNCTION pg_temp.row_alert();'
fail_then_pass="DO \$d\$ BEGIN
    UPDATE maintmode.check_result SET status = 'failing';
    UPDATE maintmode.check_result SET status = 'passing'; END \$d\$"
server_round="DO \$d\$ BEGIN
    PERFORM maintmode.server_maint_mode('enable');
    PERFORM maintmode.server_maint_mode('disable'); END \$d\$"
heartbeats="DO \$d\$ BEGIN FOR i IN 1..20000 LOOP
    UPDATE maintmode.agent SET last_seen = now() WHERE id = i; END LOOP; END \$d\$"
switches="DO \$d\$ BEGIN FOR i IN 1..1000 LOOP
    PERFORM maintmode.set_agent_maintenance(i, true);
    PERFORM maintmode.set_agent_maintenance(i, false); END LOOP; END \$d\$"
sweep="SELECT maintmode.sweep_overdue()"

for ((r = 1; r <= rounds; r++)); do
    measure 'every check fails, then passes (2 statements)' ours '' "$fail_then_pass"
    measure 'every check fails, then passes (2 statements)' 'PL/pgSQL row trigger' "$row_trigger" "$fail_then_pass"
    measure "server enable + disable (raising 0.86 alerts per agent)" ours '' "$server_round"
    measure "server enable + disable (raising 0.86 alerts per agent)" 'without agent_changes' "$no_alert_trigger" "$server_round"
    measure '20000 one-row heartbeats' ours '' "$heartbeats"
    measure '20000 one-row heartbeats' 'without agent_changes' "$no_alert_trigger" "$heartbeats"
    measure '2000 one-agent switches' ours '' "$switches"
    measure '2000 one-agent switches' 'without agent_changes' "$no_alert_trigger" "$switches"
    # A sweep right after one that raised an alert for 70% of the agents finds nothing
    # new: the cost of the minute-by-minute call, beside the raising sweep's.
    measure 'sweep finding nothing new' ours "$sweep \g /dev/null" "$sweep"
    measure 'sweep finding nothing new' 'the sweep before it (raising 0.7 per agent)' '' "$sweep"
done

cat >>"$script" <<'SQL'
\pset footer off
\unset QUIET
SELECT what, ours_ms, baseline, baseline_ms, round(baseline_ms / nullif(ours_ms, 0), 2) AS "baseline/ours"
  FROM (SELECT what, min(ord) AS ord,
               min(ms) FILTER (WHERE side = 'ours') AS ours_ms,
               max(side) FILTER (WHERE side <> 'ours') AS baseline,
               min(ms) FILTER (WHERE side <> 'ours') AS baseline_ms
          FROM runs GROUP BY what) r
 ORDER BY ord;
SQL
psql -X -v agents="$agents" -f "$script"
echo "agents: $agents, best of $rounds rounds"
