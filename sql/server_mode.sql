-- server_maint_mode: every option of the spec's table, and the window cases.
CREATE EXTENSION maintmode;
\i test/fixtures/fleet.sql
SET client_min_messages = notice;

-- A view of the saved states, by hostname.
CREATE TEMP VIEW saved AS
    SELECT string_agg(a.hostname || ':' || CASE WHEN s.maintenance_mode THEN 'M' ELSE '-' END,
                      ' ' ORDER BY a.id) AS states
      FROM maintmode.saved_state s JOIN maintmode.agent a ON a.id = s.agent_id;
CREATE TEMP VIEW mode AS
    SELECT in_maintenance, since IS NOT NULL AS has_since, enabled_by, saved_states,
           agents, agents_in_maintenance
      FROM maintmode.server_maint_status();

SELECT * FROM mode;
SELECT * FROM fleet;

-- enable: saves every state, puts every agent in maintenance.
SELECT * FROM maintmode.server_maint_mode('enable');
SELECT * FROM fleet;
SELECT * FROM saved;
SELECT * FROM mode;

-- a second enable keeps the first snapshot and puts back an agent taken out by hand.
SELECT maintmode.set_agent_maintenance(1, false);
SELECT * FROM maintmode.server_maint_mode('enable');
SELECT * FROM fleet;
SELECT * FROM saved;

-- disable restores every saved state and removes the snapshot.
SELECT * FROM maintmode.server_maint_mode('disable');
SELECT * FROM fleet;
SELECT count(*) AS saved_rows FROM maintmode.saved_state;
SELECT * FROM mode;

-- disable without enable changes nothing.
SELECT * FROM maintmode.server_maint_mode('disable');
SELECT * FROM fleet;

-- force-enable saves nothing; disable after it has nothing to restore and changes nothing.
SELECT * FROM maintmode.server_maint_mode('force-enable');
SELECT * FROM fleet;
SELECT count(*) AS saved_rows FROM maintmode.saved_state;
SELECT * FROM maintmode.server_maint_mode('disable');
SELECT * FROM fleet;
SELECT * FROM mode;
-- enable while force-enabled saves nothing either (the states now are all "in").
SELECT * FROM maintmode.server_maint_mode('enable');
SELECT count(*) AS saved_rows FROM maintmode.saved_state;

-- force-disable takes every agent out, whatever they were before.
SELECT * FROM maintmode.server_maint_mode('force-disable');
SELECT * FROM fleet;
SELECT * FROM mode;

-- Put the hand-set states back: hq2 and br1 in maintenance.
SELECT maintmode.set_agent_maintenance(2, true), maintmode.set_agent_maintenance(4, true);
SELECT * FROM fleet;

-- force-enable after enable keeps the snapshot; disable then restores it.
SELECT * FROM maintmode.server_maint_mode('enable');
SELECT * FROM maintmode.server_maint_mode('force-enable');
SELECT * FROM saved;
SELECT * FROM maintmode.server_maint_mode('disable');
SELECT * FROM fleet;

-- force-disable after enable removes the snapshot; hq2 and br1 come out too.
SELECT * FROM maintmode.server_maint_mode('enable');
SELECT * FROM maintmode.server_maint_mode('force-disable');
SELECT * FROM fleet;
SELECT count(*) AS saved_rows FROM maintmode.saved_state;
SELECT * FROM mode;
SELECT maintmode.set_agent_maintenance(2, true), maintmode.set_agent_maintenance(4, true);

-- During the window: an agent added (starts in maintenance, leaves on disable),
-- one deleted, one taken out and one put in by hand (both get their saved states back).
SELECT * FROM maintmode.server_maint_mode('enable');
INSERT INTO maintmode.agent (site_id, hostname) VALUES (3, 'dc3');
INSERT INTO maintmode.agent (site_id, hostname, maintenance_mode) VALUES (3, 'dc4', false);
SELECT count(*) AS saved_rows FROM maintmode.saved_state;
DELETE FROM maintmode.agent WHERE hostname = 'hq3';
-- the deleted agent takes its saved state along: disable restores one fewer than saved.
SELECT count(*) AS saved_rows FROM maintmode.saved_state;
SELECT maintmode.set_agent_maintenance(2, false);	-- hq2 was in before
SELECT maintmode.set_agent_maintenance(5, false);	-- br2 was out before
SELECT maintmode.set_agent_maintenance(5, true);
SELECT * FROM fleet;
SELECT * FROM mode;
SELECT * FROM maintmode.server_maint_mode('disable');
SELECT * FROM fleet;
-- after the window new agents start out of maintenance again.
INSERT INTO maintmode.agent (site_id, hostname) VALUES (3, 'dc5');
SELECT * FROM fleet;

