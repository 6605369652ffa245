-- Operators limited to clients and sites: grant_scope() and revoke_scope(); each rule
-- as the scoped role, through the functions and through plain SQL; a role scoped by
-- membership; a site-scoped role refused its whole client; the counters exact after
-- scoped writes; and the ways a scoped role might try to get out of its scopes.
CREATE EXTENSION maintmode;
\i test/fixtures/fleet.sql
\i test/fixtures/outcome.sql
SET client_min_messages = notice;
-- acme (1): hq (site 1: hq1-3), branch (site 2: br1-2); globex (2): dc (site 3: dc1-2).
INSERT INTO maintmode.check_result (agent_id, name, status, alert_severity, email_alert)
    VALUES (1, 'disk', 'passing', 'error', true), (4, 'disk', 'passing', 'warning', true),
           (6, 'disk', 'passing', 'error', true);

-- An operator role as the README's, with plain-SQL writes (an ORM's) on top; the
-- technician roles of the MSP case, each a member of it; bob logs in as acme's.
CREATE ROLE regress_operator NOLOGIN;
GRANT USAGE ON SCHEMA maintmode TO regress_operator;
GRANT SELECT ON ALL TABLES IN SCHEMA maintmode TO regress_operator;
GRANT INSERT, UPDATE ON maintmode.client, maintmode.site, maintmode.agent,
                        maintmode.check_result, maintmode.alert TO regress_operator;
GRANT EXECUTE ON FUNCTION maintmode.set_agent_maintenance(bigint, boolean, timestamptz, text),
                          maintmode.set_site_maintenance(bigint, boolean, timestamptz, text),
                          maintmode.set_client_maintenance(bigint, boolean, timestamptz, text),
                          maintmode.server_maint_mode(text),
                          maintmode.create_window(text, bigint, timestamptz, timestamptz,
                                                  interval, text, text, text),
                          maintmode.end_window(bigint),
                          maintmode.extend_window(bigint, timestamptz),
                          maintmode.take_notifications(text, integer),
                          maintmode.overdue_alerting_agents(),
                          maintmode.site_overdue_alerting(bigint),
                          maintmode.client_overdue_alerting(bigint),
                          maintmode.alert_allowed(bigint)
    TO regress_operator;
CREATE ROLE regress_tech_acme NOLOGIN IN ROLE regress_operator;
CREATE ROLE regress_tech_branch NOLOGIN IN ROLE regress_operator;
CREATE ROLE regress_tech_globex NOLOGIN IN ROLE regress_operator;
CREATE ROLE regress_bob LOGIN IN ROLE regress_tech_acme;
CREATE ROLE regress_multi LOGIN IN ROLE regress_tech_branch, regress_tech_globex;
CREATE ROLE regress_unscoped LOGIN IN ROLE regress_operator;
-- The scope administrator: EXECUTE on the two functions, nothing else.
CREATE ROLE regress_scope_admin NOLOGIN;
GRANT USAGE ON SCHEMA maintmode TO regress_scope_admin;
GRANT EXECUTE ON FUNCTION maintmode.grant_scope(regrole, text, bigint),
                          maintmode.revoke_scope(regrole, text, bigint)
    TO regress_scope_admin;

