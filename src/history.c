/*
 * history.c
 *     The maintenance history: one row in maintmode.maintenance_history per agent
 *     whose effective maintenance (agent.maintenance_mode) changed, whatever
 *     changed it, with the path it came by, the reason, the database roles and
 *     the application's own user (maintmode.actor); the same changes as events
 *     (events.c), one per statement and direction; the triggers that keep the
 *     history append-only; purge_history().
 *
 * The path is what the extension's own code running at the time says it is
 * doing (mm_begin_change_path()): a switch (and the id it named), server
 * maintenance, a window, an expiry.  A change nobody announced is a plain
 * UPDATE: "sql".  An INSERT of an agent is no change (a restore inserts every
 * agent).
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "maintmode.h"

/*
 * What the extension is doing now: the innermost of the paths announced and
 * not yet ended.  A switch can run inside another's statement (called by a
 * trigger of the application's on agent), so each announcement stacks on the
 * one before, which its end brings back.  Each remembers the subtransaction it
 * was announced in, and the agent, site or client a switch named.
 */
typedef struct ChangePath
{
	const char *path;
	SubTransactionId subxact;
	int64		target;
	bool		has_target;
} ChangePath;

static ChangePath *change_paths = NULL;	/* in TopMemoryContext */
static int	change_path_depth = 0;
static int	change_path_room = 0;

static ChangePath *
current_change_path(void)
{
	return change_path_depth > 0 ? &change_paths[change_path_depth - 1] : NULL;
}

/* Announce the path of the changes the following statements make, until mm_end_change_path(). */
void
mm_begin_change_path(const char *path)
{
	ChangePath *current;

	if (change_path_depth == change_path_room)
	{
		change_path_room = Max(4, 2 * change_path_room);
		change_paths = change_paths == NULL ?
			MemoryContextAlloc(TopMemoryContext, change_path_room * sizeof(ChangePath)) :
			repalloc(change_paths, change_path_room * sizeof(ChangePath));
	}
	current = &change_paths[change_path_depth++];
	current->path = path;
	current->subxact = GetCurrentSubTransactionId();
	current->has_target = false;
}

/* The changes that follow come by the path announced before, or by the caller's SQL. */
void
mm_end_change_path(void)
{
	Assert(change_path_depth > 0);
	change_path_depth--;
}

/* After mm_begin_change_path() for a switch: the id of the agent, site or client. */
void
mm_set_change_target(int64 target)
{
	ChangePath *current = current_change_path();

	current->target = target;
	current->has_target = true;
}

/* Set while purge_history() deletes: the only time the history loses rows. */
static bool purging = false;
static SubTransactionId purging_subxact = InvalidSubTransactionId;

/* Whether the extension's own code is changing agents now (else: the caller's SQL). */
bool
mm_in_extension_change(void)
{
	return change_path_depth > 0;
}

/* A transaction that ends, however it ends, ends both. */
static void
forget_path(XactEvent event, void *arg)
{
	change_path_depth = 0;
	purging = false;
}

/*
 * A subtransaction that aborts ends the paths announced in it, not those of
 * the levels outside it: an error caught inside a statement of the extension's
 * (by an exception block in a trigger of your own on agent, say) leaves that
 * statement's path.
 */
static void
forget_path_of_subxact(SubXactEvent event, SubTransactionId mySubid,
					   SubTransactionId parentSubid, void *arg)
{
	if (event != SUBXACT_EVENT_ABORT_SUB)
		return;
	while (change_path_depth > 0 && current_change_path()->subxact >= mySubid)
		change_path_depth--;
	if (purging && purging_subxact >= mySubid)
		purging = false;
}

/* Registered once, by _PG_init(). */
void
mm_watch_change_path(void)
{
	RegisterXactCallback(forget_path, NULL);
	RegisterSubXactCallback(forget_path_of_subxact, NULL);
}

/*
 * $1 agents, $2 on or off, $3 the hand reason of the maintenance that started
 * or ended, $4 the path, $5 when, $6 session role, $7 acting role, $8 actor,
 * $9 maintmode.reason (NULL when empty).  A plain UPDATE's reason is
 * maintmode.reason when set.
 */
#define RECORD_ARGS \
	9, {INT8ARRAYOID, BOOLARRAYOID, TEXTARRAYOID, TEXTOID, TIMESTAMPTZOID, TEXTOID, TEXTOID, \
	TEXTOID, TEXTOID}

