-- The fleet, which the RMM application writes: clients, their sites, their agents and
-- the agents' checks and tasks; and the agent status the RMM computes.

CREATE TABLE maintmode.client (
    id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL UNIQUE CHECK (name <> '')
);

CREATE TABLE maintmode.site (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id bigint NOT NULL REFERENCES maintmode.client ON DELETE CASCADE,
    name      text NOT NULL CHECK (name <> ''),
    UNIQUE (client_id, name)
);

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

-- Runs a query as the caller: search_path pinned, so that an operator or table
-- named like ours earlier in the caller's path is not used.
CREATE FUNCTION maintmode.agent_status(agent bigint)
RETURNS text
AS 'MODULE_PATHNAME', 'maintmode_agent_status_by_id'
LANGUAGE C STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp;