-- 1. grant_scope(): only with every argument right; twice is a no-op that says so.
SET ROLE regress_scope_admin;
SELECT maintmode.grant_scope('regress_tech_acme', 'client', 1);
SELECT maintmode.grant_scope('regress_tech_branch', 'site', 2);
SELECT maintmode.grant_scope('regress_tech_globex', 'client', 2);
SELECT maintmode.grant_scope('regress_tech_acme', 'client', 1);
SELECT maintmode.grant_scope(NULL, 'client', 1); \echo SQLSTATE :SQLSTATE
SELECT maintmode.grant_scope('-', 'client', 1); \echo SQLSTATE :SQLSTATE
SELECT maintmode.grant_scope('regress_bob', NULL, 1); \echo SQLSTATE :SQLSTATE
SELECT maintmode.grant_scope('regress_bob', 'rack', 1); \echo SQLSTATE :SQLSTATE
SELECT maintmode.grant_scope('regress_bob', 'client', NULL); \echo SQLSTATE :SQLSTATE
SELECT maintmode.grant_scope('regress_bob', 'client', 99); \echo SQLSTATE :SQLSTATE
SELECT maintmode.grant_scope('regress_bob', 'site', 99); \echo SQLSTATE :SQLSTATE
SELECT maintmode.grant_scope('regress_nosuchrole', 'site', 1); \echo SQLSTATE :SQLSTATE
-- The scope administrator reads and writes nothing else.
SELECT count(*) FROM maintmode.agent; \echo SQLSTATE :SQLSTATE
RESET ROLE;
SELECT role, scope, target, granted_by FROM maintmode.operator_scope ORDER BY role::text, scope, target;
SELECT role_name, action, scope, target_id, agents_changed FROM maintmode.event_log ORDER BY id;
-- Without EXECUTE, no one grants.
SET ROLE regress_unscoped;
SELECT maintmode.grant_scope('regress_unscoped', 'client', 1); \echo SQLSTATE :SQLSTATE
RESET ROLE;

-- 2. Who is scoped: a role with a scope, a member of one (bob, multi), the login role
--    behind SET ROLE; not a role without any, nor a superuser.
CREATE TEMP VIEW whoami AS
    SELECT current_user AS role, maintmode.caller_scoped() AS scoped,
           maintmode.caller_scopes('client') AS clients, maintmode.caller_scopes('site') AS sites,
           maintmode.caller_sees('client') AS sees_clients, maintmode.caller_sees('site') AS sees_sites,
           maintmode.caller_sees('agent') AS sees_agents;
GRANT SELECT ON whoami TO PUBLIC;
SELECT * FROM whoami;
SET ROLE regress_tech_acme; SELECT * FROM whoami; RESET ROLE;
SET ROLE regress_tech_branch; SELECT * FROM whoami; RESET ROLE;
SET ROLE regress_bob; SELECT * FROM whoami; RESET ROLE;
SET ROLE regress_multi; SELECT * FROM whoami; RESET ROLE;
SET ROLE regress_unscoped; SELECT * FROM whoami; RESET ROLE;

SELECT digest AS before FROM state_digest \gset

-- 3. The switches as acme's technician: its client, sites and agents; nothing of
--    globex's, and 42501 names the client or site.
SET ROLE regress_tech_acme;
SELECT maintmode.set_client_maintenance(2, true); \echo SQLSTATE :SQLSTATE
SELECT maintmode.set_site_maintenance(3, true); \echo SQLSTATE :SQLSTATE
SELECT maintmode.set_agent_maintenance(6, true); \echo SQLSTATE :SQLSTATE
SELECT * FROM maintmode.server_maint_mode('enable'); \echo SQLSTATE :SQLSTATE
SELECT * FROM maintmode.server_maint_mode('force-disable'); \echo SQLSTATE :SQLSTATE
-- Unknown ids are unknown, as for anyone.
SELECT maintmode.set_agent_maintenance(99, true); \echo SQLSTATE :SQLSTATE
SELECT maintmode.set_site_maintenance(99, true); \echo SQLSTATE :SQLSTATE
SELECT maintmode.set_client_maintenance(99, true); \echo SQLSTATE :SQLSTATE
RESET ROLE;
SELECT digest = :'before' AS unchanged FROM state_digest;
SET ROLE regress_tech_acme;
SELECT maintmode.set_agent_maintenance(1, true);
SELECT maintmode.set_site_maintenance(2, false);
SELECT maintmode.set_client_maintenance(1, true);
RESET ROLE;
SELECT * FROM fleet;