static MMStatement record_stmt = {
	"INSERT INTO maintmode.maintenance_history"
	" (changed_at, agent_id, in_maintenance, path, window_id, reason, session_role,"
	"  acting_role, actor)"
	" SELECT $5, d.agent_id, d.in_maintenance, $4, NULL,"
	"        CASE WHEN $4 = 'sql' THEN coalesce($9, d.reason) ELSE d.reason END,"
	"        $6, $7, $8"
	"   FROM (SELECT pg_catalog.unnest($1) AS agent_id, pg_catalog.unnest($2) AS in_maintenance,"
	"                pg_catalog.unnest($3) AS reason) d",
	RECORD_ARGS
};

/*
 * The same for changes by a window, which name the window, and its reason:
 * the one in force covering the agent that started it (the lowest id), or the
 * covering one that ended last.  Set-based: each window is judged once (in
 * force at $5 or not), then matched to the agents by agent, site, client or
 * none (the server), so a patch night that takes in a hundred thousand agents
 * under a thousand windows joins sets instead of scanning the windows per
 * agent.  Rows are written in the order of the agents given.  Also returns, per direction (started, ended), what the event says: the window,
 * its scope and target, and the reason, each when all the agents' rows agree on
 * one (compared byte by byte: equal or not is all that matters).
 */
#define WINDOW_CHOICE \
	"WITH d AS MATERIALIZED (" \
	"  SELECT pg_catalog.unnest($1) AS agent_id, pg_catalog.unnest($2) AS in_maintenance," \
	"         pg_catalog.unnest($3) AS reason," \
	"         pg_catalog.generate_series(1, pg_catalog.cardinality($1)) AS n)," \
	" w AS MATERIALIZED (" \
	"  SELECT w.id, w.reason, w.agent_id, w.site_id, w.client_id," \
	"         coalesce(least(w.ended_at, w.ends_at), $5) AS ended," \
	"         EXISTS (SELECT FROM maintmode.window_occurrence(w, $5)) AS in_force" \
	"    FROM maintmode.maintenance_window w WHERE w.starts_at <= $5)," \
	" da AS MATERIALIZED (" \
	"  SELECT d.agent_id, d.in_maintenance, a.site_id, s.client_id" \
	"    FROM d JOIN maintmode.agent a ON a.id = d.agent_id" \
	"           JOIN maintmode.site s ON s.id = a.site_id)," \
	" covering AS (" \
	"  SELECT da.agent_id, da.in_maintenance, w.id, w.reason, w.ended, w.in_force" \
	"    FROM da JOIN w ON w.agent_id = da.agent_id" \
	"  UNION ALL" \
	"  SELECT da.agent_id, da.in_maintenance, w.id, w.reason, w.ended, w.in_force" \
	"    FROM da JOIN w ON w.site_id = da.site_id" \
	"  UNION ALL" \
	"  SELECT da.agent_id, da.in_maintenance, w.id, w.reason, w.ended, w.in_force" \
	"    FROM da JOIN w ON w.client_id = da.client_id" \
	"  UNION ALL" \
	"  SELECT da.agent_id, da.in_maintenance, w.id, w.reason, w.ended, w.in_force" \
	"    FROM da CROSS JOIN w" \
	"   WHERE pg_catalog.num_nonnulls(w.agent_id, w.site_id, w.client_id) = 0)," \
	" chosen AS (" \
	"  SELECT DISTINCT ON (c.agent_id) c.agent_id, c.id, c.reason FROM covering c" \
	"   WHERE NOT c.in_maintenance OR c.in_force" \
	"   ORDER BY c.agent_id, CASE WHEN NOT c.in_maintenance THEN c.ended END DESC NULLS LAST," \
	"            c.id)"
#define WINDOW_RECORD \
	" INSERT INTO maintmode.maintenance_history" \
	" (changed_at, agent_id, in_maintenance, path, window_id, reason, session_role," \
	"  acting_role, actor)" \
	" SELECT $5, d.agent_id, d.in_maintenance, $4, c.id, coalesce(c.reason, d.reason)," \
	"        $6, $7, $8" \
	"   FROM d LEFT JOIN chosen c ON c.agent_id = d.agent_id" \
	"  ORDER BY d.n"

