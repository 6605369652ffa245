-- Randomized: 200 batches of 20 random operations (4,000 in all) on a small fleet:
-- checks flipping status / severity / kind, inserted, upserted, moved and deleted
-- (one by one and in bulk), agents inserted (with their checks in the same statement),
-- deleted, heartbeating and moving site, sites moving client, sites and clients created
-- and deleted, every maintenance switch, server_maint_mode with every option,
-- TRUNCATE, and changes undone by a subtransaction or a whole-batch ROLLBACK.  After
-- each batch (committed or rolled back) verify_counters() must return no row.
-- Deterministic: setseed(), random() drawn in a fixed order, per-row choices keyed by
-- row id (pg_temp.rnd), so this output is the same on every run.
CREATE EXTENSION maintmode;
SET client_min_messages = warning;	-- server_maint_mode's NOTICEs vary with the path

CREATE TEMP TABLE op_log (op text, rows_changed bigint);
CREATE TEMP TABLE differences (batch integer, counter text, id bigint, stripe integer,
                               field text, stored bigint, recomputed bigint);
CREATE TEMP SEQUENCE names;	-- unique names for new checks, agents, sites, clients

-- A random existing row id of the table (NULL if it is empty).
CREATE FUNCTION pg_temp.pick(tbl regclass) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
    id bigint;
BEGIN
    EXECUTE format('SELECT count(*) FROM %s', tbl) INTO n;
    IF n = 0 THEN
        RETURN NULL;
    END IF;
    EXECUTE format('SELECT id FROM %s ORDER BY id OFFSET $1 LIMIT 1', tbl)
        INTO id USING floor(random() * n)::bigint;
    RETURN id;
END $$;

CREATE FUNCTION pg_temp.one_of(VARIADIC options text[]) RETURNS text
LANGUAGE sql AS 'SELECT $1[1 + floor(random() * array_length($1, 1))::int]';

-- Per-row choices in statements over many rows: a number in [0, 1) fixed by the row's
-- key and a salt drawn once per operation, so that the outcome does not depend on the
-- order rows are scanned in (physical order, which pruning and vacuum change).
CREATE FUNCTION pg_temp.rnd(key bigint, salt double precision) RETURNS double precision
LANGUAGE sql IMMUTABLE AS $$
    SELECT ('x' || substr(md5(key::text || ':' || salt::text), 1, 8))::bit(32)::bigint
           / 4294967296.0
$$;
CREATE FUNCTION pg_temp.pick_of(key bigint, salt double precision, VARIADIC options text[])
RETURNS text LANGUAGE sql IMMUTABLE
AS 'SELECT $3[1 + floor(pg_temp.rnd($1, $2) * array_length($3, 1))::int]';

-- k checks for agent a, random status and severity, one in four a task.
CREATE FUNCTION pg_temp.add_checks(a bigint, k integer) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    INSERT INTO maintmode.check_result (agent_id, kind, name, status, alert_severity)
        SELECT a, CASE WHEN random() < 0.25 THEN 'task' ELSE 'check' END,
               'c' || nextval('names'),
               pg_temp.one_of('passing', 'passing', 'failing', 'pending'),
               pg_temp.one_of('info', 'warning', 'error')
          FROM generate_series(1, k);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;

CREATE FUNCTION pg_temp.random_op() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    op text;
    n bigint;
    a bigint := pg_temp.pick('maintmode.agent');
    s bigint := pg_temp.pick('maintmode.site');
    c bigint := pg_temp.pick('maintmode.client');
    r double precision := random();
    salt double precision := random();
