/*
 * scopes.c
 *     Operators limited to clients and sites.  A role with a row in
 *     maintmode.operator_scope, or a member of a role with one, is scoped: the
 *     switches and window calls refuse it anything outside its scopes, and
 *     server maintenance altogether; the row-level security policies and the
 *     dashboard views show it only the rows of its clients and sites.  The role
 *     that counts is the event log's: current_user after SET ROLE, whatever
 *     SECURITY DEFINER function runs.  Superusers are never scoped.
 *
 *     This file reads the scope table (cached per backend until the table, a
 *     role membership or a role changes), has the caller_* functions that the
 *     policies and views call once per statement, the checks the C functions
 *     make, grant_scope(), revoke_scope() and the trigger that guards the table.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "maintmode.h"

/* One row of the scope table. */
typedef struct ScopeRow
{
	Oid			role;
	bool		is_site;
	int64		target;
} ScopeRow;

/* What one role's scopes, and those of the roles it is a member of, name. */
typedef struct RoleScopes
{
	Oid			role;			/* hash key; the role whose scopes these are */
	bool		scoped;
	int			nclients;
	int64	   *clients;		/* sorted, no duplicates */
	int			nsites;
	int64	   *sites;			/* sorted, no duplicates */
} RoleScopes;

static const RoleScopes unscoped = {InvalidOid, false, 0, NULL, 0, NULL};

/*
 * The cache.  The rows are read again after the table changes (its guard
 * trigger sends a relcache invalidation, as TRUNCATE and DROP do), the roles'
 * answers after any change of a role or a membership.  Callbacks only mark
 * things invalid: memory is reset at the next lookup, so a RoleScopes pointer
 * stays good until then.
 */
static MemoryContext rows_context = NULL;
static ScopeRow *rows = NULL;
static int	nrows = 0;
static bool rows_valid = false;
static Oid	scope_table = InvalidOid;
static MemoryContext roles_context = NULL;
static HTAB *roles = NULL;
static bool roles_valid = false;
static uint64 invalidations = 0;

static void
forget_rows(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == scope_table)
	{
		rows_valid = false;
		roles_valid = false;
		invalidations++;
	}
}

static void
forget_roles(Datum arg, int cacheid, uint32 hashvalue)
{
	roles_valid = false;
	invalidations++;
}

/* Registered once, by _PG_init(). */
void
mm_watch_scopes(void)
{
	CacheRegisterRelcacheCallback(forget_rows, (Datum) 0);
	CacheRegisterSyscacheCallback(AUTHMEMROLEMEM, forget_roles, (Datum) 0);
	CacheRegisterSyscacheCallback(AUTHOID, forget_roles, (Datum) 0);
}

static MMStatement read_scopes_stmt = {
	"SELECT role::pg_catalog.oid, scope = 'site', target FROM maintmode.operator_scope",
	0, {0}
};

/*
 * Read the scope table into rows, as the extension's owner (the caller may not
 * read it), at the latest snapshot: a committed change whose invalidation was
 * processed is seen, whatever the isolation level.  An invalidation that
 * arrives during the read makes it read again.  False when the installed
 * schema has no scope table (before 1.3): nobody is scoped.
 */
static bool
load_rows(FunctionCallInfo fcinfo)
{
	for (int attempt = 0;; attempt++)
	{
		uint64		seen;
		Oid			table;
		MMOwnerContext owner;
		int			n;

		AcceptInvalidationMessages();
		seen = invalidations;
		table = get_relname_relid("operator_scope", mm_schema_oid());
		if (!OidIsValid(table))
			return false;
		scope_table = table;
		if (rows_context == NULL)
			rows_context = AllocSetContextCreate(CacheMemoryContext, "maintmode scope rows",
												 ALLOCSET_SMALL_SIZES);
		MemoryContextReset(rows_context);

		mm_become_owner(fcinfo, &owner);
		SPI_connect();
		n = mm_execute_read_latest(&read_scopes_stmt, NULL);
		rows = MemoryContextAlloc(rows_context, Max(n, 1) * sizeof(ScopeRow));
		for (int i = 0; i < n; i++)
		{
			HeapTuple	tuple = SPI_tuptable->vals[i];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			bool		isnull;

			rows[i].role = DatumGetObjectId(SPI_getbinval(tuple, desc, 1, &isnull));
			rows[i].is_site = DatumGetBool(SPI_getbinval(tuple, desc, 2, &isnull));
			rows[i].target = DatumGetInt64(SPI_getbinval(tuple, desc, 3, &isnull));
		}
		SPI_finish();
		mm_stop_being_owner(&owner);
		nrows = n;
		roles_valid = false;

		/* A few tries: another backend may be granting scopes meanwhile. */
		if (invalidations == seen || attempt >= 10)
		{
			rows_valid = invalidations == seen;
			return true;
		}
	}
}

