-- The schema maintmode is installed into: CREATE EXTENSION refuses one that a role
-- other than a superuser owns or may create objects in, or that holds objects; and
-- the extension's C code finds its objects through pg_extension, so a superuser's
-- rename of the schema does not hand its callers to whoever then creates a schema
-- named maintmode.
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS maintmode;
CREATE ROLE regress_db_owner;
DO $$ BEGIN
    EXECUTE format('GRANT CREATE ON DATABASE %I TO regress_db_owner', current_database());
END $$;

-- A database owner (no superuser) makes the schema first and plants a function with
-- the signature the README's own example calls.
SET ROLE regress_db_owner;
CREATE SCHEMA maintmode;
CREATE FUNCTION maintmode.set_agent_maintenance(integer, boolean) RETURNS bigint
    LANGUAGE sql AS 'ALTER ROLE regress_db_owner SUPERUSER; SELECT 1::bigint';
RESET ROLE;
CREATE EXTENSION maintmode; \echo SQLSTATE :SQLSTATE
-- Given to a superuser, still holding the planted function: refused.
ALTER SCHEMA maintmode OWNER TO CURRENT_USER;
CREATE EXTENSION maintmode; \echo SQLSTATE :SQLSTATE
DROP FUNCTION maintmode.set_agent_maintenance(integer, boolean);
-- Empty, but others may create objects in it: refused.
GRANT CREATE ON SCHEMA maintmode TO regress_db_owner;
CREATE EXTENSION maintmode; \echo SQLSTATE :SQLSTATE
REVOKE CREATE ON SCHEMA maintmode FROM regress_db_owner;
GRANT CREATE ON SCHEMA maintmode TO PUBLIC;
CREATE EXTENSION maintmode; \echo SQLSTATE :SQLSTATE
REVOKE CREATE ON SCHEMA maintmode FROM PUBLIC;
SELECT count(*) AS installed FROM pg_extension WHERE extname = 'maintmode';
SELECT rolsuper AS db_owner_is_superuser FROM pg_roles WHERE rolname = 'regress_db_owner';
-- Empty and a superuser's, as pg_dump writes it before CREATE EXTENSION: accepted.
CREATE EXTENSION maintmode;
\i test/fixtures/fleet.sql
INSERT INTO maintmode.check_result (agent_id, name, status, alert_severity, email_alert)
    VALUES (1, 'disk', 'failing', 'error', true);

-- A superuser renames the schema; the database owner creates another "maintmode" whose
-- every object springs a trap.  The extension's functions, triggers and views go on
-- working on their own objects; nothing of the new schema is used.
ALTER SCHEMA maintmode RENAME TO maintmode_renamed;
SET ROLE regress_db_owner;
CREATE SCHEMA maintmode;
CREATE FUNCTION maintmode.trap() RETURNS bigint LANGUAGE plpgsql
    AS $$ BEGIN RAISE EXCEPTION 'trap sprung as %', current_user; END $$;
CREATE VIEW maintmode.agent AS
    SELECT maintmode.trap() AS id, 1::bigint AS site_id, true AS maintenance_mode,
           true AS hand_maintenance, false AS window_maintenance;
CREATE VIEW maintmode.server_mode AS SELECT maintmode.trap() = 0 AS in_maintenance;
CREATE FUNCTION maintmode.sweep_windows() RETURNS bigint LANGUAGE sql RETURN maintmode.trap();
CREATE FUNCTION maintmode.window_clock() RETURNS timestamptz LANGUAGE sql
    RETURN now() + maintmode.trap() * interval '1 second';
RESET ROLE;
SELECT maintmode_renamed.set_agent_maintenance(1, true, reason => 'after the rename');
SELECT maintmode_renamed.set_site_maintenance(3, true);
SELECT * FROM maintmode_renamed.server_maint_mode('enable');
SELECT maintmode_renamed.create_window('client', 2, now(), duration => '1 hour', reason => 'x')
    IS NOT NULL AS window_created;
SELECT * FROM maintmode_renamed.sweep_windows();
UPDATE maintmode_renamed.check_result SET status = 'passing' WHERE agent_id = 1;
INSERT INTO maintmode_renamed.agent (site_id, hostname) VALUES (1, 'hq4');
SELECT * FROM maintmode_renamed.server_maint_mode('disable');
SELECT in_maintenance, agents, agents_in_maintenance FROM maintmode_renamed.server_maint_status();
SELECT * FROM maintmode_renamed.sweep_overdue();
SELECT count(*) FROM maintmode_renamed.take_notifications('email', 10);
SELECT count(*) AS agents_in_maintenance_rows FROM maintmode_renamed.agents_in_maintenance;
SELECT name, colour FROM maintmode_renamed.site_dashboard ORDER BY site_id;
SELECT * FROM maintmode_renamed.rebuild_counters();
SELECT count(*) AS counters_differ FROM maintmode_renamed.verify_counters();
SELECT string_agg(hostname || ':' || CASE WHEN maintenance_mode THEN 'M' ELSE '-' END,
                  ' ' ORDER BY id) AS agents
  FROM maintmode_renamed.agent;
SELECT rolsuper AS db_owner_is_superuser FROM pg_roles WHERE rolname = 'regress_db_owner';
DROP SCHEMA maintmode CASCADE;
ALTER SCHEMA maintmode_renamed RENAME TO maintmode;
SELECT maintmode.set_agent_maintenance(1, false);

DROP VIEW fleet, state_digest;
DROP EXTENSION maintmode;
DO $$ BEGIN
    EXECUTE format('REVOKE CREATE ON DATABASE %I FROM regress_db_owner', current_database());
END $$;
DROP ROLE regress_db_owner;
