-- The maintenance history: one row per agent whose effective maintenance changed, by
-- every path, with the window, the reason, the roles and the application's user; none
-- where nothing changed; append-only; purge_history() for superusers.
CREATE EXTENSION maintmode;
SET maintmode.test_now = '2026-06-01 10:00 UTC';
\i test/fixtures/fleet.sql
SET client_min_messages = warning;
CREATE ROLE regress_history_app;
GRANT USAGE ON SCHEMA maintmode TO regress_history_app;
GRANT SELECT, UPDATE, DELETE ON maintmode.agent, maintmode.maintenance_history TO regress_history_app;
GRANT EXECUTE ON FUNCTION maintmode.set_agent_maintenance(bigint, boolean, timestamptz, text)
    TO regress_history_app;
CREATE TEMP VIEW history AS
    SELECT h.changed_at, a.hostname, h.in_maintenance AS "on", h.path, h.window_id IS NOT NULL AS by_window,
           h.reason, h.session_role = session_user AS session_ok, h.acting_role, h.actor
      FROM maintmode.maintenance_history h LEFT JOIN maintmode.agent a ON a.id = h.agent_id
     ORDER BY h.id;
GRANT SELECT ON history TO regress_history_app;

-- The fixture inserted hq2 and br1 in maintenance: an INSERT is no change (a restore
-- inserts every agent).
SELECT count(*) AS rows FROM maintmode.maintenance_history;

-- The switches: agent, site, client, with their reason; a switch that changes nothing
-- records nothing.
SELECT maintmode.set_agent_maintenance(1, true, reason => 'disk swap');
SELECT maintmode.set_agent_maintenance(1, true, reason => 'disk swap');
SELECT maintmode.set_site_maintenance(2, false);
SELECT maintmode.set_client_maintenance(2, true, reason => 'dc move');
-- Server maintenance: enable and disable, each agent once.
SELECT action, agents_changed FROM maintmode.server_maint_mode('enable');
SELECT action, agents_changed FROM maintmode.server_maint_mode('disable');
SELECT * FROM history;

-- A window starting and ending names itself and gives its reason; an agent already in
-- maintenance by hand gets no row for it.
SELECT maintmode.create_window('site', 1, '2026-06-01 11:00 UTC', '2026-06-01 12:00 UTC',
                               reason => 'rack power') AS w \gset
SET maintmode.test_now = '2026-06-01 11:00 UTC';
SELECT * FROM maintmode.sweep_windows();
-- A hand switch under the window changes nothing effective: no row.
SELECT maintmode.set_agent_maintenance(2, true);
SET maintmode.test_now = '2026-06-01 12:00 UTC';
SELECT * FROM maintmode.sweep_windows();
-- A hand-set expiry running out.
SELECT maintmode.set_agent_maintenance(7, true, until => '2026-06-01 12:30 UTC', reason => 'patch');
SET maintmode.test_now = '2026-06-01 12:30 UTC';
SELECT * FROM maintmode.sweep_windows();
SELECT changed_at, hostname, "on", path, by_window, reason FROM history
 WHERE changed_at >= '2026-06-01 11:00 UTC';
SELECT count(*) = count(window_id) AS window_rows_name_it, min(window_id) = :w AS the_window
  FROM maintmode.maintenance_history WHERE path = 'window';

-- An application's plain UPDATE, with its user and reason set for the transaction, as a
-- role of its own after SET ROLE: path sql.
SET ROLE regress_history_app;
BEGIN;
SET LOCAL maintmode.actor = 'ops@example.com';
SET LOCAL maintmode.reason = 'ticket 4711';
UPDATE maintmode.agent SET maintenance_mode = true WHERE hostname = 'br2';
COMMIT;
UPDATE maintmode.agent SET maintenance_mode = false WHERE hostname = 'br2';
-- A heartbeat changes nothing: no row.
UPDATE maintmode.agent SET last_seen = now() WHERE hostname = 'br2';
SELECT hostname, "on", path, reason, session_ok, acting_role, actor FROM history
 WHERE hostname = 'br2';