/*
 * The scopes of role: its own and those of every role it is a member of
 * (is_member_of_role: SET ROLE-able memberships too).  Valid until the next
 * call.  fcinfo: an extension function, whose owner reads the table.
 */
static const RoleScopes *
scopes_of(FunctionCallInfo fcinfo, Oid role)
{
	RoleScopes *entry;

	if (superuser_arg(role))
		return &unscoped;
	if (!rows_valid && !load_rows(fcinfo))
		return &unscoped;
	if (!roles_valid || roles == NULL)
	{
		HASHCTL		ctl;

		if (roles_context == NULL)
			roles_context = AllocSetContextCreate(CacheMemoryContext, "maintmode role scopes",
												  ALLOCSET_SMALL_SIZES);
		MemoryContextReset(roles_context);
		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(RoleScopes);
		ctl.hcxt = roles_context;
		roles = hash_create("maintmode role scopes", 16, &ctl,
							HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
		roles_valid = true;
	}
	entry = hash_search(roles, &role, HASH_FIND, NULL);
	if (entry == NULL)
	{
		int64	   *clients = MemoryContextAlloc(roles_context, Max(nrows, 1) * sizeof(int64));
		int64	   *sites = MemoryContextAlloc(roles_context, Max(nrows, 1) * sizeof(int64));
		int			nclients = 0;
		int			nsites = 0;

		/* Entered only once complete: an error on the way leaves no half entry. */
		for (int i = 0; i < nrows; i++)
			if (is_member_of_role(role, rows[i].role))
			{
				if (rows[i].is_site)
					sites[nsites++] = rows[i].target;
				else
					clients[nclients++] = rows[i].target;
			}
		entry = hash_search(roles, &role, HASH_ENTER, NULL);
		entry->scoped = nclients + nsites > 0;
		entry->nclients = mm_sort_unique_int64(clients, nclients);
		entry->clients = clients;
		entry->nsites = mm_sort_unique_int64(sites, nsites);
		entry->sites = sites;
	}
	return entry;
}

/*
 * The caller's scopes: those of the role the event log names (mm_caller_name(),
 * current_user after SET ROLE).  When that role has none, the session's login
 * role's: a technician who may SET ROLE to a role without scopes (the operator
 * role its own role is a member of, say) stays within its scopes.  A superuser
 * after SET ROLE is unscoped; a superuser session that sets a scoped role is
 * scoped.
 */
static const RoleScopes *
caller_scopes(FunctionCallInfo fcinfo)
{
	Oid			role = GetOuterUserId();
	Oid			session = GetSessionUserId();
	const RoleScopes *scopes;

	/* A scope revoked meanwhile counts from this statement on, also mid-transaction. */
	AcceptInvalidationMessages();
	if (superuser_arg(role))
		return &unscoped;
	scopes = scopes_of(fcinfo, role);
	if (scopes->scoped || session == role)
		return scopes;
	return scopes_of(fcinfo, session);
}

/* The role's name for messages: its OID when it was dropped. */
static char *
role_name(Oid role)
{
	char	   *name = GetUserNameFromId(role, true);

	return name != NULL ? name : psprintf("%u", role);
}

static Datum
int64_array(const int64 *values, int count)
{
	Datum	   *datums = palloc(Max(count, 1) * sizeof(Datum));

	for (int i = 0; i < count; i++)
		datums[i] = Int64GetDatum(values[i]);
	return PointerGetDatum(construct_array(datums, count, INT8OID, sizeof(int64),
										   FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/*
 * caller_scoped(): whether the caller is limited to its scopes; from the cache
 * for an unscoped role.  The client dashboard and verify_counters() call it as
 * an uncorrelated sub-select, so once per statement.
 */
PG_FUNCTION_INFO_V1(maintmode_caller_scoped);
Datum
maintmode_caller_scoped(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(caller_scopes(fcinfo)->scoped);
}

static const char *const scope_kinds[] = {"client", "site"};
static const MMChoice scope_kind = {
	scope_kinds, lengthof(scope_kinds), "scope", "unknown scope",
	"Valid scopes are client and site.", ERRCODE_NULL_VALUE_NOT_ALLOWED, false
};

/*
 * caller_scopes(scope): the ids the caller's scopes of that kind name
 * ('client' or 'site'), sorted; NULL for an unscoped caller, whom nothing
 * limits (in_scope() passes it).
 */
PG_FUNCTION_INFO_V1(maintmode_caller_scopes);
Datum
maintmode_caller_scopes(PG_FUNCTION_ARGS)
{
	bool		sites = mm_choose(fcinfo, 0, &scope_kind) == 1;
	const RoleScopes *scopes = caller_scopes(fcinfo);

	if (!scopes->scoped)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(sites ? int64_array(scopes->sites, scopes->nsites)
					: int64_array(scopes->clients, scopes->nclients));
}

/*
 * What a scoped caller sees, from $1 its client scopes and $2 its site scopes:
 * a client in its scopes or with a site in them; a site in its scopes or of a
 * client in them; the agents of those sites.  Sorted, for in_scope().
 */
static const char *const seen_kinds[] = {"client", "site", "agent"};
static const MMChoice seen_kind = {
	seen_kinds, lengthof(seen_kinds), "what", "unknown kind of row",
	"Valid kinds are client, site and agent.", ERRCODE_NULL_VALUE_NOT_ALLOWED, false
};

#define SCOPE_ARGS 2, {INT8ARRAYOID, INT8ARRAYOID}
static MMStatement sees_stmts[] = {
	{"SELECT coalesce(pg_catalog.array_agg(id ORDER BY id), '{}') FROM ("
	 "  SELECT pg_catalog.unnest($1) AS id"
	 "  UNION SELECT client_id FROM maintmode.site WHERE id = ANY ($2)) v", SCOPE_ARGS},
	{"SELECT coalesce(pg_catalog.array_agg(id ORDER BY id), '{}') FROM ("
	 "  SELECT id FROM maintmode.site WHERE client_id = ANY ($1)"
	 "  UNION SELECT pg_catalog.unnest($2)) v", SCOPE_ARGS},
	{"SELECT coalesce(pg_catalog.array_agg(id ORDER BY id), '{}') FROM maintmode.agent"
	 " WHERE site_id = ANY (ARRAY(SELECT id FROM maintmode.site WHERE client_id = ANY ($1))"
	 "                      OPERATOR(pg_catalog.||) $2)", SCOPE_ARGS},
};

/*
 * caller_sees(what): the ids of the clients, sites or agents ('client',
 * 'site', 'agent') within the caller's scopes, sorted; NULL for an unscoped
 * caller.  Read as the extension's owner at the statement's snapshot.
 */
static Datum
caller_sees(FunctionCallInfo fcinfo, int kind, bool *isnull)
{
	const RoleScopes *scopes = caller_scopes(fcinfo);
	Datum		args[2];
	Datum		result;
	MMOwnerContext owner;

	*isnull = !scopes->scoped;
	if (*isnull)
		return (Datum) 0;
	args[0] = int64_array(scopes->clients, scopes->nclients);
	args[1] = int64_array(scopes->sites, scopes->nsites);

	mm_become_owner(fcinfo, &owner);
	SPI_connect();
	mm_execute(&sees_stmts[kind], args, NULL, true);
	result = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, isnull);
	result = SPI_datumTransfer(result, false, -1);
	SPI_finish();
	mm_stop_being_owner(&owner);
	return result;
}

PG_FUNCTION_INFO_V1(maintmode_caller_sees);
Datum
maintmode_caller_sees(PG_FUNCTION_ARGS)
{
	bool		isnull;
	Datum		result = caller_sees(fcinfo, mm_choose(fcinfo, 0, &seen_kind), &isnull);

	if (isnull)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(result);
}

/*
 * in_scope(id, ids): the row test of the policies.  ids is the statement's
 * answer of a caller_* function: NULL for an unscoped caller, who passes at
 * once; else the sorted ids it sees, searched by halves, so that a row is
 * tested against thousands of ids cheaply.  A NULL id is in no scope.  An
 * array with NULLs is searched one by one.
 */
PG_FUNCTION_INFO_V1(maintmode_in_scope);
Datum
maintmode_in_scope(PG_FUNCTION_ARGS)
{
	int64		id;
	ArrayType  *ids;
	int			count;

	if (PG_ARGISNULL(1))
		PG_RETURN_BOOL(true);
	if (PG_ARGISNULL(0))
		PG_RETURN_BOOL(false);
	id = PG_GETARG_INT64(0);
	ids = PG_GETARG_ARRAYTYPE_P(1);
	count = ArrayGetNItems(ARR_NDIM(ids), ARR_DIMS(ids));
	if (ARR_ELEMTYPE(ids) != INT8OID)
		elog(ERROR, "in_scope expects a bigint array");
	if (ARR_HASNULL(ids))
	{
		Datum	   *values;
		bool	   *nulls;

		deconstruct_array(ids, INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
						  &values, &nulls, &count);
		for (int i = 0; i < count; i++)
			if (!nulls[i] && DatumGetInt64(values[i]) == id)
				PG_RETURN_BOOL(true);
		PG_RETURN_BOOL(false);
	}
	/* ARR_DATA_PTR() of an array without NULLs (its general form warns here). */
	PG_RETURN_BOOL(mm_sorted_contains_int64((int64 *) ((char *) ids + ARR_OVERHEAD_NONULLS(ARR_NDIM(ids))),
								   count, id));
}

/*
 * Refuse what is for unscoped roles only (server maintenance, server-wide
 * windows, the senders' queue, scope administration) to a scoped caller.
 */
void
mm_refuse_if_scoped(FunctionCallInfo fcinfo, const char *what)
{
	if (caller_scopes(fcinfo)->scoped)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("%s is for roles without scopes", what),
				 errdetail("Role \"%s\" is limited to the clients and sites of its scopes.",
						   role_name(caller_scopes(fcinfo)->role)),
				 errhint("maintmode.operator_scope lists the scopes.")));
}

/* The site and client of an agent or a site (scope's id, $1). */
static MMStatement place_stmts[] = {
	[MM_SCOPE_AGENT] = {"SELECT a.site_id, s.client_id FROM maintmode.agent a"
						"  JOIN maintmode.site s ON s.id = a.site_id WHERE a.id = $1",
	1, {INT8OID}},
	[MM_SCOPE_SITE] = {"SELECT id, client_id FROM maintmode.site WHERE id = $1", 1, {INT8OID}},
};

/* Whether some of the sites $2 are sites of client $1. */
static MMStatement has_sites_of_stmt = {
	"SELECT EXISTS (SELECT FROM maintmode.site WHERE client_id = $1 AND id = ANY ($2))",
	2, {INT8OID, INT8ARRAYOID}
};

/*
 * An error (42501) unless the caller may act on the agent, site or client id
 * of scope, or on the window (not 0) that covers it; unscoped callers may act
 * on anything.  A client must be in the caller's scopes; a site, or its
 * client; an agent's site, or its client.  The server is for unscoped callers
 * only.  An unknown agent or site is P0002.  SPI connected, as the owner (the
 * SECURITY DEFINER functions), at the statement's snapshot: an agent cannot
 * move meanwhile (the switches hold the agent table), and a site that moves to
 * another client after that snapshot moves after the call.
 */
void
mm_require_in_scope(FunctionCallInfo fcinfo, MMScope scope, int64 id, int64 window)
{
	const RoleScopes *scopes = caller_scopes(fcinfo);
	Oid			role = scopes->role;
	int64		site = 0;
	int64		client = id;
	char	   *place;
	bool		sites_of_client = false;
	int64	   *scope_sites;
	int			nscope_sites;

	if (!scopes->scoped)
		return;
	if (scope == MM_SCOPE_SERVER)
		mm_refuse_if_scoped(fcinfo, window != 0 ? "a server-wide window" : "server maintenance");

	/* Copied: the lookups below may process invalidations. */
	nscope_sites = scopes->nsites;
	scope_sites = palloc(Max(nscope_sites, 1) * sizeof(int64));
	memcpy(scope_sites, scopes->sites, nscope_sites * sizeof(int64));
	if (scope == MM_SCOPE_CLIENT)
	{
		if (mm_sorted_contains_int64(scopes->clients, scopes->nclients, client))
			return;
		mm_require_target(MM_SCOPE_CLIENT, client);
		place = psprintf("client " INT64_FORMAT, client);
		if (nscope_sites > 0)
		{
			Datum		args[2] = {Int64GetDatum(client), int64_array(scope_sites, nscope_sites)};
			bool		isnull;

			mm_execute(&has_sites_of_stmt, args, NULL, true);
			sites_of_client = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0],
														 SPI_tuptable->tupdesc, 1, &isnull));
		}
	}
	else
	{
		Datum		arg = Int64GetDatum(id);
		bool		isnull;
		int64	   *scope_clients = palloc(Max(scopes->nclients, 1) * sizeof(int64));
		int			nscope_clients = scopes->nclients;

		memcpy(scope_clients, scopes->clients, nscope_clients * sizeof(int64));
		if (mm_execute(&place_stmts[scope], &arg, NULL, true) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_NO_DATA_FOUND),
					 errmsg("%s " INT64_FORMAT " does not exist", mm_scope_names[scope], id)));
		site = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1,
										   &isnull));
		client = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2,
											 &isnull));
		if (mm_sorted_contains_int64(scope_sites, nscope_sites, site) ||
			mm_sorted_contains_int64(scope_clients, nscope_clients, client))
			return;
		place = scope == MM_SCOPE_SITE ?
			psprintf("site " INT64_FORMAT " of client " INT64_FORMAT, site, client) :
			psprintf("agent " INT64_FORMAT " at site " INT64_FORMAT " of client " INT64_FORMAT,
					 id, site, client);
	}

	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 window != 0 ?
			 errmsg("window " INT64_FORMAT " covers %s, outside the scopes of role \"%s\"",
					window, place, role_name(role)) :
			 errmsg("%s is outside the scopes of role \"%s\"", place, role_name(role)),
			 sites_of_client ?
			 errdetail("The role's scopes hold sites of client " INT64_FORMAT
					   ", not the whole client: switch those sites.", client) : 0,
			 errhint("maintmode.operator_scope lists the scopes of the role and of the roles it is a member of.")));
}