-- 4. The branch's technician (site 2 of acme): its site and its agents; not the other
--    site, not the whole client, which the detail says.
SET ROLE regress_tech_branch;
SELECT maintmode.set_client_maintenance(1, false); \echo SQLSTATE :SQLSTATE
SELECT maintmode.set_site_maintenance(1, false); \echo SQLSTATE :SQLSTATE
SELECT maintmode.set_agent_maintenance(1, false); \echo SQLSTATE :SQLSTATE
SELECT maintmode.set_site_maintenance(2, false);
SELECT maintmode.set_agent_maintenance(4, true);
RESET ROLE;
SELECT * FROM fleet;

-- 5. Scoped by membership: bob is acme's, multi both the branch's and globex's.
SET SESSION AUTHORIZATION regress_bob;
SELECT maintmode.set_client_maintenance(1, false);
SELECT maintmode.set_client_maintenance(2, true); \echo SQLSTATE :SQLSTATE
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_multi;
SELECT maintmode.set_client_maintenance(2, true);
SELECT maintmode.set_site_maintenance(2, true);
SELECT maintmode.set_site_maintenance(1, true); \echo SQLSTATE :SQLSTATE
SELECT maintmode.set_client_maintenance(1, true); \echo SQLSTATE :SQLSTATE
RESET SESSION AUTHORIZATION;
SELECT * FROM fleet;
SELECT role_name, action, scope, target_id, agents_changed FROM maintmode.event_log
 WHERE action IN ('enable', 'disable') ORDER BY id;

-- 6. Windows: the same rules on create_window, end_window and extend_window; server-wide
--    windows are for unscoped roles.
SELECT maintmode.create_window('site', 1, now(), duration => '1 hour', reason => 'hq patch') AS hq_window \gset
SELECT maintmode.create_window('server', NULL, now() + interval '1 day', duration => '1 hour', reason => 'upgrade') AS server_window \gset
SET ROLE regress_tech_branch;
SELECT pg_temp.outcome($$SELECT maintmode.create_window('site', 2, now(), duration => '1 hour', reason => 'branch')$$) AS own_site,
       pg_temp.outcome($$SELECT maintmode.create_window('agent', 5, now(), duration => '1 hour', reason => 'br2')$$) AS own_agent,
       pg_temp.outcome($$SELECT maintmode.create_window('site', 1, now(), duration => '1 hour', reason => 'hq')$$) AS other_site,
       pg_temp.outcome($$SELECT maintmode.create_window('agent', 1, now(), duration => '1 hour', reason => 'hq1')$$) AS other_agent,
       pg_temp.outcome($$SELECT maintmode.create_window('client', 1, now(), duration => '1 hour', reason => 'acme')$$) AS own_client,
       pg_temp.outcome($$SELECT maintmode.create_window('server', NULL, now(), duration => '1 hour', reason => 'all')$$) AS server;
SELECT maintmode.end_window(:hq_window); \echo SQLSTATE :SQLSTATE
SELECT maintmode.extend_window(:hq_window, now() + interval '2 hours'); \echo SQLSTATE :SQLSTATE
SELECT maintmode.end_window(:server_window); \echo SQLSTATE :SQLSTATE
SELECT maintmode.create_window('server', NULL, now(), duration => '1 hour', reason => 'all'); \echo SQLSTATE :SQLSTATE
SELECT id AS branch_window FROM maintmode.maintenance_window WHERE site_id = 2 \gset
SELECT maintmode.extend_window(:branch_window, now() + interval '3 hours') > now() AS extended;
SELECT maintmode.end_window(:branch_window);
-- It sees the windows of what it sees, and the server-wide ones.
SELECT agent_id, site_id, client_id, reason FROM maintmode.maintenance_window ORDER BY id;
-- So do the upcoming windows and the occurrences of a window (hq's is another site's).
SELECT scope, target, reason FROM maintmode.upcoming_windows ORDER BY window_id;
SELECT count(*) AS hq_occurrences
  FROM maintmode.window_occurrences(:hq_window, now() - interval '1 day', now() + interval '1 day'); \echo SQLSTATE :SQLSTATE
RESET ROLE;
SELECT maintmode.end_window(:hq_window) AS left_hq_window;

