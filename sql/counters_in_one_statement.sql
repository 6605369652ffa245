-- Check results written inside the statement that inserts, moves, switches or deletes
-- their agent (a writable WITH, or a trigger of the application's on agent): refused
-- with 0A000, nothing changed, where the counters would count the checks before the
-- agent's own change; counted right where they can follow.
CREATE EXTENSION maintmode;
\i test/fixtures/fleet.sql
INSERT INTO maintmode.check_result (agent_id, name, status, alert_severity)
    VALUES (1, 'disk', 'failing', 'error'), (6, 'disk', 'passing', 'error');
CREATE TEMP VIEW checks AS
    SELECT string_agg(a.hostname || '@' || a.site_id || ':' || c.status, ' ' ORDER BY c.id) AS checks
      FROM maintmode.check_result c JOIN maintmode.agent a ON a.id = c.agent_id;

-- An application's trigger that resets an agent's checks when it moves.
CREATE FUNCTION pg_temp.reset_checks_on_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE maintmode.check_result SET status = 'pending' WHERE agent_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER reset_checks_on_move AFTER UPDATE OF site_id ON maintmode.agent
    FOR EACH ROW WHEN (OLD.site_id IS DISTINCT FROM NEW.site_id)
    EXECUTE FUNCTION pg_temp.reset_checks_on_move();
\set VERBOSITY default
\set SHOW_CONTEXT never
UPDATE maintmode.agent SET site_id = 3 WHERE id = 1; \echo SQLSTATE :SQLSTATE
\set VERBOSITY terse
DROP TRIGGER reset_checks_on_move ON maintmode.agent;
-- A move, or a switch, and the agent's checks in one statement.
WITH moved AS (UPDATE maintmode.agent SET site_id = 3 WHERE id = 1 RETURNING id)
UPDATE maintmode.check_result SET status = 'passing' WHERE agent_id = 1; \echo SQLSTATE :SQLSTATE
WITH switched AS (UPDATE maintmode.agent SET maintenance_mode = true WHERE id = 6 RETURNING id)
UPDATE maintmode.check_result SET status = 'failing' WHERE agent_id = 6; \echo SQLSTATE :SQLSTATE
SELECT * FROM checks;
SELECT count(*) AS counters_off FROM maintmode.verify_counters();

-- The same in statements of their own.
UPDATE maintmode.agent SET site_id = 3 WHERE id = 1;
UPDATE maintmode.check_result SET status = 'passing' WHERE agent_id = 1;
-- The checks of another agent than the one the statement moves.
WITH moved AS (UPDATE maintmode.agent SET site_id = 2 WHERE id = 1 RETURNING id)
UPDATE maintmode.check_result SET status = 'failing' WHERE agent_id = 6;
-- An agent deleted in the statement that changes its checks.
WITH gone AS (DELETE FROM maintmode.agent WHERE id = 6 RETURNING id)
UPDATE maintmode.check_result SET status = 'passing' WHERE agent_id = 6;
SELECT * FROM checks;
SELECT count(*) AS counters_off FROM maintmode.verify_counters();

-- Checks of an agent written inside the statement that inserts it, before that
-- statement has made the agent's counter row: refused when they fail, counted right
-- when they are pending or written after.
CREATE FUNCTION pg_temp.first_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO maintmode.check_result (agent_id, name, status, alert_severity)
        VALUES (NEW.id, 'first', TG_ARGV[0], 'error');
    RETURN NULL;
END $$;
CREATE TRIGGER first_check AFTER INSERT ON maintmode.agent
    FOR EACH ROW EXECUTE FUNCTION pg_temp.first_check('failing');
\set VERBOSITY default
\set SHOW_CONTEXT never
INSERT INTO maintmode.agent (site_id, hostname) VALUES (1, 'new-1'); \echo SQLSTATE :SQLSTATE
\set VERBOSITY terse
DROP TRIGGER first_check ON maintmode.agent;
CREATE TRIGGER first_check AFTER INSERT ON maintmode.agent
    FOR EACH ROW EXECUTE FUNCTION pg_temp.first_check('pending');
INSERT INTO maintmode.agent (site_id, hostname) VALUES (1, 'new-1');
DROP TRIGGER first_check ON maintmode.agent;
-- A statement trigger of the application's that fires before the extension's (names
-- in order), for several new agents: refused; one that fires after it: counted.
CREATE FUNCTION pg_temp.first_checks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO maintmode.check_result (agent_id, name, status, alert_severity)
        SELECT id, 'first', 'failing', 'warning' FROM new_agents;
    RETURN NULL;
END $$;
CREATE TRIGGER a_first_checks AFTER INSERT ON maintmode.agent
    REFERENCING NEW TABLE AS new_agents
    FOR EACH STATEMENT EXECUTE FUNCTION pg_temp.first_checks();
INSERT INTO maintmode.agent (site_id, hostname)
    VALUES (2, 'new-2'), (2, 'new-3'); \echo SQLSTATE :SQLSTATE
DROP TRIGGER a_first_checks ON maintmode.agent;
CREATE TRIGGER z_first_checks AFTER INSERT ON maintmode.agent
    REFERENCING NEW TABLE AS new_agents
    FOR EACH STATEMENT EXECUTE FUNCTION pg_temp.first_checks();
INSERT INTO maintmode.agent (site_id, hostname) VALUES (2, 'new-2'), (2, 'new-3');
DROP TRIGGER z_first_checks ON maintmode.agent;
-- A writable WITH that inserts an agent and its failing check.
WITH added AS (INSERT INTO maintmode.agent (site_id, hostname) VALUES (3, 'new-4')
               RETURNING id)
INSERT INTO maintmode.check_result (agent_id, name, status, alert_severity)
    SELECT id, 'first', 'failing', 'error' FROM added; \echo SQLSTATE :SQLSTATE
-- The same agent and check in statements of their own, in one transaction.
BEGIN;
INSERT INTO maintmode.agent (site_id, hostname) VALUES (3, 'new-5');
INSERT INTO maintmode.check_result (agent_id, name, status, alert_severity)
    SELECT id, 'first', 'failing', 'error' FROM maintmode.agent WHERE hostname = 'new-5';
COMMIT;
SELECT * FROM checks;
SELECT count(*) AS counters_off FROM maintmode.verify_counters();
SELECT site_id, agents, agents_error, agents_warning FROM maintmode.site_counter
 WHERE site_id IN (1, 2, 3) ORDER BY site_id;

-- An agent written around the triggers (a restore without them: no counter row) is
-- not taken for a new one when a row was proposed by ON CONFLICT in the same
-- transaction: its failing check is accepted, and, like anything written around the
-- triggers, counted by rebuild_counters().
SET session_replication_role = replica;
INSERT INTO maintmode.agent (site_id, hostname) VALUES (2, 'restored');
RESET session_replication_role;
BEGIN;
INSERT INTO maintmode.agent (id, site_id, hostname) OVERRIDING SYSTEM VALUE
    VALUES (1, 1, 'hq1') ON CONFLICT DO NOTHING;
UPDATE maintmode.agent SET last_seen = now() WHERE hostname = 'restored';
INSERT INTO maintmode.check_result (agent_id, name, status, alert_severity)
    SELECT id, 'first', 'failing', 'error' FROM maintmode.agent WHERE hostname = 'restored';
COMMIT;
SELECT count(*) > 0 AS counters_off FROM maintmode.verify_counters();
SELECT count(*) > 0 AS rebuilt FROM maintmode.rebuild_counters();
-- A savepoint rolled back after a refusal forgets the agent it inserted.
BEGIN;
CREATE TRIGGER first_check AFTER INSERT ON maintmode.agent
    FOR EACH ROW EXECUTE FUNCTION pg_temp.first_check('failing');
SAVEPOINT s;
INSERT INTO maintmode.agent (site_id, hostname) VALUES (1, 'new-6'); \echo SQLSTATE :SQLSTATE
ROLLBACK TO SAVEPOINT s;
DROP TRIGGER first_check ON maintmode.agent;
INSERT INTO maintmode.agent (site_id, hostname) VALUES (1, 'new-6');
INSERT INTO maintmode.check_result (agent_id, name, status, alert_severity)
    SELECT id, 'first', 'failing', 'error' FROM maintmode.agent WHERE hostname = 'new-6';
COMMIT;
-- Rows that COPY writes frozen (into a table truncated in the same transaction) are
-- refused the same way.
BEGIN;
TRUNCATE maintmode.agent CASCADE;
CREATE TRIGGER first_check AFTER INSERT ON maintmode.agent
    FOR EACH ROW EXECUTE FUNCTION pg_temp.first_check('failing');
COPY maintmode.agent (site_id, hostname) FROM STDIN WITH (FREEZE);
1	frozen-1
\.
ROLLBACK;
SELECT * FROM checks;
SELECT count(*) AS counters_off FROM maintmode.verify_counters();

DROP VIEW checks, fleet, state_digest;
DROP EXTENSION maintmode;
