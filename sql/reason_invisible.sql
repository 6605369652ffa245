-- A reason that shows nothing is blank and refused (22023): besides Unicode's white
-- space, its invisible default-ignorable code points (LEFT-TO-RIGHT and RIGHT-TO-LEFT
-- MARK, SOFT HYPHEN, the bidirectional controls, the invisible mathematical operators,
-- variation selectors, tag characters, the Hangul fillers).
CREATE EXTENSION maintmode;
\i test/fixtures/fleet.sql
SET client_min_messages = warning;
SET maintmode.test_now = '2026-05-01 12:00 UTC';
\i test/fixtures/outcome.sql
SELECT name, pg_temp.outcome(format(
           'SELECT maintmode.set_agent_maintenance(3, true, reason => %L)',
           repeat(chr(code), 3))) AS switch,
       pg_temp.outcome(format(
           'SELECT maintmode.create_window(%L, 3, %L, duration => %L, reason => %L)',
           'agent', '2026-06-01 UTC', '1 hour', repeat(chr(code), 3))) AS create_window
  FROM (VALUES ('U+0020 SPACE', x'0020'::int),
               ('U+3000 IDEOGRAPHIC SPACE', x'3000'::int),
               ('U+200B ZERO WIDTH SPACE', x'200B'::int),
               ('U+00AD SOFT HYPHEN', x'00AD'::int),
               ('U+034F COMBINING GRAPHEME JOINER', x'034F'::int),
               ('U+061C ARABIC LETTER MARK', x'061C'::int),
               ('U+115F HANGUL CHOSEONG FILLER', x'115F'::int),
               ('U+200E LEFT-TO-RIGHT MARK', x'200E'::int),
               ('U+200F RIGHT-TO-LEFT MARK', x'200F'::int),
               ('U+202E RIGHT-TO-LEFT OVERRIDE', x'202E'::int),
               ('U+2063 INVISIBLE SEPARATOR', x'2063'::int),
               ('U+2066 LEFT-TO-RIGHT ISOLATE', x'2066'::int),
               ('U+3164 HANGUL FILLER', x'3164'::int),
               ('U+FE0F VARIATION SELECTOR-16', x'FE0F'::int),
               ('U+FFA0 HALFWIDTH HANGUL FILLER', x'FFA0'::int),
               ('U+E0020 TAG SPACE', x'E0020'::int),
               ('U+0078 LATIN SMALL LETTER X', x'0078'::int)) AS c(name, code);

RESET maintmode.test_now;
DROP VIEW fleet, state_digest;
DROP EXTENSION maintmode;
