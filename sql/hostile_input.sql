-- Hostile input: every odd option, id, name and flag is refused with a SQLSTATE or
-- handled as plain data; the fleet is unchanged afterwards (digest of every table).
CREATE EXTENSION maintmode;
\i test/fixtures/fleet.sql
SET client_min_messages = notice;

-- Every row of every table of the extension, as one md5.
CREATE TEMP VIEW all_tables_digest AS
    SELECT md5(string_agg(format('%s=%s', c.relname,
               (xpath('/row/m/text()',
                      query_to_xml(format('SELECT md5(string_agg(t::text, %L ORDER BY t::text)) AS m FROM maintmode.%I t',
                                          ',', c.relname), false, true, '')))[1]),
               ' ' ORDER BY c.relname)) AS digest
      FROM pg_class c
     WHERE c.relnamespace = 'maintmode'::regnamespace AND c.relkind = 'r';
-- Some state to keep: a window with a hand change, and a check.
SELECT action FROM maintmode.server_maint_mode('enable');
SELECT maintmode.set_agent_maintenance(2, false);
INSERT INTO maintmode.check_result (agent_id, name, status) VALUES (1, 'disk', 'failing');
SELECT digest AS before FROM all_tables_digest \gset

-- server_maint_mode options: quotes, semicolons, backslashes, control characters,
-- spaces, near misses, unicode look-alikes, very long, NULL.
SELECT * FROM maintmode.server_maint_mode('en''able'); \echo SQLSTATE :SQLSTATE
SELECT * FROM maintmode.server_maint_mode('"enable"'); \echo SQLSTATE :SQLSTATE
SELECT * FROM maintmode.server_maint_mode('enable;'); \echo SQLSTATE :SQLSTATE
SELECT * FROM maintmode.server_maint_mode('disable''); SELECT maintmode.server_maint_mode(''force-disable'); \echo SQLSTATE :SQLSTATE
SELECT * FROM maintmode.server_maint_mode(E'enable\\'); \echo SQLSTATE :SQLSTATE
SELECT * FROM maintmode.server_maint_mode(E'enable\n'); \echo SQLSTATE :SQLSTATE
SELECT * FROM maintmode.server_maint_mode(E'\tdisable'); \echo SQLSTATE :SQLSTATE
SELECT * FROM maintmode.server_maint_mode('enable '); \echo SQLSTATE :SQLSTATE
SELECT * FROM maintmode.server_maint_mode('force_enable'); \echo SQLSTATE :SQLSTATE
SELECT * FROM maintmode.server_maint_mode('force enable'); \echo SQLSTATE :SQLSTATE
SELECT * FROM maintmode.server_maint_mode('forceenable'); \echo SQLSTATE :SQLSTATE
SELECT * FROM maintmode.server_maint_mode('-enable'); \echo SQLSTATE :SQLSTATE
SELECT * FROM maintmode.server_maint_mode('--'); \echo SQLSTATE :SQLSTATE
SELECT * FROM maintmode.server_maint_mode('--enable--'); \echo SQLSTATE :SQLSTATE
SELECT * FROM maintmode.server_maint_mode('enable,disable'); \echo SQLSTATE :SQLSTATE
SELECT * FROM maintmode.server_maint_mode('ena%'); \echo SQLSTATE :SQLSTATE
SELECT * FROM maintmode.server_maint_mode('%s%s%s%n'); \echo SQLSTATE :SQLSTATE
SELECT * FROM maintmode.server_maint_mode('énable'); \echo SQLSTATE :SQLSTATE
SELECT * FROM maintmode.server_maint_mode('ｅｎａｂｌｅ'); \echo SQLSTATE :SQLSTATE
SELECT * FROM maintmode.server_maint_mode(E'enable\u200b'); \echo SQLSTATE :SQLSTATE
SELECT * FROM maintmode.server_maint_mode('DİSABLE'); \echo SQLSTATE :SQLSTATE
SELECT * FROM maintmode.server_maint_mode('dısable'); \echo SQLSTATE :SQLSTATE
SELECT * FROM maintmode.server_maint_mode('—enable'); \echo SQLSTATE :SQLSTATE
-- the refused option is echoed cut at 64 bytes, on a character boundary
SELECT * FROM maintmode.server_maint_mode(repeat('é', 100)); \echo SQLSTATE :SQLSTATE
SELECT * FROM maintmode.server_maint_mode(repeat('enable', 200000)); \echo SQLSTATE :SQLSTATE
SELECT * FROM maintmode.server_maint_mode(NULL); \echo SQLSTATE :SQLSTATE
SELECT * FROM maintmode.server_maint_mode(NULL::text); \echo SQLSTATE :SQLSTATE
SELECT * FROM maintmode.server_maint_mode(); \echo SQLSTATE :SQLSTATE
SELECT * FROM maintmode.server_maint_mode('enable', 'disable'); \echo SQLSTATE :SQLSTATE
SELECT * FROM maintmode.server_maint_mode(true); \echo SQLSTATE :SQLSTATE
SELECT digest = :'before' AS unchanged FROM all_tables_digest;