static MMStatement record_window_stmt = {
	WINDOW_CHOICE ","
	" recorded AS (" WINDOW_RECORD " RETURNING in_maintenance, window_id, reason)"
	" SELECT g.in_maintenance, CASE WHEN g.one_window THEN g.window_id END,"
	"        CASE WHEN w.agent_id IS NOT NULL THEN 'agent' WHEN w.site_id IS NOT NULL THEN 'site'"
	"             WHEN w.client_id IS NOT NULL THEN 'client' WHEN w.id IS NOT NULL THEN 'server' END,"
	"        coalesce(w.agent_id, w.site_id, w.client_id),"
	"        CASE WHEN g.one_reason THEN g.reason END"
	"   FROM (SELECT in_maintenance, min(window_id) AS window_id,"
	"                min(window_id) = max(window_id) AND count(window_id) = count(*) AS one_window,"
	"                min(reason COLLATE \"C\") AS reason,"
	"                min(reason COLLATE \"C\") = max(reason COLLATE \"C\")"
	"                AND count(reason) = count(*) AS one_reason"
	"           FROM recorded GROUP BY in_maintenance) g"
	"   LEFT JOIN maintmode.maintenance_window w ON w.id = g.window_id AND g.one_window",
	RECORD_ARGS
};

/* Beyond this many changed agents, record_window_stmt is planned for its input. */
#define KEPT_PLAN_MAX_ROWS 1000

/* A setting's value as a text argument; NULL when empty (not set). */
static Datum
optional_text(const char *value, char *null)
{
	*null = (value == NULL || value[0] == '\0') ? 'n' : ' ';
	return *null == 'n' ? (Datum) 0 : CStringGetTextDatum(value);
}

/*
 * The agents of one direction (started: true, ended: false) among the changes:
 * how many, and the first EVENT_MAX_IDS of their ids.
 */
static int64
direction_agents(const DatumList *lists, bool started, int64 *ids)
{
	int64		count = 0;

	for (int i = 0; i < lists[1].count; i++)
		if (DatumGetBool(lists[1].values[i]) == started)
		{
			if (count < EVENT_MAX_IDS)
				ids[count] = DatumGetInt64(lists[0].values[i]);
			count++;
		}
	return count;
}

/*
 * The reason the changes of one direction share, as the history records it:
 * maintmode.reason for a plain UPDATE when set, else the hand reason of the
 * maintenance that started or ended.  NULL when there is none, or they differ.
 */
static const char *
direction_reason(const DatumList *lists, const bool *reason_nulls, bool started,
				 const char *path)
{
	text	   *shared = NULL;

	if (strcmp(path, "sql") == 0 && mm_reason != NULL && mm_reason[0] != '\0')
		return mm_reason;
	for (int i = 0; i < lists[1].count; i++)
	{
		text	   *reason;

		if (DatumGetBool(lists[1].values[i]) != started)
			continue;
		if (reason_nulls[i])
			return NULL;
		reason = DatumGetTextPP(lists[2].values[i]);
		if (shared == NULL)
			shared = reason;
		else if (VARSIZE_ANY_EXHDR(reason) != VARSIZE_ANY_EXHDR(shared) ||
				 memcmp(VARDATA_ANY(reason), VARDATA_ANY(shared), VARSIZE_ANY_EXHDR(shared)) != 0)
			return NULL;
	}
	return shared == NULL ? NULL : text_to_cstring(shared);
}

/*
 * The events of the changes (SPI connected).  Through a switch, its scope and
 * the id it named; server maintenance, the server; the window path, what
 * record_window_stmt returned (read here, before SPI_finish); an expiry or a
 * plain UPDATE names nothing but the agents.
 */
static void
notify_changes(const DatumList *lists, const bool *reason_nulls, const char *path)
{
	bool		by_window = strcmp(path, "window") == 0;

	for (int direction = 0; direction < 2; direction++)
	{
		MMEvent		event = {0};
		int64		ids[EVENT_MAX_IDS];

		event.started = direction == 0;
		event.path = path;
		event.agents = direction_agents(lists, event.started, ids);
		if (event.agents == 0)
			continue;
		if (by_window)
		{
			for (uint64 row = 0; row < SPI_processed; row++)
			{
				HeapTuple	tuple = SPI_tuptable->vals[row];
				TupleDesc	desc = SPI_tuptable->tupdesc;
				bool		isnull;

				if (DatumGetBool(SPI_getbinval(tuple, desc, 1, &isnull)) != event.started)
					continue;
				event.window = DatumGetInt64(SPI_getbinval(tuple, desc, 2, &isnull));
				event.has_window = !isnull;
				event.scope = SPI_getvalue(tuple, desc, 3);
				event.target = DatumGetInt64(SPI_getbinval(tuple, desc, 4, &isnull));
				event.has_target = !isnull;
				event.reason = SPI_getvalue(tuple, desc, 5);
			}
		}
		else
		{
			const ChangePath *announced = current_change_path();

			if (strcmp(path, "sql") != 0 && strcmp(path, "expiry") != 0)
				event.scope = path;
			if (announced != NULL && announced->has_target)
			{
				event.target = announced->target;
				event.has_target = true;
			}
			event.reason = direction_reason(lists, reason_nulls, event.started, path);
		}
		mm_notify_maintenance_event(&event, ids);
	}
}

