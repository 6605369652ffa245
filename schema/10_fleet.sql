-- The fleet, which the RMM application writes: clients, their sites, their agents and
-- the agents' checks and tasks; and the agent status the RMM computes.

CREATE TABLE maintmode.client (
    id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL UNIQUE CHECK (name <> '')
);
COMMENT ON TABLE maintmode.client IS
    'Clients of the RMM, each with its sites. Written by the application; deleting a '
    'client deletes its sites, their agents and checks, and the windows and alerts of all '
    'of them.';

CREATE TABLE maintmode.site (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id bigint NOT NULL REFERENCES maintmode.client ON DELETE CASCADE,
    name      text NOT NULL CHECK (name <> ''),
    UNIQUE (client_id, name)
);
COMMENT ON TABLE maintmode.site IS
    'Sites of a client, each with its agents; name unique within the client. Written by '
    'the application.';

-- maintenance_mode stays what every reader uses: the EFFECTIVE state.  It is derived, by
-- the BEFORE trigger agent_effective_maintenance (20_switching.sql), as
-- hand_maintenance OR window_maintenance.
--  * hand_maintenance: set by hand, i.e. by a switch, server maintenance or a plain
--    UPDATE of maintenance_mode (an ORM); the hand_* columns say since when, who, why
--    and until when.
--  * window_maintenance: written only by the window code (30_windows.sql): covered by a
--    window in force.
-- The hand and window columns come last, where updating 1.0 added them: a fresh table
-- has the column order of an updated one (INSERT ... SELECT * and positional readers
-- depend on it).
CREATE TABLE maintmode.agent (
    id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id                 bigint NOT NULL REFERENCES maintmode.site ON DELETE CASCADE,
    hostname                text NOT NULL CHECK (hostname <> ''),
    maintenance_mode        boolean NOT NULL DEFAULT false,
    last_seen               timestamptz,
    offline_time            integer NOT NULL DEFAULT 4 CHECK (offline_time > 0),
    overdue_time            integer NOT NULL DEFAULT 30 CHECK (overdue_time > 0),
    overdue_email_alert     boolean NOT NULL DEFAULT false,
    overdue_text_alert      boolean NOT NULL DEFAULT false,
    overdue_dashboard_alert boolean NOT NULL DEFAULT false,
    hand_maintenance        boolean NOT NULL DEFAULT false,
    hand_since              timestamptz,
    hand_set_by             text,
    hand_reason             text,
    hand_until              timestamptz,
    window_maintenance      boolean NOT NULL DEFAULT false,
    CONSTRAINT agent_maintenance_is_hand_or_window
        CHECK (maintenance_mode = (hand_maintenance OR window_maintenance)),
    CONSTRAINT agent_hand_details_only_in_hand
        CHECK (hand_maintenance OR num_nonnulls(hand_since, hand_set_by, hand_reason,
                                                hand_until) = 0)
);
CREATE INDEX agent_site_id_idx ON maintmode.agent (site_id);
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

-- Checks and tasks share one table: the dashboard and the alerts treat them alike.
CREATE TABLE maintmode.check_result (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agent_id       bigint NOT NULL REFERENCES maintmode.agent ON DELETE CASCADE,
    kind           text NOT NULL DEFAULT 'check' CHECK (kind IN ('check', 'task')),
    name           text NOT NULL CHECK (name <> ''),
    status         text NOT NULL DEFAULT 'pending'
                   CHECK (status IN ('passing', 'failing', 'pending')),
    alert_severity text NOT NULL DEFAULT 'warning'
                   CHECK (alert_severity IN ('info', 'warning', 'error')),
    email_alert    boolean NOT NULL DEFAULT false,
    text_alert     boolean NOT NULL DEFAULT false,
    UNIQUE (agent_id, kind, name)
);
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

SELECT pg_catalog.pg_extension_config_dump('maintmode.client', '');
SELECT pg_catalog.pg_extension_config_dump('maintmode.site', '');
SELECT pg_catalog.pg_extension_config_dump('maintmode.agent', '');
SELECT pg_catalog.pg_extension_config_dump('maintmode.check_result', '');
-- The identity sequences too: without them a restored database hands out ids that the
-- restored rows already have.  (One call per statement: each rewrites pg_extension.)
SELECT pg_catalog.pg_extension_config_dump('maintmode.client_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('maintmode.site_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('maintmode.agent_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('maintmode.check_result_id_seq', '');

-- Agent status, as the RMM computes it; maintenance does not change it.
CREATE FUNCTION maintmode.agent_status(last_seen timestamptz, offline_time integer,
                                       overdue_time integer)
RETURNS text
AS 'MODULE_PATHNAME', 'maintmode_agent_status'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION maintmode.agent_status(timestamptz, integer, integer) IS
    'The status of an agent last seen at last_seen with these offline and overdue '
    'minutes: ''online'', ''offline'' or ''overdue'' at now() (never seen: ''offline''). '
    'Computes from its arguments only; executable by PUBLIC (given USAGE on the schema).';

-- Runs a query as the caller: search_path pinned, so that an operator or table
-- named like ours earlier in the caller's path is not used.
CREATE FUNCTION maintmode.agent_status(agent bigint)
RETURNS text
AS 'MODULE_PATHNAME', 'maintmode_agent_status_by_id'
LANGUAGE C STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION maintmode.agent_status(bigint) IS
    'The status of agent agent: ''online'', ''offline'' or ''overdue'' at now(), as '
    'agent_status(last_seen, offline_time, overdue_time). Runs as the caller, who needs '
    'SELECT on agent; executable by PUBLIC (given USAGE on the schema).';
