-- Dashboard colours: every rule of the spec's "Dashboard colour" section, the counters
-- behind them, verify_counters() and rebuild_counters().
CREATE EXTENSION maintmode;
\i test/fixtures/fleet.sql
-- acme: hq (hq1, hq2 M, hq3), branch (br1 M, br2); globex: dc (dc1, dc2).

-- One line per level, and the number of counters that differ from a recomputation
-- (0 on every line of this file: the triggers kept them right).
CREATE TEMP VIEW dash AS
    SELECT level, colours FROM (
        SELECT 1 AS n, 'agents' AS level,
               string_agg(hostname || ':' || colour, ' ' ORDER BY agent_id) AS colours
          FROM maintmode.agent_dashboard
        UNION ALL
        SELECT 2, 'sites', string_agg(name || ':' || colour, ' ' ORDER BY site_id)
          FROM maintmode.site_dashboard
        UNION ALL
        SELECT 3, 'clients', string_agg(name || ':' || colour, ' ' ORDER BY client_id)
          FROM maintmode.client_dashboard
        UNION ALL
        SELECT 4, 'differ', count(*)::text FROM maintmode.verify_counters()) d
     ORDER BY n;

-- Nothing failing: agents passing (or maintenance), sites and clients ok.  A site with
-- one agent of three in maintenance is not shown as in maintenance.
SELECT * FROM dash;
SELECT * FROM maintmode.agent_dashboard ORDER BY agent_id;
SELECT * FROM maintmode.site_dashboard ORDER BY site_id;
SELECT * FROM maintmode.client_dashboard ORDER BY client_id;

-- Pending counts as not failing, whatever its severity; passing neither.
INSERT INTO maintmode.check_result (agent_id, name, status, alert_severity) VALUES
    (1, 'disk', 'pending', 'error'), (1, 'cpu', 'passing', 'error');
SELECT * FROM dash;

-- A failing warning turns the agent, its site and its client warning.
UPDATE maintmode.check_result SET status = 'failing', alert_severity = 'warning'
 WHERE agent_id = 1 AND name = 'disk';
SELECT * FROM dash;
-- A failing error on another agent of the site: that agent, the site, the client error.
INSERT INTO maintmode.check_result (agent_id, name, status, alert_severity)
    VALUES (3, 'raid', 'failing', 'error');
SELECT * FROM dash;
-- Error beats warning on one agent too; the counts show both.
UPDATE maintmode.check_result SET status = 'failing' WHERE agent_id = 1 AND name = 'cpu';
SELECT hostname, failing_error, failing_warning, failing_info, colour
  FROM maintmode.agent_dashboard WHERE agent_id = 1;
UPDATE maintmode.check_result SET status = 'passing' WHERE agent_id = 1 AND name = 'cpu';

-- An agent in maintenance never colours its site, however it fails (hq2 error), and
-- does not hide the failure of another agent of the site (hq3 error): hq stays error.
INSERT INTO maintmode.check_result (agent_id, name, status, alert_severity)
    VALUES (2, 'raid', 'failing', 'error');
SELECT * FROM dash;
-- hq3 recovers: hq shows hq1's warning, not hq2's error.
UPDATE maintmode.check_result SET status = 'passing' WHERE agent_id = 3;
SELECT * FROM dash;
-- hq1 recovers: hq is ok with hq2 in maintenance failing, not maintenance.
UPDATE maintmode.check_result SET status = 'passing' WHERE agent_id = 1;
SELECT * FROM dash;

-- A site whose agents are all in maintenance is maintenance, even with failing checks;
-- its client is not (it has agents out of maintenance) and stays ok.
INSERT INTO maintmode.check_result (agent_id, name, status, alert_severity)
    VALUES (5, 'raid', 'failing', 'error');
SELECT * FROM dash;
SELECT maintmode.set_agent_maintenance(5, true);
SELECT * FROM dash;
SELECT * FROM maintmode.site_dashboard WHERE site_id = 2;

-- Info failures colour the agent but not its site or client.
INSERT INTO maintmode.check_result (agent_id, name, status, alert_severity)
    VALUES (6, 'updates', 'failing', 'info');
SELECT * FROM dash;

