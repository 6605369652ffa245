-- The benchmark fleet (test/bench/dashboard.sh): :clients clients, 10 sites per client,
-- 10 agents per site, 10 checks per agent.
CREATE EXTENSION maintmode;
SELECT setseed(0.3);
INSERT INTO maintmode.client (name) SELECT 'client' || g FROM generate_series(1, :clients) g;
INSERT INTO maintmode.site (client_id, name)
    SELECT (g - 1) / 10 + 1, 'site' || g FROM generate_series(1, :clients * 10) g;
-- 5% in maintenance; every agent seen in the last few minutes except 0.1% overdue;
-- 20% with an overdue alert flag.
INSERT INTO maintmode.agent (site_id, hostname, maintenance_mode, last_seen,
                             overdue_email_alert, overdue_dashboard_alert)
    SELECT (g - 1) / 10 + 1, 'agent' || g, random() < 0.05,
           now() - CASE WHEN random() < 0.001 THEN interval '2 hours' ELSE interval '1 minute' END,
           random() < 0.1, random() < 0.1
      FROM generate_series(1, :clients * 100) g;
-- 10 checks per agent (ids agent-major: the checks of agent a are 10a-9 .. 10a).
-- 3% failing (a third each error / warning / info), 95% passing, 2% pending;
-- one in five a task.
INSERT INTO maintmode.check_result (agent_id, kind, name, status, alert_severity)
    SELECT a, CASE WHEN k = 10 OR k = 5 THEN 'task' ELSE 'check' END, 'check' || k,
           CASE WHEN random() < 0.03 THEN 'failing' WHEN random() < 0.98 THEN 'passing'
                ELSE 'pending' END,
           (ARRAY['error', 'warning', 'info'])[1 + (a + k) % 3]
      FROM generate_series(1, :clients * 100) a, generate_series(1, 10) k
     ORDER BY a, k;
VACUUM ANALYZE;
SELECT count(*) AS counters_that_differ FROM maintmode.verify_counters();
SELECT colour, count(*) FROM maintmode.site_dashboard GROUP BY 1 ORDER BY 1;
