-- DROP EXTENSION leaves the empty schema maintmode that CREATE EXTENSION made
-- (reference.md), and a later CREATE EXTENSION reuses it.  Any role, with no privilege
-- on the schema at all, may then run ALTER DEFAULT PRIVILEGES IN SCHEMA maintmode for
-- its own future objects: that records a pg_depend row on the schema, which the schema
-- guard takes for an object the schema holds, so CREATE EXTENSION is refused (42501)
-- until a superuser drops the schema.  Such an entry controls nothing the extension
-- creates (default privileges apply to the objects of the role that set them, and the
-- extension's objects belong to the superuser who installs it): the schema is still
-- empty, a superuser's, and no one else may create in it, and CREATE EXTENSION must
-- accept it.
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
