-- window_maintenance is the sweep's: an application role with the documented INSERT
-- and UPDATE on maintmode.agent cannot write it, so it cannot put an agent in
-- maintenance with no window, no hand flag and no record anywhere.  Only the
-- extension's own calls (which run as its owner) change the window flag.
CREATE EXTENSION maintmode;
\i test/fixtures/fleet.sql
SET client_min_messages = warning;
SET maintmode.test_now = '2026-05-01 12:00 UTC';
CREATE ROLE regress_window_app;
GRANT USAGE ON SCHEMA maintmode TO regress_window_app;
GRANT SELECT, INSERT, UPDATE, DELETE
   ON maintmode.client, maintmode.site, maintmode.agent, maintmode.check_result
   TO regress_window_app;
SET ROLE regress_window_app;
UPDATE maintmode.agent SET window_maintenance = true WHERE hostname = 'hq3';
INSERT INTO maintmode.agent (site_id, hostname, window_maintenance) VALUES (1, 'ghost', true);
RESET ROLE;
SELECT hostname, maintenance_mode, hand_maintenance, window_maintenance, hand_set_by
  FROM maintmode.agent WHERE hostname IN ('hq3', 'ghost') ORDER BY id;
-- Who is in maintenance and why: every agent in maintenance has a row.
SELECT a.hostname
  FROM maintmode.agent a
 WHERE a.maintenance_mode
   AND NOT EXISTS (SELECT FROM maintmode.agents_in_maintenance m WHERE m.agent_id = a.id)
 ORDER BY a.id;
-- A check of the ghost agent fails: no one put it in maintenance, so its alert is live.
INSERT INTO maintmode.check_result (agent_id, name, email_alert)
    SELECT id, 'disk', true FROM maintmode.agent WHERE hostname = 'ghost';
UPDATE maintmode.check_result SET status = 'failing'
 WHERE agent_id = (SELECT id FROM maintmode.agent WHERE hostname = 'ghost');
SELECT kind, suppressed, suppressed_reason FROM maintmode.alert ORDER BY id;

RESET maintmode.test_now;
DROP VIEW fleet, state_digest;
REVOKE ALL ON SCHEMA maintmode FROM regress_window_app;
DROP EXTENSION maintmode;
DROP ROLE regress_window_app;