-- An enable on an empty fleet is still a window: agents created in it leave on disable.
DELETE FROM maintmode.client;
SELECT * FROM maintmode.server_maint_mode('enable');
INSERT INTO maintmode.client (name) VALUES ('initech');
INSERT INTO maintmode.site (client_id, name) SELECT id, 'main' FROM maintmode.client;
INSERT INTO maintmode.agent (site_id, hostname)
    SELECT s.id, 'ini' || g FROM maintmode.site s, generate_series(1, 3) g;
SELECT * FROM fleet;
SELECT * FROM maintmode.server_maint_mode('disable');
SELECT * FROM fleet;

-- The whole sequence in a transaction that rolls back leaves nothing behind.
SELECT maintmode.set_agent_maintenance(a.id, true) FROM maintmode.agent a WHERE hostname = 'ini2';
SELECT * FROM fleet;
SELECT count(*) AS log_rows_before FROM maintmode.event_log \gset
BEGIN;
SELECT * FROM maintmode.server_maint_mode('enable');
INSERT INTO maintmode.agent (site_id, hostname) SELECT id, 'temp' FROM maintmode.site;
SELECT * FROM maintmode.server_maint_mode('force-enable');
SELECT * FROM fleet;
-- a TRUNCATE takes every saved state along; disable then restores none.
TRUNCATE maintmode.agent CASCADE;
SELECT count(*) AS saved_rows FROM maintmode.saved_state;
SELECT action, agents_changed, states_restored FROM maintmode.server_maint_mode('disable');
ROLLBACK;
SELECT * FROM fleet;
SELECT * FROM mode;
SELECT count(*) AS saved_rows FROM maintmode.saved_state;
SELECT count(*) - :log_rows_before AS new_log_rows FROM maintmode.event_log;

-- Spellings: case-insensitive, with or without "--".
SELECT action FROM maintmode.server_maint_mode('--ENABLE');
SELECT action FROM maintmode.server_maint_mode('Force-Enable');
SELECT action FROM maintmode.server_maint_mode('--force-disable');
SELECT action FROM maintmode.server_maint_mode('DISABLE');

-- Every call is in the event log, with the caller and the counts.
SELECT role_name = current_user AS by_caller, action, scope, target_id, agents_changed,
       states_saved, states_restored
  FROM maintmode.event_log WHERE scope = 'server' ORDER BY id;

DROP VIEW fleet, state_digest, saved, mode;
DROP EXTENSION maintmode;

-- A restored agent keeps its reason, who and since: hand-set with a reason, the server
-- enabled, taken out by hand, the server disabled: it is back in maintenance as it was;
-- a second enable then keeps that reason.
CREATE EXTENSION maintmode;
\i test/fixtures/fleet.sql
SET maintmode.test_now = '2026-07-01 08:00 UTC';
SELECT maintmode.set_agent_maintenance(1, true, reason => 'disk swap');
SELECT hand_reason, hand_set_by, hand_since FROM maintmode.agent WHERE id = 1;
SET maintmode.test_now = '2026-07-01 09:00 UTC';
SELECT action FROM maintmode.server_maint_mode('enable');
SELECT maintmode.set_agent_maintenance(1, false);
SET maintmode.test_now = '2026-07-01 10:00 UTC';
SELECT action, states_restored FROM maintmode.server_maint_mode('disable');
SELECT maintenance_mode, hand_reason, hand_set_by, hand_since FROM maintmode.agent WHERE id = 1;
SELECT action FROM maintmode.server_maint_mode('enable');
SELECT hand_reason FROM maintmode.agent WHERE id = 1;
SELECT action FROM maintmode.server_maint_mode('disable');
SELECT hand_reason, hand_since FROM maintmode.agent WHERE id = 1;
RESET maintmode.test_now;
DROP VIEW fleet, state_digest;
DROP EXTENSION maintmode;