-- 7. Plain SQL follows the scopes: reads see the rows of what the role sees, an ORM's
--    UPDATE over everything changes its own agents only, and a row written outside its
--    scopes is refused.
SELECT * FROM maintmode.server_maint_mode('force-disable');
SET ROLE regress_tech_branch;
SELECT (SELECT string_agg(id::text, ',' ORDER BY id) FROM maintmode.client) AS clients,
       (SELECT string_agg(id::text, ',' ORDER BY id) FROM maintmode.site) AS sites,
       (SELECT string_agg(id::text, ',' ORDER BY id) FROM maintmode.agent) AS agents,
       (SELECT string_agg(agent_id::text, ',' ORDER BY agent_id) FROM maintmode.check_result) AS checks,
       (SELECT string_agg(agent_id::text, ',' ORDER BY agent_id) FROM maintmode.agent_counter) AS agent_counters,
       (SELECT string_agg(site_id::text, ',' ORDER BY site_id) FROM maintmode.site_counter) AS site_counters,
       (SELECT count(*) FROM maintmode.client_counter) AS client_counters,
       (SELECT string_agg(DISTINCT agent_id::text, ',') FROM maintmode.maintenance_history) AS history,
       (SELECT string_agg(role::text || ':' || target, ',') FROM maintmode.operator_scope) AS scopes;
UPDATE maintmode.agent SET maintenance_mode = true;
UPDATE maintmode.agent SET maintenance_mode = false WHERE site_id = 3;
UPDATE maintmode.check_result SET status = 'failing';
UPDATE maintmode.agent SET site_id = 3 WHERE id = 5; \echo SQLSTATE :SQLSTATE
INSERT INTO maintmode.agent (site_id, hostname) VALUES (3, 'planted'); \echo SQLSTATE :SQLSTATE
INSERT INTO maintmode.agent (site_id, hostname) VALUES (2, 'br3');
INSERT INTO maintmode.client (name) VALUES ('newco'); \echo SQLSTATE :SQLSTATE
INSERT INTO maintmode.site (client_id, name) VALUES (1, 'annex'); \echo SQLSTATE :SQLSTATE
INSERT INTO maintmode.alert (agent_id, kind, check_id, severity, message)
    VALUES (6, 'check', 3, 'error', 'planted'); \echo SQLSTATE :SQLSTATE
RESET ROLE;
SELECT * FROM fleet;
SELECT agent_id, status FROM maintmode.check_result ORDER BY agent_id;
-- acme's technician may add a site to its client.
SET ROLE regress_tech_acme;
INSERT INTO maintmode.site (client_id, name) VALUES (1, 'annex') RETURNING id, client_id;
RESET ROLE;

-- 8. The views read the tables as their caller: the same rows.
SET ROLE regress_tech_branch;
SELECT agent_id, site_id, client_id, hostname, colour FROM maintmode.agent_dashboard ORDER BY agent_id;
SELECT site_id, client_id, name, agents, agents_in_maintenance, colour FROM maintmode.site_dashboard ORDER BY site_id;
-- acme, counted over the branch only.
SELECT * FROM maintmode.client_dashboard ORDER BY client_id;
SELECT agent_id, source, reason FROM maintmode.agents_in_maintenance ORDER BY agent_id;
SELECT count(*) AS agents, count(*) FILTER (WHERE failing_error + failing_warning > 0) AS failing
  FROM maintmode.agent_counter_recomputed;
