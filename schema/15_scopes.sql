-- Operators limited to clients and sites (src/scopes.c): the scope table, the functions
-- that tell what the caller may see, grant_scope() and revoke_scope(), and the row-level
-- security of the fleet tables.  The tables of the later fragments get their policies
-- there, with the same functions.  A policy is in_scope(column, (SELECT caller_*())):
-- the sub-select is uncorrelated, so it runs once per statement, not per row, and
-- answers NULL for an unscoped role (one cached lookup), which in_scope() passes at
-- once, or the sorted ids a scoped role sees, which in_scope() searches.  One
-- sub-select per policy: each is planned with every statement that is not prepared.

-- A role with a row here, or a member of a role with one, is scoped.  role is a regrole:
-- it follows a renamed role, and a dump writes its name, which a restore looks up (the
-- roles come first: pg_dumpall --roles-only).  No foreign key on target: deleting a
-- client or site must not leave its technicians without scopes, i.e. unlimited.
CREATE TABLE maintmode.operator_scope (
    role       regrole NOT NULL,
    scope      text NOT NULL CHECK (scope IN ('client', 'site')),
    target     bigint NOT NULL,
    granted_by text NOT NULL,
    granted_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (role, scope, target)
);
COMMENT ON TABLE maintmode.operator_scope IS
    'The clients and sites roles are limited to: a role with a row here, or a member of a '
    'role with one, is scoped. Written by grant_scope() and revoke_scope() (and '
    'superusers); readable by viewers, a scoped role seeing the rows of its own scopes.';
COMMENT ON COLUMN maintmode.operator_scope.role IS
    'The role limited; its members are limited with it.';