-- Ids: negative, zero, the extremes, out of range, NULL, not a number.
SELECT maintmode.set_agent_maintenance(-1, true); \echo SQLSTATE :SQLSTATE
SELECT maintmode.set_agent_maintenance(0, true); \echo SQLSTATE :SQLSTATE
SELECT maintmode.set_agent_maintenance(-9223372036854775808, true); \echo SQLSTATE :SQLSTATE
SELECT maintmode.set_site_maintenance(9223372036854775807, false); \echo SQLSTATE :SQLSTATE
SELECT maintmode.set_client_maintenance(-9223372036854775808, false); \echo SQLSTATE :SQLSTATE
SELECT maintmode.set_agent_maintenance(9223372036854775808, true); \echo SQLSTATE :SQLSTATE
SELECT maintmode.set_site_maintenance(1e30, true); \echo SQLSTATE :SQLSTATE
SELECT maintmode.set_client_maintenance('1; DROP TABLE maintmode.agent', true); \echo SQLSTATE :SQLSTATE
SELECT maintmode.set_agent_maintenance('1''', true); \echo SQLSTATE :SQLSTATE
SELECT maintmode.set_agent_maintenance(NULL, NULL); \echo SQLSTATE :SQLSTATE
SELECT maintmode.set_client_maintenance(NULL::bigint, true); \echo SQLSTATE :SQLSTATE
SELECT maintmode.agent_status(-9223372036854775808); \echo SQLSTATE :SQLSTATE
SELECT maintmode.agent_status(9223372036854775807); \echo SQLSTATE :SQLSTATE
-- The flag: only what boolean input accepts; anything else is 22P02.
SELECT maintmode.set_agent_maintenance(1, 'maybe'); \echo SQLSTATE :SQLSTATE
SELECT maintmode.set_agent_maintenance(1, 'true; DROP TABLE maintmode.agent'); \echo SQLSTATE :SQLSTATE
SELECT maintmode.set_agent_maintenance(1, 2); \echo SQLSTATE :SQLSTATE
SELECT digest = :'before' AS unchanged FROM all_tables_digest;

-- Accepted spellings (case-insensitive, with "--") and boolean words: handled.  Run in
-- a transaction that rolls back, so the digest stays.
BEGIN;
SELECT action FROM maintmode.server_maint_mode('ENABLE');
SELECT action FROM maintmode.server_maint_mode('--Force-Enable');
SELECT action FROM maintmode.server_maint_mode('dIsAbLe');
SELECT action FROM maintmode.server_maint_mode('--FORCE-DISABLE');
SELECT maintmode.set_agent_maintenance(1, 'yes'), maintmode.set_agent_maintenance(1, 'off'),
       maintmode.set_agent_maintenance(1, ' TRUE ');
ROLLBACK;
SELECT digest = :'before' AS unchanged FROM all_tables_digest;

-- agent_status by columns: odd times and minute counts.
SELECT maintmode.agent_status('infinity', 4, 30) AS future,
       maintmode.agent_status('-infinity', 4, 30) AS long_ago,
       maintmode.agent_status(NULL, 4, 30) AS never,
       maintmode.agent_status(now(), NULL, 30) AS no_offline_time;
SELECT maintmode.agent_status(now() - interval '1 minute', 2147483647, 2147483647) AS huge_minutes;
-- minutes the agent table refuses are refused here too (22023)
SELECT maintmode.agent_status(now() - interval '1 minute', 0, 30); \echo SQLSTATE :SQLSTATE
SELECT maintmode.agent_status(now() - interval '1 minute', -5, 30); \echo SQLSTATE :SQLSTATE
SELECT maintmode.agent_status(now() - interval '1 minute', 4, -2147483648); \echo SQLSTATE :SQLSTATE
SELECT maintmode.agent_status(NULL, 4, 0); \echo SQLSTATE :SQLSTATE