-- A failing task counts like a failing check.
INSERT INTO maintmode.check_result (agent_id, kind, name, status, alert_severity)
    VALUES (7, 'task', 'backup', 'failing', 'warning');
SELECT * FROM dash;
-- ... and stays counted when it is turned into a check and back.
UPDATE maintmode.check_result SET kind = 'check' WHERE agent_id = 7;
SELECT * FROM dash;
UPDATE maintmode.check_result SET kind = 'task' WHERE agent_id = 7;
-- Severity changes move it between the counts.
UPDATE maintmode.check_result SET alert_severity = 'error' WHERE agent_id = 7;
SELECT * FROM dash;
UPDATE maintmode.check_result SET alert_severity = 'info' WHERE agent_id = 7;
SELECT * FROM dash;
DELETE FROM maintmode.check_result WHERE agent_id IN (6, 7);
SELECT * FROM dash;

-- Overdue counts only with an overdue alert flag: dc2 seen 2 hours ago (overdue_time
-- 30) is overdue but passing without a flag; with any one of the three flags it is
-- error, and so are dc and globex.
UPDATE maintmode.agent SET last_seen = now() - interval '2 hours' WHERE id = 7;
SELECT hostname, status, colour FROM maintmode.agent_dashboard WHERE agent_id = 7;
SELECT * FROM dash;
UPDATE maintmode.agent SET overdue_email_alert = true WHERE id = 7;
SELECT * FROM dash;
UPDATE maintmode.agent SET overdue_email_alert = false, overdue_text_alert = true WHERE id = 7;
SELECT * FROM dash;
UPDATE maintmode.agent SET overdue_text_alert = false, overdue_dashboard_alert = true WHERE id = 7;
SELECT * FROM dash;
-- In maintenance, an overdue agent colours nothing.
SELECT maintmode.set_agent_maintenance(7, true);
SELECT * FROM dash;
SELECT maintmode.set_agent_maintenance(7, false);
SELECT hostname, status, colour FROM maintmode.agent_dashboard WHERE agent_id = 7;
-- Seen exactly overdue_time ago: not overdue yet (the spec's comparison is strict); a
-- second earlier: overdue.  Never seen: offline, not overdue.  Seen now: online.
BEGIN;
UPDATE maintmode.agent SET last_seen = now() - interval '30 minutes' WHERE id = 7;
SELECT hostname, status, colour FROM maintmode.agent_dashboard WHERE agent_id = 7;
SELECT name, colour FROM maintmode.site_dashboard WHERE site_id = 3;
UPDATE maintmode.agent SET last_seen = now() - interval '30 minutes 1 second' WHERE id = 7;
SELECT hostname, status, colour FROM maintmode.agent_dashboard WHERE agent_id = 7;
SELECT name, colour FROM maintmode.site_dashboard WHERE site_id = 3;
COMMIT;
UPDATE maintmode.agent SET last_seen = NULL WHERE id = 7;
SELECT hostname, status, colour FROM maintmode.agent_dashboard WHERE agent_id = 7;
SELECT * FROM dash;
UPDATE maintmode.agent SET last_seen = now() WHERE id = 7;
SELECT hostname, status, colour FROM maintmode.agent_dashboard WHERE agent_id = 7;
UPDATE maintmode.agent SET overdue_dashboard_alert = false WHERE id = 7;
-- The site and client views find overdue agents through the partial index on
-- overdue_at, not by reading every agent, and their clients by one lookup each.
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT site_id, client_id FROM maintmode.overdue_alerting_agent;
RESET enable_seqscan;
-- The views' overdue tests look at the agents of each site (or client) asked about, for
-- the first few questions of a statement, then read the fleet's overdue agents once:
-- the answers stay the same.  dc2 overdue with a flag: site dc and client globex.
UPDATE maintmode.agent SET last_seen = now() - interval '2 hours', overdue_email_alert = true
 WHERE id = 7;
SELECT site_id, array_agg(overdue ORDER BY q) AS answers
  FROM (SELECT q, site_id, maintmode.site_overdue_alerting(site_id) AS overdue
          FROM (SELECT q, (q - 1) % 3 + 1 AS site_id FROM generate_series(1, 24) q) questions
        OFFSET 0) a
 GROUP BY site_id ORDER BY site_id;
SELECT client_id, array_agg(overdue ORDER BY q) AS answers
  FROM (SELECT q, client_id, maintmode.client_overdue_alerting(client_id) AS overdue
          FROM (SELECT q, (q - 1) % 2 + 1 AS client_id FROM generate_series(1, 10) q) questions
        OFFSET 0) a
 GROUP BY client_id ORDER BY client_id;
UPDATE maintmode.agent SET last_seen = now(), overdue_email_alert = false WHERE id = 7;
-- Ids of no site or client are not overdue; a null id gives null (strict).
SELECT maintmode.site_overdue_alerting(-1) AS negative_site,
       maintmode.site_overdue_alerting(9223372036854775807) AS largest_site,
       maintmode.site_overdue_alerting(NULL) IS NULL AS null_site,
       maintmode.client_overdue_alerting(0) AS client_0,
       maintmode.client_overdue_alerting(NULL) IS NULL AS null_client;
-- A probe reads the agents of the site, or of the client, asked about, whatever the
-- statistics say: during an outage that began after the last ANALYZE, probes planned on
-- them ranged over every overdue agent of the fleet, each time.  Blocks that one probe of
-- site dc and one of client acme read, while 3,000 agents of a new site are overdue and
-- the statistics say none is (each asked twice: the first plans it).  They read 4 and 9;
-- planned on the statistics, 48 and 6,048.
ALTER TABLE maintmode.agent SET (autovacuum_enabled = false);
ANALYZE maintmode.agent;
BEGIN;
INSERT INTO maintmode.site (client_id, name) VALUES (2, 'outage');
INSERT INTO maintmode.agent (site_id, hostname, last_seen, overdue_dashboard_alert)
SELECT s.id, 'down' || i, now() - interval '1 day', true
  FROM maintmode.site s, generate_series(1, 3000) i WHERE s.name = 'outage';
CREATE FUNCTION pg_temp.blocks_read(query text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    plan json;
BEGIN
    EXECUTE 'EXPLAIN (ANALYZE, BUFFERS, TIMING OFF, SUMMARY OFF, FORMAT JSON) ' || query
       INTO plan;
    RETURN (plan -> 0 -> 'Plan' ->> 'Shared Hit Blocks')::bigint
         + (plan -> 0 -> 'Plan' ->> 'Shared Read Blocks')::bigint;
END $$;
SELECT maintmode.site_overdue_alerting(3), maintmode.client_overdue_alerting(1);
SELECT pg_temp.blocks_read('SELECT maintmode.site_overdue_alerting(3)') <= 10 AS site_dc,
       pg_temp.blocks_read('SELECT maintmode.client_overdue_alerting(1)') <= 20 AS client_acme;
ROLLBACK;
ALTER TABLE maintmode.agent RESET (autovacuum_enabled);
-- The site ids below as before the rolled-back site.
SELECT setval(pg_get_serial_sequence('maintmode.site', 'id'), 3);

-- Moving an agent to another site moves its colour: hq1 with a failing error to dc.
UPDATE maintmode.check_result SET status = 'failing' WHERE agent_id = 1 AND name = 'cpu';
SELECT * FROM dash;
UPDATE maintmode.agent SET site_id = 3 WHERE id = 1;
SELECT * FROM dash;
-- Moving a site to another client moves its colour: dc to acme.
UPDATE maintmode.site SET client_id = 1 WHERE id = 3;
SELECT * FROM dash;
UPDATE maintmode.site SET client_id = 2 WHERE id = 3;
UPDATE maintmode.agent SET site_id = 1 WHERE id = 1;
-- Moving a failing check to another agent.
UPDATE maintmode.check_result SET agent_id = 3 WHERE agent_id = 1 AND name = 'cpu';
SELECT * FROM dash;

-- A client and a site without agents are ok; a client whose agents are all in
-- maintenance is maintenance.
INSERT INTO maintmode.client (name) VALUES ('empty');
INSERT INTO maintmode.site (client_id, name) VALUES (3, 'nothing-here');
SELECT * FROM dash;
SELECT maintmode.set_client_maintenance(2, true);
SELECT * FROM dash;
SELECT maintmode.set_client_maintenance(2, false);

-- Server maintenance: everything in maintenance, then every colour back.
SELECT * FROM dash;
SELECT action, agents_changed FROM maintmode.server_maint_mode('enable');
SELECT * FROM dash;
-- An agent created now starts in maintenance (the core's trigger) and is counted so.
INSERT INTO maintmode.agent (site_id, hostname) VALUES (3, 'dc3');
SELECT * FROM dash;
SELECT action, agents_changed FROM maintmode.server_maint_mode('disable');
SELECT * FROM dash;

-- Deletes: a failing check; an agent with a failing check (its checks go by cascade);
-- a site; a client with a failing agent (its sites, agents, checks by cascade).
UPDATE maintmode.check_result SET status = 'failing' WHERE agent_id = 3 AND name = 'raid';
DELETE FROM maintmode.check_result WHERE agent_id = 3 AND name = 'cpu';
SELECT * FROM dash;
DELETE FROM maintmode.agent WHERE id = 3;
SELECT * FROM dash;
DELETE FROM maintmode.site WHERE id = 2;
INSERT INTO maintmode.check_result (agent_id, name, status, alert_severity)
    VALUES (6, 'disk', 'failing', 'warning');
SELECT * FROM dash;
DELETE FROM maintmode.client WHERE id = 2;
SELECT * FROM dash;

-- Counters roll back with the statement that changed them.
BEGIN;
INSERT INTO maintmode.check_result (agent_id, name, status, alert_severity)
    VALUES (1, 'mem', 'failing', 'error');
SAVEPOINT s;
UPDATE maintmode.check_result SET alert_severity = 'warning' WHERE name = 'mem';
SELECT * FROM dash;
ROLLBACK TO SAVEPOINT s;
SELECT * FROM dash;
ROLLBACK;
SELECT * FROM dash;

-- TRUNCATE recomputes: the failing counts drop to zero, the agent counts stay.
INSERT INTO maintmode.check_result (agent_id, name, status, alert_severity)
    VALUES (1, 'mem', 'failing', 'error');
SELECT * FROM dash;
TRUNCATE maintmode.check_result CASCADE;
SELECT * FROM dash;
SELECT * FROM maintmode.site_dashboard ORDER BY site_id;

-- verify_counters() names every counter that is wrong; rebuild_counters() fixes them.
INSERT INTO maintmode.check_result (agent_id, name, status, alert_severity)
    VALUES (1, 'mem', 'failing', 'error');
UPDATE maintmode.agent_counter SET failing_error = 0, failing_info = 4 WHERE agent_id = 1;
UPDATE maintmode.site_counter SET agents = 7 WHERE site_id = 1;
INSERT INTO maintmode.client_counter (client_id, stripe, agents) VALUES (1, 2, 5);
SELECT * FROM maintmode.verify_counters();
SELECT * FROM maintmode.rebuild_counters();
SELECT * FROM maintmode.verify_counters();
SELECT * FROM dash;

-- A client's overflow rows (written when its own row is busy: dashboard_concurrency.spec)
-- add to its own row in the client view, through client_overflow(), which reads them once
-- per statement and again when they change, in the same transaction too.
SELECT id AS empty_id FROM maintmode.client WHERE name = 'empty' \gset
BEGIN;
INSERT INTO maintmode.client_counter (client_id, stripe, agents, sites_warning)
    VALUES (:empty_id, 1, 3, 1), (:empty_id, 3, 4, 0);
SELECT client_id = :empty_id AS is_empty, name, agents, agents_in_maintenance, colour
  FROM maintmode.client_dashboard ORDER BY client_id;
SELECT counter, maintmode.client_overflow(:empty_id, counter) AS empty,
       maintmode.client_overflow(1, counter) AS acme
  FROM unnest(ARRAY['agents', 'agents_in_maintenance', 'sites_error', 'sites_warning'])
       AS counter;
UPDATE maintmode.client_counter SET agents = 10 WHERE client_id = :empty_id AND stripe = 3;
SELECT maintmode.client_overflow(:empty_id, 'agents');
-- A PL/pgSQL block keeps an expression from one statement to the next: read anew all
-- the same.
DO $$
DECLARE
    empty_id bigint := (SELECT id FROM maintmode.client WHERE name = 'empty');
BEGIN
    RAISE NOTICE 'before: %', maintmode.client_overflow(empty_id, 'agents');
    DELETE FROM maintmode.client_counter WHERE client_id = empty_id AND stripe = 3;
    RAISE NOTICE 'after: %', maintmode.client_overflow(empty_id, 'agents');
END
$$;
ROLLBACK;
SELECT name, agents, colour FROM maintmode.client_dashboard ORDER BY client_id;
-- Refused: an unknown counter (a null one gives null: the function is strict).
SELECT maintmode.client_overflow(1, 'agents_error'); \echo SQLSTATE :SQLSTATE
SELECT maintmode.client_overflow(1, NULL) IS NULL AS null_counter;
-- Counters are named exactly (no other case, no leading "--"); any client id gives a
-- number, 0 without overflow rows; a null one gives null.
SELECT maintmode.client_overflow(1, 'AGENTS'); \echo SQLSTATE :SQLSTATE
SELECT maintmode.client_overflow(1, '--agents'); \echo SQLSTATE :SQLSTATE
SELECT maintmode.client_overflow(-1, 'agents') AS negative,
       maintmode.client_overflow(9223372036854775807, 'agents') AS largest,
       maintmode.client_overflow(NULL, 'agents') IS NULL AS null_client;

-- A role granted SELECT on the views and on the tables they read (and USAGE on the
-- schema), and EXECUTE on the overdue tests the site and client views call, reads
-- them: the views read the tables as their caller (since 1.3, so that row-level
-- security applies).  Without the tables, or without EXECUTE, the views are refused;
-- it may not write.
CREATE ROLE regress_dashboard_reader;
GRANT USAGE ON SCHEMA maintmode TO regress_dashboard_reader;
GRANT SELECT ON maintmode.agent_dashboard, maintmode.site_dashboard,
    maintmode.client_dashboard TO regress_dashboard_reader;
SET ROLE regress_dashboard_reader;
SELECT count(*) FROM maintmode.agent_dashboard; \echo SQLSTATE :SQLSTATE
RESET ROLE;
GRANT SELECT ON maintmode.client, maintmode.site, maintmode.agent, maintmode.agent_counter,
    maintmode.site_counter, maintmode.client_counter TO regress_dashboard_reader;
SET ROLE regress_dashboard_reader;
SELECT name, colour FROM maintmode.site_dashboard ORDER BY name; \echo SQLSTATE :SQLSTATE
RESET ROLE;
GRANT EXECUTE ON FUNCTION maintmode.site_overdue_alerting(bigint),
    maintmode.client_overdue_alerting(bigint) TO regress_dashboard_reader;
SET ROLE regress_dashboard_reader;
SELECT (SELECT count(*) FROM maintmode.agent_dashboard) AS agents,
       (SELECT count(*) FROM maintmode.site_dashboard WHERE colour = 'error') AS error_sites,
       (SELECT count(*) FROM maintmode.client_dashboard) AS clients;
UPDATE maintmode.agent SET maintenance_mode = true; \echo SQLSTATE :SQLSTATE
RESET ROLE;
REVOKE ALL ON SCHEMA maintmode FROM regress_dashboard_reader;
REVOKE ALL ON maintmode.agent_dashboard, maintmode.site_dashboard,
    maintmode.client_dashboard, maintmode.client, maintmode.site, maintmode.agent,
    maintmode.agent_counter, maintmode.site_counter, maintmode.client_counter
    FROM regress_dashboard_reader;
REVOKE ALL ON FUNCTION maintmode.site_overdue_alerting(bigint),
    maintmode.client_overdue_alerting(bigint) FROM regress_dashboard_reader;
DROP ROLE regress_dashboard_reader;

-- The counter tables are derived: not dumped (not in this list), rebuilt by the
-- triggers as a restore loads the base tables.
SELECT c.relname
  FROM pg_extension e, unnest(e.extconfig) AS t(oid) JOIN pg_class c ON c.oid = t.oid
 WHERE e.extname = 'maintmode' ORDER BY 1;

DROP VIEW dash, fleet, state_digest;
DROP EXTENSION maintmode;
