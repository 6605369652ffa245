
-- Agent status, as the RMM computes it; maintenance does not change it.
CREATE FUNCTION maintmode.agent_status(last_seen timestamptz, offline_time integer,
                                       overdue_time integer)
RETURNS text
AS 'MODULE_PATHNAME', 'maintmode_agent_status'
LANGUAGE C STABLE PARALLEL SAFE;

-- Runs a query as the caller: search_path pinned, so that an operator or table
-- named like ours earlier in the caller's path is not used.
CREATE FUNCTION maintmode.agent_status(agent bigint)
RETURNS text
AS 'MODULE_PATHNAME', 'maintmode_agent_status_by_id'
LANGUAGE C STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp;

-- The switches.  SECURITY DEFINER so that a role granted EXECUTE needs no table
-- privileges; search_path pinned, and every statement they run is schema-qualified.
CREATE FUNCTION maintmode.set_agent_maintenance(agent bigint, enabled boolean)
RETURNS bigint
AS 'MODULE_PATHNAME', 'maintmode_set_agent_maintenance'
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION maintmode.set_site_maintenance(site bigint, enabled boolean)
RETURNS bigint
AS 'MODULE_PATHNAME', 'maintmode_set_site_maintenance'
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION maintmode.set_client_maintenance(client bigint, enabled boolean)
RETURNS bigint
AS 'MODULE_PATHNAME', 'maintmode_set_client_maintenance'
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION maintmode.server_maint_mode(option text,
    OUT action text, OUT agents_changed bigint, OUT states_saved bigint,
    OUT states_restored bigint, OUT server_in_maintenance boolean)
RETURNS record
AS 'MODULE_PATHNAME', 'maintmode_server_maint_mode'
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION maintmode.server_maint_status(
    OUT in_maintenance boolean, OUT since timestamptz, OUT enabled_by text,
    OUT saved_states bigint, OUT agents bigint, OUT agents_in_maintenance bigint)
RETURNS record
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce(m.in_maintenance, false), m.since, m.enabled_by,
           (SELECT count(*) FROM maintmode.saved_state s
             WHERE EXISTS (SELECT FROM maintmode.agent a WHERE a.id = s.agent_id)),
           a.agents, a.in_maintenance
      FROM (SELECT count(*) AS agents,
                   count(*) FILTER (WHERE maintenance_mode) AS in_maintenance
              FROM maintmode.agent) a
      LEFT JOIN maintmode.server_mode m ON true
$$;

-- Agents created while the server is in maintenance start in it.
CREATE FUNCTION maintmode.agent_insert_trigger()
RETURNS trigger
AS 'MODULE_PATHNAME', 'maintmode_agent_insert_trigger'
LANGUAGE C SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

CREATE TRIGGER agent_starts_in_server_maintenance
    AFTER INSERT ON maintmode.agent
    REFERENCING NEW TABLE AS new_agents
    FOR EACH STATEMENT EXECUTE FUNCTION maintmode.agent_insert_trigger();

REVOKE ALL ON FUNCTION maintmode.set_agent_maintenance(bigint, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION maintmode.set_site_maintenance(bigint, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION maintmode.set_client_maintenance(bigint, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION maintmode.server_maint_mode(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION maintmode.agent_insert_trigger() FROM PUBLIC;
