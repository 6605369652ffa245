-- CREATE EXTENSION maintmode VERSION '1.0' (or '1.1', '1.2') runs the released 1.0
-- install script and the update scripts, not maintmode--1.3.sql: the schema guard runs
-- there too, so a database owner's "maintmode" schema with a trap in it is refused
-- (42501, nothing created) whatever the version asked for.
SET client_min_messages = warning;
\set VERBOSITY terse
DROP SCHEMA IF EXISTS maintmode;
CREATE ROLE regress_old_version_owner;
DO $$ BEGIN
    EXECUTE format('GRANT CREATE ON DATABASE %I TO regress_old_version_owner', current_database());
END $$;
SET ROLE regress_old_version_owner;
CREATE SCHEMA maintmode;
CREATE FUNCTION maintmode.set_agent_maintenance(integer, boolean) RETURNS bigint
    LANGUAGE sql AS 'ALTER ROLE regress_old_version_owner SUPERUSER; SELECT 1::bigint';
RESET ROLE;
CREATE EXTENSION maintmode VERSION '1.2'; \echo SQLSTATE :SQLSTATE
SELECT count(*) AS installed FROM pg_extension WHERE extname = 'maintmode';
-- What follows if it was installed: the update, and the README's call with integer
-- literals, which picks the planted function.
SELECT count(*) = 1 AS installed FROM pg_extension WHERE extname = 'maintmode' \gset
\if :installed
ALTER EXTENSION maintmode UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'maintmode';
SELECT maintmode.set_agent_maintenance(1, true);
\endif
SELECT rolsuper AS db_owner_is_superuser FROM pg_roles
 WHERE rolname = 'regress_old_version_owner';

DROP EXTENSION IF EXISTS maintmode;
-- The same with 1.0, the oldest version shipped.
CREATE EXTENSION maintmode VERSION '1.0'; \echo SQLSTATE :SQLSTATE
SELECT count(*) AS installed FROM pg_extension WHERE extname = 'maintmode';
DROP EXTENSION IF EXISTS maintmode;
DROP SCHEMA maintmode CASCADE;
DO $$ BEGIN
    EXECUTE format('REVOKE CREATE ON DATABASE %I FROM regress_old_version_owner', current_database());
END $$;
DROP ROLE regress_old_version_owner;
