-- maintmode 1.1 -> 1.2: switching maintenance no longer writes a counter row per agent.
-- A fresh install of 1.2 is 1.0, then 1.0 -> 1.1, then this script.
\echo Use "ALTER EXTENSION maintmode UPDATE TO '1.2'" to load this file. \quit

-- agent_counter mirrored each agent's site and maintenance flag, so that a check writer
-- could read them from the counter row it updates; every switch then rewrote one counter
-- row per agent (a million for server_maint_mode).  From 1.2 a check writer reads both
-- from the agent row, which it locks FOR SHARE: a switch or a move of that agent waits
-- for the writer, or the writer for it, and the agent triggers only read counter rows.
-- agent_counter keeps what only the check writers know: the failing counts.
ALTER TABLE maintmode.agent_counter DROP COLUMN site_id, DROP COLUMN in_maintenance;

-- The recomputations follow; each view reads the one before, so they go together.
DROP VIEW maintmode.client_counter_recomputed, maintmode.site_counter_recomputed,
          maintmode.agent_counter_recomputed;

CREATE VIEW maintmode.agent_counter_recomputed AS
    SELECT a.id AS agent_id,
           coalesce(f.failing_error, 0) AS failing_error,
           coalesce(f.failing_warning, 0) AS failing_warning,
           coalesce(f.failing_info, 0) AS failing_info
      FROM maintmode.agent a
      LEFT JOIN (SELECT agent_id,
                        count(*) FILTER (WHERE alert_severity = 'error')::integer AS failing_error,
                        count(*) FILTER (WHERE alert_severity = 'warning')::integer AS failing_warning,
                        count(*) FILTER (WHERE alert_severity = 'info')::integer AS failing_info
                   FROM maintmode.check_result
                  WHERE status = 'failing'
                  GROUP BY agent_id) f ON f.agent_id = a.id;

CREATE VIEW maintmode.site_counter_recomputed AS
    SELECT s.id AS site_id, s.client_id,
           count(a.id) AS agents,
           count(a.id) FILTER (WHERE a.maintenance_mode) AS agents_in_maintenance,
           coalesce(sum(maintmode.counts_as_error(a.maintenance_mode, f.failing_error)), 0)
               AS agents_error,
           coalesce(sum(maintmode.counts_as_warning(a.maintenance_mode, f.failing_error,
                                                    f.failing_warning)), 0) AS agents_warning
      FROM maintmode.site s
      LEFT JOIN maintmode.agent a ON a.site_id = s.id
      LEFT JOIN maintmode.agent_counter_recomputed f ON f.agent_id = a.id
     GROUP BY s.id;

CREATE VIEW maintmode.client_counter_recomputed AS
    SELECT k.id AS client_id, stripe,
           coalesce(sum(s.agents), 0)::bigint AS agents,
           coalesce(sum(s.agents_in_maintenance), 0)::bigint AS agents_in_maintenance,
           count(*) FILTER (WHERE s.agents_error > 0) AS sites_error,
           count(*) FILTER (WHERE s.agents_warning > 0) AS sites_warning
      FROM maintmode.client k
     CROSS JOIN pg_catalog.generate_series(0, maintmode.client_stripes() - 1) AS stripe
      LEFT JOIN maintmode.site_counter_recomputed s
             ON s.client_id = k.id AND maintmode.client_stripe(s.site_id) = stripe
     GROUP BY k.id, stripe;

CREATE OR REPLACE FUNCTION maintmode.verify_counters(
    OUT counter text, OUT id bigint, OUT stripe integer, OUT field text,
    OUT stored bigint, OUT recomputed bigint)
RETURNS SETOF record
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
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
    ORDER BY 1, 2, 3, 4
$$;

-- The client view adds up 40,000 stripe rows for 10,000 clients: summed as integer the
-- totals accumulate in a bigint, as bigint in a numeric, which took twice as long.  A
-- stripe's counts stay far below 2^31.  Same columns and types: grants are kept.
CREATE OR REPLACE VIEW maintmode.client_dashboard AS
    SELECT k.id AS client_id, k.name,
           coalesce(c.agents, 0) AS agents,
           coalesce(c.agents_in_maintenance, 0) AS agents_in_maintenance,
           CASE
               WHEN c.agents > 0 AND c.agents_in_maintenance = c.agents THEN 'maintenance'
               WHEN c.sites_error > 0
                    OR k.id IN (SELECT client_id FROM maintmode.overdue_alerting_agents())
                   THEN 'error'
               WHEN c.sites_warning > 0 THEN 'warning'
               ELSE 'ok'
           END AS colour
      FROM maintmode.client k
      LEFT JOIN (SELECT client_id, sum(agents::integer) AS agents,
                        sum(agents_in_maintenance::integer) AS agents_in_maintenance,
                        sum(sites_error::integer) AS sites_error,
                        sum(sites_warning::integer) AS sites_warning
                   FROM maintmode.client_counter
                  GROUP BY client_id) c ON c.client_id = k.id;
