-- The client/site tree as the dashboard shows it: each client, its sites indented
-- below it, and each site's agents with their own colours.
SELECT label AS "client / site", agents, in_maintenance AS "in maintenance", colour,
       coalesce(agent_colours, '') AS "agents"
  FROM (SELECT c.name AS client, 0 AS level, c.name AS label, c.agents,
               c.agents_in_maintenance AS in_maintenance, c.colour, NULL AS agent_colours
          FROM maintmode.client_dashboard c
        UNION ALL
        SELECT c.name, 1, '    ' || s.name, s.agents, s.agents_in_maintenance, s.colour,
               (SELECT string_agg(a.hostname || ' ' || a.colour, ', ' ORDER BY a.hostname)
                  FROM maintmode.agent_dashboard a WHERE a.site_id = s.site_id)
          FROM maintmode.site_dashboard s
          JOIN maintmode.client c ON c.id = s.client_id) tree
 ORDER BY client, level, label;
