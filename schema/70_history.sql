-- The maintenance history (src/history.c).

-- The maintenance history: one row per agent whose effective maintenance changed, by any
-- path (src/history.c).  Append-only; no foreign key, so that it outlives the agents.
CREATE TABLE maintmode.maintenance_history (
    -- No primary key index: the identity numbers the rows, and a million-row switch
    -- must not maintain more indexes than the lookups need (the agent index below).
    id             bigint GENERATED ALWAYS AS IDENTITY,
    changed_at     timestamptz NOT NULL,
    agent_id       bigint NOT NULL,
    in_maintenance boolean NOT NULL,
    path           text NOT NULL
                   CHECK (path IN ('agent', 'site', 'client', 'server', 'window', 'expiry', 'sql')),
    window_id      bigint,
    reason         text,
    session_role   text NOT NULL,
    acting_role    text NOT NULL,
    actor          text,
    CHECK (window_id IS NULL OR path = 'window')
);
-- "Who put agent 42 in maintenance, when and why, over the last year": an agent has few
-- rows.  On agent_id alone the index deduplicates an agent's entries into one posting
-- list, which a million-row switch adds to in place more often than it splits pages.
CREATE INDEX maintenance_history_agent_idx
    ON maintmode.maintenance_history (agent_id);
-- purge_history() and reads by time: rows arrive in time order, so a BRIN index stays
-- small and costs a million-row switch next to nothing.
CREATE INDEX maintenance_history_changed_at_idx
    ON maintmode.maintenance_history USING brin (changed_at);
SELECT pg_catalog.pg_extension_config_dump('maintmode.maintenance_history', '');
SELECT pg_catalog.pg_extension_config_dump(
    pg_catalog.pg_get_serial_sequence('maintmode.maintenance_history', 'id'), '');

-- Row-level security (15_scopes.sql): the history of agents deleted since is for
-- unscoped roles.
ALTER TABLE maintmode.maintenance_history ENABLE ROW LEVEL SECURITY;
CREATE POLICY within_scopes ON maintmode.maintenance_history
    USING (maintmode.in_scope(agent_id, (SELECT maintmode.caller_sees('agent'))));
COMMENT ON POLICY within_scopes ON maintmode.maintenance_history IS
    'A scoped role reads the history of the agents it sees.';

-- The rows are written by agent_changes (80_agent_changes.sql), for the UPDATEs that
-- change an agent's maintenance_mode.  An INSERT of an agent is not a change (a restore
-- inserts every agent); new agents that server maintenance or a window takes in are, by
-- the UPDATE that does it.

CREATE FUNCTION maintmode.history_append_only()
RETURNS trigger
AS 'MODULE_PATHNAME', 'maintmode_history_append_only'
LANGUAGE C;

CREATE TRIGGER history_is_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON maintmode.maintenance_history
    FOR EACH STATEMENT EXECUTE FUNCTION maintmode.history_append_only();

-- Not SECURITY DEFINER: it checks that its caller is a superuser, and deletes as it.
CREATE FUNCTION maintmode.purge_history(before timestamptz)
RETURNS bigint
AS 'MODULE_PATHNAME', 'maintmode_purge_history'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;

REVOKE ALL ON FUNCTION maintmode.history_append_only() FROM PUBLIC;
REVOKE ALL ON FUNCTION maintmode.purge_history(timestamptz) FROM PUBLIC;

COMMENT ON TABLE maintmode.maintenance_history IS
    'One row per agent whose effective maintenance changed, by any path: when, on or off, '
    'how (path), the window, the reason, the database roles and the application''s user '
    '(maintmode.actor). Append-only; old rows go with purge_history().';
COMMENT ON COLUMN maintmode.maintenance_history.path IS
    'agent, site or client: a switch; server: server_maint_mode or a new agent in server '
    'maintenance; window: a window starting or ending; expiry: a hand-set until running '
    'out; sql: a plain UPDATE (an ORM).';
COMMENT ON COLUMN maintmode.maintenance_history.reason IS
    'The window''s reason; for a plain UPDATE maintmode.reason when set; else '
    'the hand reason of the maintenance that started or ended.';
COMMENT ON COLUMN maintmode.maintenance_history.session_role IS
    'session_user of the change.';
COMMENT ON COLUMN maintmode.maintenance_history.acting_role IS
    'The role that made the change (current_user after SET ROLE, not the functions'' owner).';
COMMENT ON COLUMN maintmode.maintenance_history.actor IS
    'maintmode.actor at the time: the application''s own user, as the application says.';
COMMENT ON FUNCTION maintmode.history_append_only() IS
    'Trigger function of history_is_append_only: refuses UPDATE, DELETE and TRUNCATE of '
    'the history (42501), but for purge_history(). Internal; revoked from PUBLIC.';
COMMENT ON FUNCTION maintmode.purge_history(timestamptz) IS
    'Deletes the history rows older than before and records how many in the event log. '
    'Superusers only.';
