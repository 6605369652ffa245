-- Check results written inside the statement that moves, switches or deletes their
-- agent (a writable WITH, or a trigger of the application's on agent): refused with
-- 0A000, nothing changed, where the counters would count the checks before the agent's
-- own change; counted right where they can follow.
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

DROP VIEW checks, fleet, state_digest;
DROP EXTENSION maintmode;