/* The role argument of grant_scope() and revoke_scope(). */
static Oid
role_argument(FunctionCallInfo fcinfo)
{
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("role must not be null")));
	if (!OidIsValid(PG_GETARG_OID(0)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("role must name a role, not \"-\"")));
	return PG_GETARG_OID(0);
}

static MMStatement grant_stmt = {
	"INSERT INTO maintmode.operator_scope (role, scope, target, granted_by)"
	" VALUES ($1::pg_catalog.regrole, $2, $3, $4) ON CONFLICT DO NOTHING",
	4, {OIDOID, TEXTOID, INT8OID, TEXTOID}
};

static MMStatement revoke_stmt = {
	"DELETE FROM maintmode.operator_scope"
	" WHERE role = $1::pg_catalog.regrole AND scope = $2 AND target = $3",
	3, {OIDOID, TEXTOID, INT8OID}
};

/*
 * The checks grant_scope() and revoke_scope() share: a scoped caller may not
 * change scopes (it could widen its own), and every argument is given.
 * Returns the scope's index in scope_kinds.
 */
static int
scope_arguments(FunctionCallInfo fcinfo)
{
	int			kind;

	(void) role_argument(fcinfo);
	kind = mm_choose(fcinfo, 1, &scope_kind);
	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("target must not be null"),
				 errhint("Pass the id of the %s.", scope_kinds[kind])));
	mm_refuse_if_scoped(fcinfo, "granting and revoking scopes");
	return kind;
}