BEGIN
    -- Keep a fleet to work on.
    IF (SELECT count(*) FROM maintmode.client) < 3
       OR (SELECT count(*) FROM maintmode.site) < 5 THEN
        r := 0.99;
    ELSIF (SELECT count(*) FROM maintmode.agent) < 30 THEN
        r := 0.45;
    END IF;

    IF r < 0.10 THEN
        op := 'check status';
        UPDATE maintmode.check_result
           SET status = pg_temp.one_of('passing', 'failing', 'pending')
         WHERE id = pg_temp.pick('maintmode.check_result');
    ELSIF r < 0.15 THEN
        op := 'check severity';
        UPDATE maintmode.check_result SET alert_severity = pg_temp.one_of('info', 'warning', 'error')
         WHERE id = pg_temp.pick('maintmode.check_result');
    ELSIF r < 0.18 THEN
        op := 'check kind';
        UPDATE maintmode.check_result
           SET kind = CASE kind WHEN 'check' THEN 'task' ELSE 'check' END
         WHERE id = pg_temp.pick('maintmode.check_result');
    ELSIF r < 0.22 THEN
        op := 'checks bulk update';
        UPDATE maintmode.check_result
           SET status = pg_temp.pick_of(id, salt, 'passing', 'failing'),
               alert_severity = CASE WHEN pg_temp.rnd(id, salt + 1) < 0.3
                                     THEN pg_temp.pick_of(id, salt + 2, 'info', 'warning', 'error')
                                     ELSE alert_severity END
         WHERE id % (3 + floor(salt * 5)::int) = 0;
    ELSIF r < 0.28 THEN
        op := 'checks insert';
        n := pg_temp.add_checks(a, 1 + floor(random() * 5)::int);
    ELSIF r < 0.31 THEN
        op := 'checks upsert';
        INSERT INTO maintmode.check_result (agent_id, kind, name, status, alert_severity)
            SELECT agent_id, kind, name, pg_temp.pick_of(id, salt, 'passing', 'failing'), 'error'
              FROM maintmode.check_result WHERE agent_id = a
            UNION ALL
            SELECT a, 'check', 'c' || nextval('names'), 'failing', 'warning'
        ON CONFLICT (agent_id, kind, name)
            DO UPDATE SET status = excluded.status, alert_severity = excluded.alert_severity;
    ELSIF r < 0.35 THEN
        op := 'checks delete';
        DELETE FROM maintmode.check_result WHERE agent_id = a AND pg_temp.rnd(id, salt) < 0.5;
    ELSIF r < 0.38 THEN
        op := 'check moves agent';
        UPDATE maintmode.check_result SET agent_id = a
         WHERE id = pg_temp.pick('maintmode.check_result');
    ELSIF r < 0.42 THEN
        op := 'agent heartbeat';
        UPDATE maintmode.agent
           -- seen now or two hours ago: overdue or not whatever the test's run time
           SET last_seen = now() - CASE WHEN pg_temp.rnd(id, salt) < 0.5 THEN interval '2 hours'
                                        ELSE '0' END,
               overdue_email_alert = pg_temp.rnd(id, salt + 1) < 0.3,
               overdue_dashboard_alert = pg_temp.rnd(id, salt + 2) < 0.3
         WHERE site_id = s;
    ELSIF r < 0.48 THEN
        op := 'agents insert with checks';
        WITH new_agents AS (
            INSERT INTO maintmode.agent (site_id, hostname, maintenance_mode)
                SELECT s, 'h' || nextval('names'), random() < 0.2
                  FROM generate_series(1, 1 + floor(random() * 4)::int)
            RETURNING id)
        INSERT INTO maintmode.check_result (agent_id, name, status, alert_severity)
            SELECT id, 'c' || nextval('names'), pg_temp.pick_of(id * 3 + g, salt, 'passing', 'failing'),
                   pg_temp.pick_of(id * 3 + g, salt + 1, 'info', 'warning', 'error')
              FROM new_agents, generate_series(1, 3) g;
    ELSIF r < 0.56 THEN
        op := 'agents delete';
        DELETE FROM maintmode.agent WHERE id = a OR (site_id = s AND pg_temp.rnd(id, salt) < 0.3);
    ELSIF r < 0.61 THEN
        op := 'agent moves site';
        UPDATE maintmode.agent SET site_id = s WHERE id = a;
    ELSIF r < 0.63 THEN
        op := 'agents of a site move site';
        UPDATE maintmode.agent SET site_id = s
         WHERE site_id = (SELECT site_id FROM maintmode.agent WHERE id = a);
    ELSIF r < 0.67 THEN
        op := 'site moves client';
        UPDATE maintmode.site SET client_id = c WHERE id = s;
    ELSIF r < 0.72 THEN
        op := 'set_agent_maintenance';
        n := maintmode.set_agent_maintenance(a, random() < 0.5);
    ELSIF r < 0.76 THEN
        op := 'set_site_maintenance';
        n := maintmode.set_site_maintenance(s, random() < 0.5);
    ELSIF r < 0.79 THEN
        op := 'set_client_maintenance';
        n := maintmode.set_client_maintenance(c, random() < 0.5);
    ELSIF r < 0.84 THEN
        op := 'server_maint_mode';
        SELECT agents_changed INTO n
          FROM maintmode.server_maint_mode(pg_temp.one_of('enable', 'enable', 'disable', 'disable',
                                                          'force-enable', 'force-disable'));
    ELSIF r < 0.88 THEN
        op := 'undone by subtransaction';
        BEGIN
            UPDATE maintmode.check_result SET status = 'failing', alert_severity = 'error';
            UPDATE maintmode.agent SET maintenance_mode = NOT maintenance_mode;
            DELETE FROM maintmode.site WHERE id = s;
            RAISE EXCEPTION 'undo';
        EXCEPTION WHEN raise_exception THEN
            n := 0;
        END;
    ELSIF r < 0.90 THEN
        op := 'site delete';
        DELETE FROM maintmode.site WHERE id = s;
    ELSIF r < 0.91 THEN
        op := 'client delete';
        DELETE FROM maintmode.client WHERE id = c;
    ELSIF r < 0.92 THEN
        op := 'truncate checks';
        TRUNCATE maintmode.check_result CASCADE;
    ELSIF r < 0.98 THEN
        op := 'agents checks refill';
        -- add_checks() draws from random(): call it in id order, not scan order
        SELECT sum(pg_temp.add_checks(id, 2)) INTO n
          FROM (SELECT id FROM maintmode.agent
                 WHERE id % 4 = floor(salt * 4)::int
                   AND (SELECT count(*) FROM maintmode.check_result) < 400
                 ORDER BY id) chosen;
    ELSE
        op := 'client with sites';
        WITH k AS (INSERT INTO maintmode.client (name) VALUES ('k' || nextval('names'))
                   RETURNING id)
        INSERT INTO maintmode.site (client_id, name)
            SELECT k.id, 's' || nextval('names') FROM k, generate_series(1, 3);
    END IF;
    IF n IS NULL THEN
        GET DIAGNOSTICS n = ROW_COUNT;
    END IF;
    INSERT INTO op_log VALUES (op, n);