SELECT * FROM maintmode.verify_counters();
SELECT agents, agents_in_maintenance, saved_states FROM maintmode.server_maint_status();
SELECT maintmode.alert_allowed(6); \echo SQLSTATE :SQLSTATE
SELECT maintmode.agent_status(6); \echo SQLSTATE :SQLSTATE
SELECT string_agg(DISTINCT agent_id::text, ',') AS alerted_agents FROM maintmode.alert;
SELECT role_name, action, scope, target_id FROM maintmode.event_log ORDER BY id;
RESET ROLE;
SET ROLE regress_tech_acme;
SELECT * FROM maintmode.client_dashboard ORDER BY client_id;
RESET ROLE;
-- Unscoped, everything as before.
SET ROLE regress_unscoped;
SELECT client_id, agents, agents_in_maintenance, colour FROM maintmode.client_dashboard ORDER BY client_id;
SELECT count(*) AS agents FROM maintmode.agent_dashboard;
-- The function behind a scoped role's client rows, called directly, runs as its caller:
-- an unscoped role gets every client summed over its sites, the same figures as the
-- view's (whose rows for it come from the client counters), and the branch's technician
-- only what the view showed it.
SELECT * FROM maintmode.client_dashboard_over_sites()
EXCEPT SELECT * FROM maintmode.client_dashboard;
SELECT count(*) AS clients FROM maintmode.client_dashboard_over_sites();
RESET ROLE;
SET ROLE regress_tech_branch;
SELECT * FROM maintmode.client_dashboard_over_sites() ORDER BY client_id;
RESET ROLE;
-- The overdue lookups of the dashboards, called directly: the branch's overdue agent
-- (br3) is the branch's, globex's (dc1) is not.
UPDATE maintmode.agent SET overdue_email_alert = true, last_seen = now() - interval '1 day'
 WHERE id IN (6, 9);
SET ROLE regress_tech_branch;
SELECT * FROM maintmode.overdue_alerting_agents();
SELECT id, maintmode.site_overdue_alerting(id) FROM generate_series(1, 4) id;
SELECT id, maintmode.client_overdue_alerting(id) FROM generate_series(1, 3) id;
SELECT site_id, colour FROM maintmode.site_dashboard;
RESET ROLE;
SELECT agent_id FROM maintmode.overdue_alerting_agents() ORDER BY 1;
SELECT id, maintmode.site_overdue_alerting(id) FROM generate_series(1, 4) id;
SELECT id, maintmode.client_overdue_alerting(id) FROM generate_series(1, 3) id;

-- 9. The counters stay exact whoever wrote: the triggers run as the owner.
SELECT * FROM maintmode.verify_counters();

-- 10. The senders' queue is for unscoped roles (a scoped sender would take every
--     client's alerts).
SET ROLE regress_tech_acme;
SELECT count(*) FROM maintmode.take_notifications('email', 10); \echo SQLSTATE :SQLSTATE
RESET ROLE;

-- 11. Ways out that are closed.
-- a. SET ROLE to a role without scopes that the technician is a member of: the login
--    role's scopes still count.
SET SESSION AUTHORIZATION regress_bob;
SET ROLE regress_operator;
SELECT current_user, maintmode.caller_scoped(), maintmode.caller_sees('site');
SELECT maintmode.set_client_maintenance(2, false); \echo SQLSTATE :SQLSTATE
SELECT count(*) AS agents_seen FROM maintmode.agent;
RESET ROLE;
-- b. Widening its own scopes, or dropping them, even given EXECUTE.
RESET SESSION AUTHORIZATION;
GRANT regress_scope_admin TO regress_tech_acme;
SET SESSION AUTHORIZATION regress_bob;
SELECT maintmode.grant_scope('regress_tech_acme', 'client', 2); \echo SQLSTATE :SQLSTATE
SELECT maintmode.revoke_scope('regress_tech_acme', 'client', 1); \echo SQLSTATE :SQLSTATE
SELECT maintmode.grant_scope('regress_unscoped', 'client', 1); \echo SQLSTATE :SQLSTATE
RESET SESSION AUTHORIZATION;
REVOKE regress_scope_admin FROM regress_tech_acme;
-- c. Writing the scope table directly, even with every privilege on it.
GRANT ALL ON maintmode.operator_scope TO regress_operator;
SET ROLE regress_tech_acme;
DELETE FROM maintmode.operator_scope; \echo SQLSTATE :SQLSTATE
TRUNCATE maintmode.operator_scope; \echo SQLSTATE :SQLSTATE
INSERT INTO maintmode.operator_scope (role, scope, target, granted_by)
    VALUES ('regress_tech_acme', 'client', 2, 'me'); \echo SQLSTATE :SQLSTATE
