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

-- The switches.  SECURITY DEFINER so that a role granted EXECUTE needs no table
-- privileges; search_path pinned, and every statement they run is schema-qualified.
CREATE FUNCTION maintmode.set_agent_maintenance(agent bigint, enabled boolean)
RETURNS bigint
AS 'MODULE_PATHNAME', 'maintmode_set_agent_maintenance'
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION maintmode.set_site_maintenance(site bigint, enabled boolean)
RETURNS bigint
AS 'MODULE_PATHNAME', 'maintmode_set_site_maintenance'
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION maintmode.set_client_maintenance(client bigint, enabled boolean)
RETURNS bigint
AS 'MODULE_PATHNAME', 'maintmode_set_client_maintenance'
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION maintmode.server_maint_mode(option text,
    OUT action text, OUT agents_changed bigint, OUT states_saved bigint,
    OUT states_restored bigint, OUT server_in_maintenance boolean)
RETURNS record
AS 'MODULE_PATHNAME', 'maintmode_server_maint_mode'
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION maintmode.server_maint_status(
    OUT in_maintenance boolean, OUT since timestamptz, OUT enabled_by text,
    OUT saved_states bigint, OUT agents bigint, OUT agents_in_maintenance bigint)
RETURNS record
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce(m.in_maintenance, false), m.since, m.enabled_by,
           (SELECT count(*) FROM maintmode.saved_state s
             WHERE EXISTS (SELECT FROM maintmode.agent a WHERE a.id = s.agent_id)),
           a.agents, a.in_maintenance
      FROM (SELECT count(*) AS agents,
                   count(*) FILTER (WHERE maintenance_mode) AS in_maintenance
              FROM maintmode.agent) a
      LEFT JOIN maintmode.server_mode m ON true
$$;

-- Agents created while the server is in maintenance start in it.
CREATE FUNCTION maintmode.agent_insert_trigger()
RETURNS trigger
AS 'MODULE_PATHNAME', 'maintmode_agent_insert_trigger'
LANGUAGE C SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

CREATE TRIGGER agent_starts_in_server_maintenance
    AFTER INSERT ON maintmode.agent
    REFERENCING NEW TABLE AS new_agents
    FOR EACH STATEMENT EXECUTE FUNCTION maintmode.agent_insert_trigger();

