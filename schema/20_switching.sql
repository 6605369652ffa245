-- Switching maintenance by hand: the trigger that derives agent.maintenance_mode from the
-- hand and window flags, the event log, and the agent, site and client switches.

-- On every row inserted, and every row of an UPDATE that names a maintenance column or
-- site_id (a heartbeat names neither and does not fire it), without running SQL: a
-- change of maintenance_mode that leaves hand_maintenance alone (an ORM's UPDATE, an
-- INSERT naming maintenance_mode) is a hand change; maintenance_mode becomes
-- hand_maintenance OR window_maintenance; since when and by whom are the extension's to
-- set (src/switches.c).  It also records the rows whose site or maintenance_mode it
-- leaves changed, or whose hand flag it leaves off, for agent_changes
-- (80_agent_changes.sql).
CREATE FUNCTION maintmode.agent_effective_maintenance_trigger()
RETURNS trigger
AS 'MODULE_PATHNAME', 'maintmode_agent_effective_maintenance_trigger'
LANGUAGE C;

CREATE TRIGGER agent_effective_maintenance
    BEFORE INSERT OR UPDATE OF site_id, maintenance_mode, hand_maintenance,
        window_maintenance, hand_since, hand_set_by, hand_reason, hand_until
    ON maintmode.agent
    FOR EACH ROW EXECUTE FUNCTION maintmode.agent_effective_maintenance_trigger();
COMMENT ON FUNCTION maintmode.agent_effective_maintenance_trigger() IS
    'Trigger function of agent_effective_maintenance (BEFORE INSERT OR UPDATE of the '
    'maintenance columns or site_id on agent): keeps maintenance_mode equal to '
    'hand_maintenance OR window_maintenance, sets hand_since and hand_set_by, and records '
    'the agents that change site or maintenance, or leave hand-set maintenance. '
    'Internal; revoked from PUBLIC.';

-- One row per call of a switch, of server_maint_mode and of the window calls (a sweep
-- only when it changed something): who, what, where, and how many agents changed.
CREATE TABLE maintmode.event_log (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    logged_at       timestamptz NOT NULL DEFAULT pg_catalog.now(),
    role_name       text NOT NULL,
    action          text NOT NULL,
    scope           text NOT NULL CHECK (scope IN ('agent', 'site', 'client', 'server')),
    target_id       bigint,
    agents_changed  bigint NOT NULL,
    states_saved    bigint NOT NULL DEFAULT 0,
    states_restored bigint NOT NULL DEFAULT 0,
    CHECK ((scope = 'server') = (target_id IS NULL))
);
CREATE INDEX event_log_logged_at_idx ON maintmode.event_log (logged_at);
COMMENT ON TABLE maintmode.event_log IS
    'One row per call of a switch, of server_maint_mode and of the window calls (a sweep '
    'only when it changed something): when, who, what, where, and how many agents '
    'changed. Written by the extension.';

SELECT pg_catalog.pg_extension_config_dump('maintmode.event_log', '');
SELECT pg_catalog.pg_extension_config_dump('maintmode.event_log_id_seq', '');

-- Row-level security (15_scopes.sql): a scoped role reads the events of the agents and
-- sites it sees, of the clients in its scopes (an event of a whole client counts agents
-- it may not see), and the server's.
ALTER TABLE maintmode.event_log ENABLE ROW LEVEL SECURITY;
CREATE POLICY within_scopes ON maintmode.event_log
    USING (CASE scope
               WHEN 'agent' THEN maintmode.in_scope(target_id, (SELECT maintmode.caller_sees('agent')))
               WHEN 'site' THEN maintmode.in_scope(target_id, (SELECT maintmode.caller_sees('site')))
               WHEN 'client' THEN maintmode.in_scope(target_id, (SELECT maintmode.caller_scopes('client')))
               ELSE true
           END);
COMMENT ON POLICY within_scopes ON maintmode.event_log IS
    'A scoped role reads the events of the agents and sites it sees, of the clients in its '
    'scopes, and those of the server.';

-- The switches.  SECURITY DEFINER so that a role granted EXECUTE needs no table
-- privileges; search_path pinned, and every statement they run is schema-qualified.
CREATE FUNCTION maintmode.set_agent_maintenance(agent bigint, enabled boolean,
                                                until timestamptz DEFAULT NULL,
                                                reason text DEFAULT NULL)
RETURNS bigint
AS 'MODULE_PATHNAME', 'maintmode_set_agent_maintenance'
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION maintmode.set_agent_maintenance(bigint, boolean, timestamptz, text) IS
    'Puts agent agent in maintenance by hand (enabled true; until: when it expires, '
    'reason: why) or takes it out (false); returns how many agents changed. Runs as the '
    'extension''s owner; revoked from PUBLIC: superusers and roles granted EXECUTE may '
    'call it.';

CREATE FUNCTION maintmode.set_site_maintenance(site bigint, enabled boolean,
                                               until timestamptz DEFAULT NULL,
                                               reason text DEFAULT NULL)
RETURNS bigint
AS 'MODULE_PATHNAME', 'maintmode_set_site_maintenance'
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION maintmode.set_site_maintenance(bigint, boolean, timestamptz, text) IS
    'Puts every agent of site site in maintenance by hand (enabled true; until: when it '
    'expires, reason: why) or takes them out (false); returns how many agents changed. '
    'Runs as the extension''s owner; revoked from PUBLIC: superusers and roles granted '
    'EXECUTE may call it.';

CREATE FUNCTION maintmode.set_client_maintenance(client bigint, enabled boolean,
                                                 until timestamptz DEFAULT NULL,
                                                 reason text DEFAULT NULL)
RETURNS bigint
AS 'MODULE_PATHNAME', 'maintmode_set_client_maintenance'
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION maintmode.set_client_maintenance(bigint, boolean, timestamptz, text) IS
    'Puts every agent of client client in maintenance by hand (enabled true; until: when '
    'it expires, reason: why) or takes them out (false); returns how many agents changed. '
    'Runs as the extension''s owner; revoked from PUBLIC: superusers and roles granted '
    'EXECUTE may call it.';

-- maintmode.remind_after as an interval: a setting is read with SHOW, but SQL that
-- compares with it (server_maint_status()) needs the value as the library parsed it.
CREATE FUNCTION maintmode.remind_after()
RETURNS interval
AS 'MODULE_PATHNAME', 'maintmode_remind_after'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION maintmode.remind_after() IS
    'maintmode.remind_after: how long hand-set maintenance lasts before a reminder; '
    'null when reminders are off (0). Reads the setting only; executable by PUBLIC '
    '(given USAGE on the schema).';

REVOKE ALL ON FUNCTION maintmode.agent_effective_maintenance_trigger() FROM PUBLIC;
REVOKE ALL ON FUNCTION maintmode.set_agent_maintenance(bigint, boolean, timestamptz, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION maintmode.set_site_maintenance(bigint, boolean, timestamptz, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION maintmode.set_client_maintenance(bigint, boolean, timestamptz, text) FROM PUBLIC;
