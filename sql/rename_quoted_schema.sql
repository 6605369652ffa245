-- The C code runs its statements in the extension's schema under its current name,
-- also one that needs quoting and holds an apostrophe: every function goes on working
-- after a superuser renames the schema so (sweep_overdue() once named its table inside
-- a string literal, and failed with 42601).
CREATE EXTENSION maintmode;
\i test/fixtures/fleet.sql
SET client_min_messages = warning;
\set VERBOSITY terse
UPDATE maintmode.agent SET overdue_email_alert = true, last_seen = now() - interval '1 hour'
 WHERE hostname = 'dc1';
ALTER SCHEMA maintmode RENAME TO "O'Brien's maintmode";
SELECT * FROM "O'Brien's maintmode".sweep_overdue();
SELECT count(*) AS alerts FROM "O'Brien's maintmode".alert;
SELECT "O'Brien's maintmode".set_agent_maintenance(6, true, reason => 'after the rename');
SELECT * FROM "O'Brien's maintmode".server_maint_mode('enable');
SELECT * FROM "O'Brien's maintmode".server_maint_mode('disable');
SELECT * FROM "O'Brien's maintmode".sweep_windows();
SELECT count(*) FROM "O'Brien's maintmode".take_notifications('email', 10);
SELECT count(*) AS counters_differ FROM "O'Brien's maintmode".verify_counters();
ALTER SCHEMA "O'Brien's maintmode" RENAME TO maintmode;

DROP VIEW fleet, state_digest;
DROP EXTENSION maintmode;
