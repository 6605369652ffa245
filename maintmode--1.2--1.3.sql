-- maintmode 1.2 -> 1.3.
\echo Use "ALTER EXTENSION maintmode UPDATE TO '1.3'" to load this file. \quit

-- Functions that read fleet data run for no one unless granted.  The site and client
-- dashboards call overdue_alerting_agents(): the roles that may read them keep doing so.
REVOKE ALL ON FUNCTION maintmode.overdue_alerting_agents() FROM PUBLIC;
DO $$
DECLARE
    reader regrole;
BEGIN
    FOR reader IN
        SELECT DISTINCT a.grantee::pg_catalog.regrole
          FROM pg_catalog.pg_class c, pg_catalog.aclexplode(c.relacl) a
         WHERE c.oid IN ('maintmode.site_dashboard'::pg_catalog.regclass,
                         'maintmode.client_dashboard'::pg_catalog.regclass)
           AND a.privilege_type = 'SELECT' AND a.grantee <> 0 AND a.grantee <> c.relowner
    LOOP
        EXECUTE pg_catalog.format(
            'GRANT EXECUTE ON FUNCTION maintmode.overdue_alerting_agents() TO %s', reader);
    END LOOP;
END
$$;

-- SQL functions with SQL-standard bodies: parsed here and bound to the extension's own
-- objects, not looked up by name at every call (a schema named maintmode is not
-- necessarily the extension's if someone renamed it).
CREATE OR REPLACE FUNCTION maintmode.overdue_alerting_agents(
    OUT agent_id bigint, OUT site_id bigint, OUT client_id bigint)
RETURNS SETOF record
LANGUAGE sql STABLE ROWS 10 SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET enable_seqscan = off
BEGIN ATOMIC
    SELECT agent_id, site_id, client_id FROM maintmode.overdue_alerting_agent;
END;

-- The server is in maintenance also while a server-wide window is in force: since and by
-- whom are then the window's.
CREATE OR REPLACE FUNCTION maintmode.server_maint_status(
    OUT in_maintenance boolean, OUT since timestamptz, OUT enabled_by text,
    OUT saved_states bigint, OUT agents bigint, OUT agents_in_maintenance bigint)
RETURNS record
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT coalesce(m.in_maintenance, false) OR w.starts IS NOT NULL,
           coalesce(m.since, w.starts), coalesce(m.enabled_by, w.created_by),
           (SELECT count(*) FROM maintmode.saved_state s
             WHERE EXISTS (SELECT FROM maintmode.agent a WHERE a.id = s.agent_id)),
           a.agents, a.in_maintenance
      FROM (SELECT count(*) AS agents,
                   count(*) FILTER (WHERE maintenance_mode) AS in_maintenance
              FROM maintmode.agent) a
      LEFT JOIN maintmode.server_mode m ON m.in_maintenance
      LEFT JOIN LATERAL (
            SELECT o.starts, w.created_by
              FROM maintmode.maintenance_window w,
                   maintmode.window_occurrence(w, maintmode.window_clock()) o
             WHERE pg_catalog.num_nonnulls(w.agent_id, w.site_id, w.client_id) = 0
             ORDER BY o.starts
             LIMIT 1) w ON true;
END;

CREATE OR REPLACE FUNCTION maintmode.verify_counters(
    OUT counter text, OUT id bigint, OUT stripe integer, OUT field text,
    OUT stored bigint, OUT recomputed bigint)
RETURNS SETOF record
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT 'agent', coalesce(s.agent_id, r.agent_id), NULL::integer, v.field, v.stored, v.recomputed
      FROM maintmode.agent_counter s
      FULL JOIN maintmode.agent_counter_recomputed r ON r.agent_id = s.agent_id
     CROSS JOIN LATERAL (VALUES
         ('failing_error', s.failing_error, r.failing_error),
         ('failing_warning', s.failing_warning, r.failing_warning),
         ('failing_info', s.failing_info, r.failing_info)) AS v(field, stored, recomputed)
     WHERE v.stored IS DISTINCT FROM v.recomputed
    UNION ALL
    SELECT 'site', coalesce(s.site_id, r.site_id), NULL, v.field, v.stored, v.recomputed
      FROM maintmode.site_counter s
      FULL JOIN maintmode.site_counter_recomputed r ON r.site_id = s.site_id
     CROSS JOIN LATERAL (VALUES
         ('client_id', s.client_id, r.client_id),
         ('agents', s.agents, r.agents),
         ('agents_in_maintenance', s.agents_in_maintenance, r.agents_in_maintenance),
         ('agents_error', s.agents_error, r.agents_error),
         ('agents_warning', s.agents_warning, r.agents_warning)) AS v(field, stored, recomputed)
     WHERE v.stored IS DISTINCT FROM v.recomputed
    UNION ALL
    SELECT 'client', coalesce(s.client_id, r.client_id), coalesce(s.stripe, r.stripe),
           v.field, v.stored, v.recomputed
      FROM maintmode.client_counter s
      FULL JOIN maintmode.client_counter_recomputed r
             ON r.client_id = s.client_id AND r.stripe = s.stripe
     CROSS JOIN LATERAL (VALUES
         ('agents', s.agents, r.agents),
         ('agents_in_maintenance', s.agents_in_maintenance, r.agents_in_maintenance),
         ('sites_error', s.sites_error, r.sites_error),
         ('sites_warning', s.sites_warning, r.sites_warning)) AS v(field, stored, recomputed)
     WHERE v.stored IS DISTINCT FROM v.recomputed
    ORDER BY 1, 2, 3, 4;
END;

-- In C (src/dashboard.c): TRUNCATE cannot be in an SQL-standard body.
CREATE OR REPLACE FUNCTION maintmode.rebuild_counters(
    OUT agent_counters bigint, OUT site_counters bigint, OUT client_counters bigint)
RETURNS record
AS 'MODULE_PATHNAME', 'maintmode_rebuild_counters'
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

-- A recurring window whose start is not finite has no occurrences (1.3 refuses such
-- windows; one created before must not break the views that list occurrences).
CREATE OR REPLACE FUNCTION maintmode.window_occurrence(w maintmode.maintenance_window,
                                                       at timestamptz,
                                                       OUT starts timestamptz,
                                                       OUT ends timestamptz)
RETURNS SETOF record
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT o.starts, o.ends
      FROM (SELECT w.starts_at AS starts, least(w.ends_at, w.ended_at) AS ends
             WHERE w.repeat IS NULL
            UNION ALL
            SELECT (r.local_start + k.n * r.period) AT TIME ZONE w.time_zone,
                   least((r.local_start + k.n * r.period + w.duration) AT TIME ZONE w.time_zone,
                         w.ends_at, w.ended_at)
              FROM (SELECT w.starts_at AT TIME ZONE w.time_zone AS local_start,
                           CASE w.repeat WHEN 'daily' THEN interval '1 day'
                                ELSE interval '7 days' END AS period
                     WHERE w.repeat IS NOT NULL AND isfinite(w.starts_at)) r,
                   LATERAL (SELECT floor(extract(epoch FROM (at AT TIME ZONE w.time_zone)
                                                            - r.local_start)
                                         / extract(epoch FROM r.period))::bigint + d AS n
                              FROM generate_series(-1, 1) d) k
             WHERE k.n >= 0) o
     WHERE o.starts <= at AND at < o.ends
     ORDER BY o.ends DESC
     LIMIT 1;
END;
