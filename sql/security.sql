-- Privileges: nothing that changes state is open to PUBLIC; the two roles of the
-- README; the event log names the caller; SECURITY DEFINER functions pin
-- search_path, and hostile objects early in a caller's search_path are not used.
CREATE EXTENSION maintmode;
\i test/fixtures/fleet.sql
SET client_min_messages = warning;

-- The extension's functions.
CREATE TEMP VIEW ext_function AS
    SELECT p.oid, p.oid::regprocedure AS function, p.provolatile, p.prosecdef, p.proconfig,
           l.lanname, p.proacl, p.proowner, p.prosqlbody IS NOT NULL AS preparsed
      FROM pg_depend d
      JOIN pg_proc p ON p.oid = d.objid
      JOIN pg_language l ON l.oid = p.prolang
     WHERE d.classid = 'pg_proc'::regclass AND d.deptype = 'e'
       AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'maintmode');
SELECT count(*) > 0 AS has_functions FROM ext_function;

-- 1. PUBLIC may execute no function that can change state (every such function is
--    VOLATILE; read functions are STABLE or IMMUTABLE).
SELECT f.function, f.provolatile
  FROM ext_function f, aclexplode(coalesce(f.proacl, acldefault('f', f.proowner))) a
 WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE' AND f.provolatile = 'v'
 ORDER BY f.function::text COLLATE "C";
-- PUBLIC has no privilege on the schema, its tables, views or sequences.
SELECT count(*) AS public_privileges FROM (
    SELECT FROM pg_namespace n, aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a
     WHERE n.nspname = 'maintmode' AND a.grantee = 0
    UNION ALL
    SELECT FROM pg_class c, aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) a
     WHERE c.relnamespace = 'maintmode'::regnamespace AND a.grantee = 0) p;

-- Nor any function that runs as its owner: those read fleet data whatever the caller
-- may read (the overdue lookup of the dashboards listed overdue agents for anyone).
SELECT f.function
  FROM ext_function f, aclexplode(coalesce(f.proacl, acldefault('f', f.proowner))) a
 WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE' AND f.prosecdef
 ORDER BY f.function::text COLLATE "C";

-- Nor the overdue lookups, which read agents as their owner without being SECURITY
-- DEFINER (they become it only around their SQL): each of the three is listed with
-- whether PUBLIC may execute it.
SELECT f.function, bool_or(a.grantee = 0) AS public_executes
  FROM ext_function f, aclexplode(coalesce(f.proacl, acldefault('f', f.proowner))) a
 WHERE f.oid IN ('maintmode.overdue_alerting_agents()'::regprocedure,
                 'maintmode.site_overdue_alerting(bigint)'::regprocedure,
                 'maintmode.client_overdue_alerting(bigint)'::regprocedure)
 GROUP BY f.function ORDER BY f.function::text COLLATE "C";

-- 2. Every SECURITY DEFINER function pins search_path to pg_catalog, pg_temp.
SELECT count(*) > 0 AS has_security_definer FROM ext_function WHERE prosecdef;
SELECT function, proconfig FROM ext_function
 WHERE prosecdef AND NOT coalesce(proconfig @> '{"search_path=pg_catalog, pg_temp"}', false);
-- Functions that do not pin it: C functions that run no SQL as the caller (those that
-- run SQL as their owner, the trigger functions that fire on every write, the dashboards'
-- overdue lookups and the caller_* functions, pin it themselves around it) or only SQL
-- that names the schema of every object (client_overflow()), and SQL functions with
-- SQL-standard bodies, parsed at CREATE EXTENSION.
SELECT function, lanname, preparsed FROM ext_function
 WHERE NOT coalesce(proconfig @> '{"search_path=pg_catalog, pg_temp"}', false)
 ORDER BY function::text COLLATE "C";

-- 3. The roles of the README's "Roles" section, created as it says.
CREATE ROLE maint_viewer NOLOGIN;
GRANT USAGE ON SCHEMA maintmode TO maint_viewer;
GRANT SELECT ON ALL TABLES IN SCHEMA maintmode TO maint_viewer;
GRANT EXECUTE ON FUNCTION maintmode.server_maint_status(),
                          maintmode.agent_status(bigint),
                          maintmode.agent_status(timestamptz, integer, integer),
                          maintmode.overdue_alerting_agents(),
                          maintmode.site_overdue_alerting(bigint),
                          maintmode.client_overdue_alerting(bigint)
    TO maint_viewer;
CREATE ROLE maint_operator NOLOGIN IN ROLE maint_viewer;
GRANT EXECUTE ON FUNCTION maintmode.set_agent_maintenance(bigint, boolean, timestamptz, text),
                          maintmode.set_site_maintenance(bigint, boolean, timestamptz, text),
                          maintmode.set_client_maintenance(bigint, boolean, timestamptz, text),
                          maintmode.server_maint_mode(text),
                          maintmode.create_window(text, bigint, timestamptz, timestamptz,
                                                  interval, text, text, text),
                          maintmode.end_window(bigint),
                          maintmode.extend_window(bigint, timestamptz)
    TO maint_operator;
