-- server_maint_mode('force-disable') takes every agent out, also when a server-wide
-- window is over but no sweep has taken its agents out yet (the window worker runs every
-- window_sweep_interval seconds, a scheduler every minute, or nothing): force-disable
-- sweeps whether or not it ended a window itself.
CREATE EXTENSION maintmode;
\i test/fixtures/fleet.sql
SET maintmode.test_now = '2026-03-02 09:00 UTC';
SELECT maintmode.create_window('server', NULL, '2026-03-02 09:00 UTC',
                               '2026-03-02 10:00 UTC', reason => 'patch night') AS window;
SELECT * FROM fleet;
-- 10:30: the window is over; no sweep has run since.
SET maintmode.test_now = '2026-03-02 10:30 UTC';
SELECT count(*) AS windows_of_agents_sites_clients
  FROM maintmode.maintenance_window WHERE num_nonnulls(agent_id, site_id, client_id) > 0;
SELECT * FROM maintmode.server_maint_mode('force-disable');
SELECT * FROM fleet;
SELECT in_maintenance, agents, agents_in_maintenance FROM maintmode.server_maint_status();

RESET maintmode.test_now;
DROP VIEW fleet, state_digest;
DROP EXTENSION maintmode;
