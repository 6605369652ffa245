-- Alerts: the alert table, the triggers that raise, suppress and resolve alerts, the
-- overdue sweep, the reminder sweep, the queue senders take from (take_notifications)
-- and alert_allowed().

-- What was raised for which agent, whether maintenance suppressed it, and the
-- notification queue senders take from (take_notifications).
CREATE TABLE maintmode.alert (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agent_id          bigint NOT NULL REFERENCES maintmode.agent ON DELETE CASCADE,
    kind              text NOT NULL CHECK (kind IN ('overdue', 'check', 'task', 'reminder')),
    check_id          bigint REFERENCES maintmode.check_result ON DELETE CASCADE,
    severity          text NOT NULL CHECK (severity IN ('info', 'warning', 'error')),
    message           text NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT pg_catalog.now(),
    email             boolean NOT NULL DEFAULT false,
    sms               boolean NOT NULL DEFAULT false,
    suppressed        boolean NOT NULL DEFAULT false,
    suppressed_reason text,
    email_sent_at     timestamptz,
    sms_sent_at       timestamptz,
    resolved_at       timestamptz,
    -- Overdue alerts: the agent's last_seen when raised, which names the outage.
    last_seen         timestamptz,
    CONSTRAINT alert_check_id_unless_overdue_or_reminder
        CHECK ((kind IN ('overdue', 'reminder')) = (check_id IS NULL)),
    CONSTRAINT alert_suppressed_has_reason CHECK (suppressed = (suppressed_reason IS NOT NULL)),
    CONSTRAINT alert_email_sent_if_wanted CHECK (email_sent_at IS NULL OR email),
    CONSTRAINT alert_sms_sent_if_wanted CHECK (sms_sent_at IS NULL OR sms)
);
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
CREATE INDEX alert_agent_id_idx ON maintmode.alert (agent_id);
CREATE INDEX alert_check_id_idx ON maintmode.alert (check_id);
-- The sweep's two questions, without reading the whole history every minute: which
-- outages are still open, and which outage was recorded last for an agent.
CREATE INDEX alert_open_overdue_idx ON maintmode.alert (agent_id)
    WHERE kind = 'overdue' AND resolved_at IS NULL;
CREATE INDEX alert_outage_idx ON maintmode.alert (agent_id, last_seen)
    WHERE kind = 'overdue';
-- The open reminders, few: the reminder sweep asks which agents had one lately, and a
-- switch that takes agents out resolves theirs.
CREATE INDEX alert_open_reminder_idx ON maintmode.alert (agent_id)
    WHERE kind = 'reminder' AND resolved_at IS NULL;
-- At most one live alert per failing check, and per outage of an agent: concurrent
-- raisers meet here (ON CONFLICT DO NOTHING).  Suppressed rows are records only.
CREATE UNIQUE INDEX alert_one_open_per_check ON maintmode.alert (check_id)
    WHERE resolved_at IS NULL AND NOT suppressed;
CREATE UNIQUE INDEX alert_one_per_outage ON maintmode.alert (agent_id, last_seen)
    WHERE kind = 'overdue' AND NOT suppressed;
-- The two queues, oldest first, holding only what is still to send.
CREATE INDEX alert_email_queue_idx ON maintmode.alert (created_at, id)
    WHERE email AND email_sent_at IS NULL AND NOT suppressed AND resolved_at IS NULL;
CREATE INDEX alert_sms_queue_idx ON maintmode.alert (created_at, id)
    WHERE sms AND sms_sent_at IS NULL AND NOT suppressed AND resolved_at IS NULL;
-- The checks with an alert channel on: leaving maintenance raises alerts for those failing
-- among them, so it reads only these, not every check of the fleet.  A status update, the
-- commonest write, changes no column the index names and stays a heap-only update.
CREATE INDEX check_result_alerting_idx ON maintmode.check_result (agent_id)
    WHERE email_alert OR text_alert;

SELECT pg_catalog.pg_extension_config_dump('maintmode.alert', '');
-- Its identity sequence too: restored ids must not be handed out again.
SELECT pg_catalog.pg_extension_config_dump(
    pg_catalog.pg_get_serial_sequence('maintmode.alert', 'id'), '');

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

