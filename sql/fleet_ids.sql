-- The ids of clients, sites and agents never change: the dashboard counters, the saved
-- states and the history refer to rows by them.  id is GENERATED ALWAYS, so SET id =
-- DEFAULT (a new id) is the one UPDATE of it there is: refused, nothing changed.
CREATE EXTENSION maintmode;
\i test/fixtures/fleet.sql
SET client_min_messages = warning;
INSERT INTO maintmode.check_result (agent_id, name, status, alert_severity)
    VALUES (1, 'disk', 'failing', 'error');
INSERT INTO maintmode.client (name) VALUES ('empty');
INSERT INTO maintmode.site (client_id, name) VALUES (1, 'nobody');
SELECT action FROM maintmode.server_maint_mode('enable');
CREATE TEMP TABLE before AS
    SELECT (SELECT string_agg(id::text, ',' ORDER BY id) FROM maintmode.client) AS clients,
           (SELECT string_agg(id::text, ',' ORDER BY id) FROM maintmode.site) AS sites,
           (SELECT digest FROM state_digest) AS digest;

-- Each table, a row with dependants and one without (which no foreign key protects),
-- and a statement that changes no row: all refused with 0A000.
UPDATE maintmode.agent SET id = DEFAULT WHERE hostname = 'hq1'; \echo SQLSTATE :SQLSTATE
UPDATE maintmode.agent SET id = DEFAULT WHERE hostname = 'hq3'; \echo SQLSTATE :SQLSTATE
UPDATE maintmode.agent SET id = DEFAULT, hostname = 'x' WHERE false; \echo SQLSTATE :SQLSTATE
UPDATE maintmode.site SET id = DEFAULT WHERE name = 'nobody'; \echo SQLSTATE :SQLSTATE
UPDATE maintmode.site SET id = DEFAULT WHERE name = 'hq'; \echo SQLSTATE :SQLSTATE
UPDATE maintmode.client SET id = DEFAULT WHERE name = 'empty'; \echo SQLSTATE :SQLSTATE
UPDATE maintmode.client SET id = DEFAULT WHERE name = 'acme'; \echo SQLSTATE :SQLSTATE
-- The other statements that update: INSERT ... ON CONFLICT DO UPDATE, and MERGE.
INSERT INTO maintmode.client (name) VALUES ('empty')
    ON CONFLICT (name) DO UPDATE SET id = DEFAULT; \echo SQLSTATE :SQLSTATE
MERGE INTO maintmode.agent a USING (SELECT 'hq3' AS hostname) h ON a.hostname = h.hostname
    WHEN MATCHED THEN UPDATE SET id = DEFAULT; \echo SQLSTATE :SQLSTATE
-- A check's id too: the triggers follow each check's change by it.
UPDATE maintmode.check_result SET id = DEFAULT; \echo SQLSTATE :SQLSTATE
-- Any other new id PostgreSQL refuses itself (GENERATED ALWAYS), before the trigger.
UPDATE maintmode.agent SET id = 99 WHERE hostname = 'hq3'; \echo SQLSTATE :SQLSTATE

SELECT b.clients = (SELECT string_agg(id::text, ',' ORDER BY id) FROM maintmode.client)
           AS clients_kept,
       b.sites = (SELECT string_agg(id::text, ',' ORDER BY id) FROM maintmode.site)
           AS sites_kept,
       b.digest = (SELECT digest FROM state_digest) AS agents_and_saved_states_kept
  FROM before b;
SELECT count(*) AS counters_off FROM maintmode.verify_counters();

-- Updates that do not name id are not touched: a rename, and the restore of every agent.
UPDATE maintmode.site SET name = 'nobody2' WHERE name = 'nobody';
SELECT action, agents_changed, states_restored FROM maintmode.server_maint_mode('disable');
SELECT agents FROM fleet;
SELECT count(*) AS counters_off FROM maintmode.verify_counters();
DROP VIEW fleet, state_digest;
DROP EXTENSION maintmode;