UPDATE maintmode.operator_scope SET target = 2; \echo SQLSTATE :SQLSTATE
RESET ROLE;
SET ROLE regress_unscoped;
DELETE FROM maintmode.operator_scope; \echo SQLSTATE :SQLSTATE
RESET ROLE;
REVOKE ALL ON maintmode.operator_scope FROM regress_operator;
GRANT SELECT ON maintmode.operator_scope TO regress_operator;
-- d. A SECURITY DEFINER function of an unscoped role's: it reads and switches with the
--    caller's scopes, the role the event log names.
CREATE FUNCTION public.helpdesk_agents() RETURNS bigint LANGUAGE sql
SECURITY DEFINER SET search_path = pg_catalog
RETURN (SELECT count(*) FROM maintmode.agent);
CREATE FUNCTION public.helpdesk_switch(client bigint) RETURNS bigint LANGUAGE sql
SECURITY DEFINER SET search_path = pg_catalog
RETURN maintmode.set_client_maintenance(client, false);
ALTER FUNCTION public.helpdesk_agents() OWNER TO regress_unscoped;
ALTER FUNCTION public.helpdesk_switch(bigint) OWNER TO regress_unscoped;
SET ROLE regress_unscoped;
SELECT public.helpdesk_agents();
RESET ROLE;
SET ROLE regress_tech_branch;
SELECT public.helpdesk_agents();
SELECT public.helpdesk_switch(1); \echo SQLSTATE :SQLSTATE
RESET ROLE;
DROP FUNCTION public.helpdesk_agents(), public.helpdesk_switch(bigint);
-- e. A function of its own in a query on the tables or the views (a temporary one: any
--    role may create them) that shows what it is given, made cheap so that it would run
--    first: it sees the branch's rows only (br1, br2, br3).
SET ROLE regress_tech_branch;
CREATE FUNCTION pg_temp.leak(text) RETURNS boolean LANGUAGE plpgsql COST 0.0000001
    AS $$BEGIN RAISE NOTICE 'seen %', $1; RETURN true; END$$;
SELECT count(*) FROM maintmode.agent WHERE pg_temp.leak(hostname);
SELECT count(*) FROM maintmode.agent_dashboard WHERE pg_temp.leak(hostname);
SELECT count(*) FROM maintmode.agents_in_maintenance WHERE pg_temp.leak(hostname);
SELECT count(*) FROM maintmode.site_dashboard WHERE pg_temp.leak(name);
SELECT count(*) FROM maintmode.client_dashboard WHERE pg_temp.leak(name);
SELECT count(*) FROM maintmode.alert WHERE pg_temp.leak(message);
DROP FUNCTION pg_temp.leak(text);
RESET ROLE;
-- f. Writes that would reach past the scopes through a row the role may write: the
--    branch's technician renaming or deleting acme (deleting it deletes, as the tables'
--    owner, the sites it does not see) or moving its site to globex; acme's technician
--    pointing an alert at globex's check (check 3), which would take the place of the
--    alert that check raises and keep it from being sent, or at another agent's.
GRANT DELETE ON maintmode.client TO regress_operator;
SET ROLE regress_tech_branch;
SELECT id, name FROM maintmode.client;
UPDATE maintmode.client SET name = 'pwned' WHERE id = 1; \echo SQLSTATE :SQLSTATE
DELETE FROM maintmode.client WHERE id = 1;
UPDATE maintmode.site SET client_id = 2 WHERE id = 2; \echo SQLSTATE :SQLSTATE
RESET ROLE;
REVOKE DELETE ON maintmode.client FROM regress_operator;
SET ROLE regress_tech_acme;
INSERT INTO maintmode.alert (agent_id, kind, check_id, severity, message)
    VALUES (1, 'check', 3, 'info', 'squat'); \echo SQLSTATE :SQLSTATE
INSERT INTO maintmode.alert (agent_id, kind, check_id, severity, message)
    VALUES (2, 'check', 1, 'info', 'squat'); \echo SQLSTATE :SQLSTATE
