-- The extension's trigger functions fire on their own tables only, and the audit
-- columns of hand-set maintenance (since when, by whom) are the extension's to set.
CREATE EXTENSION maintmode;
\i test/fixtures/fleet.sql
SET client_min_messages = warning;
INSERT INTO maintmode.check_result (agent_id, name, status, alert_severity)
    VALUES (1, 'disk', 'failing', 'error');

-- 1. Each trigger function attached to a look-alike table (a temporary copy, and a table
--    of the same name in another schema) refuses to run; nothing is counted.
CREATE TEMP TABLE fake_check (LIKE maintmode.check_result);
CREATE TEMP TABLE fake_agent (LIKE maintmode.agent);
CREATE TEMP TABLE fake_alert (LIKE maintmode.alert INCLUDING DEFAULTS);
CREATE SCHEMA elsewhere;
CREATE TABLE elsewhere.agent (LIKE maintmode.agent);
CREATE TRIGGER t AFTER INSERT ON fake_check REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION maintmode.check_counter_trigger();
INSERT INTO fake_check SELECT * FROM maintmode.check_result; \echo SQLSTATE :SQLSTATE
DROP TRIGGER t ON fake_check;
CREATE TRIGGER t AFTER UPDATE ON fake_check REFERENCING OLD TABLE AS old_checks NEW TABLE AS new_checks
    FOR EACH STATEMENT EXECUTE FUNCTION maintmode.check_alert_trigger();
INSERT INTO fake_check SELECT * FROM maintmode.check_result;
UPDATE fake_check SET status = 'passing'; \echo SQLSTATE :SQLSTATE
CREATE TRIGGER t AFTER INSERT ON fake_agent REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION maintmode.agent_counter_trigger();
INSERT INTO fake_agent SELECT * FROM maintmode.agent; \echo SQLSTATE :SQLSTATE
DROP TRIGGER t ON fake_agent;
CREATE TRIGGER t AFTER INSERT ON fake_agent REFERENCING NEW TABLE AS new_agents
    FOR EACH STATEMENT EXECUTE FUNCTION maintmode.new_agent_server_maintenance_trigger();
INSERT INTO fake_agent SELECT * FROM maintmode.agent; \echo SQLSTATE :SQLSTATE
DROP TRIGGER t ON fake_agent;
CREATE TRIGGER t AFTER INSERT ON fake_agent REFERENCING NEW TABLE AS new_agents
    FOR EACH STATEMENT EXECUTE FUNCTION maintmode.agent_joins_windows_trigger();
INSERT INTO fake_agent SELECT * FROM maintmode.agent; \echo SQLSTATE :SQLSTATE
DROP TRIGGER t ON fake_agent;
CREATE TRIGGER t BEFORE UPDATE ON fake_agent
    FOR EACH STATEMENT EXECUTE FUNCTION maintmode.agent_changes_trigger();
INSERT INTO fake_agent SELECT * FROM maintmode.agent;
UPDATE fake_agent SET maintenance_mode = NOT maintenance_mode; \echo SQLSTATE :SQLSTATE
DROP TRIGGER t ON fake_agent;
CREATE TRIGGER t BEFORE UPDATE ON fake_agent
    FOR EACH ROW EXECUTE FUNCTION maintmode.agent_effective_maintenance_trigger();
UPDATE fake_agent SET maintenance_mode = NOT maintenance_mode; \echo SQLSTATE :SQLSTATE
CREATE TRIGGER t BEFORE UPDATE ON elsewhere.agent
    FOR EACH ROW EXECUTE FUNCTION maintmode.agent_effective_maintenance_trigger();
INSERT INTO elsewhere.agent SELECT * FROM maintmode.agent;
UPDATE elsewhere.agent SET maintenance_mode = NOT maintenance_mode; \echo SQLSTATE :SQLSTATE
CREATE TRIGGER t BEFORE INSERT ON fake_alert
    FOR EACH ROW EXECUTE FUNCTION maintmode.alert_suppress_trigger();
INSERT INTO fake_alert (id, agent_id, kind, severity, message)
    VALUES (1, 1, 'overdue', 'error', 'x'); \echo SQLSTATE :SQLSTATE
CREATE TRIGGER t2 AFTER INSERT ON elsewhere.agent REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION maintmode.site_counter_trigger();
INSERT INTO elsewhere.agent SELECT * FROM maintmode.agent; \echo SQLSTATE :SQLSTATE
DROP TRIGGER t ON fake_agent;
CREATE TRIGGER t AFTER UPDATE ON fake_agent
    FOR EACH STATEMENT EXECUTE FUNCTION maintmode.agent_changes_trigger();
