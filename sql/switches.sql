-- set_agent/site/client_maintenance, agent_status, and every refused input.
CREATE EXTENSION maintmode;
\i test/fixtures/fleet.sql

SELECT * FROM fleet;
-- Each returns how many agents actually changed.
SELECT maintmode.set_agent_maintenance(1, true);
SELECT maintmode.set_agent_maintenance(1, true);	-- already in: 0
SELECT * FROM fleet;
SELECT maintmode.set_site_maintenance(1, true);		-- hq: hq3 only (hq1, hq2 already in)
SELECT * FROM fleet;
SELECT maintmode.set_site_maintenance(1, false);
SELECT * FROM fleet;
SELECT maintmode.set_client_maintenance(1, true);	-- acme: hq1..hq3, br2 (br1 was in)
SELECT * FROM fleet;
SELECT maintmode.set_client_maintenance(2, true);
SELECT maintmode.set_client_maintenance(1, false);
SELECT * FROM fleet;
SELECT maintmode.set_site_maintenance(3, false);
SELECT * FROM fleet;
-- A site or client without agents exists: 0, not an error.
INSERT INTO maintmode.client (name) VALUES ('empty');
INSERT INTO maintmode.site (client_id, name) VALUES (3, 'nothing-here');
SELECT maintmode.set_client_maintenance(3, true), maintmode.set_site_maintenance(4, true);

-- Every switch is in the event log: who, what, on what, how many.
SELECT role_name = current_user AS by_caller, action, scope, target_id, agents_changed
  FROM maintmode.event_log ORDER BY id;

-- Refused inputs: an error with a SQLSTATE, and nothing changed.
SELECT digest AS before FROM state_digest \gset
SELECT maintmode.set_agent_maintenance(999, true); \echo SQLSTATE :SQLSTATE
SELECT maintmode.set_agent_maintenance(-1, false); \echo SQLSTATE :SQLSTATE
SELECT maintmode.set_agent_maintenance(9223372036854775807, true); \echo SQLSTATE :SQLSTATE
SELECT maintmode.set_site_maintenance(999, true); \echo SQLSTATE :SQLSTATE
SELECT maintmode.set_client_maintenance(0, true); \echo SQLSTATE :SQLSTATE
SELECT maintmode.set_agent_maintenance(NULL, true); \echo SQLSTATE :SQLSTATE
SELECT maintmode.set_agent_maintenance(1, NULL); \echo SQLSTATE :SQLSTATE
SELECT maintmode.set_site_maintenance(NULL, false); \echo SQLSTATE :SQLSTATE
SELECT maintmode.set_client_maintenance(1, NULL); \echo SQLSTATE :SQLSTATE
SELECT maintmode.set_agent_maintenance('one', true); \echo SQLSTATE :SQLSTATE
SELECT maintmode.set_agent_maintenance(1, 'maybe'); \echo SQLSTATE :SQLSTATE
SELECT maintmode.set_agent_maintenance(1.5, true); \echo SQLSTATE :SQLSTATE
SELECT * FROM maintmode.server_maint_mode('on'); \echo SQLSTATE :SQLSTATE
SELECT * FROM maintmode.server_maint_mode(''); \echo SQLSTATE :SQLSTATE
SELECT * FROM maintmode.server_maint_mode(NULL); \echo SQLSTATE :SQLSTATE
SELECT * FROM maintmode.server_maint_mode(' enable'); \echo SQLSTATE :SQLSTATE
SELECT * FROM maintmode.server_maint_mode('---enable'); \echo SQLSTATE :SQLSTATE
SELECT * FROM maintmode.server_maint_mode('enable; DROP TABLE maintmode.agent; --'); \echo SQLSTATE :SQLSTATE
SELECT * FROM maintmode.server_maint_mode('en''able'); \echo SQLSTATE :SQLSTATE
SELECT * FROM maintmode.server_maint_mode(repeat('x', 100000)); \echo SQLSTATE :SQLSTATE
SELECT * FROM maintmode.server_maint_mode(42); \echo SQLSTATE :SQLSTATE
SELECT maintmode.agent_status(999); \echo SQLSTATE :SQLSTATE
SELECT maintmode.agent_status(NULL::bigint); \echo SQLSTATE :SQLSTATE
SELECT digest = :'before' AS unchanged FROM state_digest;
-- A failing call inside a transaction leaves the earlier work of the transaction to
-- the caller: the savepoint rolls back only the refused call.
BEGIN;
SELECT maintmode.set_agent_maintenance(6, true);
SAVEPOINT s;
SELECT maintmode.set_site_maintenance(999, true);
ROLLBACK TO SAVEPOINT s;
SELECT * FROM fleet;
ROLLBACK;
SELECT digest = :'before' AS unchanged FROM state_digest;

-- Agent status: online / offline / overdue against now(); never seen is offline.
-- In one transaction, so that now() is one instant and the boundaries are exact.
BEGIN;
UPDATE maintmode.agent SET last_seen = now() - interval '1 minute' WHERE hostname = 'hq1';
UPDATE maintmode.agent SET last_seen = now() - interval '10 minutes' WHERE hostname = 'hq2';
UPDATE maintmode.agent SET last_seen = now() - interval '31 minutes' WHERE hostname = 'hq3';
UPDATE maintmode.agent SET last_seen = now() - interval '4 minutes' WHERE hostname = 'br1';
UPDATE maintmode.agent SET last_seen = now() - interval '30 minutes' WHERE hostname = 'br2';
UPDATE maintmode.agent SET last_seen = now() - interval '3 hours', overdue_time = 240
    WHERE hostname = 'dc1';
SELECT hostname, maintenance_mode, maintmode.agent_status(id) AS by_id,
       maintmode.agent_status(last_seen, offline_time, overdue_time) AS by_columns
  FROM maintmode.agent ORDER BY id;
COMMIT;
SELECT maintmode.agent_status(now() - interval '5 minutes', NULL, 30);

DROP VIEW fleet, state_digest;
DROP EXTENSION maintmode;