-- Runs a query as the caller: search_path pinned, like agent_status(bigint).
CREATE FUNCTION maintmode.alert_allowed(agent bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'maintmode_alert_allowed'
LANGUAGE C STABLE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION maintmode.alert_allowed(bigint) IS
    'Whether agent agent may alert now: true when it is not in maintenance. Runs as the '
    'caller, who needs SELECT on agent; executable by PUBLIC (given USAGE on the schema).';

CREATE FUNCTION maintmode.take_notifications(channel text, max_count integer)
RETURNS SETOF maintmode.alert
AS 'MODULE_PATHNAME', 'maintmode_take_notifications'
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION maintmode.take_notifications(text, integer) IS
    'Takes up to max_count alerts still to send on channel (''email'' or ''sms''), oldest '
    'first, marks them sent and returns them as alert rows. Runs as the extension''s '
    'owner; revoked from PUBLIC: superusers and roles granted EXECUTE may call it.';

CREATE FUNCTION maintmode.sweep_overdue(
    OUT raised bigint, OUT suppressed bigint, OUT resolved bigint)
RETURNS record
AS 'MODULE_PATHNAME', 'maintmode_sweep_overdue'
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION maintmode.sweep_overdue() IS
    'Resolves the overdue alerts of agents seen again, and raises one alert per outage of '
    'an overdue agent with an overdue e-mail or text flag on (suppressed in maintenance); '
    'returns how many it raised, suppressed and resolved. Meant to run every minute. Runs '
    'as the extension''s owner; revoked from PUBLIC: superusers and roles granted EXECUTE '
    'may call it.';

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

-- An alert inserted for an agent in maintenance is written suppressed, before the row is
-- stored, so that INSERT ... RETURNING (an ORM's create) reads back what is stored.
CREATE FUNCTION maintmode.alert_suppress_trigger()
RETURNS trigger
AS 'MODULE_PATHNAME', 'maintmode_alert_suppress_trigger'
LANGUAGE C SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

CREATE TRIGGER alert_suppressed_in_maintenance
    BEFORE INSERT ON maintmode.alert
    FOR EACH ROW EXECUTE FUNCTION maintmode.alert_suppress_trigger();
COMMENT ON FUNCTION maintmode.alert_suppress_trigger() IS
    'Trigger function of alert_suppressed_in_maintenance (BEFORE INSERT on alert): an '
    'alert for an agent in maintenance is written suppressed, a reminder never. '
    'Internal; revoked from PUBLIC.';

-- A check or task turning failing raises an alert; turning not failing resolves it.
-- Fires for every check result reported and mostly runs no SQL: not SECURITY DEFINER,
-- it becomes its owner only around the SQL it runs.
CREATE FUNCTION maintmode.check_alert_trigger()
RETURNS trigger
AS 'MODULE_PATHNAME', 'maintmode_check_alert_trigger'
LANGUAGE C;

CREATE TRIGGER check_result_alerts
    AFTER UPDATE ON maintmode.check_result
    REFERENCING OLD TABLE AS old_checks NEW TABLE AS new_checks
    FOR EACH STATEMENT EXECUTE FUNCTION maintmode.check_alert_trigger();
COMMENT ON FUNCTION maintmode.check_alert_trigger() IS
    'Trigger function of check_result_alerts (AFTER UPDATE on check_result): a check or '
    'task turning failing raises an alert, turning not failing resolves it. Internal; '
    'revoked from PUBLIC.';

-- An agent entering maintenance stops its queued alerts; leaving it alerts for the
-- failures maintenance hid: agent_changes (80_agent_changes.sql).

REVOKE ALL ON FUNCTION maintmode.take_notifications(text, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION maintmode.sweep_overdue() FROM PUBLIC;
REVOKE ALL ON FUNCTION maintmode.sweep_reminders() FROM PUBLIC;
REVOKE ALL ON FUNCTION maintmode.alert_suppress_trigger() FROM PUBLIC;
REVOKE ALL ON FUNCTION maintmode.check_alert_trigger() FROM PUBLIC;