-- Names and values written straight into the tables: the constraints refuse what is
-- not valid (23xxx, 428C9; 54000 for a name too long for its unique index), and
-- nothing changes.  (Terse: the rows in the DETAIL lines hold times.)
\set VERBOSITY terse
INSERT INTO maintmode.client (name) VALUES (''); \echo SQLSTATE :SQLSTATE
INSERT INTO maintmode.client (name) VALUES (NULL); \echo SQLSTATE :SQLSTATE
INSERT INTO maintmode.client (name) VALUES ('acme'); \echo SQLSTATE :SQLSTATE
INSERT INTO maintmode.client (id, name) VALUES (-1, 'negative'); \echo SQLSTATE :SQLSTATE
INSERT INTO maintmode.site (client_id, name) VALUES (-1, 'orphan'); \echo SQLSTATE :SQLSTATE
INSERT INTO maintmode.agent (site_id, hostname) VALUES (9223372036854775807, 'orphan'); \echo SQLSTATE :SQLSTATE
INSERT INTO maintmode.agent (site_id, hostname, offline_time) VALUES (1, 'x', 0); \echo SQLSTATE :SQLSTATE
INSERT INTO maintmode.agent (site_id, hostname, overdue_time) VALUES (1, 'x', -1); \echo SQLSTATE :SQLSTATE
INSERT INTO maintmode.agent (site_id, hostname, maintenance_mode) VALUES (1, 'x', NULL); \echo SQLSTATE :SQLSTATE
INSERT INTO maintmode.check_result (agent_id, kind, name) VALUES (1, 'Check', 'x'); \echo SQLSTATE :SQLSTATE
INSERT INTO maintmode.check_result (agent_id, name, status) VALUES (1, 'x', 'FAILING'); \echo SQLSTATE :SQLSTATE
INSERT INTO maintmode.check_result (agent_id, name, alert_severity) VALUES (1, 'x', 'critical'); \echo SQLSTATE :SQLSTATE
INSERT INTO maintmode.check_result (agent_id, name) VALUES (1, 'disk'); \echo SQLSTATE :SQLSTATE
INSERT INTO maintmode.server_mode (singleton) VALUES (false); \echo SQLSTATE :SQLSTATE
UPDATE maintmode.server_mode SET since = NULL; \echo SQLSTATE :SQLSTATE
UPDATE maintmode.server_mode SET in_maintenance = false; \echo SQLSTATE :SQLSTATE
INSERT INTO maintmode.saved_state VALUES (1, NULL); \echo SQLSTATE :SQLSTATE
INSERT INTO maintmode.saved_state VALUES (1, true); \echo SQLSTATE :SQLSTATE
INSERT INTO maintmode.event_log (role_name, action, scope, agents_changed) VALUES ('x', 'y', 'galaxy', 0); \echo SQLSTATE :SQLSTATE
INSERT INTO maintmode.event_log (role_name, action, scope, target_id, agents_changed) VALUES ('x', 'y', 'server', 1, 0); \echo SQLSTATE :SQLSTATE
INSERT INTO maintmode.client (name) VALUES (repeat('long', 250000)); \echo SQLSTATE :SQLSTATE
INSERT INTO maintmode.site (client_id, name) SELECT 1, string_agg(md5(g::text), '') FROM generate_series(1, 100) g; \echo SQLSTATE :SQLSTATE
\set VERBOSITY default
SELECT digest = :'before' AS unchanged FROM all_tables_digest;

-- Hostile names are plain data: stored as given, switched by id, logged; and a role
-- with quotes and a semicolon in its name is logged as it is.
BEGIN;
INSERT INTO maintmode.client (name) VALUES ($$'); DROP TABLE maintmode.agent; --$$), (E'back\\slash'),
       ('クライアント 🚀'), (repeat('long', 500));
INSERT INTO maintmode.site (client_id, name)
    SELECT id, name FROM maintmode.client WHERE id > 2;
INSERT INTO maintmode.agent (site_id, hostname)
    SELECT id, '"; SELECT pg_sleep(10); --' FROM maintmode.site WHERE id > 3
    UNION ALL SELECT 1, repeat('very long hostname ', 100000);
-- (new agents start in maintenance: the server is in its window)
SELECT c.name, length(c.name) AS name_length,
       maintmode.set_client_maintenance(c.id, false) AS changed
  FROM maintmode.client c WHERE length(c.name) < 100 ORDER BY c.id;
SELECT length(c.name) AS name_length, maintmode.set_client_maintenance(c.id, false) AS changed
  FROM maintmode.client c WHERE length(c.name) >= 100;
SELECT id AS hostile_site FROM maintmode.site WHERE name = $$'); DROP TABLE maintmode.agent; --$$ \gset
CREATE ROLE "regress_o'brien; --";
GRANT USAGE ON SCHEMA maintmode TO "regress_o'brien; --";
GRANT EXECUTE ON FUNCTION maintmode.set_site_maintenance(bigint, boolean, timestamptz, text) TO "regress_o'brien; --";
SET ROLE "regress_o'brien; --";
SELECT maintmode.set_site_maintenance(:hostile_site, true);
RESET ROLE;
SELECT role_name, action, scope, agents_changed FROM maintmode.event_log ORDER BY id DESC LIMIT 1;
SELECT count(*) AS agents, max(length(hostname)) AS longest_hostname FROM maintmode.agent;
ROLLBACK;
SELECT digest = :'before' AS unchanged FROM all_tables_digest;

SELECT action FROM maintmode.server_maint_mode('disable');
SELECT * FROM fleet;
-- The dashboard counters came through every refused call intact.
SELECT count(*) AS counters_that_differ FROM maintmode.verify_counters();
DROP VIEW all_tables_digest, fleet, state_digest;
DROP EXTENSION maintmode;
