-- Maintenance windows and expiring hand-set maintenance: the window table, the window
-- clock and a window's occurrences, create_window, end_window and extend_window, the
-- sweep that starts and ends windows and expires hand-set maintenance, the trigger that
-- puts new agents in the windows in force, and the view of who is in maintenance and why.

-- A window: one agent, site or client (the foreign key names it; deleting it deletes its
-- windows), or the whole server (none named).  One-off: in force from starts_at to
-- ends_at.  Recurring: every day or week at the local time of day (and weekday) of
-- starts_at in time_zone, for duration, from starts_at until ends_at (NULL: no end).
-- ended_at: end_window() ended it (or cancelled it) at that time.
CREATE TABLE maintmode.maintenance_window (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agent_id    bigint REFERENCES maintmode.agent ON DELETE CASCADE,
    site_id     bigint REFERENCES maintmode.site ON DELETE CASCADE,
    client_id   bigint REFERENCES maintmode.client ON DELETE CASCADE,
    starts_at   timestamptz NOT NULL,
    ends_at     timestamptz,
    repeat      text CHECK (repeat IN ('daily', 'weekly')),
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
    'recurring daily or weekly. Kept after they end, as history. Written by '
    'create_window(), end_window() and extend_window().';
COMMENT ON COLUMN maintmode.maintenance_window.agent_id IS
    'The agent the window covers (scope agent). agent_id, site_id and client_id all null: '
    'the whole server.';
COMMENT ON COLUMN maintmode.maintenance_window.site_id IS
    'The site whose agents the window covers (scope site).';
COMMENT ON COLUMN maintmode.maintenance_window.client_id IS
    'The client whose agents the window covers (scope client).';
COMMENT ON COLUMN maintmode.maintenance_window.starts_at IS
    'Start; of a recurring window, the first occurrence, whose local time of day (and '
    'weekday) in time_zone every occurrence keeps.';
COMMENT ON COLUMN maintmode.maintenance_window.ends_at IS
    'End of a one-off window; of a recurring one, the end of the series (null: none).';
COMMENT ON COLUMN maintmode.maintenance_window.repeat IS
    '''daily'' or ''weekly''; null: one-off.';
COMMENT ON COLUMN maintmode.maintenance_window.time_zone IS
    'The time zone of a recurring window; null for a one-off.';
COMMENT ON COLUMN maintmode.maintenance_window.duration IS
    'The length of each occurrence of a recurring window, in local time; null for a '
    'one-off.';
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

-- The occurrence of window w in force at "at" (no row when none is).  A recurring
-- window's occurrences start at the same local wall-clock time in its time zone, whatever
-- the daylight-saving offset, and end duration later in local time; ends_at and ended_at
-- cut any occurrence short.  Only the three occurrences around "at" can contain it: a
-- duration is at most the repeat period.  A recurring window whose start is not finite
-- has no occurrences (create_window refuses one, but 1.2 accepted it; it must not break
-- the views that list occurrences).
CREATE FUNCTION maintmode.window_occurrence(w maintmode.maintenance_window,
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
COMMENT ON FUNCTION maintmode.window_occurrence(maintmode.maintenance_window, timestamptz) IS
    'The occurrence (starts, ends) of window w in force at the instant at; no row when '
    'none is. Computes from its arguments only; executable by PUBLIC (given USAGE on the '
    'schema).';

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

REVOKE ALL ON FUNCTION maintmode.create_window(text, bigint, timestamptz, timestamptz, interval, text, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION maintmode.end_window(bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION maintmode.extend_window(bigint, timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION maintmode.sweep_windows() FROM PUBLIC;
REVOKE ALL ON FUNCTION maintmode.agent_joins_windows_trigger() FROM PUBLIC;
