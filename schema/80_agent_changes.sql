-- What an UPDATE of agents changed, applied once the statement is done (src/agent_changes.c):
-- the alerts of agents entering or leaving maintenance, the dashboard counters, and the
-- maintenance history.
--
-- Heartbeats (UPDATE ... SET last_seen) are the commonest write and change none of this:
-- the triggers name the columns that can move an agent or switch its maintenance, so a
-- heartbeat fires none of them.  They take no transition tables (which would be captured
-- for every row of every UPDATE, heartbeats included, and which a trigger naming columns
-- may not have): agent_changes_begin opens a set for the statement,
-- agent_effective_maintenance (20_switching.sql) records in it each row whose site or
-- maintenance_mode it leaves changed, or whose hand flag it leaves off (its reminders
-- end), and agent_changes applies it.  The two statement
-- triggers work as a pair: enable or disable them together.  A BEFORE row trigger of your
-- own on agent that runs after agent_effective_maintenance must not change site_id or the
-- maintenance columns.
-- Not SECURITY DEFINER: the history records the role that made the change; it becomes its
-- owner around the SQL it runs.
CREATE FUNCTION maintmode.agent_changes_trigger()
RETURNS trigger
AS 'MODULE_PATHNAME', 'maintmode_agent_changes_trigger'
LANGUAGE C;

CREATE TRIGGER agent_changes_begin
    BEFORE UPDATE OF site_id, maintenance_mode, hand_maintenance, window_maintenance,
        hand_since, hand_set_by, hand_reason, hand_until
    ON maintmode.agent
    FOR EACH STATEMENT EXECUTE FUNCTION maintmode.agent_changes_trigger();
CREATE TRIGGER agent_changes
    AFTER UPDATE OF site_id, maintenance_mode, hand_maintenance, window_maintenance,
        hand_since, hand_set_by, hand_reason, hand_until
    ON maintmode.agent
    FOR EACH STATEMENT EXECUTE FUNCTION maintmode.agent_changes_trigger();
COMMENT ON FUNCTION maintmode.agent_changes_trigger() IS
    'Trigger function of agent_changes_begin and agent_changes (BEFORE and AFTER UPDATE of '
    'the maintenance columns or site_id on agent): applies the changes of site and '
    'maintenance to the alerts (reminders included), the dashboard counters and the '
    'history. Internal; revoked from PUBLIC.';

REVOKE ALL ON FUNCTION maintmode.agent_changes_trigger() FROM PUBLIC;
