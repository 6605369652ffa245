-- maintmode 1.2 -> 1.3.
\echo Use "ALTER EXTENSION maintmode UPDATE TO '1.3'" to load this file. \quit

-- Functions that read fleet data run for no one unless granted.  The site and client
-- dashboards called overdue_alerting_agents(): the roles that may read them keep it (and
-- get what the views call instead, below).
REVOKE ALL ON FUNCTION maintmode.overdue_alerting_agents() FROM PUBLIC;
DO $$
DECLARE
    reader regrole;
BEGIN
    FOR reader IN
        SELECT DISTINCT a.grantee::pg_catalog.regrole
          FROM pg_catalog.pg_class c, pg_catalog.aclexplode(c.relacl) a
         WHERE c.oid IN ('maintmode.site_dashboard'::pg_catalog.regclass,
                         'maintmode.client_dashboard'::pg_catalog.regclass)
           AND a.privilege_type = 'SELECT' AND a.grantee <> 0 AND a.grantee <> c.relowner
    LOOP
        EXECUTE pg_catalog.format(
            'GRANT EXECUTE ON FUNCTION maintmode.overdue_alerting_agents() TO %s', reader);
    END LOOP;
END
$$;

-- overdue_alerting_agents() in C, with a plan kept across calls: an SQL function is
-- planned at every read of the site and client views.
CREATE OR REPLACE FUNCTION maintmode.overdue_alerting_agents(
    OUT agent_id bigint, OUT site_id bigint, OUT client_id bigint)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'maintmode_overdue_alerting_agents'
LANGUAGE C STABLE ROWS 10;

-- In C (src/dashboard.c): TRUNCATE cannot be in an SQL-standard body.
CREATE OR REPLACE FUNCTION maintmode.rebuild_counters(
    OUT agent_counters bigint, OUT site_counters bigint, OUT client_counters bigint)
RETURNS record
AS 'MODULE_PATHNAME', 'maintmode_rebuild_counters'
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

-- The trigger function that starts new agents in server maintenance is named for what it
-- does.  Its C function keeps its name: the library serves the older schemas too.
ALTER FUNCTION maintmode.agent_insert_trigger() RENAME TO new_agent_server_maintenance_trigger;

