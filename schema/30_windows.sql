-- Maintenance windows and expiring hand-set maintenance: the window table, the window
-- clock and a window's occurrences, create_window, end_window and extend_window, the
-- sweep that starts and ends windows and expires hand-set maintenance, the trigger that
-- puts new agents in the windows in force, and the view of who is in maintenance and why.

-- A window: one agent, site or client (the foreign key names it; deleting it deletes its
-- windows), or the whole server (none named).  One-off: in force from starts_at to
-- ends_at.  Recurring: on the days repeat gives (daily, weekly, monthly or an RFC 5545
-- rule, src/recurrence.c), at the local time of day of starts_at in time_zone, for
-- duration, from starts_at until ends_at (NULL: no end).  ended_at: end_window() ended
-- it (or cancelled it) at that time.  repeat has no CHECK: create_window, its only
-- writer, validates it with the engine that reads it.
CREATE TABLE maintmode.maintenance_window (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agent_id    bigint REFERENCES maintmode.agent ON DELETE CASCADE,
    site_id     bigint REFERENCES maintmode.site ON DELETE CASCADE,
    client_id   bigint REFERENCES maintmode.client ON DELETE CASCADE,
    starts_at   timestamptz NOT NULL,
    ends_at     timestamptz,
    repeat      text,
    time_zone   text,
    duration    interval,
    reason      text NOT NULL CHECK (btrim(reason) <> ''),
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    ended_at    timestamptz,
    CONSTRAINT window_one_scope CHECK (num_nonnulls(agent_id, site_id, client_id) <= 1),
    CONSTRAINT window_ends_after_start CHECK (ends_at > starts_at),
    CONSTRAINT window_one_off_has_end CHECK (repeat IS NOT NULL OR ends_at IS NOT NULL),
    CONSTRAINT window_recurrence_complete
        CHECK ((repeat IS NULL) = (time_zone IS NULL) AND (repeat IS NULL) = (duration IS NULL))
);
CREATE INDEX maintenance_window_agent_id_idx ON maintmode.maintenance_window (agent_id);
CREATE INDEX maintenance_window_site_id_idx ON maintmode.maintenance_window (site_id);
CREATE INDEX maintenance_window_client_id_idx ON maintmode.maintenance_window (client_id);
COMMENT ON TABLE maintmode.maintenance_window IS
    'Maintenance windows: one agent, site or client, or the whole server; one-off, or '
    'recurring (daily, weekly, monthly or an RFC 5545 rule) in a time zone. Kept after '
    'they end, as history. Written by create_window(), end_window() and extend_window().';
COMMENT ON COLUMN maintmode.maintenance_window.agent_id IS
    'The agent the window covers (scope agent). agent_id, site_id and client_id all null: '
    'the whole server.';
COMMENT ON COLUMN maintmode.maintenance_window.site_id IS
    'The site whose agents the window covers (scope site).';
COMMENT ON COLUMN maintmode.maintenance_window.client_id IS
    'The client whose agents the window covers (scope client).';
COMMENT ON COLUMN maintmode.maintenance_window.starts_at IS
    'Start; of a recurring window, the start of the series (RFC 5545 DTSTART): its '
    'occurrences are the rule''s on or after it, at its local time of day in time_zone.';
COMMENT ON COLUMN maintmode.maintenance_window.ends_at IS
    'End of a one-off window; of a recurring one, the end of the series (null: none).';
COMMENT ON COLUMN maintmode.maintenance_window.repeat IS
    '''daily'', ''weekly'', ''monthly'' or an RFC 5545 RRULE in upper case (as '
    '''FREQ=MONTHLY;BYDAY=2TU''); null: one-off.';
COMMENT ON COLUMN maintmode.maintenance_window.time_zone IS
    'The IANA time zone of a recurring window (the zone, never an abbreviation: CET '
    'keeps summer time); null for a one-off.';
COMMENT ON COLUMN maintmode.maintenance_window.duration IS
    'The length of each occurrence of a recurring window: months and days in local '
    'time, hours, minutes and seconds elapsed; null for a one-off.';