END $$;

CREATE PROCEDURE pg_temp.run_batches(batches integer, ops integer) LANGUAGE plpgsql AS $$
BEGIN
    FOR b IN 1..batches LOOP
        FOR i IN 1..ops LOOP
            PERFORM pg_temp.random_op();
        END LOOP;
        IF random() < 0.1 THEN
            ROLLBACK;
        ELSE
            COMMIT;
        END IF;
        INSERT INTO differences SELECT b, * FROM maintmode.verify_counters();
        COMMIT;
    END LOOP;
END $$;

SELECT setseed(0.42);
-- The starting fleet: 5 clients, 15 sites, 60 agents, 6 checks each.
INSERT INTO maintmode.client (name) SELECT 'client' || g FROM generate_series(1, 5) g;
INSERT INTO maintmode.site (client_id, name) SELECT 1 + g % 5, 'site' || g FROM generate_series(1, 15) g;
INSERT INTO maintmode.agent (site_id, hostname) SELECT 1 + g % 15, 'agent' || g FROM generate_series(1, 60) g;
SELECT sum(pg_temp.add_checks(id, 6)) AS checks FROM maintmode.agent;

CALL pg_temp.run_batches(200, 20);

-- No batch left a counter that differs from its recomputation.
SELECT * FROM differences;
-- Every kind of operation ran, and changed rows (rolled-back batches are not logged).
SELECT op, count(*) AS times, sum(rows_changed) AS rows_changed
  FROM op_log GROUP BY op ORDER BY op;
-- The fleet at the end, by colour, out of server maintenance.
SELECT action FROM maintmode.server_maint_mode('force-disable');
SELECT count(*) AS counters_that_differ FROM maintmode.verify_counters();
SELECT colour, count(*) FROM maintmode.agent_dashboard GROUP BY 1 ORDER BY 1;
SELECT colour, count(*) FROM maintmode.site_dashboard GROUP BY 1 ORDER BY 1;
SELECT colour, count(*) FROM maintmode.client_dashboard GROUP BY 1 ORDER BY 1;

DROP EXTENSION maintmode;
