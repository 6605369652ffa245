-- maintmode 1.0: the fleet model and the state behind server maintenance.
\echo Use "CREATE EXTENSION maintmode" to load this file. \quit

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
    overdue_dashboard_alert boolean NOT NULL DEFAULT false
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

-- Each agent's maintenance flag as it was before server_maint_mode('enable').
-- No foreign key: a million-row snapshot must not fire a million RI checks; rows of
-- agents deleted during the window are ignored by 'disable' and removed with the rest.
CREATE TABLE maintmode.saved_state (
    agent_id         bigint PRIMARY KEY,
    maintenance_mode boolean NOT NULL
);

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

SELECT pg_catalog.pg_extension_config_dump('maintmode.client', '');
SELECT pg_catalog.pg_extension_config_dump('maintmode.site', '');
SELECT pg_catalog.pg_extension_config_dump('maintmode.agent', '');
SELECT pg_catalog.pg_extension_config_dump('maintmode.check_result', '');
SELECT pg_catalog.pg_extension_config_dump('maintmode.server_mode', '');
SELECT pg_catalog.pg_extension_config_dump('maintmode.saved_state', '');
SELECT pg_catalog.pg_extension_config_dump('maintmode.event_log', '');
-- The identity sequences too: without them a restored database hands out ids that the
-- restored rows already have.  (One call per statement: each rewrites pg_extension.)
SELECT pg_catalog.pg_extension_config_dump('maintmode.client_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('maintmode.site_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('maintmode.agent_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('maintmode.check_result_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('maintmode.event_log_id_seq', '');