COMMENT ON COLUMN maintmode.maintenance_window.created_by IS
    'The role that created the window (the session role, after SET ROLE).';
COMMENT ON COLUMN maintmode.maintenance_window.ended_at IS
    'When end_window() ended the window, or cancelled it before it started; null: not '
    'ended.';

SELECT pg_catalog.pg_extension_config_dump('maintmode.maintenance_window', '');
SELECT pg_catalog.pg_extension_config_dump('maintmode.maintenance_window_id_seq', '');

-- Row-level security (15_scopes.sql): a scoped role reads the windows of what it sees,
-- and the server-wide ones, which cover its agents too.
ALTER TABLE maintmode.maintenance_window ENABLE ROW LEVEL SECURITY;
CREATE POLICY within_scopes ON maintmode.maintenance_window
    USING (num_nonnulls(agent_id, site_id, client_id) = 0
           OR maintmode.in_scope(agent_id, (SELECT maintmode.caller_sees('agent')))
           OR maintmode.in_scope(site_id, (SELECT maintmode.caller_sees('site')))
           OR maintmode.in_scope(client_id, (SELECT maintmode.caller_sees('client'))));
COMMENT ON POLICY within_scopes ON maintmode.maintenance_window IS
    'A scoped role reads the windows of the agents, sites and clients it sees, and the '
    'server-wide ones.';

-- The sweep's two lookups: agents whose hand-set maintenance expires, agents a window
-- covers now.  Both sets are small next to the fleet.
CREATE INDEX agent_hand_until_idx ON maintmode.agent (hand_until)
    WHERE hand_until IS NOT NULL;
CREATE INDEX agent_window_maintenance_idx ON maintmode.agent (id)
    WHERE window_maintenance;

-- "Now" for windows and expiries: maintmode.test_now when a superuser set it (tests),
-- else now().
CREATE FUNCTION maintmode.window_clock()
RETURNS timestamptz
AS 'MODULE_PATHNAME', 'maintmode_window_clock'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION maintmode.window_clock() IS
    'Now for windows and expiries: maintmode.test_now when a superuser set it (tests), '
    'else now(). Executable by PUBLIC (given USAGE on the schema).';

-- The occurrence of window w in force at "at" (no row when none is), from the row's own
-- columns, by the occurrence engine (src/recurrence.c) that every reader of occurrences
-- uses.  A recurring window whose start is not finite has no occurrences (create_window
-- refuses one, but 1.2 accepted it; it must not break the views that list occurrences).
CREATE FUNCTION maintmode.window_occurrence(w maintmode.maintenance_window,
                                            at timestamptz,
                                            OUT starts timestamptz,
                                            OUT ends timestamptz)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'maintmode_window_occurrence'
LANGUAGE C STABLE PARALLEL SAFE ROWS 1;
COMMENT ON FUNCTION maintmode.window_occurrence(maintmode.maintenance_window, timestamptz) IS
    'The occurrence (starts, ends) of window w in force at the instant at; no row when '
    'none is. Computes from its arguments only; executable by PUBLIC (given USAGE on the '
    'schema).';

-- The occurrence in force at "at", else the next one: "next maintenance" on a dashboard.
CREATE FUNCTION maintmode.window_next_occurrence(w maintmode.maintenance_window,
                                                 at timestamptz,
                                                 OUT starts timestamptz,
                                                 OUT ends timestamptz)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'maintmode_window_next_occurrence'
LANGUAGE C STABLE PARALLEL SAFE ROWS 1;
COMMENT ON FUNCTION maintmode.window_next_occurrence(maintmode.maintenance_window, timestamptz) IS
    'The occurrence (starts, ends) of window w in force at the instant at, or else the '
    'first to start after it; no row when there is none. Computes from its arguments '
    'only; executable by PUBLIC (given USAGE on the schema).';

-- Runs a query as the caller: search_path pinned, so that an operator or table named
-- like ours earlier in the caller's path is not used.
CREATE FUNCTION maintmode.window_occurrences("window" bigint, "from" timestamptz,
                                             "to" timestamptz)
