-- Server maintenance: every agent in maintenance at once, the hand flags saved before and
-- restored after.  Its state, server_maint_mode(), server_maint_status(), and the trigger
-- that starts new agents in server maintenance.

-- Server maintenance: at most one row, created by the first server_maint_mode() call
-- (an install-time row would collide with the dumped one on restore).
CREATE TABLE maintmode.server_mode (
    singleton      boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    in_maintenance boolean NOT NULL DEFAULT false,
    since          timestamptz,
    enabled_by     text,
    states_saved_at timestamptz,
    CHECK (in_maintenance = (since IS NOT NULL)),
    CHECK (states_saved_at IS NULL OR in_maintenance)
);
COMMENT ON TABLE maintmode.server_mode IS
    'Server maintenance: at most one row, created by the first server_maint_mode() call. '
    'Written by server_maint_mode(); server_maint_status() reads it.';

-- Each agent's hand flag as it was before server_maint_mode('enable'); the column is
-- named maintenance_mode, but holds hand_maintenance: a window never enters the saved
-- states, and 'disable' restores hand flags only, with their reason, who, since and until.
-- No foreign key: a million-row snapshot must not fire a million RI checks.  Instead an
-- agent deleted takes its saved state along (saved_states_follow_delete, below), so the
-- saved states are those of existing agents, and 'disable' counts what it restores as it
-- removes them.
CREATE TABLE maintmode.saved_state (
    agent_id         bigint PRIMARY KEY,
    maintenance_mode boolean NOT NULL,
    hand_reason      text,
    hand_set_by      text,
    hand_since       timestamptz,
    hand_until       timestamptz
);
COMMENT ON TABLE maintmode.saved_state IS
    'Each agent''s hand flag (column maintenance_mode), and why, by whom, since and until '
    'when it was set, as they were before server_maint_mode(''enable''); ''disable'' '
    'restores and removes them. Written by server_maint_mode().';

SELECT pg_catalog.pg_extension_config_dump('maintmode.server_mode', '');
SELECT pg_catalog.pg_extension_config_dump('maintmode.saved_state', '');

-- Row-level security (15_scopes.sql) on the saved states; server_mode is the server's.
ALTER TABLE maintmode.saved_state ENABLE ROW LEVEL SECURITY;
CREATE POLICY within_scopes ON maintmode.saved_state
    USING (maintmode.in_scope(agent_id, (SELECT maintmode.caller_sees('agent'))));
COMMENT ON POLICY within_scopes ON maintmode.saved_state IS
    'A scoped role reads the saved states of the agents it sees.';

CREATE FUNCTION maintmode.server_maint_mode(option text,
    OUT action text, OUT agents_changed bigint, OUT states_saved bigint,
    OUT states_restored bigint, OUT server_in_maintenance boolean)