/*
 * grant_scope(role, scope, target): limits role to the client or site target
 * (with the other scopes it has); true when added, false (and a NOTICE) when
 * it had that scope already.  Recorded in the event log when it changes
 * something.
 */
PG_FUNCTION_INFO_V1(maintmode_grant_scope);
Datum
maintmode_grant_scope(PG_FUNCTION_ARGS)
{
	int			kind = scope_arguments(fcinfo);
	Oid			role = role_argument(fcinfo);
	int64		target = PG_GETARG_INT64(2);
	Datum		args[4];
	bool		added;
	HeapTuple	tuple;

	tuple = SearchSysCache1(AUTHOID, ObjectIdGetDatum(role));
	if (!HeapTupleIsValid(tuple))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("role with OID %u does not exist", role)));
	if (((Form_pg_authid) GETSTRUCT(tuple))->rolsuper ||
		((Form_pg_authid) GETSTRUCT(tuple))->rolbypassrls ||
		((Form_pg_authid) GETSTRUCT(tuple))->rolcreaterole)
		ereport(WARNING,
				(errmsg("role \"%s\" is a superuser, bypasses row-level security or creates roles",
						role_name(role)),
				 errdetail("A superuser is never limited to its scopes; a role that bypasses "
						   "row-level security reads and writes the tables beyond them; one "
						   "that creates roles can leave the roles that limit it.")));
	ReleaseSysCache(tuple);

	args[0] = ObjectIdGetDatum(role);
	args[1] = CStringGetTextDatum(scope_kinds[kind]);
	args[2] = Int64GetDatum(target);
	args[3] = CStringGetTextDatum(mm_caller_name());

	SPI_connect();
	mm_require_target(kind == 1 ? MM_SCOPE_SITE : MM_SCOPE_CLIENT, target);
	added = mm_execute(&grant_stmt, args, NULL, false) > 0;
	if (added)
		mm_log_event(psprintf("grant scope to %s", quote_identifier(role_name(role))),
					 scope_kinds[kind], target, true, 0, 0, 0);
	else
		ereport(NOTICE,
				(errmsg("role \"%s\" already has scope %s " INT64_FORMAT,
						role_name(role), scope_kinds[kind], target)));
	SPI_finish();
	PG_RETURN_BOOL(added);
}