-- A person who operates, and roles for the negative cases.
CREATE ROLE regress_alice LOGIN IN ROLE maint_operator;
CREATE ROLE regress_nobody LOGIN;
-- Switches only: schema usage and EXECUTE, no privilege on any table.
CREATE ROLE regress_switch_only LOGIN;
GRANT USAGE ON SCHEMA maintmode TO regress_switch_only;
GRANT EXECUTE ON FUNCTION maintmode.set_agent_maintenance(bigint, boolean, timestamptz, text),
                          maintmode.server_maint_mode(text)
    TO regress_switch_only;

-- Two windows, not yet in force, by the operator: the readers below list their
-- occurrences.
SET ROLE maint_operator;
SELECT maintmode.create_window('site', 3, date_trunc('hour', now()) + interval '1 day',
                               duration => '1 hour', reason => 'security check') AS sec_window,
       date_trunc('hour', now()) + interval '1 day' AS sec_starts \gset
SELECT maintmode.create_window('site', 2, date_trunc('hour', now()) + interval '2 days',
                               duration => '1 hour', reason => 'other window') IS NOT NULL AS created;
RESET ROLE;

SELECT digest AS before FROM state_digest \gset

-- A role without grants: 42501 for everything, nothing changed.
SET ROLE regress_nobody;
SELECT * FROM maintmode.server_maint_mode('enable'); \echo SQLSTATE :SQLSTATE
SELECT maintmode.set_agent_maintenance(1, true); \echo SQLSTATE :SQLSTATE
SELECT * FROM maintmode.server_maint_status(); \echo SQLSTATE :SQLSTATE
SELECT count(*) FROM maintmode.agent; \echo SQLSTATE :SQLSTATE
SELECT count(*) FROM maintmode.upcoming_windows; \echo SQLSTATE :SQLSTATE
SELECT count(*) FROM maintmode.window_occurrences(:sec_window, now(), now() + interval '3 days'); \echo SQLSTATE :SQLSTATE
RESET ROLE;

-- The viewer reads, and may change nothing.
SET ROLE maint_viewer;
SELECT count(*) AS agents, count(*) FILTER (WHERE maintenance_mode) AS in_maintenance
  FROM maintmode.agent;
SELECT in_maintenance, agents, agents_in_maintenance FROM maintmode.server_maint_status();
SELECT maintmode.agent_status(1);
SELECT count(*) AS events FROM maintmode.event_log;
SELECT reason, in_force FROM maintmode.upcoming_windows ORDER BY starts;
SELECT starts = :'sec_starts' AS own_window
  FROM maintmode.window_occurrences(:sec_window, now(), now() + interval '3 days');
SELECT * FROM maintmode.server_maint_mode('enable'); \echo SQLSTATE :SQLSTATE
SELECT * FROM maintmode.server_maint_mode('force-disable'); \echo SQLSTATE :SQLSTATE
SELECT maintmode.set_agent_maintenance(1, true); \echo SQLSTATE :SQLSTATE
SELECT maintmode.set_site_maintenance(1, true); \echo SQLSTATE :SQLSTATE
SELECT maintmode.set_client_maintenance(1, true); \echo SQLSTATE :SQLSTATE
UPDATE maintmode.agent SET maintenance_mode = true; \echo SQLSTATE :SQLSTATE
INSERT INTO maintmode.saved_state VALUES (1, true); \echo SQLSTATE :SQLSTATE
DELETE FROM maintmode.event_log; \echo SQLSTATE :SQLSTATE
RESET ROLE;
SELECT digest = :'before' AS unchanged FROM state_digest;

-- The switch-only role switches without any table privilege, and cannot read.
SET ROLE regress_switch_only;
SELECT maintmode.set_agent_maintenance(1, true); \echo SQLSTATE :SQLSTATE
SELECT action, agents_changed FROM maintmode.server_maint_mode('enable'); \echo SQLSTATE :SQLSTATE
SELECT count(*) FROM maintmode.agent; \echo SQLSTATE :SQLSTATE
UPDATE maintmode.agent SET maintenance_mode = false; \echo SQLSTATE :SQLSTATE
SELECT maintmode.set_site_maintenance(1, false); \echo SQLSTATE :SQLSTATE
-- window_occurrences() runs as its caller, who needs SELECT on the windows.
SELECT count(*) FROM maintmode.window_occurrences(:sec_window, now(), now() + interval '3 days'); \echo SQLSTATE :SQLSTATE
RESET ROLE;
SELECT * FROM fleet;