-- Comments on every table, view and function, and on the columns of the tables callers
-- map whose names do not say it all: the same as in schema/*.sql, so that \d+ and \df+
-- read the same on a fresh install and an updated one.

-- schema/10_fleet.sql
COMMENT ON TABLE maintmode.client IS
    'Clients of the RMM, each with its sites. Written by the application; deleting a '
    'client deletes its sites, their agents and checks, and the windows and alerts of all '
    'of them.';
COMMENT ON TABLE maintmode.site IS
    'Sites of a client, each with its agents; name unique within the client. Written by '
    'the application.';
COMMENT ON TABLE maintmode.agent IS
    'Agents, the machines the RMM monitors, each at a site. Written by the application; '
    'the switches, server maintenance and windows write its maintenance columns. '
    'maintenance_mode is the effective state every reader uses.';
COMMENT ON COLUMN maintmode.agent.maintenance_mode IS
    'In maintenance: the effective state, hand_maintenance OR window_maintenance (a '
    'trigger keeps it so). An UPDATE or INSERT that changes it sets hand_maintenance.';
COMMENT ON COLUMN maintmode.agent.last_seen IS
    'Time of the last heartbeat; null: never seen (status offline).';
COMMENT ON COLUMN maintmode.agent.offline_time IS
    'Minutes without a heartbeat after which the agent is offline.';
COMMENT ON COLUMN maintmode.agent.overdue_time IS
    'Minutes without a heartbeat after which the agent is overdue.';
COMMENT ON COLUMN maintmode.agent.overdue_email_alert IS
    'When overdue: alert by e-mail (sweep_overdue), and colour the dashboard error.';
COMMENT ON COLUMN maintmode.agent.overdue_text_alert IS
    'When overdue: alert by text message (sweep_overdue), and colour the dashboard error.';
COMMENT ON COLUMN maintmode.agent.overdue_dashboard_alert IS
    'When overdue: colour the dashboard error.';
COMMENT ON COLUMN maintmode.agent.hand_maintenance IS
    'In maintenance by hand, i.e. by a switch, server maintenance or a plain UPDATE of '
    'maintenance_mode, as opposed to a window (window_maintenance).';
COMMENT ON COLUMN maintmode.agent.hand_since IS
    'Since when hand_maintenance is on (the window clock when it came on); set by the '
    'extension, null while it is off.';
COMMENT ON COLUMN maintmode.agent.hand_set_by IS
    'The role that turned hand_maintenance on (the session role, after SET ROLE); set by '
    'the extension, null while it is off.';
COMMENT ON COLUMN maintmode.agent.hand_reason IS
    'Why hand_maintenance is on, as the switch or the writer gave it; null while it is '
    'off.';
COMMENT ON COLUMN maintmode.agent.hand_until IS
    'When hand_maintenance expires (the next sweep_windows() turns it off); null: no '
    'expiry.';
COMMENT ON COLUMN maintmode.agent.window_maintenance IS
    'Covered by a maintenance window in force; written only by the window code '
    '(sweep_windows(), and for new agents a trigger).';
COMMENT ON TABLE maintmode.check_result IS
    'Checks and tasks of an agent, one row each, with their current status. Written by '
    'the application; a status turning failing raises an alert when email_alert or '
    'text_alert is on, and colours the dashboard.';
COMMENT ON COLUMN maintmode.check_result.kind IS
    '''check'' or ''task''; the dashboard and the alerts treat them alike.';
COMMENT ON COLUMN maintmode.check_result.status IS
    '''pending'', ''passing'' or ''failing''.';
COMMENT ON COLUMN maintmode.check_result.alert_severity IS
    '''info'', ''warning'' or ''error'': the severity of its alerts, and the dashboard '
    'colour while it fails.';
COMMENT ON COLUMN maintmode.check_result.email_alert IS
    'Turning failing raises an alert to send by e-mail.';
COMMENT ON COLUMN maintmode.check_result.text_alert IS
    'Turning failing raises an alert to send by text message (SMS).';
COMMENT ON FUNCTION maintmode.agent_status(timestamptz, integer, integer) IS
    'The status of an agent last seen at last_seen with these offline and overdue '
    'minutes: ''online'', ''offline'' or ''overdue'' at now() (never seen: ''offline''). '
    'Computes from its arguments only; executable by PUBLIC (given USAGE on the schema).';
COMMENT ON FUNCTION maintmode.agent_status(bigint) IS
    'The status of agent agent: ''online'', ''offline'' or ''overdue'' at now(), as '
    'agent_status(last_seen, offline_time, overdue_time). Runs as the caller, who needs '
    'SELECT on agent; executable by PUBLIC (given USAGE on the schema).';

-- schema/20_switching.sql
COMMENT ON FUNCTION maintmode.agent_effective_maintenance_trigger() IS
    'Trigger function of agent_effective_maintenance (BEFORE INSERT OR UPDATE of the '
    'maintenance columns or site_id on agent): keeps maintenance_mode equal to '
    'hand_maintenance OR window_maintenance, sets hand_since and hand_set_by, and records '
    'the agents that change site or maintenance, or leave hand-set maintenance. '
    'Internal; revoked from PUBLIC.';
COMMENT ON TABLE maintmode.event_log IS
    'One row per call of a switch, of server_maint_mode and of the window calls (a sweep '
    'only when it changed something): when, who, what, where, and how many agents '
    'changed. Written by the extension.';
COMMENT ON FUNCTION maintmode.set_agent_maintenance(bigint, boolean, timestamptz, text) IS
    'Puts agent agent in maintenance by hand (enabled true; until: when it expires, '
    'reason: why) or takes it out (false); returns how many agents changed. Runs as the '
    'extension''s owner; revoked from PUBLIC: superusers and roles granted EXECUTE may '
    'call it.';
COMMENT ON FUNCTION maintmode.set_site_maintenance(bigint, boolean, timestamptz, text) IS
    'Puts every agent of site site in maintenance by hand (enabled true; until: when it '
    'expires, reason: why) or takes them out (false); returns how many agents changed. '
    'Runs as the extension''s owner; revoked from PUBLIC: superusers and roles granted '
    'EXECUTE may call it.';
COMMENT ON FUNCTION maintmode.set_client_maintenance(bigint, boolean, timestamptz, text) IS
    'Puts every agent of client client in maintenance by hand (enabled true; until: when '
    'it expires, reason: why) or takes them out (false); returns how many agents changed. '
    'Runs as the extension''s owner; revoked from PUBLIC: superusers and roles granted '
    'EXECUTE may call it.';

-- schema/30_windows.sql
COMMENT ON TABLE maintmode.maintenance_window IS
    'Maintenance windows: one agent, site or client, or the whole server; one-off, or '
    'recurring (daily, weekly, monthly or an RFC 5545 rule) in a time zone. Kept after '
    'they end, as history. Written by create_window(), end_window() and extend_window().';
COMMENT ON COLUMN maintmode.maintenance_window.agent_id IS
    'The agent the window covers (scope agent). agent_id, site_id and client_id all null: '
    'the whole server.';
COMMENT ON COLUMN maintmode.maintenance_window.site_id IS
    'The site whose agents the window covers (scope site).';
COMMENT ON COLUMN maintmode.maintenance_window.client_id IS
    'The client whose agents the window covers (scope client).';
COMMENT ON COLUMN maintmode.maintenance_window.starts_at IS
    'Start; of a recurring window, the start of the series (RFC 5545 DTSTART): its '
    'occurrences are the rule''s on or after it, at its local time of day in time_zone.';
COMMENT ON COLUMN maintmode.maintenance_window.ends_at IS
    'End of a one-off window; of a recurring one, the end of the series (null: none).';
COMMENT ON COLUMN maintmode.maintenance_window.repeat IS
    '''daily'', ''weekly'', ''monthly'' or an RFC 5545 RRULE in upper case (as '
    '''FREQ=MONTHLY;BYDAY=2TU''); null: one-off.';
COMMENT ON COLUMN maintmode.maintenance_window.time_zone IS
    'The IANA time zone of a recurring window (the zone, never an abbreviation: CET '
    'keeps summer time); null for a one-off.';
COMMENT ON COLUMN maintmode.maintenance_window.duration IS
    'The length of each occurrence of a recurring window: months and days in local '
    'time, hours, minutes and seconds elapsed; null for a one-off.';
COMMENT ON COLUMN maintmode.maintenance_window.created_by IS
    'The role that created the window (the session role, after SET ROLE).';
COMMENT ON COLUMN maintmode.maintenance_window.ended_at IS
    'When end_window() ended the window, or cancelled it before it started; null: not '
    'ended.';
COMMENT ON FUNCTION maintmode.window_clock() IS
    'Now for windows and expiries: maintmode.test_now when a superuser set it (tests), '
    'else now(). Executable by PUBLIC (given USAGE on the schema).';
COMMENT ON FUNCTION maintmode.window_occurrence(maintmode.maintenance_window, timestamptz) IS
    'The occurrence (starts, ends) of window w in force at the instant at; no row when '
    'none is. Computes from its arguments only; executable by PUBLIC (given USAGE on the '
    'schema).';
COMMENT ON FUNCTION maintmode.create_window(text, bigint, timestamptz, timestamptz, interval, text, text, text) IS
    'Creates a window: scope ''agent'', ''site'' or ''client'' with target its id, or '
    '''server''; one-off from starts with ends or duration, or recurring with repeat, '
    'duration and time_zone; reason required. A window in force applies at once. Returns '
    'its id. Runs as the extension''s owner; revoked from PUBLIC: superusers and roles '
    'granted EXECUTE may call it.';
COMMENT ON FUNCTION maintmode.end_window(bigint) IS
    'Ends window window now: a recurring one''s series ends, one not started yet is '
    'cancelled. Returns how many agents left maintenance. Runs as the extension''s owner; '
    'revoked from PUBLIC: superusers and roles granted EXECUTE may call it.';
COMMENT ON FUNCTION maintmode.extend_window(bigint, timestamptz) IS
    'Moves the end of window window, not yet over, to the later ends; returns the new '
    'end. Runs as the extension''s owner; revoked from PUBLIC: superusers and roles '
    'granted EXECUTE may call it.';
COMMENT ON FUNCTION maintmode.sweep_windows() IS
    'Brings every agent to the window clock: expires hand-set maintenance, enters windows '
    'in force, leaves windows no longer in force; returns how many agents each changed '
    '(hand_expired, window_entered, window_left). Run by the window worker, or by a '
    'scheduler. Runs as the extension''s owner; revoked from PUBLIC: superusers and roles '
    'granted EXECUTE may call it.';
COMMENT ON FUNCTION maintmode.agent_joins_windows_trigger() IS
    'Trigger function of agent_joins_windows (AFTER INSERT on agent): new agents covered '
    'by a window in force start in it. Internal; revoked from PUBLIC.';

-- schema/40_server_mode.sql
COMMENT ON TABLE maintmode.server_mode IS
    'Server maintenance: at most one row, created by the first server_maint_mode() call. '
    'Written by server_maint_mode(); server_maint_status() reads it.';
COMMENT ON TABLE maintmode.saved_state IS
    'Each agent''s hand flag (column maintenance_mode), and why, by whom, since and until '
    'when it was set, as they were before server_maint_mode(''enable''); ''disable'' '
    'restores and removes them. Written by server_maint_mode().';
COMMENT ON FUNCTION maintmode.server_maint_mode(text) IS
    'Server maintenance: option ''enable'' saves every agent''s hand flag and puts every '
    'agent in, ''disable'' restores the saved flags; ''force-enable'' and '
    '''force-disable'' put every agent in or out without saving or restoring '
    '(''force-disable'' also ends the server-wide windows in force). Returns the action, '
    'agents_changed, states_saved, states_restored and whether the server is in '
    'maintenance. Runs as the extension''s owner; revoked from PUBLIC: superusers and '
    'roles granted EXECUTE may call it.';
COMMENT ON FUNCTION maintmode.new_agent_server_maintenance_trigger() IS
    'Trigger function of agent_starts_in_server_maintenance (AFTER INSERT on agent): '
    'agents created while the server is in maintenance start in it. Internal; revoked '
    'from PUBLIC.';

-- schema/50_dashboard.sql
COMMENT ON TABLE maintmode.agent_counter IS
    'Dashboard counters per agent: its failing checks and tasks by severity. Derived data '
    'kept by triggers, not dumped; verify_counters() checks them, rebuild_counters() '
    'rebuilds them.';
COMMENT ON TABLE maintmode.site_counter IS
    'Dashboard counters per site: agents, agents in maintenance, and agents not in '
    'maintenance whose failing checks make them error / warning, with the site''s name. '
    'Derived data kept by triggers, not dumped.';
COMMENT ON TABLE maintmode.client_counter IS
    'Dashboard counters per client: agents, agents in maintenance, and sites with error / '
    'warning agents, and the client''s name, on stripe 0; the other stripes are overflow '
    'rows that add to it. Derived data kept by triggers, not dumped.';
COMMENT ON FUNCTION maintmode.counts_as_error(boolean, integer) IS
    '1 if an agent with this maintenance flag and failing_error count makes its site '
    'error, else 0 (overdue is added at read time). Computes from its arguments only; '
    'executable by PUBLIC (given USAGE on the schema).';
COMMENT ON FUNCTION maintmode.counts_as_warning(boolean, integer, integer) IS
    '1 if an agent with this maintenance flag and these failing counts makes its site '
    'warning, else 0. Computes from its arguments only; executable by PUBLIC (given USAGE '
    'on the schema).';
COMMENT ON FUNCTION maintmode.overdue_at(timestamptz, integer) IS
    'The instant an agent last seen at last_seen becomes overdue: overdue_time minutes '
    'later (null if never seen). Computes from its arguments only; executable by PUBLIC '
    '(given USAGE on the schema).';
COMMENT ON VIEW maintmode.agent_counter_recomputed IS
    'agent_counter recomputed from the fleet tables: what verify_counters() compares with '
    'and rebuild_counters() writes.';
COMMENT ON VIEW maintmode.site_counter_recomputed IS
    'site_counter recomputed from the fleet tables: what verify_counters() compares with '
    'and rebuild_counters() writes.';
COMMENT ON VIEW maintmode.client_counter_recomputed IS
    'client_counter recomputed from the fleet tables: what verify_counters() compares '
    'with and rebuild_counters() writes.';
COMMENT ON FUNCTION maintmode.rebuild_counters() IS
    'Recomputes every dashboard counter from the fleet tables; returns the rows of '
    'agent_counter, site_counter and client_counter. Runs as the extension''s owner; '
    'revoked from PUBLIC: superusers and roles granted EXECUTE may call it.';
COMMENT ON FUNCTION maintmode.check_counter_trigger() IS
    'Trigger function of the dashboard_counters_* triggers on check_result: keeps the '
    'dashboard counters. Internal; revoked from PUBLIC.';
COMMENT ON FUNCTION maintmode.agent_counter_trigger() IS
    'Trigger function of the dashboard_counters_* triggers on agent: keeps the dashboard '
    'counters. Internal; revoked from PUBLIC.';
COMMENT ON FUNCTION maintmode.site_counter_trigger() IS
    'Trigger function of the dashboard_counters_* triggers on site: keeps the dashboard '
    'counters. Internal; revoked from PUBLIC.';
COMMENT ON FUNCTION maintmode.client_counter_trigger() IS
    'Trigger function of the dashboard_counters_* triggers on client: keeps the dashboard '
    'counters. Internal; revoked from PUBLIC.';

-- schema/60_alerts.sql
COMMENT ON COLUMN maintmode.alert.email IS
    'An e-mail is wanted.';
COMMENT ON COLUMN maintmode.alert.sms IS
    'A text message (SMS) is wanted.';
COMMENT ON COLUMN maintmode.alert.suppressed IS
    'Not to be sent: the agent was in maintenance when it was raised, or entered it '
    'before it was sent.';
COMMENT ON COLUMN maintmode.alert.suppressed_reason IS
    'Why it is suppressed; null when it is not.';
COMMENT ON COLUMN maintmode.alert.email_sent_at IS
    'When take_notifications(''email'') took it; null: not yet.';
COMMENT ON COLUMN maintmode.alert.sms_sent_at IS
    'When take_notifications(''sms'') took it; null: not yet.';
COMMENT ON COLUMN maintmode.alert.resolved_at IS
    'When its condition ended; null: still open.';
COMMENT ON COLUMN maintmode.alert.last_seen IS
    'Overdue alerts: the agent''s last_seen when raised, which names the outage.';
COMMENT ON FUNCTION maintmode.alert_allowed(bigint) IS
    'Whether agent agent may alert now: true when it is not in maintenance. Runs as the '
    'caller, who needs SELECT on agent; executable by PUBLIC (given USAGE on the schema).';
COMMENT ON FUNCTION maintmode.take_notifications(text, integer) IS
    'Takes up to max_count alerts still to send on channel (''email'' or ''sms''), oldest '
    'first, marks them sent and returns them as alert rows. Runs as the extension''s '
    'owner; revoked from PUBLIC: superusers and roles granted EXECUTE may call it.';
COMMENT ON FUNCTION maintmode.sweep_overdue() IS
    'Resolves the overdue alerts of agents seen again, and raises one alert per outage of '
    'an overdue agent with an overdue e-mail or text flag on (suppressed in maintenance); '
    'returns how many it raised, suppressed and resolved. Meant to run every minute. Runs '
    'as the extension''s owner; revoked from PUBLIC: superusers and roles granted EXECUTE '
    'may call it.';
COMMENT ON FUNCTION maintmode.check_alert_trigger() IS
    'Trigger function of check_result_alerts (AFTER UPDATE on check_result): a check or '
    'task turning failing raises an alert, turning not failing resolves it. Internal; '
    'revoked from PUBLIC.';


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


-- Alerts inserted for an agent in maintenance are suppressed before they are written (a
-- row trigger), not updated after (a statement trigger): INSERT ... RETURNING reads
-- back what is stored.
DROP TRIGGER alert_suppressed_in_maintenance ON maintmode.alert;
DROP FUNCTION maintmode.alert_insert_trigger();
-- An alert inserted for an agent in maintenance is written suppressed, before the row is
-- stored, so that INSERT ... RETURNING (an ORM's create) reads back what is stored.
CREATE FUNCTION maintmode.alert_suppress_trigger()
RETURNS trigger
AS 'MODULE_PATHNAME', 'maintmode_alert_suppress_trigger'
LANGUAGE C SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

CREATE TRIGGER alert_suppressed_in_maintenance
    BEFORE INSERT ON maintmode.alert
    FOR EACH ROW EXECUTE FUNCTION maintmode.alert_suppress_trigger();
REVOKE ALL ON FUNCTION maintmode.alert_suppress_trigger() FROM PUBLIC;

-- The saved states keep why, by whom, since and until when each agent was in maintenance
-- by hand: disable gives them back with the flag (before, an agent restored into
-- maintenance lost its reason and got a new since).
ALTER TABLE maintmode.saved_state
    ADD COLUMN hand_reason text,
    ADD COLUMN hand_set_by text,
    ADD COLUMN hand_since  timestamptz,
    ADD COLUMN hand_until  timestamptz;


-- ==== Reminders of hand-set maintenance ================================================
-- (Events about maintenance, NOTIFY maintmode_events, need no schema object.)

-- Alerts of kind reminder: an agent in hand-set maintenance for longer than
-- maintmode.remind_after.  A reminder, like an overdue alert, has no check.
ALTER TABLE maintmode.alert
    DROP CONSTRAINT alert_kind_check,
    DROP CONSTRAINT alert_check_id_unless_overdue,
    ADD CONSTRAINT alert_kind_check CHECK (kind IN ('overdue', 'check', 'task', 'reminder')),
    ADD CONSTRAINT alert_check_id_unless_overdue_or_reminder
        CHECK ((kind IN ('overdue', 'reminder')) = (check_id IS NULL));
-- The open reminders, few: the reminder sweep asks which agents had one lately, and a
-- switch that takes agents out resolves theirs.
CREATE INDEX alert_open_reminder_idx ON maintmode.alert (agent_id)
    WHERE kind = 'reminder' AND resolved_at IS NULL;
COMMENT ON TABLE maintmode.alert IS
    'Alerts raised for agents: check, task and overdue alerts, whether maintenance '
    'suppressed them, and what was sent when; and reminders of hand-set maintenance. '
    'Raised and resolved by triggers, sweep_overdue() and sweep_reminders(); senders '
    'take them with take_notifications().';
COMMENT ON COLUMN maintmode.alert.kind IS
    '''check'', ''task'', ''overdue'', or ''reminder'' (an agent in hand-set '
    'maintenance for longer than maintmode.remind_after; never suppressed).';
COMMENT ON COLUMN maintmode.alert.check_id IS
    'The check or task (check_result) alerted about; null for overdue alerts and '
    'reminders.';
COMMENT ON COLUMN maintmode.alert.severity IS
    'The check''s alert_severity; ''error'' for overdue alerts, ''warning'' for '
    'reminders.';
COMMENT ON FUNCTION maintmode.alert_suppress_trigger() IS
    'Trigger function of alert_suppressed_in_maintenance (BEFORE INSERT on alert): an '
    'alert for an agent in maintenance is written suppressed, a reminder never. '
    'Internal; revoked from PUBLIC.';

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

CREATE FUNCTION maintmode.sweep_reminders()
RETURNS integer
AS 'MODULE_PATHNAME', 'maintmode_sweep_reminders'
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION maintmode.sweep_reminders() IS
    'Raises a reminder (an alert of kind reminder, e-mail wanted, never suppressed) for '
    'each agent in maintenance by a switch or a plain UPDATE for longer than '
    'maintmode.remind_after, once per that period, at the window clock; resolves the '
    'reminders of agents no longer in it. Returns how many it raised. Run by the window '
    'worker, or by a scheduler. Runs as the extension''s owner; revoked from PUBLIC: '
    'superusers and roles granted EXECUTE may call it.';
REVOKE ALL ON FUNCTION maintmode.sweep_reminders() FROM PUBLIC;

-- server_maint_status() gains a column, reminder_due, so it is created anew; the
-- privileges an installation gave the old one (the README grants it to maint_viewer,
-- some revoke it from PUBLIC) are given to the new one.
ALTER FUNCTION maintmode.server_maint_status() RENAME TO server_maint_status_1_2;
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
DO $$
DECLARE
    old_acl pg_catalog.aclitem[] := (SELECT p.proacl FROM pg_catalog.pg_proc p
        WHERE p.oid = 'maintmode.server_maint_status_1_2()'::pg_catalog.regprocedure);
    owner pg_catalog.oid := (SELECT p.proowner FROM pg_catalog.pg_proc p
        WHERE p.oid = 'maintmode.server_maint_status_1_2()'::pg_catalog.regprocedure);
    item record;
BEGIN
    IF old_acl IS NULL THEN
        RETURN;                 -- the default: PUBLIC executes it, as it does the new one
    END IF;
    IF NOT EXISTS (SELECT FROM pg_catalog.aclexplode(old_acl) a WHERE a.grantee = 0) THEN
        REVOKE EXECUTE ON FUNCTION maintmode.server_maint_status() FROM PUBLIC;
    END IF;
    FOR item IN
        SELECT a.grantee::pg_catalog.regrole AS grantee, a.is_grantable
          FROM pg_catalog.aclexplode(old_acl) a
         WHERE a.grantee <> 0 AND a.grantee <> owner AND a.privilege_type = 'EXECUTE'
    LOOP
        EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION maintmode.server_maint_status() TO %s%s',
                                  item.grantee,
                                  CASE WHEN item.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
    END LOOP;
END
$$;
DROP FUNCTION maintmode.server_maint_status_1_2();

-- Recurrence rules (RFC 5545), the window length limit and upcoming windows: repeat also
-- takes monthly and RRULE values, so its CHECK goes (create_window, the only writer,
-- validates it with the engine that reads it); every occurrence is computed by the C
-- engine (src/recurrence.c), which resolves time_zone as the IANA zone and local times
-- as RFC 5545 section 3.3.5 says.  The daily and weekly windows of 1.2 keep their days
-- and local times.
ALTER TABLE maintmode.maintenance_window DROP CONSTRAINT maintenance_window_repeat_check;

-- The occurrence of window w in force at "at" (no row when none is), from the row's own
-- columns, by the occurrence engine (src/recurrence.c) that every reader of occurrences
-- uses.  A recurring window whose start is not finite has no occurrences (create_window
-- refuses one, but 1.2 accepted it; it must not break the views that list occurrences).
CREATE OR REPLACE FUNCTION maintmode.window_occurrence(w maintmode.maintenance_window,
                                                       at timestamptz,
                                                       OUT starts timestamptz,
                                                       OUT ends timestamptz)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'maintmode_window_occurrence'
LANGUAGE C STABLE PARALLEL SAFE ROWS 1;

-- The occurrence in force at "at", else the next one: "next maintenance" on a dashboard.
CREATE FUNCTION maintmode.window_next_occurrence(w maintmode.maintenance_window,
                                                 at timestamptz,
                                                 OUT starts timestamptz,
                                                 OUT ends timestamptz)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'maintmode_window_next_occurrence'
LANGUAGE C STABLE PARALLEL SAFE ROWS 1;
COMMENT ON FUNCTION maintmode.window_next_occurrence(maintmode.maintenance_window, timestamptz) IS
    'The occurrence (starts, ends) of window w in force at the instant at, or else the '
    'first to start after it; no row when there is none. Computes from its arguments '
    'only; executable by PUBLIC (given USAGE on the schema).';

-- Runs a query as the caller: search_path pinned, so that an operator or table named
-- like ours earlier in the caller's path is not used.
CREATE FUNCTION maintmode.window_occurrences("window" bigint, "from" timestamptz,
                                             "to" timestamptz)
RETURNS TABLE (starts timestamptz, ends timestamptz)
AS 'MODULE_PATHNAME', 'maintmode_window_occurrences'
LANGUAGE C STABLE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION maintmode.window_occurrences(bigint, timestamptz, timestamptz) IS
    'The occurrences (starts, ends) of window window that overlap the range from to to '
    '(starts < to and ends > from), in order, as the sweep applies them. Runs as the '
    'caller, who needs SELECT on maintenance_window; executable by PUBLIC (given USAGE on '
    'the schema).';

-- Each window not over, with its occurrence in force or else its next one, soonest
-- first.  Read at the window clock, as the caller (security_invoker), so that a scoped
-- role sees the windows of its own clients and sites only.
CREATE VIEW maintmode.upcoming_windows WITH (security_invoker = true) AS
    SELECT w.id AS window_id,
           CASE WHEN w.agent_id IS NOT NULL THEN 'agent' WHEN w.site_id IS NOT NULL THEN 'site'
                WHEN w.client_id IS NOT NULL THEN 'client' ELSE 'server' END AS scope,
           coalesce(w.agent_id, w.site_id, w.client_id) AS target,
           coalesce(a.hostname, s.name, c.name) AS target_name,
           o.starts, o.ends, o.starts <= maintmode.window_clock() AS in_force,
           w.repeat, w.time_zone, w.duration, w.reason, w.created_by
      FROM maintmode.maintenance_window w
      LEFT JOIN maintmode.agent a ON a.id = w.agent_id
      LEFT JOIN maintmode.site s ON s.id = w.site_id
      LEFT JOIN maintmode.client c ON c.id = w.client_id
     CROSS JOIN LATERAL maintmode.window_next_occurrence(w, maintmode.window_clock()) o
     ORDER BY o.starts, w.id;
COMMENT ON VIEW maintmode.upcoming_windows IS
    'Windows not over, one row each: scope and target (its id and hostname or name; '
    'null for the server), the occurrence in force (in_force) or else the next one '
    '(starts, ends), repeat, time_zone, duration, reason and creator; soonest first. '
    'Read at the window clock. Reads the tables as its caller, who needs SELECT on '
    'maintenance_window, agent, site and client: a scoped role sees the windows within '
    'its scopes.';

-- ---------------------------------------------------------------------------------------
-- Operators limited to clients and sites: the scope table, the caller_* functions,
-- grant_scope() and revoke_scope() (schema/15_scopes.sql), the row-level security of
-- every table that holds fleet data, and the views that read the tables as their caller.
-- ---------------------------------------------------------------------------------------

-- A role with a row here, or a member of a role with one, is scoped.  role is a regrole:
-- it follows a renamed role, and a dump writes its name, which a restore looks up (the
-- roles come first: pg_dumpall --roles-only).  No foreign key on target: deleting a
-- client or site must not leave its technicians without scopes, i.e. unlimited.
CREATE TABLE maintmode.operator_scope (
    role       regrole NOT NULL,
    scope      text NOT NULL CHECK (scope IN ('client', 'site')),
    target     bigint NOT NULL,
    granted_by text NOT NULL,
    granted_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (role, scope, target)
);
COMMENT ON TABLE maintmode.operator_scope IS
    'The clients and sites roles are limited to: a role with a row here, or a member of a '
    'role with one, is scoped. Written by grant_scope() and revoke_scope() (and '
    'superusers); readable by viewers, a scoped role seeing the rows of its own scopes.';
COMMENT ON COLUMN maintmode.operator_scope.role IS
    'The role limited; its members are limited with it.';
COMMENT ON COLUMN maintmode.operator_scope.scope IS
    '''client'' or ''site''.';
COMMENT ON COLUMN maintmode.operator_scope.target IS
    'The id of the client or site. A client or site deleted since keeps its rows here: '
    'the role stays limited.';
COMMENT ON COLUMN maintmode.operator_scope.granted_by IS
    'The role that called grant_scope() (the session role, after SET ROLE).';

-- Dumped, but for the rows of roles dropped since: their OID would name another role,
-- or none, in the database restored into.
SELECT pg_catalog.pg_extension_config_dump('maintmode.operator_scope',
    'WHERE EXISTS (SELECT FROM pg_catalog.pg_roles r WHERE r.oid OPERATOR(pg_catalog.=) role)');

-- Only superusers write the table (grant_scope() and revoke_scope() run as the owner);
-- every write makes every backend read the scopes again.  ENABLE ALWAYS: also when a
-- replica applies the rows (session_replication_role = replica).
CREATE FUNCTION maintmode.operator_scope_guard()
RETURNS trigger
AS 'MODULE_PATHNAME', 'maintmode_operator_scope_guard'
LANGUAGE C;
COMMENT ON FUNCTION maintmode.operator_scope_guard() IS
    'Trigger function of operator_scope_guard (BEFORE INSERT, UPDATE, DELETE or TRUNCATE '
    'on operator_scope): refuses writers that are not superusers (42501), and makes every '
    'session read the scopes again. Internal; revoked from PUBLIC.';
CREATE TRIGGER operator_scope_guard
    BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON maintmode.operator_scope
    FOR EACH STATEMENT EXECUTE FUNCTION maintmode.operator_scope_guard();
ALTER TABLE maintmode.operator_scope ENABLE ALWAYS TRIGGER operator_scope_guard;

-- What the caller may see.  "The caller" is the role the event log records: current_user
-- after SET ROLE, also inside SECURITY DEFINER functions; when it has no scopes, the
-- login role's count (a SET ROLE to a role without scopes lifts none).  The policies
-- call them for every role that reads or writes the tables, so PUBLIC may execute them;
-- they tell a scoped role the ids within its own scopes, and any other role nothing
-- (NULL).  They read the tables as the extension's owner and pin search_path themselves
-- (C).  PARALLEL RESTRICTED: the leader runs the sub-selects and passes the answers to
-- the workers, so scans under a policy stay parallel.
CREATE FUNCTION maintmode.caller_scoped()
RETURNS boolean
AS 'MODULE_PATHNAME', 'maintmode_caller_scoped'
LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION maintmode.caller_scoped() IS
    'Whether the calling role (current_user after SET ROLE) is limited to scopes: it, or a '
    'role it is a member of, has a row in operator_scope, and it is not a superuser. '
    'Executable by PUBLIC (given USAGE on the schema).';

CREATE FUNCTION maintmode.caller_scopes(scope text)
RETURNS bigint[]
AS 'MODULE_PATHNAME', 'maintmode_caller_scopes'
LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION maintmode.caller_scopes(text) IS
    'The ids the calling role''s scopes of kind scope (''client'' or ''site'') name, '
    'sorted; NULL for an unscoped role (no limit). Executable by PUBLIC (given USAGE on '
    'the schema).';

CREATE FUNCTION maintmode.caller_sees(what text)
RETURNS bigint[]
AS 'MODULE_PATHNAME', 'maintmode_caller_sees'
LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION maintmode.caller_sees(text) IS
    'The ids of the clients, sites or agents (what: ''client'', ''site'' or ''agent'') '
    'within the calling role''s scopes, sorted: a client in them or with a site in them, '
    'a site in them or of a client in them, the agents of those sites. NULL for an '
    'unscoped role (no limit). Executable by PUBLIC (given USAGE on the schema).';

CREATE FUNCTION maintmode.in_scope(id bigint, sorted_ids bigint[])
RETURNS boolean
AS 'MODULE_PATHNAME', 'maintmode_in_scope'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION maintmode.in_scope(bigint, bigint[]) IS
    'True when sorted_ids is NULL (an unscoped caller''s answer: no limit), else whether '
    'id is in sorted_ids, an array sorted ascending as the caller_* functions return '
    'them (a binary search). Computes from its arguments only; executable by PUBLIC '
    '(given USAGE on the schema).';

-- Scope administration: superusers, and the roles granted EXECUTE (the documented
-- maint_scope_admin); never a scoped role, which could widen its own scopes.
CREATE FUNCTION maintmode.grant_scope(role regrole, scope text, target bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'maintmode_grant_scope'
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION maintmode.grant_scope(regrole, text, bigint) IS
    'Limits role (and its members) to the client or site target, with the other scopes '
    'it has: scope ''client'' or ''site''. Returns true when added, false when it had it. '
    'Logged in the event log. Refused to scoped roles. Runs as the extension''s owner; '
    'revoked from PUBLIC: superusers and roles granted EXECUTE may call it.';

CREATE FUNCTION maintmode.revoke_scope(role regrole, scope text, target bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'maintmode_revoke_scope'
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION maintmode.revoke_scope(regrole, text, bigint) IS
    'Removes the scope of role on the client or site target. Returns true when removed, '
    'false when it had none such; a WARNING says when the role is left unlimited. Logged '
    'in the event log. Refused to scoped roles. Runs as the extension''s owner; revoked '
    'from PUBLIC: superusers and roles granted EXECUTE may call it.';

REVOKE ALL ON FUNCTION maintmode.operator_scope_guard() FROM PUBLIC;
REVOKE ALL ON FUNCTION maintmode.grant_scope(regrole, text, bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION maintmode.revoke_scope(regrole, text, bigint) FROM PUBLIC;

-- Row-level security.  One policy per table, for every command and role (USING also
-- checks new rows), and restrictive ones where a row the role may read must not be
-- written (client, site, alert): unscoped roles pass on the sub-select's NULL.  The extension's
-- owner (a superuser) bypasses it: the triggers, counters, sweeps and switches, which
-- run as the owner, see and change every row.  A scoped role sees the rows of its own
-- scopes here; it writes none (the guard trigger).
ALTER TABLE maintmode.operator_scope ENABLE ROW LEVEL SECURITY;
CREATE POLICY within_scopes ON maintmode.operator_scope FOR SELECT
    USING (maintmode.in_scope(target, CASE scope
                                          WHEN 'client' THEN (SELECT maintmode.caller_scopes('client'))
                                          ELSE (SELECT maintmode.caller_scopes('site'))
                                      END));
COMMENT ON POLICY within_scopes ON maintmode.operator_scope IS
    'A scoped role reads the scope rows of its own clients and sites.';

ALTER TABLE maintmode.client ENABLE ROW LEVEL SECURITY;
CREATE POLICY within_scopes ON maintmode.client
    USING (maintmode.in_scope(id, (SELECT maintmode.caller_sees('client'))));
COMMENT ON POLICY within_scopes ON maintmode.client IS
    'A scoped role reads the clients in its scopes and those of its sites.';
-- A technician of a site reads its client, but changes or deletes only the clients in
-- its scopes: deleting one deletes (as the tables' owner) sites it does not see.
CREATE POLICY changed_within_scopes ON maintmode.client AS RESTRICTIVE FOR UPDATE
    USING (true)
    WITH CHECK (maintmode.in_scope(id, (SELECT maintmode.caller_scopes('client'))));
COMMENT ON POLICY changed_within_scopes ON maintmode.client IS
    'A scoped role changes only the clients in its scopes.';
CREATE POLICY deleted_within_scopes ON maintmode.client AS RESTRICTIVE FOR DELETE
    USING (maintmode.in_scope(id, (SELECT maintmode.caller_scopes('client'))));
COMMENT ON POLICY deleted_within_scopes ON maintmode.client IS
    'A scoped role deletes only the clients in its scopes.';

ALTER TABLE maintmode.site ENABLE ROW LEVEL SECURITY;
CREATE POLICY within_scopes ON maintmode.site
    USING (maintmode.in_scope(client_id, (SELECT maintmode.caller_scopes('client')))
           OR maintmode.in_scope(id, (SELECT maintmode.caller_scopes('site'))));
COMMENT ON POLICY within_scopes ON maintmode.site IS
    'A scoped role reads and writes the sites in its scopes and those of its clients.';
-- A site in its scopes stays with a client the role sees: moved to another, it would
-- bring its agents into that client's counters and to that client's technicians.
CREATE POLICY moved_within_scopes ON maintmode.site AS RESTRICTIVE FOR UPDATE
    USING (true)
    WITH CHECK (maintmode.in_scope(client_id, (SELECT maintmode.caller_sees('client'))));
COMMENT ON POLICY moved_within_scopes ON maintmode.site IS
    'A scoped role moves a site only to a client it sees.';

ALTER TABLE maintmode.agent ENABLE ROW LEVEL SECURITY;
CREATE POLICY within_scopes ON maintmode.agent
    USING (maintmode.in_scope(site_id, (SELECT maintmode.caller_sees('site'))));
COMMENT ON POLICY within_scopes ON maintmode.agent IS
    'A scoped role reads and writes the agents of the sites it sees.';

ALTER TABLE maintmode.check_result ENABLE ROW LEVEL SECURITY;
CREATE POLICY within_scopes ON maintmode.check_result
    USING (maintmode.in_scope(agent_id, (SELECT maintmode.caller_sees('agent'))));
COMMENT ON POLICY within_scopes ON maintmode.check_result IS
    'A scoped role reads and writes the checks and tasks of the agents it sees.';

-- schema/20_switching.sql
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

-- schema/30_windows.sql
-- Row-level security (15_scopes.sql): a scoped role reads the windows of what it sees,
-- and the server-wide ones, which cover its agents too.
ALTER TABLE maintmode.maintenance_window ENABLE ROW LEVEL SECURITY;
CREATE POLICY within_scopes ON maintmode.maintenance_window
    USING (num_nonnulls(agent_id, site_id, client_id) = 0
           OR maintmode.in_scope(agent_id, (SELECT maintmode.caller_sees('agent')))
           OR maintmode.in_scope(site_id, (SELECT maintmode.caller_sees('site')))
           OR maintmode.in_scope(client_id, (SELECT maintmode.caller_sees('client'))));
COMMENT ON POLICY within_scopes ON maintmode.maintenance_window IS
    'A scoped role reads the windows of the agents, sites and clients it sees, and the '
    'server-wide ones.';

-- schema/40_server_mode.sql
-- Row-level security (15_scopes.sql) on the saved states; server_mode is the server's.
ALTER TABLE maintmode.saved_state ENABLE ROW LEVEL SECURITY;
CREATE POLICY within_scopes ON maintmode.saved_state
    USING (maintmode.in_scope(agent_id, (SELECT maintmode.caller_sees('agent'))));
COMMENT ON POLICY within_scopes ON maintmode.saved_state IS
    'A scoped role reads the saved states of the agents it sees.';

-- schema/50_dashboard.sql
-- Row-level security (15_scopes.sql): a scoped role reads the counters of what it sees
-- whole, i.e. not the client counters of a client it sees through some of its sites.
ALTER TABLE maintmode.agent_counter ENABLE ROW LEVEL SECURITY;
CREATE POLICY within_scopes ON maintmode.agent_counter
    USING (maintmode.in_scope(agent_id, (SELECT maintmode.caller_sees('agent'))));
COMMENT ON POLICY within_scopes ON maintmode.agent_counter IS
    'A scoped role reads the counters of the agents it sees.';
ALTER TABLE maintmode.site_counter ENABLE ROW LEVEL SECURITY;
CREATE POLICY within_scopes ON maintmode.site_counter
    USING (maintmode.in_scope(client_id, (SELECT maintmode.caller_scopes('client')))
           OR maintmode.in_scope(site_id, (SELECT maintmode.caller_scopes('site'))));
COMMENT ON POLICY within_scopes ON maintmode.site_counter IS
    'A scoped role reads the counters of the sites it sees.';
ALTER TABLE maintmode.client_counter ENABLE ROW LEVEL SECURITY;
CREATE POLICY within_scopes ON maintmode.client_counter
    USING (maintmode.in_scope(client_id, (SELECT maintmode.caller_scopes('client'))));
COMMENT ON POLICY within_scopes ON maintmode.client_counter IS
    'A scoped role reads the counters of the clients in its scopes, not of those it sees '
    'through some of their sites only.';

-- schema/60_alerts.sql
-- Row-level security (15_scopes.sql).
ALTER TABLE maintmode.alert ENABLE ROW LEVEL SECURITY;
CREATE POLICY within_scopes ON maintmode.alert
    USING (maintmode.in_scope(agent_id, (SELECT maintmode.caller_sees('agent'))));
COMMENT ON POLICY within_scopes ON maintmode.alert IS
    'A scoped role reads and writes the alerts of the agents it sees.';
-- An alert of a check is of that check's agent, and of a check the role sees: one
-- pointed at another client's check would take the place of the alert it raises (one
-- open alert per check) and keep it from being sent.
CREATE POLICY for_its_check ON maintmode.alert AS RESTRICTIVE
    USING (true)
    WITH CHECK (check_id IS NULL
                OR EXISTS (SELECT FROM maintmode.check_result c
                            WHERE c.id OPERATOR(pg_catalog.=) alert.check_id
                              AND c.agent_id OPERATOR(pg_catalog.=) alert.agent_id));
COMMENT ON POLICY for_its_check ON maintmode.alert IS
    'An alert written by a role other than the owner names a check of its own agent, '
    'one the role sees.';

-- schema/70_history.sql
-- Row-level security (15_scopes.sql): the history of agents deleted since is for
-- unscoped roles.
ALTER TABLE maintmode.maintenance_history ENABLE ROW LEVEL SECURITY;
CREATE POLICY within_scopes ON maintmode.maintenance_history
    USING (maintmode.in_scope(agent_id, (SELECT maintmode.caller_sees('agent'))));
COMMENT ON POLICY within_scopes ON maintmode.maintenance_history IS
    'A scoped role reads the history of the agents it sees.';

-- Performance: the trigger functions that fire for every check result reported or every
-- heartbeat are not SECURITY DEFINER; they become their owner only around the SQL they
-- run (setting and restoring search_path on every call costs more than the rest of
-- their work when there is none).
ALTER FUNCTION maintmode.check_alert_trigger() SECURITY INVOKER RESET ALL;

-- Updates of agents: heartbeats (UPDATE ... SET last_seen) fire none of the extension's
-- triggers.  The triggers that name the columns able to move an agent or switch its
-- maintenance collect the changes without transition tables, and one trigger applies them
-- to the alerts, the counters and the history (src/agent_changes.c).
DROP TRIGGER agent_maintenance_alerts ON maintmode.agent;
DROP FUNCTION maintmode.maintenance_alert_trigger();
DROP TRIGGER dashboard_counters_update ON maintmode.agent;
DROP TRIGGER agent_effective_maintenance ON maintmode.agent;
CREATE TRIGGER agent_effective_maintenance
    BEFORE INSERT OR UPDATE OF site_id, maintenance_mode, hand_maintenance,
        window_maintenance, hand_since, hand_set_by, hand_reason, hand_until
    ON maintmode.agent
    FOR EACH ROW EXECUTE FUNCTION maintmode.agent_effective_maintenance_trigger();

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

-- Dashboard reads: the counter rows carry the names the dashboard shows (the site's, and
-- the client's), so that site_dashboard and client_dashboard read one table each; a
-- client has one counter row, with overflow rows made only when it is busy (indexed, for
-- the view to add up), instead of four stripes to add up; the site counters get half-empty
-- pages (their updates stay HOT) and an index for one client's tree; a client renamed
-- updates its counter row; the site view's overdue lookup skips each agent's client.
ALTER TABLE maintmode.site_counter ADD COLUMN name text;
UPDATE maintmode.site_counter c SET name = s.name FROM maintmode.site s WHERE s.id = c.site_id;
-- A counter row of a site that no longer exists (verify_counters() reports it) goes.
DELETE FROM maintmode.site_counter WHERE name IS NULL;
ALTER TABLE maintmode.site_counter ALTER COLUMN name SET NOT NULL;
ALTER TABLE maintmode.site_counter SET (fillfactor = 50);
CREATE INDEX site_counter_client_id_idx ON maintmode.site_counter (client_id);
COMMENT ON COLUMN maintmode.site_counter.name IS
    'The site''s name, copied by the triggers for site_dashboard.';
ALTER TABLE maintmode.client_counter ADD COLUMN name text;
COMMENT ON COLUMN maintmode.client_counter.name IS
    'The client''s name on stripe 0 (null on the overflow rows), copied by the triggers for '
    'client_dashboard.';
-- The overflow rows, few, which client_overflow() reads.
CREATE INDEX client_counter_overflow_idx ON maintmode.client_counter (client_id)
    WHERE stripe > 0;
CREATE OR REPLACE FUNCTION maintmode.client_stripes() RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURN 4;
COMMENT ON FUNCTION maintmode.client_stripes() IS
    'The number of client_counter rows (stripes) a client can have at most: its row and '
    'the overflow rows. Executable by PUBLIC (given USAGE on the schema).';

CREATE OR REPLACE FUNCTION maintmode.client_stripe(site_id bigint) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (1 + site_id % (maintmode.client_stripes() - 1))::integer;
COMMENT ON FUNCTION maintmode.client_stripe(bigint) IS
    'The client_counter overflow row (stripe) that site site_id adds to when its client''s '
    'row is held by another transaction. Computes from its arguments only; executable by '
    'PUBLIC (given USAGE on the schema).';

-- Whether a site, or a client, has an agent of overdue_alerting_agent: what the site and
-- client views ask now, for the roles that could execute overdue_alerting_agents().
CREATE FUNCTION maintmode.site_overdue_alerting(site_id bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'maintmode_site_overdue_alerting'
LANGUAGE C STABLE STRICT;
COMMENT ON FUNCTION maintmode.site_overdue_alerting(bigint) IS
    'Whether site site_id has an agent of overdue_alerting_agent that the caller sees, '
    'for site_dashboard, which calls it: its readers need EXECUTE on it. Runs as the '
    'extension''s owner; revoked from PUBLIC: superusers and roles granted EXECUTE may '
    'call it.';
CREATE FUNCTION maintmode.client_overdue_alerting(client_id bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'maintmode_client_overdue_alerting'
LANGUAGE C STABLE STRICT;
COMMENT ON FUNCTION maintmode.client_overdue_alerting(bigint) IS
    'Whether client client_id has an agent of overdue_alerting_agent that the caller '
    'sees, for client_dashboard, which calls it: its readers need EXECUTE on it. Runs as '
    'the extension''s owner; revoked from PUBLIC: superusers and roles granted EXECUTE may '
    'call it.';
REVOKE ALL ON FUNCTION maintmode.site_overdue_alerting(bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION maintmode.client_overdue_alerting(bigint) FROM PUBLIC;
DO $$
DECLARE
    reader regrole;
BEGIN
    FOR reader IN
        SELECT DISTINCT a.grantee::pg_catalog.regrole
          FROM pg_catalog.pg_proc p, pg_catalog.aclexplode(p.proacl) a
         WHERE p.oid = 'maintmode.overdue_alerting_agents()'::pg_catalog.regprocedure
           AND a.privilege_type = 'EXECUTE' AND a.grantee <> 0 AND a.grantee <> p.proowner
    LOOP
        EXECUTE pg_catalog.format(
            'GRANT EXECUTE ON FUNCTION maintmode.site_overdue_alerting(bigint),'
            ' maintmode.client_overdue_alerting(bigint) TO %s', reader);
    END LOOP;
END
$$;

-- The views read the tables as their caller, so that row-level security applies to them
-- with its guarantees; a role that read them needs SELECT on the tables they read, which
-- it is granted here (the owner read them for it before).
DO $$
DECLARE
    grant_sql text;
BEGIN
    FOR grant_sql IN
        SELECT DISTINCT pg_catalog.format('GRANT SELECT ON maintmode.%I TO %s', t.tab,
                                          a.grantee::pg_catalog.regrole)
          FROM pg_catalog.pg_class c, pg_catalog.aclexplode(c.relacl) a,
               (VALUES ('agent_dashboard', 'agent'), ('agent_dashboard', 'site'),
                       ('agent_dashboard', 'agent_counter'),
                       ('site_dashboard', 'site_counter'),
                       ('client_dashboard', 'client'), ('client_dashboard', 'client_counter'),
                       ('client_dashboard', 'site_counter'),
                       ('agents_in_maintenance', 'agent'), ('agents_in_maintenance', 'site'),
                       ('agents_in_maintenance', 'maintenance_window'),
                       ('overdue_alerting_agent', 'agent'), ('overdue_alerting_agent', 'site'))
                   AS t(view, tab)
         WHERE c.oid = pg_catalog.to_regclass('maintmode.' OPERATOR(pg_catalog.||) t.view)
           AND a.privilege_type = 'SELECT' AND a.grantee <> 0 AND a.grantee <> c.relowner
    LOOP
        EXECUTE grant_sql;
    END LOOP;
END
$$;

-- A GRANT in an extension script makes the object's whole ACL the extension's initial
-- privileges (pg_init_privs), which pg_dump leaves out: the grants above, the EXECUTE on
-- overdue_alerting_agents() granted at the top of this script (and on
-- site_overdue_alerting() and client_overdue_alerting() to the same roles), those
-- server_maint_status()
-- took over from the function it replaces, and every grant the DBA
-- had made on those objects would be lost by a dump and restore.  They are the DBA's:
-- the extension's own are none on the tables, and its owner's EXECUTE on the function.
DELETE FROM pg_catalog.pg_init_privs
 WHERE classoid = 'pg_catalog.pg_class'::pg_catalog.regclass
   AND objoid IN ('maintmode.agent'::pg_catalog.regclass, 'maintmode.site'::pg_catalog.regclass,
                  'maintmode.client'::pg_catalog.regclass,
                  'maintmode.agent_counter'::pg_catalog.regclass,
                  'maintmode.site_counter'::pg_catalog.regclass,
                  'maintmode.client_counter'::pg_catalog.regclass,
                  'maintmode.maintenance_window'::pg_catalog.regclass);
UPDATE pg_catalog.pg_init_privs i
   SET initprivs = ARRAY[pg_catalog.makeaclitem(p.proowner, p.proowner, 'EXECUTE', false)]
  FROM pg_catalog.pg_proc p
 WHERE i.classoid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND i.objoid = p.oid
   AND p.oid IN ('maintmode.overdue_alerting_agents()'::pg_catalog.regprocedure,
                 'maintmode.site_overdue_alerting(bigint)'::pg_catalog.regprocedure,
                 'maintmode.client_overdue_alerting(bigint)'::pg_catalog.regprocedure);
-- server_maint_status(), created anew above with the privileges the old one had: those
-- are the DBA's too, and a fresh install has none of its own (PUBLIC executes it).
DELETE FROM pg_catalog.pg_init_privs
 WHERE classoid = 'pg_catalog.pg_proc'::pg_catalog.regclass
   AND objoid = 'maintmode.server_maint_status()'::pg_catalog.regprocedure;

-- Agents in maintenance, one row per reason they are in it (set by hand, each window in
-- force), with who, why, since and until when (until NULL: no end set); longest in
-- maintenance first.  Read at the window clock.  It reads the tables as its caller
-- (security_invoker), so their row-level security applies: a scoped role sees its own
-- agents (15_scopes.sql).
CREATE OR REPLACE VIEW maintmode.agents_in_maintenance WITH (security_invoker = true) AS
    SELECT a.id AS agent_id, a.hostname, a.site_id, s.client_id,
           c.source, c.window_id, c.since, c.until, c.set_by, c.reason
      FROM maintmode.agent a
      JOIN maintmode.site s ON s.id = a.site_id
     CROSS JOIN LATERAL (
           SELECT 'hand'::text AS source, NULL::bigint AS window_id, a.hand_since AS since,
                  a.hand_until AS until, a.hand_set_by AS set_by, a.hand_reason AS reason
            WHERE a.hand_maintenance
           UNION ALL
           SELECT 'window', w.id, o.starts, o.ends, w.created_by, w.reason
             FROM maintmode.maintenance_window w,
                  maintmode.window_occurrence(w, maintmode.window_clock()) o
            WHERE a.window_maintenance
              AND (w.agent_id = a.id OR w.site_id = a.site_id OR w.client_id = s.client_id
                   OR num_nonnulls(w.agent_id, w.site_id, w.client_id) = 0)) c
     WHERE a.maintenance_mode
     ORDER BY c.since NULLS FIRST, a.id, c.window_id NULLS FIRST;
COMMENT ON VIEW maintmode.agents_in_maintenance IS
    'Agents in maintenance, one row per reason: source ''hand'' (set_by, reason, since, '
    'until: null for no expiry) or ''window'' (window_id, its creator and reason, the '
    'current occurrence''s start and end); longest in maintenance first. Read at the '
    'window clock. Reads the tables as its caller, who needs SELECT on agent, site and '
    'maintenance_window: a scoped role sees the agents within its scopes.';

-- Agents not in maintenance, overdue now, with an overdue alert flag on (uses the index).
-- client_id by a lookup per overdue agent: the planner cannot know how few they are
-- (now() is not a constant), and must not join every site to find them.  This view and
-- the dashboard views read the tables as their caller (security_invoker), so the tables'
-- row-level security applies (15_scopes.sql): a scoped role sees its own rows, with the
-- guarantees of row-level security (its own functions in a query on a view never see
-- the rows it may not), and the views are planned into the queries that use them.
CREATE OR REPLACE VIEW maintmode.overdue_alerting_agent WITH (security_invoker = true) AS
    SELECT id AS agent_id, site_id,
           (SELECT s.client_id FROM maintmode.site s WHERE s.id = a.site_id) AS client_id
      FROM maintmode.agent a
     WHERE NOT maintenance_mode
       AND (overdue_email_alert OR overdue_text_alert OR overdue_dashboard_alert)
       AND maintmode.overdue_at(last_seen, overdue_time) < pg_catalog.now();
COMMENT ON VIEW maintmode.overdue_alerting_agent IS
    'Agents not in maintenance, overdue now, with an overdue alert flag on, with their '
    'site and client. Reads the tables as its caller.';

COMMENT ON FUNCTION maintmode.overdue_alerting_agents() IS
    'The rows of overdue_alerting_agent; a scoped caller gets the agents within its '
    'scopes. Runs as the extension''s owner; revoked from PUBLIC: superusers and roles '
    'granted EXECUTE may call it.';

CREATE OR REPLACE VIEW maintmode.agent_dashboard WITH (security_invoker = true) AS
    SELECT a.id AS agent_id, a.site_id, s.client_id, a.hostname,
           maintmode.agent_status(a.last_seen, a.offline_time, a.overdue_time) AS status,
           a.maintenance_mode,
           coalesce(c.failing_error, 0) AS failing_error,
           coalesce(c.failing_warning, 0) AS failing_warning,
           coalesce(c.failing_info, 0) AS failing_info,
           CASE
               WHEN a.maintenance_mode THEN 'maintenance'
               WHEN c.failing_error > 0
                    OR ((a.overdue_email_alert OR a.overdue_text_alert OR a.overdue_dashboard_alert)
                        AND maintmode.overdue_at(a.last_seen, a.overdue_time) < pg_catalog.now())
                   THEN 'error'
               WHEN c.failing_warning > 0 THEN 'warning'
               WHEN c.failing_info > 0 THEN 'info'
               ELSE 'passing'
           END AS colour
      FROM maintmode.agent a
      JOIN maintmode.site s ON s.id = a.site_id
      LEFT JOIN maintmode.agent_counter c ON c.agent_id = a.id;
COMMENT ON VIEW maintmode.agent_dashboard IS
    'The dashboard''s agents: status, maintenance, failing checks and tasks by severity, '
    'and colour (''maintenance'', ''error'', ''warning'', ''info'' or ''passing''). Reads '
    'the tables as its caller, who needs SELECT on agent, site and agent_counter.';

CREATE OR REPLACE VIEW maintmode.site_dashboard WITH (security_invoker = true) AS
    SELECT c.site_id, c.client_id, c.name, c.agents, c.agents_in_maintenance,
           CASE
               WHEN c.agents > 0 AND c.agents_in_maintenance = c.agents THEN 'maintenance'
               WHEN c.agents_error > 0
                    OR maintmode.site_overdue_alerting(c.site_id)
                   THEN 'error'
               WHEN c.agents_warning > 0 THEN 'warning'
               ELSE 'ok'
           END AS colour
      FROM maintmode.site_counter c;
COMMENT ON VIEW maintmode.site_dashboard IS
    'The dashboard''s sites: agents, agents in maintenance, and colour (''maintenance'', '
    '''error'', ''warning'' or ''ok''). Reads the tables as its caller, who needs SELECT '
    'on site_counter and EXECUTE on site_overdue_alerting().';

-- A scoped role's clients, each summed over the site counters it sees, so that a client
-- it sees through some of its sites shows those sites only.  Not inlined (SET): the
-- client view calls it in a branch that only scoped roles run, and a planner that saw
-- its query would plan it at every read of the view by anyone.  Runs as the caller, so
-- that row-level security applies.
CREATE FUNCTION maintmode.client_dashboard_over_sites(
    OUT client_id bigint, OUT name text, OUT agents bigint,
    OUT agents_in_maintenance bigint, OUT colour text)
RETURNS SETOF record
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT k.id, k.name,
           coalesce(sum(s.agents), 0)::bigint,
           coalesce(sum(s.agents_in_maintenance), 0)::bigint,
           CASE
               WHEN sum(s.agents) > 0 AND sum(s.agents_in_maintenance) = sum(s.agents)
                   THEN 'maintenance'
               WHEN bool_or(s.agents_error > 0)
                    OR maintmode.client_overdue_alerting(k.id)
                   THEN 'error'
               WHEN bool_or(s.agents_warning > 0) THEN 'warning'
               ELSE 'ok'
           END
      FROM maintmode.client k
      LEFT JOIN maintmode.site_counter s ON s.client_id = k.id
     GROUP BY k.id;
END;
COMMENT ON FUNCTION maintmode.client_dashboard_over_sites() IS
    'The rows of client_dashboard computed from the site counters the caller sees, for a '
    'scoped role (client_dashboard calls it for scoped roles only). Runs as the caller, '
    'who needs SELECT on client and site_counter and EXECUTE on '
    'client_overdue_alerting(); executable by PUBLIC (given USAGE on the schema).';

-- The overflow rows' share of a client's counters, for client_dashboard (in C: the rows
-- are read once per statement, not grouped per client by the view).
CREATE FUNCTION maintmode.client_overflow(client_id bigint, counter text)
RETURNS bigint
AS 'MODULE_PATHNAME', 'maintmode_client_overflow'
LANGUAGE C STABLE STRICT;
COMMENT ON FUNCTION maintmode.client_overflow(bigint, text) IS
    'counter (agents, agents_in_maintenance, sites_error or sites_warning) summed over '
    'the overflow rows of client client_id in client_counter, 0 if it has none; '
    'client_dashboard adds it to the client''s own row. Runs as the caller, who needs '
    'SELECT on client_counter; executable by PUBLIC (given USAGE on the schema).';

-- The client view reads each client's own row (stripe 0) and adds what its overflow
-- rows hold, which client_overflow() reads once per statement: grouping every client's
-- rows cost more than the rest of the read.  A scoped role gets the second branch instead
-- (each branch runs only if its once-per-statement test passes).
CREATE OR REPLACE VIEW maintmode.client_dashboard WITH (security_invoker = true) AS
    SELECT c.client_id, c.name, c.agents, c.agents_in_maintenance,
           CASE
               WHEN c.agents > 0 AND c.agents_in_maintenance = c.agents THEN 'maintenance'
               WHEN c.sites_error > 0
                    OR maintmode.client_overdue_alerting(c.client_id)
                   THEN 'error'
               WHEN c.sites_warning > 0 THEN 'warning'
               ELSE 'ok'
           END AS colour
      FROM (SELECT client_id, name,
                   agents + maintmode.client_overflow(client_id, 'agents') AS agents,
                   agents_in_maintenance
                       + maintmode.client_overflow(client_id, 'agents_in_maintenance')
                       AS agents_in_maintenance,
                   sites_error + maintmode.client_overflow(client_id, 'sites_error')
                       AS sites_error,
                   sites_warning + maintmode.client_overflow(client_id, 'sites_warning')
                       AS sites_warning
              FROM maintmode.client_counter
             WHERE stripe = 0) c
     WHERE NOT (SELECT maintmode.caller_scoped())
    UNION ALL
    SELECT * FROM maintmode.client_dashboard_over_sites()
     WHERE (SELECT maintmode.caller_scoped());
COMMENT ON VIEW maintmode.client_dashboard IS
    'The dashboard''s clients: agents, agents in maintenance, and colour '
    '(''maintenance'', ''error'', ''warning'' or ''ok''); a scoped role''s counted over '
    'the sites it sees. Reads the tables as its caller, who needs SELECT on client, '
    'client_counter and site_counter and EXECUTE on client_overdue_alerting().';

-- The recomputations read the tables as their caller: rebuild_counters(), as the owner,
-- recomputes every counter; a scoped role the counters it sees.
ALTER VIEW maintmode.agent_counter_recomputed SET (security_invoker = true);
CREATE OR REPLACE VIEW maintmode.site_counter_recomputed WITH (security_invoker = true) AS
    SELECT s.id AS site_id, s.client_id,
           count(a.id) AS agents,
           count(a.id) FILTER (WHERE a.maintenance_mode) AS agents_in_maintenance,
           coalesce(sum(maintmode.counts_as_error(a.maintenance_mode, f.failing_error)), 0)
               AS agents_error,
           coalesce(sum(maintmode.counts_as_warning(a.maintenance_mode, f.failing_error,
                                                    f.failing_warning)), 0) AS agents_warning,
           s.name
      FROM maintmode.site s
      LEFT JOIN maintmode.agent a ON a.site_id = s.id
      LEFT JOIN maintmode.agent_counter_recomputed f ON f.agent_id = a.id
     GROUP BY s.id;
CREATE OR REPLACE VIEW maintmode.client_counter_recomputed WITH (security_invoker = true) AS
    SELECT k.id AS client_id, 0 AS stripe,
           coalesce(sum(s.agents), 0)::bigint AS agents,
           coalesce(sum(s.agents_in_maintenance), 0)::bigint AS agents_in_maintenance,
           count(*) FILTER (WHERE s.agents_error > 0) AS sites_error,
           count(*) FILTER (WHERE s.agents_warning > 0) AS sites_warning,
           k.name
      FROM maintmode.client k
      LEFT JOIN maintmode.site_counter_recomputed s ON s.client_id = k.id
     GROUP BY k.id;

-- One row per stored counter value that differs from its recomputation; a missing row
-- shows as null on its side.  stripe is set for client counters only: 0, for the client's
-- row and its overflow rows added up.  Row-level security limits a scoped role to the
-- counters it sees; of the clients, to those in its scopes (it would recompute a client
-- it sees through some of its sites from those sites only).
CREATE OR REPLACE FUNCTION maintmode.verify_counters(
    OUT counter text, OUT id bigint, OUT stripe integer, OUT field text,
    OUT stored bigint, OUT recomputed bigint)
RETURNS SETOF record
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT 'agent', coalesce(s.agent_id, r.agent_id), NULL::integer, v.field, v.stored, v.recomputed
      FROM maintmode.agent_counter s
      FULL JOIN maintmode.agent_counter_recomputed r ON r.agent_id = s.agent_id
     CROSS JOIN LATERAL (VALUES
         ('failing_error', s.failing_error, r.failing_error),
         ('failing_warning', s.failing_warning, r.failing_warning),
         ('failing_info', s.failing_info, r.failing_info)) AS v(field, stored, recomputed)
     WHERE v.stored IS DISTINCT FROM v.recomputed
    UNION ALL
    SELECT 'site', coalesce(s.site_id, r.site_id), NULL, v.field, v.stored, v.recomputed
      FROM maintmode.site_counter s
      FULL JOIN maintmode.site_counter_recomputed r ON r.site_id = s.site_id
     CROSS JOIN LATERAL (VALUES
         ('client_id', s.client_id, r.client_id),
         ('agents', s.agents, r.agents),
         ('agents_in_maintenance', s.agents_in_maintenance, r.agents_in_maintenance),
         ('agents_error', s.agents_error, r.agents_error),
         ('agents_warning', s.agents_warning, r.agents_warning)) AS v(field, stored, recomputed)
     WHERE v.stored IS DISTINCT FROM v.recomputed
    UNION ALL
    SELECT 'client', coalesce(s.client_id, r.client_id), 0, v.field, v.stored, v.recomputed
      FROM (SELECT client_id, sum(agents)::bigint AS agents,
                   sum(agents_in_maintenance)::bigint AS agents_in_maintenance,
                   sum(sites_error)::bigint AS sites_error,
                   sum(sites_warning)::bigint AS sites_warning
              FROM maintmode.client_counter GROUP BY client_id) s
      FULL JOIN maintmode.client_counter_recomputed r ON r.client_id = s.client_id
     CROSS JOIN LATERAL (VALUES
         ('agents', s.agents, r.agents),
         ('agents_in_maintenance', s.agents_in_maintenance, r.agents_in_maintenance),
         ('sites_error', s.sites_error, r.sites_error),
         ('sites_warning', s.sites_warning, r.sites_warning)) AS v(field, stored, recomputed)
     WHERE v.stored IS DISTINCT FROM v.recomputed
       AND maintmode.in_scope(coalesce(s.client_id, r.client_id),
                              (SELECT maintmode.caller_scopes('client')))
    UNION ALL
    SELECT 'site', s.site_id, NULL, 'name', NULL, NULL
      FROM maintmode.site_counter s JOIN maintmode.site t ON t.id = s.site_id
     WHERE s.name IS DISTINCT FROM t.name
    UNION ALL
    SELECT 'client', s.client_id, s.stripe, 'name', NULL, NULL
      FROM maintmode.client_counter s JOIN maintmode.client k ON k.id = s.client_id
     WHERE s.name IS DISTINCT FROM CASE WHEN s.stripe = 0 THEN k.name END
    ORDER BY 1, 2, 3, 4;
END;
COMMENT ON FUNCTION maintmode.verify_counters() IS
    'One row per dashboard counter value that differs from its recomputation (counter, '
    'id, stripe for client counters, field, stored, recomputed; for the names the '
    'counter rows carry, field name and stored and recomputed null); no rows: every '
    'counter is right; for a scoped role, of the counters within its scopes. Runs as the '
    'caller, who needs SELECT on the counter and fleet tables; executable by PUBLIC (given '
    'USAGE on the schema).';

-- The client counters anew: one row per client, with its name.
TRUNCATE maintmode.client_counter;
INSERT INTO maintmode.client_counter SELECT * FROM maintmode.client_counter_recomputed;
CREATE TRIGGER dashboard_counters_update AFTER UPDATE ON maintmode.client
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION maintmode.client_counter_trigger();

-- Deleted agents take their saved states along (a TRUNCATE, all of them), so the saved
-- states are those of existing agents and 'disable' counts what it restores as it removes
-- them; those an installation kept of agents deleted during a window go now.  As the
-- owner: whoever may delete agents need not be granted anything on saved_state.
DELETE FROM maintmode.saved_state s
 WHERE NOT EXISTS (SELECT FROM maintmode.agent a WHERE a.id = s.agent_id);
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
REVOKE ALL ON FUNCTION maintmode.drop_saved_states_trigger() FROM PUBLIC;

-- The checks with an alert channel on: leaving maintenance raises alerts for those failing
-- among them, so it reads only these, not every check of the fleet.  A status update, the
-- commonest write, changes no column the index names and stays a heap-only update.
CREATE INDEX check_result_alerting_idx ON maintmode.check_result (agent_id)
    WHERE email_alert OR text_alert;

-- The counters (and the saved states and the history) are keyed by the ids of clients,
-- sites and agents.  id is GENERATED ALWAYS, so an UPDATE can only set a new one (SET
-- id = DEFAULT): a statement that names id is refused before it changes a row.  A
-- statement trigger on that column only: no other statement fires it.
CREATE FUNCTION maintmode.fleet_id_fixed_trigger() RETURNS trigger
AS 'MODULE_PATHNAME', 'maintmode_fleet_id_fixed_trigger'
LANGUAGE C;
COMMENT ON FUNCTION maintmode.fleet_id_fixed_trigger() IS
    'Trigger function of the fleet_id_fixed triggers (BEFORE UPDATE OF id on client, site '
    'and agent): refuses the statement. Internal; revoked from PUBLIC.';
CREATE TRIGGER fleet_id_fixed BEFORE UPDATE OF id ON maintmode.client
    FOR EACH STATEMENT EXECUTE FUNCTION maintmode.fleet_id_fixed_trigger();
CREATE TRIGGER fleet_id_fixed BEFORE UPDATE OF id ON maintmode.site
    FOR EACH STATEMENT EXECUTE FUNCTION maintmode.fleet_id_fixed_trigger();
CREATE TRIGGER fleet_id_fixed BEFORE UPDATE OF id ON maintmode.agent
    FOR EACH STATEMENT EXECUTE FUNCTION maintmode.fleet_id_fixed_trigger();
REVOKE ALL ON FUNCTION maintmode.fleet_id_fixed_trigger() FROM PUBLIC;

-- Before 1.1, server maintenance put agents in with nothing to tell them from agents put
-- in by hand, and the 1.1 update took them all for hand-set.  While the server is in
-- maintenance, those the saved states say were out, and those created since (no saved
-- state), get the hand reason 'enable' has given since 1.1, so that the reminders of
-- forgotten hand-set maintenance leave them alone.  Only agents with no hand details at
-- all: a switch since 1.1 writes since when and by whom.
UPDATE maintmode.agent a
   SET hand_reason = 'server maintenance'
 WHERE a.hand_maintenance
   AND a.hand_reason IS NULL AND a.hand_since IS NULL AND a.hand_set_by IS NULL
   AND EXISTS (SELECT FROM maintmode.server_mode m WHERE m.in_maintenance)
   AND NOT EXISTS (SELECT FROM maintmode.saved_state s
                    WHERE s.agent_id = a.id AND s.maintenance_mode);
