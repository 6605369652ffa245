-- Agent statements over more than 10,000 agents: the agent trigger then reads the
-- colour counts of every failing agent in one scan instead of looking the changed
-- agents up, and plans its statements for the input.  Each step is checked against the
-- recomputation (verify_counters) and by the site colours it leaves.
CREATE EXTENSION maintmode;
INSERT INTO maintmode.client (name) SELECT 'client' || g FROM generate_series(1, 4) g;
INSERT INTO maintmode.site (client_id, name)
    SELECT 1 + (g - 1) / 10, 'site' || g FROM generate_series(1, 40) g;
-- 12,000 agents, 300 per site; agent ids 1..12000 in site order.
INSERT INTO maintmode.agent (site_id, hostname)
    SELECT 1 + (g - 1) / 300, 'h' || g FROM generate_series(1, 12000) g;
-- One check each: failing with error in sites 1-10 for one agent in 100, failing with
-- warning in sites 11-20 for one in 100, passing elsewhere.
INSERT INTO maintmode.check_result (agent_id, name, status, alert_severity)
    SELECT id, 'disk',
           CASE WHEN site_id <= 20 AND id % 100 = 0 THEN 'failing' ELSE 'passing' END,
           CASE WHEN site_id <= 10 THEN 'error' ELSE 'warning' END
      FROM maintmode.agent;

CREATE VIEW state AS
    SELECT (SELECT count(*) FROM maintmode.verify_counters()) AS differ,
           (SELECT string_agg(colour || ':' || n, ' ' ORDER BY colour)
              FROM (SELECT colour, count(*) AS n FROM maintmode.site_dashboard GROUP BY colour) c)
               AS site_colours,
           (SELECT string_agg(colour || ':' || n, ' ' ORDER BY colour)
              FROM (SELECT colour, count(*) AS n FROM maintmode.client_dashboard GROUP BY colour) c)
               AS client_colours,
           (SELECT count(*) FROM maintmode.agent WHERE maintenance_mode) AS in_maintenance;
SELECT * FROM state;

-- Every agent in, every agent back.
SELECT action, agents_changed FROM maintmode.server_maint_mode('enable');
SELECT * FROM state;
SELECT action, agents_changed, states_restored FROM maintmode.server_maint_mode('disable');
SELECT * FROM state;

-- 3,000 agents (a client) in and out: below the scan threshold, planned for the input.
SELECT maintmode.set_client_maintenance(1, true);
SELECT * FROM state;
SELECT maintmode.set_client_maintenance(1, false);

-- One statement moving 10,500 agents one site on (wrapping) and putting every second
-- one in maintenance: failing agents leave sites 1-20 for their neighbours.
UPDATE maintmode.agent
   SET site_id = site_id % 40 + 1, maintenance_mode = (id % 2 = 0)
 WHERE id <= 10500;
SELECT * FROM state;
-- And back.
UPDATE maintmode.agent
   SET site_id = (site_id + 38) % 40 + 1, maintenance_mode = false
 WHERE id <= 10500;
SELECT * FROM state;

DROP VIEW state;
DROP EXTENSION maintmode;
