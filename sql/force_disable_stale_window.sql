-- server_maint_mode('force-disable') "is unconditional: it ends the server-wide windows
-- in force at that moment ..., so that every agent leaves maintenance" (reference.md).
-- It sweeps only when it ended a window (mm_end_server_windows in src/windows.c).  A
-- server-wide window that is over, but that no sweep has yet taken the agents out of
-- (the window worker runs every window_sweep_interval seconds, a scheduler every
-- minute, or nothing when the worker is not preloaded), keeps every agent in
-- maintenance after force-disable; agents_changed says 0, and the NOTICE blames
-- windows "of their agent, site or client", of which there are none.
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