RETURNS TABLE (starts timestamptz, ends timestamptz)
AS 'MODULE_PATHNAME', 'maintmode_window_occurrences'
LANGUAGE C STABLE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION maintmode.window_occurrences(bigint, timestamptz, timestamptz) IS
    'The occurrences (starts, ends) of window window that overlap the range from to to '
    '(starts < to and ends > from), in order, as the sweep applies them. Runs as the '
    'caller, who needs SELECT on maintenance_window; executable by PUBLIC (given USAGE on '
    'the schema).';

CREATE FUNCTION maintmode.create_window(scope text, target bigint, starts timestamptz,
                                        ends timestamptz DEFAULT NULL,
                                        duration interval DEFAULT NULL,
                                        reason text DEFAULT NULL,
                                        repeat text DEFAULT NULL,
                                        time_zone text DEFAULT NULL)
RETURNS bigint
AS 'MODULE_PATHNAME', 'maintmode_create_window'
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION maintmode.create_window(text, bigint, timestamptz, timestamptz, interval, text, text, text) IS
    'Creates a window: scope ''agent'', ''site'' or ''client'' with target its id, or '
    '''server''; one-off from starts with ends or duration, or recurring with repeat, '
    'duration and time_zone; reason required. A window in force applies at once. Returns '
    'its id. Runs as the extension''s owner; revoked from PUBLIC: superusers and roles '
    'granted EXECUTE may call it.';

CREATE FUNCTION maintmode.end_window("window" bigint)
RETURNS bigint
AS 'MODULE_PATHNAME', 'maintmode_end_window'
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION maintmode.end_window(bigint) IS
    'Ends window window now: a recurring one''s series ends, one not started yet is '
    'cancelled. Returns how many agents left maintenance. Runs as the extension''s owner; '
    'revoked from PUBLIC: superusers and roles granted EXECUTE may call it.';

CREATE FUNCTION maintmode.extend_window("window" bigint, ends timestamptz)
RETURNS timestamptz
AS 'MODULE_PATHNAME', 'maintmode_extend_window'
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION maintmode.extend_window(bigint, timestamptz) IS
    'Moves the end of window window, not yet over, to the later ends; returns the new '
    'end. Runs as the extension''s owner; revoked from PUBLIC: superusers and roles '
    'granted EXECUTE may call it.';

CREATE FUNCTION maintmode.sweep_windows(
    OUT hand_expired bigint, OUT window_entered bigint, OUT window_left bigint)
RETURNS record
AS 'MODULE_PATHNAME', 'maintmode_sweep_windows'
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION maintmode.sweep_windows() IS
    'Brings every agent to the window clock: expires hand-set maintenance, enters windows '
    'in force, leaves windows no longer in force; returns how many agents each changed '
    '(hand_expired, window_entered, window_left). Run by the window worker, or by a '
    'scheduler. Runs as the extension''s owner; revoked from PUBLIC: superusers and roles '
    'granted EXECUTE may call it.';

-- Agents created under a window in force start in it (moved agents follow at the next
-- sweep).
CREATE FUNCTION maintmode.agent_joins_windows_trigger()
RETURNS trigger
AS 'MODULE_PATHNAME', 'maintmode_agent_joins_windows_trigger'
LANGUAGE C SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

CREATE TRIGGER agent_joins_windows
    AFTER INSERT ON maintmode.agent
    REFERENCING NEW TABLE AS new_agents
    FOR EACH STATEMENT EXECUTE FUNCTION maintmode.agent_joins_windows_trigger();
COMMENT ON FUNCTION maintmode.agent_joins_windows_trigger() IS
    'Trigger function of agent_joins_windows (AFTER INSERT on agent): new agents covered '
    'by a window in force start in it. Internal; revoked from PUBLIC.';

-- Agents in maintenance, one row per reason they are in it (set by hand, each window in
-- force), with who, why, since and until when (until NULL: no end set); longest in
-- maintenance first.  Read at the window clock.  It reads the tables as its caller
-- (security_invoker), so their row-level security applies: a scoped role sees its own
-- agents (15_scopes.sql).
CREATE VIEW maintmode.agents_in_maintenance WITH (security_invoker = true) AS
    SELECT a.id AS agent_id, a.hostname, a.site_id, s.client_id,
           c.source, c.window_id, c.since, c.until, c.set_by, c.reason
      FROM maintmode.agent a
      JOIN maintmode.site s ON s.id = a.site_id
     CROSS JOIN LATERAL (
           SELECT 'hand'::text AS source, NULL::bigint AS window_id, a.hand_since AS since,
                  a.hand_until AS until, a.hand_set_by AS set_by, a.hand_reason AS reason
            WHERE a.hand_maintenance
           UNION ALL
           SELECT 'window', w.id, o.starts, o.ends, w.created_by, w.reason
             FROM maintmode.maintenance_window w,
                  maintmode.window_occurrence(w, maintmode.window_clock()) o
            WHERE a.window_maintenance
              AND (w.agent_id = a.id OR w.site_id = a.site_id OR w.client_id = s.client_id
                   OR num_nonnulls(w.agent_id, w.site_id, w.client_id) = 0)) c
     WHERE a.maintenance_mode
     ORDER BY c.since NULLS FIRST, a.id, c.window_id NULLS FIRST;
COMMENT ON VIEW maintmode.agents_in_maintenance IS
    'Agents in maintenance, one row per reason: source ''hand'' (set_by, reason, since, '
    'until: null for no expiry) or ''window'' (window_id, its creator and reason, the '
    'current occurrence''s start and end); longest in maintenance first. Read at the '
    'window clock. Reads the tables as its caller, who needs SELECT on agent, site and '
    'maintenance_window: a scoped role sees the agents within its scopes.';

-- Each window not over, with its occurrence in force or else its next one, soonest
-- first.  Read at the window clock, as the caller (security_invoker), so that a scoped
-- role sees the windows of its own clients and sites only.
CREATE VIEW maintmode.upcoming_windows WITH (security_invoker = true) AS
    SELECT w.id AS window_id,
           CASE WHEN w.agent_id IS NOT NULL THEN 'agent' WHEN w.site_id IS NOT NULL THEN 'site'
                WHEN w.client_id IS NOT NULL THEN 'client' ELSE 'server' END AS scope,
           coalesce(w.agent_id, w.site_id, w.client_id) AS target,
           coalesce(a.hostname, s.name, c.name) AS target_name,
           o.starts, o.ends, o.starts <= maintmode.window_clock() AS in_force,
           w.repeat, w.time_zone, w.duration, w.reason, w.created_by
      FROM maintmode.maintenance_window w
      LEFT JOIN maintmode.agent a ON a.id = w.agent_id
      LEFT JOIN maintmode.site s ON s.id = w.site_id
      LEFT JOIN maintmode.client c ON c.id = w.client_id
     CROSS JOIN LATERAL maintmode.window_next_occurrence(w, maintmode.window_clock()) o
     ORDER BY o.starts, w.id;
COMMENT ON VIEW maintmode.upcoming_windows IS
    'Windows not over, one row each: scope and target (its id and hostname or name; '
    'null for the server), the occurrence in force (in_force) or else the next one '
    '(starts, ends), repeat, time_zone, duration, reason and creator; soonest first. '
    'Read at the window clock. Reads the tables as its caller, who needs SELECT on '
    'maintenance_window, agent, site and client: a scoped role sees the windows within '
    'its scopes.';

REVOKE ALL ON FUNCTION maintmode.create_window(text, bigint, timestamptz, timestamptz, interval, text, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION maintmode.end_window(bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION maintmode.extend_window(bigint, timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION maintmode.sweep_windows() FROM PUBLIC;
REVOKE ALL ON FUNCTION maintmode.agent_joins_windows_trigger() FROM PUBLIC;