REVOKE ALL ON FUNCTION maintmode.set_agent_maintenance(bigint, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION maintmode.set_site_maintenance(bigint, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION maintmode.set_client_maintenance(bigint, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION maintmode.server_maint_mode(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION maintmode.agent_insert_trigger() FROM PUBLIC;
-- maintmode 1.0: dashboard colours.  Counters kept by statement-level triggers
-- (src/dashboard.c), the three dashboard views, verify_counters() and rebuild_counters().
--
-- The counters are derived data and are NOT registered with pg_extension_config_dump:
-- a restore loads client, site, agent and check_result with the extension's triggers
-- enabled, and those triggers rebuild every counter from the rows as they arrive.
-- Dumping the counters as well would count everything twice.

-- Per agent: what the agent contributes to its site's roll-up.  A table of its own, not
-- columns of agent: check writers must never lock agent rows (heartbeats update them,
-- server_maint_mode locks the table).  site_id and in_maintenance mirror the agent row
-- and are written only by the agent triggers, under the agent's row lock; every roll-up
-- change is computed from this row as returned by UPDATE, i.e. after its row lock, so
-- concurrent writers of the same agent serialise here and never lose a change.
-- No foreign keys: a million-row statement must not fire a million referential checks;
-- the triggers delete these rows with their owners.  Half-empty pages keep the updates of
-- a million rows by server_maint_mode HOT (no index entries).
CREATE TABLE maintmode.agent_counter (
    agent_id        bigint PRIMARY KEY,
    site_id         bigint NOT NULL,
    in_maintenance  boolean NOT NULL,
    failing_error   integer NOT NULL DEFAULT 0,
    failing_warning integer NOT NULL DEFAULT 0,
    failing_info    integer NOT NULL DEFAULT 0
) WITH (fillfactor = 50);

-- Per site: agents, agents in maintenance, and agents not in maintenance whose counter
-- colour is error / warning.  Written only when an agent's colour class changes.
CREATE TABLE maintmode.site_counter (
    site_id               bigint PRIMARY KEY,
    client_id             bigint NOT NULL,
    agents                bigint NOT NULL DEFAULT 0,
    agents_in_maintenance bigint NOT NULL DEFAULT 0,
    agents_error          bigint NOT NULL DEFAULT 0,
    agents_warning        bigint NOT NULL DEFAULT 0
);

-- Per client, spread over client_stripes() rows (a site adds to stripe
-- client_stripe(site_id)), so that sessions working on different sites of one client do
-- not queue on one row.  Error / warning are counted in sites (sites with
-- agents_error > 0 / agents_warning > 0): a client row is written only when a site
-- changes class, not whenever one of its agents does.
CREATE TABLE maintmode.client_counter (
    client_id             bigint NOT NULL,
    stripe                integer NOT NULL,
    agents                bigint NOT NULL DEFAULT 0,
    agents_in_maintenance bigint NOT NULL DEFAULT 0,
    sites_error           bigint NOT NULL DEFAULT 0,
    sites_warning         bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (client_id, stripe)
);

-- These small functions have SQL-standard bodies: parsed here, so no operator from a
-- caller's search_path can stand in, and still inlined into the triggers' statements.
CREATE FUNCTION maintmode.client_stripes() RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURN 4;

CREATE FUNCTION maintmode.client_stripe(site_id bigint) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURN (site_id % maintmode.client_stripes())::integer;

-- What one agent adds to its site's agents_error / agents_warning (0 or 1): its counter
-- colour, when it is not in maintenance.  Overdue is time-based and added at read time.
CREATE FUNCTION maintmode.counts_as_error(in_maintenance boolean, failing_error integer)
RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURN (NOT in_maintenance AND failing_error > 0)::integer;

CREATE FUNCTION maintmode.counts_as_warning(in_maintenance boolean, failing_error integer,
                                            failing_warning integer)
RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (NOT in_maintenance AND failing_error = 0 AND failing_warning > 0)::integer;

-- The instant an agent becomes overdue (null if never seen): last_seen + overdue_time
-- minutes.  Immutable (whole minutes do not depend on the time zone), so it can be
-- indexed; overdue_at < now() is exactly agent_status() = 'overdue'.
CREATE FUNCTION maintmode.overdue_at(last_seen timestamptz, overdue_time integer)
RETURNS timestamptz
AS 'MODULE_PATHNAME', 'maintmode_overdue_at'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- Only agents that can turn their site red by being overdue are in this index, so the
-- site and client views find them with a range scan up to now(), whatever the fleet size.
CREATE INDEX agent_overdue_at_idx ON maintmode.agent
    (maintmode.overdue_at(last_seen, overdue_time)) INCLUDE (site_id)
    WHERE NOT maintenance_mode
      AND (overdue_email_alert OR overdue_text_alert OR overdue_dashboard_alert);

-- Statistics on the overdue instant, so that the planner can estimate "< now()" (it
-- evaluates now() for estimates) instead of guessing a third of the agents.
CREATE STATISTICS maintmode.agent_overdue_at_stats
    ON (maintmode.overdue_at(last_seen, overdue_time)) FROM maintmode.agent;

-- Agents not in maintenance, overdue now, with an overdue alert flag on (uses the index).
-- client_id by a lookup per overdue agent: the planner cannot know how few they are
-- (now() is not a constant), and must not join every site to find them.
CREATE VIEW maintmode.overdue_alerting_agent AS
    SELECT id AS agent_id, site_id,
           (SELECT s.client_id FROM maintmode.site s WHERE s.id = a.site_id) AS client_id
      FROM maintmode.agent a
     WHERE NOT maintenance_mode
       AND (overdue_email_alert OR overdue_text_alert OR overdue_dashboard_alert)
       AND maintmode.overdue_at(last_seen, overdue_time) < pg_catalog.now();

-- The same, for the site and client views: a function, not inlined (SET), so that the
-- planner of a dashboard read takes its ROWS estimate whatever the statistics say (a
-- guess of a third of the fleet makes a read look costly enough to be JIT-compiled,
-- which alone takes longer than the read), and its own query never reads every agent.
-- SECURITY DEFINER: a role granted SELECT on the dashboard views needs nothing else.
CREATE FUNCTION maintmode.overdue_alerting_agents(
    OUT agent_id bigint, OUT site_id bigint, OUT client_id bigint)
RETURNS SETOF record
LANGUAGE sql STABLE ROWS 10 SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET enable_seqscan = off
AS 'SELECT agent_id, site_id, client_id FROM maintmode.overdue_alerting_agent';

CREATE VIEW maintmode.agent_dashboard AS
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

CREATE VIEW maintmode.site_dashboard AS
    SELECT s.id AS site_id, s.client_id, s.name,
           coalesce(c.agents, 0) AS agents,
           coalesce(c.agents_in_maintenance, 0) AS agents_in_maintenance,
           CASE
               WHEN c.agents > 0 AND c.agents_in_maintenance = c.agents THEN 'maintenance'
               WHEN c.agents_error > 0
                    OR s.id IN (SELECT site_id FROM maintmode.overdue_alerting_agents())
                   THEN 'error'
               WHEN c.agents_warning > 0 THEN 'warning'
               ELSE 'ok'
           END AS colour
      FROM maintmode.site s
      LEFT JOIN maintmode.site_counter c ON c.site_id = s.id;

CREATE VIEW maintmode.client_dashboard AS
    SELECT k.id AS client_id, k.name,
           coalesce(c.agents, 0) AS agents,
           coalesce(c.agents_in_maintenance, 0) AS agents_in_maintenance,
           CASE
               WHEN c.agents > 0 AND c.agents_in_maintenance = c.agents THEN 'maintenance'
               WHEN c.sites_error > 0
                    OR k.id IN (SELECT client_id FROM maintmode.overdue_alerting_agents())
                   THEN 'error'
               WHEN c.sites_warning > 0 THEN 'warning'
               ELSE 'ok'
           END AS colour
      FROM maintmode.client k
      LEFT JOIN (SELECT client_id, sum(agents)::bigint AS agents,
                        sum(agents_in_maintenance)::bigint AS agents_in_maintenance,
                        sum(sites_error)::bigint AS sites_error,
                        sum(sites_warning)::bigint AS sites_warning
                   FROM maintmode.client_counter
                  GROUP BY client_id) c ON c.client_id = k.id;

-- The counters recomputed from the base tables: what verify_counters() compares with and
-- rebuild_counters() writes.
CREATE VIEW maintmode.agent_counter_recomputed AS
    SELECT a.id AS agent_id, a.site_id, a.maintenance_mode AS in_maintenance,
           coalesce(f.failing_error, 0) AS failing_error,
           coalesce(f.failing_warning, 0) AS failing_warning,
           coalesce(f.failing_info, 0) AS failing_info
      FROM maintmode.agent a
      LEFT JOIN (SELECT agent_id,
                        count(*) FILTER (WHERE alert_severity = 'error')::integer AS failing_error,
                        count(*) FILTER (WHERE alert_severity = 'warning')::integer AS failing_warning,
                        count(*) FILTER (WHERE alert_severity = 'info')::integer AS failing_info
                   FROM maintmode.check_result
                  WHERE status = 'failing'
                  GROUP BY agent_id) f ON f.agent_id = a.id;

CREATE VIEW maintmode.site_counter_recomputed AS
    SELECT s.id AS site_id, s.client_id,
           count(a.agent_id) AS agents,
           count(a.agent_id) FILTER (WHERE a.in_maintenance) AS agents_in_maintenance,
           coalesce(sum(maintmode.counts_as_error(a.in_maintenance, a.failing_error)), 0)
               AS agents_error,
           coalesce(sum(maintmode.counts_as_warning(a.in_maintenance, a.failing_error,
                                                    a.failing_warning)), 0) AS agents_warning
      FROM maintmode.site s
      LEFT JOIN maintmode.agent_counter_recomputed a ON a.site_id = s.id
     GROUP BY s.id;

CREATE VIEW maintmode.client_counter_recomputed AS
    SELECT k.id AS client_id, stripe,
           coalesce(sum(s.agents), 0)::bigint AS agents,
           coalesce(sum(s.agents_in_maintenance), 0)::bigint AS agents_in_maintenance,
           count(*) FILTER (WHERE s.agents_error > 0) AS sites_error,
           count(*) FILTER (WHERE s.agents_warning > 0) AS sites_warning
      FROM maintmode.client k
     CROSS JOIN pg_catalog.generate_series(0, maintmode.client_stripes() - 1) AS stripe
      LEFT JOIN maintmode.site_counter_recomputed s
             ON s.client_id = k.id AND maintmode.client_stripe(s.site_id) = stripe
     GROUP BY k.id, stripe;

-- One row per stored counter value that differs from its recomputation; a missing row
-- shows as null on its side.  stripe is set for client counters only.
CREATE FUNCTION maintmode.verify_counters(
    OUT counter text, OUT id bigint, OUT stripe integer, OUT field text,
    OUT stored bigint, OUT recomputed bigint)
RETURNS SETOF record
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT 'agent', coalesce(s.agent_id, r.agent_id), NULL::integer, v.field, v.stored, v.recomputed
      FROM maintmode.agent_counter s
      FULL JOIN maintmode.agent_counter_recomputed r ON r.agent_id = s.agent_id
     CROSS JOIN LATERAL (VALUES
         ('site_id', s.site_id, r.site_id),
         ('in_maintenance', s.in_maintenance::integer::bigint, r.in_maintenance::integer::bigint),
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
    SELECT 'client', coalesce(s.client_id, r.client_id), coalesce(s.stripe, r.stripe),
           v.field, v.stored, v.recomputed
      FROM maintmode.client_counter s
      FULL JOIN maintmode.client_counter_recomputed r
             ON r.client_id = s.client_id AND r.stripe = s.stripe
     CROSS JOIN LATERAL (VALUES
         ('agents', s.agents, r.agents),
         ('agents_in_maintenance', s.agents_in_maintenance, r.agents_in_maintenance),
         ('sites_error', s.sites_error, r.sites_error),
         ('sites_warning', s.sites_warning, r.sites_warning)) AS v(field, stored, recomputed)
     WHERE v.stored IS DISTINCT FROM v.recomputed
    ORDER BY 1, 2, 3, 4
$$;

-- Recomputes every counter from the base tables.  TRUNCATE takes the counters' ACCESS
-- EXCLUSIVE lock before the recomputation's snapshot: writers whose triggers ran before
-- are committed and seen, writers whose triggers run after wait and then apply their
-- change on top.  Run it in READ COMMITTED (the default) for that reason.
CREATE FUNCTION maintmode.rebuild_counters(
    OUT agent_counters bigint, OUT site_counters bigint, OUT client_counters bigint)
RETURNS record
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    TRUNCATE maintmode.agent_counter, maintmode.site_counter, maintmode.client_counter;
    INSERT INTO maintmode.agent_counter SELECT * FROM maintmode.agent_counter_recomputed;
    INSERT INTO maintmode.site_counter SELECT * FROM maintmode.site_counter_recomputed;
    INSERT INTO maintmode.client_counter SELECT * FROM maintmode.client_counter_recomputed;
    SELECT (SELECT count(*) FROM maintmode.agent_counter),
           (SELECT count(*) FROM maintmode.site_counter),
           (SELECT count(*) FROM maintmode.client_counter)
$$;

-- The counter triggers (src/dashboard.c): statement-level, one per table and event,
-- because a trigger with transition tables may have only one event.  Named so they
-- sort after the core's agent_starts_in_server_maintenance; they do not depend on it.
-- The agent, site and client triggers raise work_mem for their own statements only: a
-- million-row statement (server_maint_mode, a restore) then joins and groups in memory;
-- a one-row statement uses kilobytes whatever the setting.  The check trigger fires for
-- every check result and mostly runs no SQL: it is neither SECURITY DEFINER nor SET,
-- and becomes its owner with the pinned search_path only around the SQL it runs
-- (become_owner() in src/dashboard.c), which saves the per-call GUC switch.
CREATE FUNCTION maintmode.check_counter_trigger() RETURNS trigger
AS 'MODULE_PATHNAME', 'maintmode_check_counter_trigger'
LANGUAGE C;
CREATE FUNCTION maintmode.agent_counter_trigger() RETURNS trigger
AS 'MODULE_PATHNAME', 'maintmode_agent_counter_trigger'
LANGUAGE C SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET work_mem = '256MB';
CREATE FUNCTION maintmode.site_counter_trigger() RETURNS trigger
AS 'MODULE_PATHNAME', 'maintmode_site_counter_trigger'
LANGUAGE C SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET work_mem = '256MB';
CREATE FUNCTION maintmode.client_counter_trigger() RETURNS trigger
AS 'MODULE_PATHNAME', 'maintmode_client_counter_trigger'
LANGUAGE C SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET work_mem = '256MB';

CREATE TRIGGER dashboard_counters_insert AFTER INSERT ON maintmode.check_result
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION maintmode.check_counter_trigger();
-- Transition tables rule out a column list (UPDATE OF ...): every UPDATE fires these,
-- and the C code returns without running SQL when no counted column changed.
CREATE TRIGGER dashboard_counters_update AFTER UPDATE ON maintmode.check_result
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION maintmode.check_counter_trigger();
CREATE TRIGGER dashboard_counters_delete AFTER DELETE ON maintmode.check_result
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION maintmode.check_counter_trigger();
CREATE TRIGGER dashboard_counters_truncate AFTER TRUNCATE ON maintmode.check_result
    FOR EACH STATEMENT EXECUTE FUNCTION maintmode.check_counter_trigger();

CREATE TRIGGER dashboard_counters_insert AFTER INSERT ON maintmode.agent
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION maintmode.agent_counter_trigger();
-- Heartbeats (last_seen) change no counter (overdue is taken at read time): the C code
-- compares site_id and maintenance_mode and returns without running SQL.
CREATE TRIGGER dashboard_counters_update AFTER UPDATE ON maintmode.agent
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION maintmode.agent_counter_trigger();
CREATE TRIGGER dashboard_counters_delete AFTER DELETE ON maintmode.agent
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION maintmode.agent_counter_trigger();
CREATE TRIGGER dashboard_counters_truncate AFTER TRUNCATE ON maintmode.agent
    FOR EACH STATEMENT EXECUTE FUNCTION maintmode.agent_counter_trigger();

CREATE TRIGGER dashboard_counters_insert AFTER INSERT ON maintmode.site
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION maintmode.site_counter_trigger();
CREATE TRIGGER dashboard_counters_update AFTER UPDATE ON maintmode.site
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION maintmode.site_counter_trigger();
CREATE TRIGGER dashboard_counters_delete AFTER DELETE ON maintmode.site
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION maintmode.site_counter_trigger();
CREATE TRIGGER dashboard_counters_truncate AFTER TRUNCATE ON maintmode.site
    FOR EACH STATEMENT EXECUTE FUNCTION maintmode.site_counter_trigger();

CREATE TRIGGER dashboard_counters_insert AFTER INSERT ON maintmode.client
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION maintmode.client_counter_trigger();
CREATE TRIGGER dashboard_counters_delete AFTER DELETE ON maintmode.client
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION maintmode.client_counter_trigger();
CREATE TRIGGER dashboard_counters_truncate AFTER TRUNCATE ON maintmode.client
    FOR EACH STATEMENT EXECUTE FUNCTION maintmode.client_counter_trigger();

REVOKE ALL ON FUNCTION maintmode.check_counter_trigger() FROM PUBLIC;
REVOKE ALL ON FUNCTION maintmode.agent_counter_trigger() FROM PUBLIC;
REVOKE ALL ON FUNCTION maintmode.site_counter_trigger() FROM PUBLIC;
REVOKE ALL ON FUNCTION maintmode.client_counter_trigger() FROM PUBLIC;
REVOKE ALL ON FUNCTION maintmode.rebuild_counters() FROM PUBLIC;

-- Alerts: what was raised for which agent, whether maintenance suppressed it, and the
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