-- Append-only, for the application...
UPDATE maintmode.maintenance_history SET actor = 'someone else'; \echo SQLSTATE :SQLSTATE
DELETE FROM maintmode.maintenance_history; \echo SQLSTATE :SQLSTATE
SELECT maintmode.purge_history('2030-01-01'); \echo SQLSTATE :SQLSTATE
RESET ROLE;
-- Granted EXECUTE, a role that is not a superuser still may not purge.
GRANT EXECUTE ON FUNCTION maintmode.purge_history(timestamptz) TO regress_history_app;
SET ROLE regress_history_app;
SELECT maintmode.purge_history('2030-01-01'); \echo SQLSTATE :SQLSTATE
RESET ROLE;
REVOKE EXECUTE ON FUNCTION maintmode.purge_history(timestamptz) FROM regress_history_app;
-- ... and for a superuser.
UPDATE maintmode.maintenance_history SET actor = 'someone else'; \echo SQLSTATE :SQLSTATE
DELETE FROM maintmode.maintenance_history; \echo SQLSTATE :SQLSTATE
TRUNCATE maintmode.maintenance_history; \echo SQLSTATE :SQLSTATE

-- "Who put agent 1 in maintenance, when and why, over the last year" reads the index.
SET enable_seqscan = off;
EXPLAIN (COSTS OFF)
SELECT changed_at, acting_role, actor, reason FROM maintmode.maintenance_history
 WHERE agent_id = 1 AND in_maintenance AND changed_at > now() - interval '1 year';
RESET enable_seqscan;

-- purge_history(): superusers only; it removes what is older and says so in the event log.
SELECT count(*) AS rows_before FROM maintmode.maintenance_history;
SELECT maintmode.purge_history('2026-06-01 11:30 UTC');
SELECT count(*) AS rows_after, min(changed_at) FROM maintmode.maintenance_history;
SELECT action, scope, agents_changed FROM maintmode.event_log ORDER BY id DESC LIMIT 1;
SELECT maintmode.purge_history(NULL); \echo SQLSTATE :SQLSTATE

-- A trigger of the application's on agent that catches an error of its own (an
-- exception block: a subtransaction that aborts) inside a switch: the switch's rows
-- still name its path, not 'sql'.
CREATE FUNCTION pg_temp.audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    BEGIN
        PERFORM 1 / 0;
    EXCEPTION WHEN division_by_zero THEN
        NULL;
    END;
    RETURN NEW;
END $$;
CREATE TRIGGER zz_audit BEFORE UPDATE ON maintmode.agent
    FOR EACH ROW EXECUTE FUNCTION pg_temp.audit();
SELECT maintmode.set_agent_maintenance(3, true, reason => 'audited');
SELECT hostname, "on", path, reason FROM history WHERE reason = 'audited';
DROP TRIGGER zz_audit ON maintmode.agent;
SELECT maintmode.set_agent_maintenance(3, false);

-- A switch run inside another's statement (by a trigger of the application's on agent
-- that switches one more agent): each switch's rows name its own path, also after an
-- inner switch that failed and whose error the trigger caught.
CREATE FUNCTION pg_temp.follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.hostname = 'dc2' AND NEW.maintenance_mode <> OLD.maintenance_mode THEN
        BEGIN
            PERFORM maintmode.set_agent_maintenance(-1, true);
        EXCEPTION WHEN no_data_found THEN
            NULL;
        END;
        PERFORM maintmode.set_agent_maintenance(5, NEW.maintenance_mode);
        BEGIN
            PERFORM maintmode.set_agent_maintenance(-1, true);
        EXCEPTION WHEN no_data_found THEN
            NULL;
        END;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER zz_follow AFTER UPDATE ON maintmode.agent
    FOR EACH ROW EXECUTE FUNCTION pg_temp.follow();
SELECT max(id) AS before_nested FROM maintmode.maintenance_history \gset
SELECT maintmode.set_site_maintenance(3, true, reason => 'nested');
SELECT a.hostname, h.in_maintenance AS "on", h.path, h.reason
  FROM maintmode.maintenance_history h JOIN maintmode.agent a ON a.id = h.agent_id
 WHERE h.id > :before_nested ORDER BY h.id;
DROP TRIGGER zz_follow ON maintmode.agent;
SELECT maintmode.set_site_maintenance(3, false), maintmode.set_agent_maintenance(5, false);

-- Deleting an agent keeps its history.
DELETE FROM maintmode.agent WHERE hostname = 'dc2';
SELECT count(*) > 0 AS dc2_history_kept FROM maintmode.maintenance_history WHERE agent_id = 7;

RESET maintmode.test_now;
DROP VIEW history, fleet, state_digest;
REVOKE ALL ON SCHEMA maintmode FROM regress_history_app;
REVOKE ALL ON ALL TABLES IN SCHEMA maintmode FROM regress_history_app;
DROP EXTENSION maintmode;
DROP ROLE regress_history_app;
