-- An update from 1.0 while the server is in maintenance.  1.0 put the agents in without
-- saying it was the server, and the 1.1 update took every agent in maintenance for
-- hand-set: the update to 1.3 gives the server's reason back to the agents that the
-- saved states say were out, and to those created since, as a 1.3 'enable' gives it, so
-- that the reminders of forgotten hand-set maintenance leave them alone.  An agent in
-- by hand before the enable stays hand-set, and is reminded.
SET client_min_messages = warning;
CREATE EXTENSION maintmode VERSION '1.0';
INSERT INTO maintmode.client (name) VALUES ('acme');
INSERT INTO maintmode.site (client_id, name) VALUES (1, 'hq');
INSERT INTO maintmode.agent (site_id, hostname, maintenance_mode)
    VALUES (1, 'a1', false), (1, 'a2', false), (1, 'by-hand', true);
SELECT action, agents_changed FROM maintmode.server_maint_mode('enable');
INSERT INTO maintmode.agent (site_id, hostname, maintenance_mode)
    VALUES (1, 'created-during', true);
ALTER EXTENSION maintmode UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'maintmode';
SELECT hostname, maintenance_mode, hand_maintenance, hand_reason FROM maintmode.agent ORDER BY id;
SELECT maintmode.sweep_reminders() AS reminded;
SELECT a.hostname AS reminded_agent
  FROM maintmode.alert r JOIN maintmode.agent a ON a.id = r.agent_id
 WHERE r.kind = 'reminder';
-- disable gives back what 1.0 saved.
SELECT action, agents_changed, states_restored FROM maintmode.server_maint_mode('disable');
SELECT hostname, maintenance_mode, hand_reason FROM maintmode.agent ORDER BY id;
DROP EXTENSION maintmode;
