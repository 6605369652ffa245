-- maintmode--1.3.sql, the install script of the newest version, is the files of schema/
-- concatenated in name order: this guard, then one file per concern, each creating its
-- objects as they are in that version.  Installations of earlier versions get there by
-- the update scripts maintmode--X--Y.sql instead.  A change to the schema goes into both:
-- the fragment here and the next version's update script; test/t/004_drop_update.pl
-- checks that a fresh install and an updated one have the same objects.
\echo Use "CREATE EXTENSION maintmode" to load this file. \quit

-- CREATE EXTENSION installs into schema maintmode (maintmode.control), and uses a
-- schema of that name that exists already.  Whoever controls that schema decides what
-- superusers, the window worker and every caller run when they call maintmode's
-- functions by name (the class of CVE-2022-2625 and CVE-2023-39417).  So the schema
-- must be one CREATE EXTENSION made, or one that is like it: owned by a superuser,
-- with no other role allowed to create in it, and empty (pg_dump writes such a
-- CREATE SCHEMA ahead of CREATE EXTENSION).
DO $$
DECLARE
    maintmode_schema oid;
    owner_name name;
    owner_is_superuser boolean;
    creators text;
    held text;
BEGIN
    SELECT n.oid, r.rolname, r.rolsuper INTO maintmode_schema, owner_name, owner_is_superuser
      FROM pg_catalog.pg_namespace n
      JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) n.nspowner
     WHERE n.nspname OPERATOR(pg_catalog.=) 'maintmode';
    IF NOT owner_is_superuser THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = pg_catalog.format('schema %I is owned by role %I, which is not a superuser',
                                        'maintmode', owner_name),
            DETAIL = 'The owner of the schema could replace the functions that superusers and the window worker call.',
            HINT = 'Drop the schema and let CREATE EXTENSION create it.';
    END IF;
    SELECT pg_catalog.string_agg(coalesce(pg_catalog.quote_ident(r.rolname), 'PUBLIC'), ', ')
      INTO creators
      FROM pg_catalog.pg_namespace n
     CROSS JOIN pg_catalog.aclexplode(n.nspacl) a
      LEFT JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) a.grantee
     WHERE n.oid OPERATOR(pg_catalog.=) maintmode_schema
       AND a.privilege_type OPERATOR(pg_catalog.=) 'CREATE'
       AND NOT coalesce(r.rolsuper, false);
    IF creators IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = pg_catalog.format('roles that are not superusers may create objects in schema %I: %s',
                                        'maintmode', creators),
            HINT = 'Drop the schema and let CREATE EXTENSION create it.';
    END IF;
    SELECT pg_catalog.string_agg(pg_catalog.pg_describe_object(d.classid, d.objid, d.objsubid),
                                 ', ' ORDER BY d.classid, d.objid)
      INTO held
      FROM pg_catalog.pg_depend d
     WHERE d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_namespace'::pg_catalog.regclass
       AND d.refobjid OPERATOR(pg_catalog.=) maintmode_schema
       AND d.classid OPERATOR(pg_catalog.<>) 'pg_catalog.pg_extension'::pg_catalog.regclass
       -- a role's default privileges in the schema apply to its own objects only
       AND d.classid OPERATOR(pg_catalog.<>) 'pg_catalog.pg_default_acl'::pg_catalog.regclass;
    IF held IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = pg_catalog.format('schema %I already holds objects', 'maintmode'),
            DETAIL = 'It holds ' OPERATOR(pg_catalog.||) held OPERATOR(pg_catalog.||) '.',
            HINT = 'Drop the schema and let CREATE EXTENSION create it.';
    END IF;
END
$$;