RETURNS record
AS 'MODULE_PATHNAME', 'maintmode_server_maint_mode'
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION maintmode.server_maint_mode(text) IS
    'Server maintenance: option ''enable'' saves every agent''s hand flag and puts every '
    'agent in, ''disable'' restores the saved flags; ''force-enable'' and '
    '''force-disable'' put every agent in or out without saving or restoring '
    '(''force-disable'' also ends the server-wide windows in force). Returns the action, '
    'agents_changed, states_saved, states_restored and whether the server is in '
    'maintenance. Runs as the extension''s owner; revoked from PUBLIC: superusers and '
    'roles granted EXECUTE may call it.';

-- The server is in maintenance also while a server-wide window is in force: since and by
-- whom are then the window's.  reminder_due: server_maint_mode's maintenance (a window
-- ends on its own) has lasted longer than maintmode.remind_after, on the window clock.
CREATE FUNCTION maintmode.server_maint_status(
    OUT in_maintenance boolean, OUT since timestamptz, OUT enabled_by text,
    OUT saved_states bigint, OUT agents bigint, OUT agents_in_maintenance bigint,
    OUT reminder_due boolean)
RETURNS record
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT coalesce(m.in_maintenance, false) OR w.starts IS NOT NULL,
           coalesce(m.since, w.starts), coalesce(m.enabled_by, w.created_by),
           (SELECT count(*) FROM maintmode.saved_state),
           a.agents, a.in_maintenance,
           coalesce(m.since < maintmode.window_clock() - maintmode.remind_after(), false)
      FROM (SELECT count(*) AS agents,
                   count(*) FILTER (WHERE maintenance_mode) AS in_maintenance
              FROM maintmode.agent) a
      LEFT JOIN maintmode.server_mode m ON m.in_maintenance
      LEFT JOIN LATERAL (
            SELECT o.starts, w.created_by
              FROM maintmode.maintenance_window w,
                   maintmode.window_occurrence(w, maintmode.window_clock()) o
             WHERE pg_catalog.num_nonnulls(w.agent_id, w.site_id, w.client_id) = 0
             ORDER BY o.starts
             LIMIT 1) w ON true;
END;
COMMENT ON FUNCTION maintmode.server_maint_status() IS
    'Whether the server is in maintenance (by server_maint_mode or a server-wide window '
    'in force), since when and enabled by whom, the saved states, the agents and the '
    'agents in maintenance, and whether server_maint_mode''s maintenance has lasted '
    'longer than maintmode.remind_after (reminder_due). Runs as the caller, who needs '
    'SELECT on server_mode, saved_state, agent and maintenance_window; executable by '
    'PUBLIC (given USAGE on the schema).';

-- Agents created while the server is in maintenance start in it.  The C function keeps
-- the name it had when this was agent_insert_trigger() (until 1.2): the library serves
-- the older schemas too, until ALTER EXTENSION UPDATE.
CREATE FUNCTION maintmode.new_agent_server_maintenance_trigger()
RETURNS trigger
AS 'MODULE_PATHNAME', 'maintmode_agent_insert_trigger'
LANGUAGE C SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

CREATE TRIGGER agent_starts_in_server_maintenance
    AFTER INSERT ON maintmode.agent
    REFERENCING NEW TABLE AS new_agents
    FOR EACH STATEMENT EXECUTE FUNCTION maintmode.new_agent_server_maintenance_trigger();
COMMENT ON FUNCTION maintmode.new_agent_server_maintenance_trigger() IS
    'Trigger function of agent_starts_in_server_maintenance (AFTER INSERT on agent): '
    'agents created while the server is in maintenance start in it. Internal; revoked '
    'from PUBLIC.';

-- Deleted agents take their saved states along (a TRUNCATE, all of them).  As the owner:
-- whoever may delete agents need not be granted anything on saved_state.
CREATE FUNCTION maintmode.drop_saved_states_trigger()
RETURNS trigger
AS 'MODULE_PATHNAME', 'maintmode_drop_saved_states_trigger'
LANGUAGE C SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

CREATE TRIGGER saved_states_follow_delete
    AFTER DELETE ON maintmode.agent
    REFERENCING OLD TABLE AS old_agents
    FOR EACH STATEMENT EXECUTE FUNCTION maintmode.drop_saved_states_trigger();
CREATE TRIGGER saved_states_follow_truncate
    AFTER TRUNCATE ON maintmode.agent
    FOR EACH STATEMENT EXECUTE FUNCTION maintmode.drop_saved_states_trigger();
COMMENT ON FUNCTION maintmode.drop_saved_states_trigger() IS
    'Trigger function of saved_states_follow_delete and saved_states_follow_truncate '
    '(AFTER DELETE and AFTER TRUNCATE on agent): removes the saved states of the agents '
    'deleted. Internal; revoked from PUBLIC.';

REVOKE ALL ON FUNCTION maintmode.server_maint_mode(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION maintmode.new_agent_server_maintenance_trigger() FROM PUBLIC;
REVOKE ALL ON FUNCTION maintmode.drop_saved_states_trigger() FROM PUBLIC;
