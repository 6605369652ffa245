-- Dashboard colours: counters kept by statement-level triggers (src/dashboard.c), the
-- overdue lookup, the three dashboard views, verify_counters() and rebuild_counters().
--
-- The counters are derived data and are NOT registered with pg_extension_config_dump:
-- a restore loads client, site, agent and check_result with the extension's triggers
-- enabled, and those triggers rebuild every counter from the rows as they arrive.
-- Dumping the counters as well would count everything twice.

-- Per agent: its failing checks and tasks by severity, what only the check writers know.
-- A check writer that changes them reads the agent's site and maintenance flag from the
-- agent row, which it locks FOR SHARE: a switch or a move of that agent waits for the
-- writer, or the writer for it, and the agent triggers only read these rows.  Every
-- roll-up change is computed from this row as returned by UPDATE, i.e. after its row
-- lock, so concurrent writers of the same agent serialise here and never lose a change.
-- No foreign keys: a million-row statement must not fire a million referential checks;
-- the triggers delete these rows with their owners.  Half-empty pages keep the check
-- writers' updates HOT (no index entries).
CREATE TABLE maintmode.agent_counter (
    agent_id        bigint PRIMARY KEY,
    failing_error   integer NOT NULL DEFAULT 0,
    failing_warning integer NOT NULL DEFAULT 0,
    failing_info    integer NOT NULL DEFAULT 0
) WITH (fillfactor = 50);
COMMENT ON TABLE maintmode.agent_counter IS
    'Dashboard counters per agent: its failing checks and tasks by severity. Derived data '
    'kept by triggers, not dumped; verify_counters() checks them, rebuild_counters() '
    'rebuilds them.';

-- Per site: agents, agents in maintenance, and agents not in maintenance whose counter
-- colour is error / warning.  Written only when an agent's colour class changes.  It also
-- carries the site's name, so that site_dashboard reads this table alone (a join with
-- site cost more than the rest of the read).  Half-empty pages keep its updates HOT and
-- their pruning cheap; the client_id index serves one client's tree.
CREATE TABLE maintmode.site_counter (
    site_id               bigint PRIMARY KEY,
    client_id             bigint NOT NULL,
    agents                bigint NOT NULL DEFAULT 0,
    agents_in_maintenance bigint NOT NULL DEFAULT 0,
    agents_error          bigint NOT NULL DEFAULT 0,
    agents_warning        bigint NOT NULL DEFAULT 0,
    name                  text NOT NULL
) WITH (fillfactor = 50);
CREATE INDEX site_counter_client_id_idx ON maintmode.site_counter (client_id);
COMMENT ON TABLE maintmode.site_counter IS
    'Dashboard counters per site: agents, agents in maintenance, and agents not in '
    'maintenance whose failing checks make them error / warning, with the site''s name. '
    'Derived data kept by triggers, not dumped.';
COMMENT ON COLUMN maintmode.site_counter.name IS
    'The site''s name, copied by the triggers for site_dashboard.';