COMMENT ON COLUMN maintmode.operator_scope.scope IS
    '''client'' or ''site''.';
COMMENT ON COLUMN maintmode.operator_scope.target IS
    'The id of the client or site. A client or site deleted since keeps its rows here: '
    'the role stays limited.';
COMMENT ON COLUMN maintmode.operator_scope.granted_by IS
    'The role that called grant_scope() (the session role, after SET ROLE).';

-- Dumped, but for the rows of roles dropped since: their OID would name another role,
-- or none, in the database restored into.
SELECT pg_catalog.pg_extension_config_dump('maintmode.operator_scope',
    'WHERE EXISTS (SELECT FROM pg_catalog.pg_roles r WHERE r.oid OPERATOR(pg_catalog.=) role)');

-- Only superusers write the table (grant_scope() and revoke_scope() run as the owner);
-- every write makes every backend read the scopes again.  ENABLE ALWAYS: also when a
-- replica applies the rows (session_replication_role = replica).
CREATE FUNCTION maintmode.operator_scope_guard()
RETURNS trigger
AS 'MODULE_PATHNAME', 'maintmode_operator_scope_guard'
LANGUAGE C;
COMMENT ON FUNCTION maintmode.operator_scope_guard() IS
    'Trigger function of operator_scope_guard (BEFORE INSERT, UPDATE, DELETE or TRUNCATE '
    'on operator_scope): refuses writers that are not superusers (42501), and makes every '
    'session read the scopes again. Internal; revoked from PUBLIC.';
CREATE TRIGGER operator_scope_guard
    BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON maintmode.operator_scope
    FOR EACH STATEMENT EXECUTE FUNCTION maintmode.operator_scope_guard();
ALTER TABLE maintmode.operator_scope ENABLE ALWAYS TRIGGER operator_scope_guard;

-- What the caller may see.  "The caller" is the role the event log records: current_user
-- after SET ROLE, also inside SECURITY DEFINER functions; when it has no scopes, the
-- login role's count (a SET ROLE to a role without scopes lifts none).  The policies
-- call them for every role that reads or writes the tables, so PUBLIC may execute them;
-- they tell a scoped role the ids within its own scopes, and any other role nothing
-- (NULL).  They read the tables as the extension's owner and pin search_path themselves
-- (C).  PARALLEL RESTRICTED: the leader runs the sub-selects and passes the answers to
-- the workers, so scans under a policy stay parallel.
CREATE FUNCTION maintmode.caller_scoped()
RETURNS boolean
AS 'MODULE_PATHNAME', 'maintmode_caller_scoped'
LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION maintmode.caller_scoped() IS
    'Whether the calling role (current_user after SET ROLE) is limited to scopes: it, or a '
    'role it is a member of, has a row in operator_scope, and it is not a superuser. '
    'Executable by PUBLIC (given USAGE on the schema).';

CREATE FUNCTION maintmode.caller_scopes(scope text)
RETURNS bigint[]
AS 'MODULE_PATHNAME', 'maintmode_caller_scopes'
LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION maintmode.caller_scopes(text) IS
    'The ids the calling role''s scopes of kind scope (''client'' or ''site'') name, '
    'sorted; NULL for an unscoped role (no limit). Executable by PUBLIC (given USAGE on '
    'the schema).';

CREATE FUNCTION maintmode.caller_sees(what text)
RETURNS bigint[]
AS 'MODULE_PATHNAME', 'maintmode_caller_sees'
LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION maintmode.caller_sees(text) IS
    'The ids of the clients, sites or agents (what: ''client'', ''site'' or ''agent'') '
    'within the calling role''s scopes, sorted: a client in them or with a site in them, '
    'a site in them or of a client in them, the agents of those sites. NULL for an '
    'unscoped role (no limit). Executable by PUBLIC (given USAGE on the schema).';

CREATE FUNCTION maintmode.in_scope(id bigint, sorted_ids bigint[])
RETURNS boolean
AS 'MODULE_PATHNAME', 'maintmode_in_scope'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION maintmode.in_scope(bigint, bigint[]) IS
    'True when sorted_ids is NULL (an unscoped caller''s answer: no limit), else whether '
    'id is in sorted_ids, an array sorted ascending as the caller_* functions return '
    'them (a binary search). Computes from its arguments only; executable by PUBLIC '
    '(given USAGE on the schema).';

-- Scope administration: superusers, and the roles granted EXECUTE (the documented
-- maint_scope_admin); never a scoped role, which could widen its own scopes.
CREATE FUNCTION maintmode.grant_scope(role regrole, scope text, target bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'maintmode_grant_scope'
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION maintmode.grant_scope(regrole, text, bigint) IS
    'Limits role (and its members) to the client or site target, with the other scopes '
    'it has: scope ''client'' or ''site''. Returns true when added, false when it had it. '
    'Logged in the event log. Refused to scoped roles. Runs as the extension''s owner; '
    'revoked from PUBLIC: superusers and roles granted EXECUTE may call it.';

CREATE FUNCTION maintmode.revoke_scope(role regrole, scope text, target bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'maintmode_revoke_scope'
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION maintmode.revoke_scope(regrole, text, bigint) IS
    'Removes the scope of role on the client or site target. Returns true when removed, '
    'false when it had none such; a WARNING says when the role is left unlimited. Logged '
    'in the event log. Refused to scoped roles. Runs as the extension''s owner; revoked '
    'from PUBLIC: superusers and roles granted EXECUTE may call it.';

REVOKE ALL ON FUNCTION maintmode.operator_scope_guard() FROM PUBLIC;
REVOKE ALL ON FUNCTION maintmode.grant_scope(regrole, text, bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION maintmode.revoke_scope(regrole, text, bigint) FROM PUBLIC;

-- Row-level security.  One policy per table, for every command and role (USING also
-- checks new rows), and restrictive ones where a row the role may read must not be
-- written (client, site, alert): unscoped roles pass on the sub-select's NULL.  The extension's
-- owner (a superuser) bypasses it: the triggers, counters, sweeps and switches, which
-- run as the owner, see and change every row.  A scoped role sees the rows of its own
-- scopes here; it writes none (the guard trigger).
ALTER TABLE maintmode.operator_scope ENABLE ROW LEVEL SECURITY;
CREATE POLICY within_scopes ON maintmode.operator_scope FOR SELECT
    USING (maintmode.in_scope(target, CASE scope
                                          WHEN 'client' THEN (SELECT maintmode.caller_scopes('client'))
                                          ELSE (SELECT maintmode.caller_scopes('site'))
                                      END));
COMMENT ON POLICY within_scopes ON maintmode.operator_scope IS
    'A scoped role reads the scope rows of its own clients and sites.';

ALTER TABLE maintmode.client ENABLE ROW LEVEL SECURITY;
CREATE POLICY within_scopes ON maintmode.client
    USING (maintmode.in_scope(id, (SELECT maintmode.caller_sees('client'))));
COMMENT ON POLICY within_scopes ON maintmode.client IS
    'A scoped role reads the clients in its scopes and those of its sites.';
-- A technician of a site reads its client, but changes or deletes only the clients in
-- its scopes: deleting one deletes (as the tables' owner) sites it does not see.
CREATE POLICY changed_within_scopes ON maintmode.client AS RESTRICTIVE FOR UPDATE
    USING (true)
    WITH CHECK (maintmode.in_scope(id, (SELECT maintmode.caller_scopes('client'))));
COMMENT ON POLICY changed_within_scopes ON maintmode.client IS
    'A scoped role changes only the clients in its scopes.';
CREATE POLICY deleted_within_scopes ON maintmode.client AS RESTRICTIVE FOR DELETE
    USING (maintmode.in_scope(id, (SELECT maintmode.caller_scopes('client'))));
COMMENT ON POLICY deleted_within_scopes ON maintmode.client IS
    'A scoped role deletes only the clients in its scopes.';

ALTER TABLE maintmode.site ENABLE ROW LEVEL SECURITY;
CREATE POLICY within_scopes ON maintmode.site
    USING (maintmode.in_scope(client_id, (SELECT maintmode.caller_scopes('client')))
           OR maintmode.in_scope(id, (SELECT maintmode.caller_scopes('site'))));
COMMENT ON POLICY within_scopes ON maintmode.site IS
    'A scoped role reads and writes the sites in its scopes and those of its clients.';
-- A site in its scopes stays with a client the role sees: moved to another, it would
-- bring its agents into that client's counters and to that client's technicians.
CREATE POLICY moved_within_scopes ON maintmode.site AS RESTRICTIVE FOR UPDATE
    USING (true)
    WITH CHECK (maintmode.in_scope(client_id, (SELECT maintmode.caller_sees('client'))));
COMMENT ON POLICY moved_within_scopes ON maintmode.site IS
    'A scoped role moves a site only to a client it sees.';

ALTER TABLE maintmode.agent ENABLE ROW LEVEL SECURITY;
CREATE POLICY within_scopes ON maintmode.agent
    USING (maintmode.in_scope(site_id, (SELECT maintmode.caller_sees('site'))));
COMMENT ON POLICY within_scopes ON maintmode.agent IS
    'A scoped role reads and writes the agents of the sites it sees.';

ALTER TABLE maintmode.check_result ENABLE ROW LEVEL SECURITY;
CREATE POLICY within_scopes ON maintmode.check_result
    USING (maintmode.in_scope(agent_id, (SELECT maintmode.caller_sees('agent'))));
COMMENT ON POLICY within_scopes ON maintmode.check_result IS
    'A scoped role reads and writes the checks and tasks of the agents it sees.';
