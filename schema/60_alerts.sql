-- Alerts: the alert table, the triggers that raise, suppress and resolve alerts, the
-- overdue sweep, the queue senders take from (take_notifications) and alert_allowed().

-- What was raised for which agent, whether maintenance suppressed it, and the
-- notification queue senders take from (take_notifications).
CREATE TABLE maintmode.alert (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agent_id          bigint NOT NULL REFERENCES maintmode.agent ON DELETE CASCADE,
    kind              text NOT NULL CHECK (kind IN ('overdue', 'check', 'task')),
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
    CONSTRAINT alert_check_id_unless_overdue CHECK ((kind = 'overdue') = (check_id IS NULL)),
    CONSTRAINT alert_suppressed_has_reason CHECK (suppressed = (suppressed_reason IS NOT NULL)),
    CONSTRAINT alert_email_sent_if_wanted CHECK (email_sent_at IS NULL OR email),
    CONSTRAINT alert_sms_sent_if_wanted CHECK (sms_sent_at IS NULL OR sms)
);
CREATE INDEX alert_agent_id_idx ON maintmode.alert (agent_id);
CREATE INDEX alert_check_id_idx ON maintmode.alert (check_id);
-- The sweep's two questions, without reading the whole history every minute: which
-- outages are still open, and which outage was recorded last for an agent.
CREATE INDEX alert_open_overdue_idx ON maintmode.alert (agent_id)
    WHERE kind = 'overdue' AND resolved_at IS NULL;
CREATE INDEX alert_outage_idx ON maintmode.alert (agent_id, last_seen)
    WHERE kind = 'overdue';
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

SELECT pg_catalog.pg_extension_config_dump('maintmode.alert', '');
-- Its identity sequence too: restored ids must not be handed out again.
SELECT pg_catalog.pg_extension_config_dump(
    pg_catalog.pg_get_serial_sequence('maintmode.alert', 'id'), '');

-- Runs a query as the caller: search_path pinned, like agent_status(bigint).
CREATE FUNCTION maintmode.alert_allowed(agent bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'maintmode_alert_allowed'
LANGUAGE C STABLE
SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION maintmode.take_notifications(channel text, max_count integer)
RETURNS SETOF maintmode.alert
AS 'MODULE_PATHNAME', 'maintmode_take_notifications'
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION maintmode.sweep_overdue(
    OUT raised bigint, OUT suppressed bigint, OUT resolved bigint)
RETURNS record
AS 'MODULE_PATHNAME', 'maintmode_sweep_overdue'
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

-- An alert inserted for an agent in maintenance is kept, marked suppressed.
CREATE FUNCTION maintmode.alert_insert_trigger()
RETURNS trigger
AS 'MODULE_PATHNAME', 'maintmode_alert_insert_trigger'
LANGUAGE C SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

CREATE TRIGGER alert_suppressed_in_maintenance
    AFTER INSERT ON maintmode.alert
    REFERENCING NEW TABLE AS new_alerts
    FOR EACH STATEMENT EXECUTE FUNCTION maintmode.alert_insert_trigger();

-- A check or task turning failing raises an alert; turning not failing resolves it.
CREATE FUNCTION maintmode.check_alert_trigger()
RETURNS trigger
AS 'MODULE_PATHNAME', 'maintmode_check_alert_trigger'
LANGUAGE C SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

CREATE TRIGGER check_result_alerts
    AFTER UPDATE ON maintmode.check_result
    REFERENCING OLD TABLE AS old_checks NEW TABLE AS new_checks
    FOR EACH STATEMENT EXECUTE FUNCTION maintmode.check_alert_trigger();

-- An agent entering maintenance stops its queued alerts; leaving it alerts for the
-- failures maintenance hid.
CREATE FUNCTION maintmode.maintenance_alert_trigger()
RETURNS trigger
AS 'MODULE_PATHNAME', 'maintmode_maintenance_alert_trigger'
LANGUAGE C SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

CREATE TRIGGER agent_maintenance_alerts
    AFTER UPDATE ON maintmode.agent
    REFERENCING OLD TABLE AS old_agents NEW TABLE AS new_agents
    FOR EACH STATEMENT EXECUTE FUNCTION maintmode.maintenance_alert_trigger();

REVOKE ALL ON FUNCTION maintmode.take_notifications(text, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION maintmode.sweep_overdue() FROM PUBLIC;
REVOKE ALL ON FUNCTION maintmode.alert_insert_trigger() FROM PUBLIC;
REVOKE ALL ON FUNCTION maintmode.check_alert_trigger() FROM PUBLIC;
REVOKE ALL ON FUNCTION maintmode.maintenance_alert_trigger() FROM PUBLIC;
