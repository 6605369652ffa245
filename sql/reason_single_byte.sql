-- In a database of another encoding a reason is judged in Unicode too: in WIN1252 the
-- byte 0x85 is HORIZONTAL ELLIPSIS, in KOI8-R 0xA0 is BOX DRAWINGS DOUBLE HORIZONTAL,
-- visible characters a reason may be made of (they were once taken for U+0085 and
-- U+00A0 and refused as blank).  The characters are made from their bytes, so the
-- client encoding does not matter.
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
\i test/fixtures/outcome.sql
SELECT current_setting('server_encoding') AS encoding, name,
       pg_temp.outcome(format('SELECT maintmode.set_agent_maintenance(3, true, reason => %L)',
                              convert_from(bytes, 'WIN1252'))) AS switch
  FROM (VALUES ('0x85 HORIZONTAL ELLIPSIS', '\x85'::bytea),
               ('0x20 SPACE', '\x20'::bytea)) AS c(name, bytes);

\c regress_maintmode_koi8r
SET client_min_messages = warning;
CREATE EXTENSION maintmode;
\i test/fixtures/fleet.sql
\i test/fixtures/outcome.sql
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
