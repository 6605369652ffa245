#!/usr/bin/env bash
# Benchmark of the alert triggers and the sweep, each beside its baseline in the same
# run on the same data: prints ms for ours and the baseline's, and the ratio.
#   bash test/bench/alerts.sh [AGENTS]        (default 100000; PG_CONFIG honoured)
# Not run by run_all.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
agents=${1:-100000}
. test/cluster.sh
make -s PG_CONFIG="$PG_CONFIG" >/dev/null && make -s PG_CONFIG="$PG_CONFIG" install >/dev/null
cluster_start

psql -X -q -v ON_ERROR_STOP=1 -v agents="$agents" <<'SQL'
CREATE EXTENSION maintmode;
INSERT INTO maintmode.client (name) SELECT 'client' || g FROM generate_series(1, 10) g;
INSERT INTO maintmode.site (client_id, name) SELECT 1 + g % 10, 'site' || g FROM generate_series(1, 100) g;
INSERT INTO maintmode.agent (site_id, hostname, last_seen, overdue_email_alert)
    SELECT 1 + g % 100, 'host' || g, now() - (g % 20) * interval '5 minutes', true
      FROM generate_series(1, :agents) g;
INSERT INTO maintmode.check_result (agent_id, name, email_alert)
    SELECT id, 'disk', id % 3 = 0 FROM maintmode.agent;
-- A history: five sent and resolved alerts per agent.
INSERT INTO maintmode.alert (agent_id, kind, check_id, severity, message, email,
                             email_sent_at, resolved_at)
    SELECT c.agent_id, 'check', c.id, 'warning', 'old', true, now(), now()
      FROM maintmode.check_result c, generate_series(1, 5);
VACUUM ANALYZE;

-- Runs a statement and returns how long it took, in ms.
CREATE FUNCTION pg_temp.ms(sql text) RETURNS numeric LANGUAGE plpgsql AS $$
DECLARE t timestamptz := clock_timestamp();
BEGIN
    EXECUTE sql;
    RETURN round(extract(epoch FROM clock_timestamp() - t) * 1000, 1);
END $$;
CREATE TEMP TABLE result (what text, ours numeric, baseline text, base numeric);
\set QUIET on

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

-- Each figure is taken in a transaction that is rolled back, so both sides start
-- from the same data; the baseline's differs only in what the row names.

-- 1. Every check turns failing, then passing, in two statements.
BEGIN;
SELECT pg_temp.ms($$UPDATE maintmode.check_result SET status = 'failing'$$)
     + pg_temp.ms($$UPDATE maintmode.check_result SET status = 'passing'$$) AS ours \gset
ROLLBACK;
BEGIN;
ALTER TABLE maintmode.check_result DISABLE TRIGGER check_result_alerts;
CREATE TRIGGER row_alert AFTER UPDATE ON maintmode.check_result
    FOR EACH ROW EXECUTE FUNCTION pg_temp.row_alert();
SELECT pg_temp.ms($$UPDATE maintmode.check_result SET status = 'failing'$$)
     + pg_temp.ms($$UPDATE maintmode.check_result SET status = 'passing'$$) AS base \gset
ROLLBACK;
INSERT INTO result VALUES ('all checks fail, then pass', :ours, 'PL/pgSQL row trigger', :base);

-- 2. Server maintenance on and off: every agent enters, 'disable' raises the hidden
--    failures (a sixth of the checks) and outages (70% of the agents) of all of them.
UPDATE maintmode.check_result SET status = 'failing' WHERE id % 2 = 0;
ANALYZE maintmode.alert;
BEGIN;
SELECT pg_temp.ms($$SELECT maintmode.server_maint_mode('enable')$$)
     + pg_temp.ms($$SELECT maintmode.server_maint_mode('disable')$$) AS ours \gset
ROLLBACK;
BEGIN;
ALTER TABLE maintmode.agent DISABLE TRIGGER agent_maintenance_alerts;
SELECT pg_temp.ms($$SELECT maintmode.server_maint_mode('enable')$$)
     + pg_temp.ms($$SELECT maintmode.server_maint_mode('disable')$$) AS base \gset
ROLLBACK;
INSERT INTO result VALUES ('server enable + disable', :ours, 'without the alert trigger', :base);

-- 3. Heartbeats: 20000 one-row UPDATEs of last_seen, each its own statement, after a
--    bulk switch has run in the same session.
BEGIN;
SELECT pg_temp.ms($q$DO $d$ BEGIN FOR i IN 1..20000 LOOP
        UPDATE maintmode.agent SET last_seen = now() WHERE id = i; END LOOP; END $d$$q$) AS ours \gset
ROLLBACK;
BEGIN;
ALTER TABLE maintmode.agent DISABLE TRIGGER agent_maintenance_alerts;
SELECT pg_temp.ms($q$DO $d$ BEGIN FOR i IN 1..20000 LOOP
        UPDATE maintmode.agent SET last_seen = now() WHERE id = i; END LOOP; END $d$$q$) AS base \gset
ROLLBACK;
INSERT INTO result VALUES ('20000 heartbeats', :ours, 'without the alert trigger', :base);

-- 4. 2000 single agent switches in and out (each its own statement).
BEGIN;
SELECT pg_temp.ms($q$DO $d$ BEGIN FOR i IN 1..1000 LOOP
        PERFORM maintmode.set_agent_maintenance(i, true);
        PERFORM maintmode.set_agent_maintenance(i, false); END LOOP; END $d$$q$) AS ours \gset
ROLLBACK;
BEGIN;
ALTER TABLE maintmode.agent DISABLE TRIGGER agent_maintenance_alerts;
SELECT pg_temp.ms($q$DO $d$ BEGIN FOR i IN 1..1000 LOOP
        PERFORM maintmode.set_agent_maintenance(i, true);
        PERFORM maintmode.set_agent_maintenance(i, false); END LOOP; END $d$$q$) AS base \gset
ROLLBACK;
INSERT INTO result VALUES ('2000 one-agent switches', :ours, 'without the alert trigger', :base);

-- 5. The sweep, a quarter of the agents overdue: raising them, then finding nothing new.
BEGIN;
SELECT pg_temp.ms($$SELECT maintmode.sweep_overdue()$$) AS ours,
       pg_temp.ms($$SELECT maintmode.sweep_overdue()$$) AS base \gset
ROLLBACK;
INSERT INTO result VALUES ('sweep raising every overdue agent', :ours, 'next sweep, nothing new', :base);

\pset footer off
SELECT what, ours AS ours_ms, baseline, base AS baseline_ms,
       round(base / nullif(ours, 0), 2) AS "baseline/ours"
  FROM result;
SELECT count(*) AS agents FROM maintmode.agent;
SQL
cluster_stop
