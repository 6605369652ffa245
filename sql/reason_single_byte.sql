-- "In other server encodings, ASCII white space only" (mm_is_blank in src/maintmode.c):
-- but in a database of any other encoding every byte is taken for a code point, and
-- 0x85 and 0xA0 are blank as if they were U+0085 and U+00A0.  In WIN1252 0x85 is
-- HORIZONTAL ELLIPSIS, in KOI8-R 0xA0 is BOX DRAWINGS DOUBLE HORIZONTAL: visible
-- characters, and a reason made of them is refused as blank (22023).  They must be
-- accepted.  (The characters are made from their bytes, so the client encoding does
-- not matter.)
SET client_min_messages = warning;
SELECT current_database() AS regress_db \gset
CREATE DATABASE regress_maintmode_win1252 ENCODING 'WIN1252' LC_COLLATE 'C' LC_CTYPE 'C'
    TEMPLATE template0;
CREATE DATABASE regress_maintmode_koi8r ENCODING 'KOI8R' LC_COLLATE 'C' LC_CTYPE 'C'
    TEMPLATE template0;

\c regress_maintmode_win1252
SET client_min_messages = warning;
CREATE EXTENSION maintmode;
\i test/fixtures/fleet.sql
CREATE FUNCTION pg_temp.outcome(call text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE call;
    RETURN 'accepted';
EXCEPTION WHEN OTHERS THEN
    RETURN 'refused ' || SQLSTATE;
END $$;
SELECT current_setting('server_encoding') AS encoding, name,
       pg_temp.outcome(format('SELECT maintmode.set_agent_maintenance(3, true, reason => %L)',
                              convert_from(bytes, 'WIN1252'))) AS switch
  FROM (VALUES ('0x85 HORIZONTAL ELLIPSIS', '\x85'::bytea),
               ('0x20 SPACE', '\x20'::bytea)) AS c(name, bytes);

\c regress_maintmode_koi8r
SET client_min_messages = warning;
CREATE EXTENSION maintmode;
\i test/fixtures/fleet.sql
CREATE FUNCTION pg_temp.outcome(call text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE call;
    RETURN 'accepted';
EXCEPTION WHEN OTHERS THEN
    RETURN 'refused ' || SQLSTATE;
END $$;
SELECT current_setting('server_encoding') AS encoding, name,
       pg_temp.outcome(format('SELECT maintmode.set_agent_maintenance(3, true, reason => %L)',
                              convert_from(bytes, 'KOI8R'))) AS switch
  FROM (VALUES ('0xA0 BOX DRAWINGS DOUBLE HORIZONTAL', '\xa0'::bytea),
               ('0x85 BOX DRAWINGS LIGHT UP AND LEFT', '\x85'::bytea),
               ('0x20 SPACE', '\x20'::bytea)) AS c(name, bytes);

\c :regress_db
SET client_min_messages = warning;
DROP DATABASE regress_maintmode_win1252;
DROP DATABASE regress_maintmode_koi8r;