-- The operator, logged in as regress_alice: the log names alice; after SET ROLE,
-- the role set.
SET SESSION AUTHORIZATION regress_alice;
SELECT action, agents_changed, states_restored FROM maintmode.server_maint_mode('disable');
SELECT maintmode.set_site_maintenance(3, true);
SET ROLE maint_operator;
SELECT maintmode.set_client_maintenance(2, false);
SELECT action, states_saved FROM maintmode.server_maint_mode('enable');
SELECT enabled_by FROM maintmode.server_maint_status();
UPDATE maintmode.agent SET maintenance_mode = false; \echo SQLSTATE :SQLSTATE
RESET SESSION AUTHORIZATION;
SELECT role_name, action, scope, target_id, agents_changed FROM maintmode.event_log ORDER BY id;
SELECT * FROM maintmode.server_maint_mode('force-disable');
SELECT maintmode.set_agent_maintenance(2, true), maintmode.set_agent_maintenance(4, true);
SELECT * FROM fleet;

-- 4. Hostile objects in a schema put first in the caller's search_path, named like
--    what the extension uses: now(), an = on bigint that means <>, a <> on boolean
--    that is always true, count(*) that starts at 1000, "coalesce", and tables named
--    like the extension's.  None may be picked up.
CREATE SCHEMA evil;
CREATE FUNCTION evil.now() RETURNS timestamptz LANGUAGE sql
    AS $$ SELECT timestamptz '2000-01-01 00:00+00' $$;
CREATE FUNCTION evil.int8_eq(bigint, bigint) RETURNS boolean LANGUAGE sql
    AS $$ SELECT $1 OPERATOR(pg_catalog.<>) $2 $$;
CREATE OPERATOR evil.= (FUNCTION = evil.int8_eq, LEFTARG = bigint, RIGHTARG = bigint);
CREATE FUNCTION evil.bool_ne(boolean, boolean) RETURNS boolean LANGUAGE sql
    AS $$ SELECT true $$;
CREATE OPERATOR evil.<> (FUNCTION = evil.bool_ne, LEFTARG = boolean, RIGHTARG = boolean);
CREATE AGGREGATE evil.count(*) (SFUNC = int8inc, STYPE = bigint, INITCOND = '1000');
CREATE FUNCTION evil."coalesce"(boolean, boolean) RETURNS boolean LANGUAGE sql
    AS $$ SELECT true $$;
CREATE TABLE evil.agent (LIKE maintmode.agent);
CREATE TABLE evil.saved_state (LIKE maintmode.saved_state);
CREATE TABLE evil.server_mode (LIKE maintmode.server_mode);
CREATE TABLE evil.event_log (LIKE maintmode.event_log);
GRANT USAGE ON SCHEMA evil TO PUBLIC;
GRANT ALL ON ALL TABLES IN SCHEMA evil TO PUBLIC;
-- Agent 1 seen a minute ago, agent 2 an hour ago: a wrong row would show.
UPDATE maintmode.agent SET last_seen = now() - interval '1 minute' WHERE id = 1;
UPDATE maintmode.agent SET last_seen = now() - interval '1 hour' WHERE id = 2;

SET SESSION AUTHORIZATION regress_alice;
SET search_path = evil, pg_catalog, maintmode;
SELECT 1::bigint = 2::bigint AS hostile_eq_is_live, count(*) AS hostile_count FROM (VALUES (1)) v;
SELECT set_agent_maintenance(1, true);		-- 1: only agent 1
SELECT set_agent_maintenance(1, true);		-- 0: already in
SELECT set_site_maintenance(3, false);
SELECT agent_status(1) AS agent1, agent_status(2) AS agent2;
-- window_occurrences() reads its own window, not the one a hostile = would pick.
SELECT starts OPERATOR(pg_catalog.=) :'sec_starts' AS own_window
  FROM window_occurrences(:sec_window, pg_catalog.now(), pg_catalog.now() + interval '3 days');
SELECT action, agents_changed, states_saved FROM server_maint_mode('enable');
SELECT in_maintenance, since > '2001-01-01' AS real_since, saved_states, agents,
       agents_in_maintenance FROM server_maint_status();
-- an agent added with the hostile path (by the owner: alice may not insert) starts in
-- maintenance, and leaves it with disable.
RESET SESSION AUTHORIZATION;
INSERT INTO maintmode.agent (site_id, hostname) VALUES (1, 'new');
SELECT string_agg(hostname || ':' || maintenance_mode, ' ') FROM maintmode.agent WHERE id > 7;
SET SESSION AUTHORIZATION regress_alice;
SELECT action, agents_changed, states_restored FROM server_maint_mode('disable');
RESET search_path;
RESET SESSION AUTHORIZATION;
SELECT * FROM fleet;
SELECT count(*) AS evil_rows FROM (SELECT FROM evil.agent UNION ALL SELECT FROM evil.saved_state
    UNION ALL SELECT FROM evil.server_mode UNION ALL SELECT FROM evil.event_log) e;
SELECT count(*) FILTER (WHERE logged_at < '2001-01-01') AS logged_with_hostile_now
  FROM maintmode.event_log;

DROP SCHEMA evil CASCADE;
DROP VIEW ext_function, fleet, state_digest;
DROP EXTENSION maintmode;
-- the schema CREATE EXTENSION made stays, with its grants (see the README).
DROP SCHEMA maintmode;
DROP ROLE regress_alice, regress_nobody, regress_switch_only, maint_operator, maint_viewer;
