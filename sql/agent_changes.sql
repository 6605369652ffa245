-- Updates of agents: a heartbeat (or any UPDATE that names neither site_id nor a
-- maintenance column) fires none of the extension's triggers; the others collect what
-- they change and apply it once per statement (alerts, counters, history), also when
-- statements nest, when a savepoint rolls one back, and never silently when the pair of
-- statement triggers is broken.
CREATE EXTENSION maintmode;
\i test/fixtures/fleet.sql
SET client_min_messages = warning;
INSERT INTO maintmode.check_result (agent_id, name, status, alert_severity, email_alert)
    SELECT id, 'disk', 'failing', 'error', true FROM maintmode.agent;
CREATE TEMP VIEW state AS
    SELECT (SELECT string_agg(name || ':' || colour, ' ' ORDER BY site_id)
              FROM maintmode.site_dashboard) AS sites,
           (SELECT count(*) FROM maintmode.maintenance_history) AS history,
           (SELECT count(*) FROM maintmode.alert WHERE NOT suppressed) AS live_alerts,
           (SELECT count(*) FROM maintmode.verify_counters()) AS counters_differ;

-- 1. A heartbeat, and an upsert that only sets last_seen, fire no trigger of the
--    extension's on UPDATE (EXPLAIN ANALYZE lists every trigger that fired; the upsert's
--    INSERT triggers fire for the statement, whatever it does).
CREATE FUNCTION pg_temp.triggers_fired(statement text) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE line text;
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || statement LOOP
        IF line LIKE 'Trigger%' THEN
            RETURN NEXT line;
        END IF;
    END LOOP;
END $$;
SELECT pg_temp.triggers_fired('UPDATE maintmode.agent SET last_seen = now() WHERE id = 1');
SELECT pg_temp.triggers_fired(
    'UPDATE maintmode.agent SET last_seen = now(), offline_time = 5 WHERE site_id = 1');
SELECT pg_temp.triggers_fired(
    'INSERT INTO maintmode.agent (id, site_id, hostname) OVERRIDING SYSTEM VALUE'
    ' VALUES (2, 1, ''hq2'') ON CONFLICT (id) DO UPDATE SET last_seen = now()');
-- ... while an UPDATE of maintenance_mode fires the row trigger per row and the statement
--     triggers once each.
SELECT pg_temp.triggers_fired(
    'UPDATE maintmode.agent SET maintenance_mode = true WHERE site_id = 3');
SELECT * FROM state;

-- 2. Naming a maintenance column without changing anything applies nothing.
UPDATE maintmode.agent SET maintenance_mode = maintenance_mode, hand_reason = hand_reason;
SELECT * FROM state;

-- ... and an upsert or a MERGE that changes it counts, as a plain UPDATE does.
INSERT INTO maintmode.agent (id, site_id, hostname, maintenance_mode) OVERRIDING SYSTEM VALUE
    VALUES (1, 1, 'hq1', true)
    ON CONFLICT (id) DO UPDATE SET maintenance_mode = EXCLUDED.maintenance_mode;
MERGE INTO maintmode.agent a USING (VALUES (1, false)) AS v(id, m) ON a.id = v.id
    WHEN MATCHED THEN UPDATE SET maintenance_mode = v.m;
SELECT * FROM state;

-- 3. Statements that nest: a function that switches other agents, called for each row
--    of an UPDATE that moves agents to another site.  Each statement applies its own
--    changes: the moves, the switches (one history row each).
CREATE FUNCTION pg_temp.switch_branch() RETURNS bigint LANGUAGE sql AS $$
    UPDATE maintmode.agent SET maintenance_mode = NOT maintenance_mode WHERE site_id = 2
    RETURNING 1 $$;
UPDATE maintmode.agent SET site_id = 1, last_seen = now() + pg_temp.switch_branch() * interval '0'
 WHERE site_id = 3;
SELECT hostname, site_id, maintenance_mode FROM maintmode.agent ORDER BY id;
SELECT * FROM state;

-- 4. A savepoint rolled back takes its changes with it; the statement after it counts.
BEGIN;
SAVEPOINT s;
UPDATE maintmode.agent SET maintenance_mode = true;
ROLLBACK TO SAVEPOINT s;
UPDATE maintmode.agent SET maintenance_mode = false WHERE id = 1;
COMMIT;
SELECT * FROM state;
DO $$
BEGIN
    UPDATE maintmode.agent SET maintenance_mode = true WHERE id = 3;
    UPDATE maintmode.agent SET hostname = '' WHERE id = 3;	-- fails: hostname check
EXCEPTION WHEN check_violation THEN
    UPDATE maintmode.agent SET maintenance_mode = true WHERE id = 5;
END $$;
SELECT hostname, maintenance_mode FROM maintmode.agent WHERE id IN (3, 5) ORDER BY id;
SELECT * FROM state;

-- 5. The pair broken: changes that the statement trigger would not apply are refused,
--    not lost.  Without agent_changes, the commit fails (and nothing changed); without
--    agent_changes_begin, the statement fails.
ALTER TABLE maintmode.agent DISABLE TRIGGER agent_changes;
UPDATE maintmode.agent SET maintenance_mode = false WHERE id = 2; \echo SQLSTATE :SQLSTATE
ALTER TABLE maintmode.agent ENABLE TRIGGER agent_changes;
ALTER TABLE maintmode.agent DISABLE TRIGGER agent_changes_begin;
UPDATE maintmode.agent SET maintenance_mode = false WHERE id = 2; \echo SQLSTATE :SQLSTATE
ALTER TABLE maintmode.agent ENABLE TRIGGER agent_changes_begin;
-- Two UPDATEs of agents in one statement that name different columns.
WITH switched AS (UPDATE maintmode.agent SET maintenance_mode = false WHERE id = 2 RETURNING id)
UPDATE maintmode.agent SET last_seen = now() WHERE id = 7; \echo SQLSTATE :SQLSTATE
SELECT hostname, maintenance_mode FROM maintmode.agent WHERE id = 2;
-- All of them disabled, as a trigger-free baseline does: nothing is collected.
ALTER TABLE maintmode.agent DISABLE TRIGGER USER;
UPDATE maintmode.agent SET maintenance_mode = false, hand_maintenance = false,
       hand_since = NULL, hand_set_by = NULL, hand_reason = NULL WHERE id = 2;
ALTER TABLE maintmode.agent ENABLE TRIGGER USER;
SELECT * FROM state;
SELECT maintmode.rebuild_counters() IS NOT NULL AS rebuilt;
SELECT * FROM state;
DROP EXTENSION maintmode CASCADE;