-- Per client: agents, agents in maintenance, and sites with error / warning agents
-- (agents_error > 0 / agents_warning > 0): a client row is written only when a site
-- changes class, not whenever one of its agents does.  One row per client, stripe 0,
-- with the client's name, which client_dashboard reads.  So that sessions working on
-- different sites of one client do not queue on it, a writer of one client row that finds
-- it held by another transaction adds to an overflow row instead (stripe 1 to
-- client_stripes() - 1, the site's client_stripe()), made on first use; client_dashboard
-- adds the few overflow rows up.
CREATE TABLE maintmode.client_counter (
    client_id             bigint NOT NULL,
    stripe                integer NOT NULL,
    agents                bigint NOT NULL DEFAULT 0,
    agents_in_maintenance bigint NOT NULL DEFAULT 0,
    sites_error           bigint NOT NULL DEFAULT 0,
    sites_warning         bigint NOT NULL DEFAULT 0,
    name                  text,
    PRIMARY KEY (client_id, stripe)
);
COMMENT ON TABLE maintmode.client_counter IS
    'Dashboard counters per client: agents, agents in maintenance, and sites with error / '
    'warning agents, and the client''s name, on stripe 0; the other stripes are overflow '
    'rows that add to it. Derived data kept by triggers, not dumped.';
COMMENT ON COLUMN maintmode.client_counter.name IS
    'The client''s name on stripe 0 (null on the overflow rows), copied by the triggers for '
    'client_dashboard.';
-- The overflow rows, few, which client_overflow() reads.
CREATE INDEX client_counter_overflow_idx ON maintmode.client_counter (client_id)
    WHERE stripe > 0;

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

-- These small functions have SQL-standard bodies: parsed here, so no operator from a
-- caller's search_path can stand in, and still inlined into the triggers' statements.
CREATE FUNCTION maintmode.client_stripes() RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURN 4;
COMMENT ON FUNCTION maintmode.client_stripes() IS
    'The number of client_counter rows (stripes) a client can have at most: its row and '
    'the overflow rows. Executable by PUBLIC (given USAGE on the schema).';

CREATE FUNCTION maintmode.client_stripe(site_id bigint) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (1 + site_id % (maintmode.client_stripes() - 1))::integer;
COMMENT ON FUNCTION maintmode.client_stripe(bigint) IS
    'The client_counter overflow row (stripe) that site site_id adds to when its client''s '
    'row is held by another transaction. Computes from its arguments only; executable by '
    'PUBLIC (given USAGE on the schema).';

-- What one agent adds to its site's agents_error / agents_warning (0 or 1): its counter
-- colour, when it is not in maintenance.  Overdue is time-based and added at read time.
CREATE FUNCTION maintmode.counts_as_error(in_maintenance boolean, failing_error integer)
RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURN (NOT in_maintenance AND failing_error > 0)::integer;
COMMENT ON FUNCTION maintmode.counts_as_error(boolean, integer) IS
    '1 if an agent with this maintenance flag and failing_error count makes its site '
    'error, else 0 (overdue is added at read time). Computes from its arguments only; '
    'executable by PUBLIC (given USAGE on the schema).';

CREATE FUNCTION maintmode.counts_as_warning(in_maintenance boolean, failing_error integer,
                                            failing_warning integer)
RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (NOT in_maintenance AND failing_error = 0 AND failing_warning > 0)::integer;
COMMENT ON FUNCTION maintmode.counts_as_warning(boolean, integer, integer) IS
    '1 if an agent with this maintenance flag and these failing counts makes its site '
    'warning, else 0. Computes from its arguments only; executable by PUBLIC (given USAGE '
    'on the schema).';

-- The instant an agent becomes overdue (null if never seen): last_seen + overdue_time
-- minutes.  Immutable (whole minutes do not depend on the time zone), so it can be
-- indexed; overdue_at < now() is exactly agent_status() = 'overdue'.
CREATE FUNCTION maintmode.overdue_at(last_seen timestamptz, overdue_time integer)
RETURNS timestamptz
AS 'MODULE_PATHNAME', 'maintmode_overdue_at'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION maintmode.overdue_at(timestamptz, integer) IS
    'The instant an agent last seen at last_seen becomes overdue: overdue_time minutes '
    'later (null if never seen). Computes from its arguments only; executable by PUBLIC '
    '(given USAGE on the schema).';

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
-- (now() is not a constant), and must not join every site to find them.  This view and
-- the dashboard views read the tables as their caller (security_invoker), so the tables'
-- row-level security applies (15_scopes.sql): a scoped role sees its own rows, with the
-- guarantees of row-level security (its own functions in a query on a view never see
-- the rows it may not), and the views are planned into the queries that use them.  The
-- lookups of one site's or client's agents (OVERDUE_AMONG in src/dashboard_views.c)
-- repeat these conditions: change both together.
CREATE VIEW maintmode.overdue_alerting_agent WITH (security_invoker = true) AS
    SELECT id AS agent_id, site_id,
           (SELECT s.client_id FROM maintmode.site s WHERE s.id = a.site_id) AS client_id
      FROM maintmode.agent a
     WHERE NOT maintenance_mode
       AND (overdue_email_alert OR overdue_text_alert OR overdue_dashboard_alert)
       AND maintmode.overdue_at(last_seen, overdue_time) < pg_catalog.now();
COMMENT ON VIEW maintmode.overdue_alerting_agent IS
    'Agents not in maintenance, overdue now, with an overdue alert flag on, with their '
    'site and client. Reads the tables as its caller.';

-- The same as a set, as the extension's owner, in C with a plan kept across calls:
-- revoked from PUBLIC like every function that reads fleet data as its owner.  As the
-- owner it is not limited by row-level security: it returns a scoped caller's agents
-- only itself.
CREATE FUNCTION maintmode.overdue_alerting_agents(
    OUT agent_id bigint, OUT site_id bigint, OUT client_id bigint)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'maintmode_overdue_alerting_agents'
LANGUAGE C STABLE ROWS 10;
COMMENT ON FUNCTION maintmode.overdue_alerting_agents() IS
    'The rows of overdue_alerting_agent; a scoped caller gets the agents within its '
    'scopes. Runs as the extension''s owner; revoked from PUBLIC: superusers and roles '
    'granted EXECUTE may call it.';

-- Whether a site, or a client, has such an agent: the site and client views' test, in C
-- (src/dashboard.c).  A statement that asks about a few (one client's tree) looks at
-- their agents; one that asks about more reads the fleet's overdue agents once.  Read as
-- the owner, like overdue_alerting_agents(): a role that reads the site or client view
-- needs EXECUTE on them.
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

CREATE VIEW maintmode.agent_dashboard WITH (security_invoker = true) AS
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

CREATE VIEW maintmode.site_dashboard WITH (security_invoker = true) AS
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
CREATE VIEW maintmode.client_dashboard WITH (security_invoker = true) AS
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

-- The counters recomputed from the base tables: what verify_counters() compares with and
-- rebuild_counters() writes.  They read the tables as their caller (security_invoker):
-- a scoped role recomputes the rows it sees, rebuild_counters(), as the owner, all of
-- them.
CREATE VIEW maintmode.agent_counter_recomputed WITH (security_invoker = true) AS
    SELECT a.id AS agent_id,
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
COMMENT ON VIEW maintmode.agent_counter_recomputed IS
    'agent_counter recomputed from the fleet tables: what verify_counters() compares with '
    'and rebuild_counters() writes.';

CREATE VIEW maintmode.site_counter_recomputed WITH (security_invoker = true) AS
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
COMMENT ON VIEW maintmode.site_counter_recomputed IS
    'site_counter recomputed from the fleet tables: what verify_counters() compares with '
    'and rebuild_counters() writes.';

CREATE VIEW maintmode.client_counter_recomputed WITH (security_invoker = true) AS
    SELECT k.id AS client_id, 0 AS stripe,
           coalesce(sum(s.agents), 0)::bigint AS agents,
           coalesce(sum(s.agents_in_maintenance), 0)::bigint AS agents_in_maintenance,
           count(*) FILTER (WHERE s.agents_error > 0) AS sites_error,
           count(*) FILTER (WHERE s.agents_warning > 0) AS sites_warning,
           k.name
      FROM maintmode.client k
      LEFT JOIN maintmode.site_counter_recomputed s ON s.client_id = k.id
     GROUP BY k.id;
COMMENT ON VIEW maintmode.client_counter_recomputed IS
    'client_counter recomputed from the fleet tables: what verify_counters() compares '
    'with and rebuild_counters() writes.';

-- One row per stored counter value that differs from its recomputation; a missing row
-- shows as null on its side.  stripe is set for client counters only: 0, for the client's
-- row and its overflow rows added up.  Row-level security limits a scoped role to the
-- counters it sees; of the clients, to those in its scopes (it would recompute a client
-- it sees through some of its sites from those sites only).
CREATE FUNCTION maintmode.verify_counters(
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

-- Recomputes every counter from the base tables, in C (src/dashboard.c): TRUNCATE cannot
-- be in an SQL-standard body.  TRUNCATE takes the counters' ACCESS EXCLUSIVE lock before
-- the recomputation's snapshot: writers whose triggers ran before are committed and seen,
-- writers whose triggers run after wait and then apply their change on top.  Run it in
-- READ COMMITTED (the default) for that reason.
CREATE FUNCTION maintmode.rebuild_counters(
    OUT agent_counters bigint, OUT site_counters bigint, OUT client_counters bigint)
RETURNS record
AS 'MODULE_PATHNAME', 'maintmode_rebuild_counters'
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION maintmode.rebuild_counters() IS
    'Recomputes every dashboard counter from the fleet tables; returns the rows of '
    'agent_counter, site_counter and client_counter. Runs as the extension''s owner; '
    'revoked from PUBLIC: superusers and roles granted EXECUTE may call it.';

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
COMMENT ON FUNCTION maintmode.check_counter_trigger() IS
    'Trigger function of the dashboard_counters_* triggers on check_result: keeps the '
    'dashboard counters. Internal; revoked from PUBLIC.';
CREATE FUNCTION maintmode.agent_counter_trigger() RETURNS trigger
AS 'MODULE_PATHNAME', 'maintmode_agent_counter_trigger'
LANGUAGE C SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET work_mem = '256MB';
COMMENT ON FUNCTION maintmode.agent_counter_trigger() IS
    'Trigger function of the dashboard_counters_* triggers on agent: keeps the dashboard '
    'counters. Internal; revoked from PUBLIC.';
CREATE FUNCTION maintmode.site_counter_trigger() RETURNS trigger
AS 'MODULE_PATHNAME', 'maintmode_site_counter_trigger'
LANGUAGE C SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET work_mem = '256MB';
COMMENT ON FUNCTION maintmode.site_counter_trigger() IS
    'Trigger function of the dashboard_counters_* triggers on site: keeps the dashboard '
    'counters. Internal; revoked from PUBLIC.';
CREATE FUNCTION maintmode.client_counter_trigger() RETURNS trigger
AS 'MODULE_PATHNAME', 'maintmode_client_counter_trigger'
LANGUAGE C SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET work_mem = '256MB';
COMMENT ON FUNCTION maintmode.client_counter_trigger() IS
    'Trigger function of the dashboard_counters_* triggers on client: keeps the dashboard '
    'counters. Internal; revoked from PUBLIC.';

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
-- Updates of agents are counted by agent_changes (80_agent_changes.sql), which fires only
-- for those that can move an agent or switch its maintenance: heartbeats (last_seen)
-- change no counter (overdue is taken at read time).
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
CREATE TRIGGER dashboard_counters_update AFTER UPDATE ON maintmode.client
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION maintmode.client_counter_trigger();
CREATE TRIGGER dashboard_counters_delete AFTER DELETE ON maintmode.client
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION maintmode.client_counter_trigger();
CREATE TRIGGER dashboard_counters_truncate AFTER TRUNCATE ON maintmode.client
    FOR EACH STATEMENT EXECUTE FUNCTION maintmode.client_counter_trigger();

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

REVOKE ALL ON FUNCTION maintmode.check_counter_trigger() FROM PUBLIC;
REVOKE ALL ON FUNCTION maintmode.fleet_id_fixed_trigger() FROM PUBLIC;
REVOKE ALL ON FUNCTION maintmode.agent_counter_trigger() FROM PUBLIC;
REVOKE ALL ON FUNCTION maintmode.site_counter_trigger() FROM PUBLIC;
REVOKE ALL ON FUNCTION maintmode.client_counter_trigger() FROM PUBLIC;
REVOKE ALL ON FUNCTION maintmode.rebuild_counters() FROM PUBLIC;
REVOKE ALL ON FUNCTION maintmode.overdue_alerting_agents() FROM PUBLIC;
REVOKE ALL ON FUNCTION maintmode.site_overdue_alerting(bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION maintmode.client_overdue_alerting(bigint) FROM PUBLIC;
