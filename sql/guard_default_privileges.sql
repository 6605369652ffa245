-- DROP EXTENSION leaves the empty schema maintmode, and a later CREATE EXTENSION reuses
-- it.  Any role may run ALTER DEFAULT PRIVILEGES IN SCHEMA maintmode for its own future
-- objects, which records a pg_depend row on the schema.  That controls nothing the
-- extension creates (its objects belong to the superuser who installs it), so the
-- schema guard does not count it as an object: CREATE EXTENSION accepts the schema.
SET client_min_messages = warning;
\set VERBOSITY terse
CREATE EXTENSION maintmode;
DROP EXTENSION maintmode;
SELECT nspname, pg_get_userbyid(nspowner) = current_user AS owned_by_me
  FROM pg_namespace WHERE nspname = 'maintmode';
CREATE ROLE regress_nobody LOGIN;
SET ROLE regress_nobody;
ALTER DEFAULT PRIVILEGES IN SCHEMA maintmode GRANT SELECT ON TABLES TO regress_nobody;
RESET ROLE;
CREATE EXTENSION maintmode; \echo SQLSTATE :SQLSTATE
SELECT count(*) AS installed FROM pg_extension WHERE extname = 'maintmode';
-- Nothing of the extension is granted to the role that set them.
SELECT count(*) AS readable_by_nobody
  FROM pg_class c
 WHERE c.relnamespace = 'maintmode'::regnamespace
   AND has_table_privilege('regress_nobody', c.oid, 'SELECT');

DROP EXTENSION IF EXISTS maintmode;
ALTER DEFAULT PRIVILEGES FOR ROLE regress_nobody IN SCHEMA maintmode
    REVOKE SELECT ON TABLES FROM regress_nobody;
DROP ROLE regress_nobody;