/*
 * revoke_scope(role, scope, target): removes that scope of role; true when
 * removed, false (and a NOTICE) when it had none such.  The target need not
 * exist any more, nor the role (pass its OID).  A WARNING says when the role
 * (one that still exists) is left without scopes, i.e. no longer limited.
 */
PG_FUNCTION_INFO_V1(maintmode_revoke_scope);
Datum
maintmode_revoke_scope(PG_FUNCTION_ARGS)
{
	int			kind = scope_arguments(fcinfo);
	Oid			role = role_argument(fcinfo);
	int64		target = PG_GETARG_INT64(2);
	Datum		args[3];
	bool		removed;

	args[0] = ObjectIdGetDatum(role);
	args[1] = CStringGetTextDatum(scope_kinds[kind]);
	args[2] = Int64GetDatum(target);

	SPI_connect();
	removed = mm_execute(&revoke_stmt, args, NULL, false) > 0;
	if (removed)
	{
		mm_log_event(psprintf("revoke scope from %s", quote_identifier(role_name(role))),
					 scope_kinds[kind], target, true, 0, 0, 0);
		/* The guard trigger's invalidation is processed here: the rows are read again. */
		CommandCounterIncrement();
		if (GetUserNameFromId(role, true) != NULL && !superuser_arg(role) &&
			!scopes_of(fcinfo, role)->scoped)
			ereport(WARNING,
					(errmsg("role \"%s\" has no scopes left: it is no longer limited to clients and sites",
							role_name(role)),
					 errhint("Its members without scopes of their own may now switch and read every client.")));
	}
	else
		ereport(NOTICE,
				(errmsg("role \"%s\" has no scope %s " INT64_FORMAT,
						role_name(role), scope_kinds[kind], target)));
	SPI_finish();
	PG_RETURN_BOOL(removed);
}

/*
 * operator_scope_guard(): BEFORE INSERT, UPDATE, DELETE or TRUNCATE ON
 * operator_scope FOR EACH STATEMENT.  Only superusers write the table:
 * grant_scope() and revoke_scope(), which run as the extension's owner, a
 * restore, a DBA's repair.  A scoped role that could delete its own scopes
 * would be unlimited (TRUNCATE ignores row-level security).  Every write makes
 * every backend read the scopes again (at the end of this command here, at
 * commit elsewhere; an abort undoes it).
 */
PG_FUNCTION_INFO_V1(maintmode_operator_scope_guard);
Datum
maintmode_operator_scope_guard(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_STATEMENT(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("operator_scope_guard must fire BEFORE ... FOR EACH STATEMENT")));
	mm_check_trigger_table(trigdata, "operator_scope", "operator_scope_guard");
	if (!superuser())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("maintmode.operator_scope is written by grant_scope() and revoke_scope() only"),
				 errhint("A superuser or a role granted EXECUTE on them may call them.")));
	CacheInvalidateRelcache(trigdata->tg_relation);
	return PointerGetDatum(NULL);
}