BEGIN;
INSERT INTO maintmode.alert (agent_id, kind, check_id, severity, message)
    VALUES (1, 'check', 1, 'info', 'its own');
ROLLBACK;
RESET ROLE;
SELECT k.name AS client, s.name AS site, count(a.id) AS agents
  FROM maintmode.client k JOIN maintmode.site s ON s.client_id = k.id
  LEFT JOIN maintmode.agent a ON a.site_id = s.id GROUP BY k.name, s.name ORDER BY 1, 2;
SELECT count(*) AS alerts_of_check_3 FROM maintmode.alert WHERE check_id = 3;
-- g. The caller_* functions tell an unscoped role nothing, and a scoped one its own ids.
SET ROLE regress_unscoped;
SELECT maintmode.caller_sees('agent') AS unscoped_sees;
RESET ROLE;
SELECT maintmode.caller_sees('rack'); \echo SQLSTATE :SQLSTATE
SELECT maintmode.in_scope(5, '{1,3,5,7}'), maintmode.in_scope(4, '{1,3,5,7}'),
       maintmode.in_scope(7, '{1,NULL,7}'), maintmode.in_scope(5, '{}'),
       maintmode.in_scope(5, NULL), maintmode.in_scope(NULL, '{1}');

-- 12. Once per statement: each policy's sub-select runs once (an InitPlan, loops=1)
--     however many rows it tests: NULL for an unscoped role, which every row passes;
--     the sorted ids a scoped role sees.
SET ROLE regress_unscoped;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
    UPDATE maintmode.agent SET last_seen = now();
RESET ROLE;
SET ROLE regress_tech_branch;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
    SELECT count(*) FROM maintmode.check_result;
RESET ROLE;

-- 13. A deleted client keeps its scopes: its technician stays limited (to nothing of it),
--     not unlimited.
DELETE FROM maintmode.client WHERE id = 2;
SET ROLE regress_tech_globex;
SELECT maintmode.caller_scoped(), (SELECT count(*) FROM maintmode.agent) AS agents_seen;
RESET ROLE;

-- 14. revoke_scope(): the role left without scopes is unlimited, and a WARNING says so;
--     revoking what is not there says so too.
SET ROLE regress_scope_admin;
SELECT maintmode.revoke_scope('regress_tech_globex', 'client', 2);
SELECT maintmode.revoke_scope('regress_tech_globex', 'client', 2);
SELECT maintmode.revoke_scope('regress_tech_branch', 'rack', 2); \echo SQLSTATE :SQLSTATE
RESET ROLE;
SET ROLE regress_tech_globex;
SELECT maintmode.caller_scoped(), (SELECT count(*) FROM maintmode.agent) AS agents_seen;
RESET ROLE;
-- multi keeps the branch's scope.
SET ROLE regress_multi; SELECT current_user, caller_scoped FROM whoami, LATERAL (SELECT maintmode.caller_scoped()) s; RESET ROLE;
SELECT role_name, action, scope, target_id FROM maintmode.event_log
 WHERE action LIKE '%scope%' ORDER BY id;
-- Scopes of a dropped role match no one; revoke_scope takes its OID.
SELECT maintmode.grant_scope('regress_unscoped', 'site', 1);
SELECT 'regress_unscoped'::regrole::oid AS dropped_oid \gset
DROP OWNED BY regress_unscoped;
DROP ROLE regress_unscoped;
SELECT count(*) AS dangling FROM maintmode.operator_scope WHERE role = :dropped_oid;
SELECT maintmode.revoke_scope(:dropped_oid, 'site', 1) IS NOT NULL AS revoked;
SELECT count(*) AS dangling FROM maintmode.operator_scope WHERE role = :dropped_oid;

DROP VIEW whoami, fleet, state_digest;
DROP EXTENSION maintmode;
DROP SCHEMA maintmode;
DROP ROLE regress_bob, regress_multi, regress_tech_acme, regress_tech_branch,
          regress_tech_globex, regress_scope_admin;
DROP OWNED BY regress_operator;
DROP ROLE regress_operator;