UPDATE fake_agent SET maintenance_mode = NOT maintenance_mode; \echo SQLSTATE :SQLSTATE
DROP TRIGGER t ON fake_agent;
-- ... and on its own table only as the statement triggers it is written for.
CREATE TRIGGER t AFTER UPDATE ON maintmode.agent REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION maintmode.agent_changes_trigger();
UPDATE maintmode.agent SET last_seen = last_seen WHERE id = 1; \echo SQLSTATE :SQLSTATE
DROP TRIGGER t ON maintmode.agent;
CREATE TRIGGER t AFTER UPDATE ON maintmode.agent
    FOR EACH ROW EXECUTE FUNCTION maintmode.agent_changes_trigger();
UPDATE maintmode.agent SET last_seen = last_seen WHERE id = 1; \echo SQLSTATE :SQLSTATE
DROP TRIGGER t ON maintmode.agent;
CREATE TRIGGER t BEFORE UPDATE ON fake_agent
    FOR EACH STATEMENT EXECUTE FUNCTION maintmode.fleet_id_fixed_trigger();
UPDATE fake_agent SET hostname = hostname; \echo SQLSTATE :SQLSTATE
DROP TRIGGER t ON fake_agent;
CREATE TRIGGER t3 BEFORE UPDATE ON elsewhere.agent
    FOR EACH STATEMENT EXECUTE FUNCTION maintmode.fleet_id_fixed_trigger();
UPDATE elsewhere.agent SET hostname = hostname; \echo SQLSTATE :SQLSTATE
CREATE TRIGGER t BEFORE UPDATE ON maintmode.agent
    FOR EACH ROW EXECUTE FUNCTION maintmode.fleet_id_fixed_trigger();
UPDATE maintmode.agent SET last_seen = last_seen WHERE id = 1; \echo SQLSTATE :SQLSTATE
DROP TRIGGER t ON maintmode.agent;
CREATE TEMP TABLE fake_history (LIKE maintmode.maintenance_history);
CREATE TRIGGER t BEFORE DELETE ON fake_history
    FOR EACH STATEMENT EXECUTE FUNCTION maintmode.history_append_only();
DELETE FROM fake_history; \echo SQLSTATE :SQLSTATE
DROP TABLE fake_history;
SELECT count(*) AS history_rows FROM maintmode.maintenance_history;
SELECT count(*) AS counters_differ FROM maintmode.verify_counters();
SELECT failing_error FROM maintmode.agent_counter WHERE agent_id = 1;
DROP SCHEMA elsewhere CASCADE;
DROP TABLE fake_check, fake_agent, fake_alert;

-- 2. Since when and by whom: an application role that may UPDATE and INSERT agents cannot
--    write them.  Switching on sets them to the window clock and the role; while the flag
--    stays on they stay as they were; a superuser's values are kept (a restore).
SET maintmode.test_now = '2026-05-01 12:00 UTC';
CREATE ROLE regress_app;
GRANT USAGE ON SCHEMA maintmode TO regress_app;
GRANT SELECT, INSERT, UPDATE ON maintmode.agent TO regress_app;
CREATE TEMP VIEW audit AS
    SELECT hostname, maintenance_mode, hand_since, hand_set_by, hand_reason
      FROM maintmode.agent WHERE hostname IN ('hq1', 'hq2', 'new1', 'new2') ORDER BY id;
UPDATE maintmode.agent SET hand_since = '2026-04-01 08:00 UTC', hand_set_by = 'ops_lead'
 WHERE hostname = 'hq2';
SELECT * FROM audit;
GRANT SELECT ON audit TO regress_app;
SET ROLE regress_app;
UPDATE maintmode.agent SET hand_set_by = 'someone_else', hand_since = '2020-01-01 UTC'
 WHERE hostname = 'hq2';
UPDATE maintmode.agent SET maintenance_mode = true, hand_set_by = 'ops_lead',
       hand_since = '2020-01-01 UTC', hand_reason = 'forged?'
 WHERE hostname = 'hq1';
INSERT INTO maintmode.agent (site_id, hostname, maintenance_mode, hand_since, hand_set_by)
    VALUES (1, 'new1', true, '2020-01-01 UTC', 'ops_lead'),
           (1, 'new2', false, '2020-01-01 UTC', 'ops_lead');
SELECT * FROM audit;
RESET ROLE;
-- A superuser (a restore, a DBA's repair) sets them as given.
UPDATE maintmode.agent SET hand_set_by = 'restored_owner', hand_since = '2026-01-01 UTC'
 WHERE hostname = 'hq1';
SELECT * FROM audit;

RESET maintmode.test_now;
DROP VIEW audit, fleet, state_digest;
REVOKE ALL ON SCHEMA maintmode FROM regress_app;
DROP EXTENSION maintmode;
DROP ROLE regress_app;