/*
 * A row per agent of the statement's changes whose maintenance_mode changed,
 * and an event per direction (agent_changes_trigger(), run as the extension's
 * owner; caller: the role that made the change).  Heartbeats never get here:
 * they change no column that fires the trigger.
 */
void
mm_record_agent_changes(const MMAgentChanges *changes, const char *caller)
{
	DatumList	lists[3] = {{0}};
	bool	   *reason_nulls = palloc(Max(changes->count, 1) * sizeof(bool));
	Datum		args[9];
	char		nulls[9] = "         ";
	int			dims[1];
	int			lbs[1] = {1};
	const char *path = change_path_depth > 0 ? current_change_path()->path : "sql";

	for (int i = 0; i < changes->count; i++)
	{
		if (changes->flags[i] == changes->old_flags[i])
			continue;
		reason_nulls[lists[0].count] = changes->reason_nulls[i];
		mm_datum_list_add(&lists[0], Int64GetDatum(changes->ids[i]));
		mm_datum_list_add(&lists[1], BoolGetDatum(changes->flags[i]));
		mm_datum_list_add(&lists[2], changes->reasons[i]);
	}
	if (lists[0].count == 0)
		return;

	dims[0] = lists[2].count;
	args[0] = mm_datum_list_array(&lists[0], INT8OID);
	args[1] = mm_datum_list_array(&lists[1], BOOLOID);
	args[2] = PointerGetDatum(construct_md_array(lists[2].values, reason_nulls, 1, dims, lbs,
												 TEXTOID, -1, false, TYPALIGN_INT));
	args[3] = CStringGetTextDatum(path);
	args[4] = TimestampTzGetDatum(mm_clock_now());
	args[5] = CStringGetTextDatum(GetUserNameFromId(GetSessionUserId(), false));
	args[6] = CStringGetTextDatum(caller);
	args[7] = optional_text(mm_actor, &nulls[7]);
	args[8] = optional_text(mm_reason, &nulls[8]);

	SPI_connect();
	if (strcmp(path, "window") == 0)
		mm_execute_for_rows(&record_window_stmt, args, nulls, lists[0].count,
							KEPT_PLAN_MAX_ROWS);
	else
	{
		/*
		 * It joins nothing, so no plan of it is wrong for some number of rows
		 * and the kept statement serves every call.  Its plan cache still
		 * plans a server call for its arguments: that custom plan folds the
		 * test of the path, which a generic one makes for every row (0.4%
		 * more instructions in server mode, measured).
		 */
		mm_execute(&record_stmt, args, nulls, false);
	}
	notify_changes(lists, reason_nulls, path);
	SPI_finish();
}

/* BEFORE UPDATE, DELETE or TRUNCATE ON maintenance_history FOR EACH STATEMENT. */
PG_FUNCTION_INFO_V1(maintmode_history_append_only);
Datum
maintmode_history_append_only(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("history_append_only must fire BEFORE UPDATE, DELETE or TRUNCATE")));
	mm_check_trigger_table(trigdata, "maintenance_history", "history_append_only");
	if (!purging || !TRIGGER_FIRED_BY_DELETE(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("the maintenance history is append-only"),
				 errhint("Old rows go with maintmode.purge_history(before), for superusers.")));
	return PointerGetDatum(NULL);
}

static MMStatement purge_stmt = {
	"DELETE FROM maintmode.maintenance_history WHERE changed_at < $1", 1, {TIMESTAMPTZOID}
};

/*
 * purge_history(before): removes the history rows older than before, for
 * superusers only, and records in the event log how many it removed.
 */
PG_FUNCTION_INFO_V1(maintmode_purge_history);
Datum
maintmode_purge_history(PG_FUNCTION_ARGS)
{
	Datum		before;
	int64		removed;

	if (!superuser())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("only a superuser may purge the maintenance history")));
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("before must not be null")));
	before = PG_GETARG_DATUM(0);

	SPI_connect();
	purging = true;
	purging_subxact = GetCurrentSubTransactionId();
	removed = mm_execute(&purge_stmt, &before, NULL, false);
	purging = false;
	mm_log_event("purge history", "server", 0, false, removed, 0, 0);
	SPI_finish();

	PG_RETURN_INT64(removed);
}
