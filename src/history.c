/*
 * history.c
 *     The maintenance history: one row in maintmode.maintenance_history per agent
 *     whose effective maintenance (agent.maintenance_mode) changed, whatever
 *     changed it, with the path it came by, the reason, the database roles and
 *     the application's own user (maintmode.actor); the triggers that keep it
 *     append-only; purge_history().
 *
 * The path is what the extension's own code running at the time says it is
 * doing (mm_set_change_path()): a switch, server maintenance, a window, an
 * expiry.  A change nobody announced is a plain UPDATE: "sql".  An INSERT of an
 * agent is no change (a restore inserts every agent).
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
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "maintmode.h"

/* What the extension is doing now; NULL: a statement of the caller's own. */
static const char *change_path = NULL;

/* Announce the path of the changes the following statements make (NULL: none). */
void
mm_set_change_path(const char *path)
{
	change_path = path;
}

/* Set while purge_history() deletes: the only time the history loses rows. */
static bool purging = false;

/* Whether the extension's own code is changing agents now (else: the caller's SQL). */
bool
mm_in_extension_change(void)
{
	return change_path != NULL;
}

/* A transaction or subtransaction that ends, however it ends, ends both. */
static void
forget_path(XactEvent event, void *arg)
{
	change_path = NULL;
	purging = false;
}

static void
forget_path_of_subxact(SubXactEvent event, SubTransactionId mySubid,
					   SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB)
	{
		change_path = NULL;
		purging = false;
	}
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
 * $9 maintmode.reason (NULL when empty).  A window's
 * change names the window, and its reason: the one in force covering the agent
 * that started it (the lowest id), or the covering one that ended last.  A
 * plain UPDATE's reason is maintmode.reason when set.
 */
static MMStatement record_stmt = {
	"INSERT INTO maintmode.maintenance_history"
	" (changed_at, agent_id, in_maintenance, path, window_id, reason, session_role,"
	"  acting_role, actor)"
	" SELECT $5, d.agent_id, d.in_maintenance, $4, w.id,"
	"        CASE WHEN $4 = 'sql' THEN coalesce($9, d.reason) ELSE coalesce(w.reason, d.reason) END,"
	"        $6, $7, $8"
	"   FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2), pg_catalog.unnest($3))"
	"        AS d(agent_id, in_maintenance, reason)"
	"   LEFT JOIN LATERAL ("
	"        SELECT w.id, w.reason FROM maintmode.maintenance_window w"
	"          JOIN maintmode.agent a ON a.id = d.agent_id"
	"         WHERE $4 = 'window'"
	"           AND (w.agent_id = a.id OR w.site_id = a.site_id"
	"                OR w.client_id = (SELECT s.client_id FROM maintmode.site s WHERE s.id = a.site_id)"
	"                OR pg_catalog.num_nonnulls(w.agent_id, w.site_id, w.client_id) = 0)"
	"           AND w.starts_at <= $5"
	"           AND (NOT d.in_maintenance"
	"                OR EXISTS (SELECT FROM maintmode.window_occurrence(w, $5)))"
	"         ORDER BY CASE WHEN NOT d.in_maintenance"
	"                       THEN coalesce(least(w.ended_at, w.ends_at), $5) END"
	"                  DESC NULLS LAST, w.id"
	"         LIMIT 1) w ON true",
	9, {INT8ARRAYOID, BOOLARRAYOID, TEXTARRAYOID, TEXTOID, TIMESTAMPTZOID, TEXTOID, TEXTOID,
	TEXTOID, TEXTOID}
};

/*
 * record_stmt for the changes that no window made: the same rows, without
 * looking for a window per agent (a server switch records a million).
 */
static MMStatement record_plain_stmt = {
	"INSERT INTO maintmode.maintenance_history"
	" (changed_at, agent_id, in_maintenance, path, reason, session_role, acting_role, actor)"
	" SELECT $5, d.agent_id, d.in_maintenance, $4,"
	"        CASE WHEN $4 = 'sql' THEN coalesce($9, d.reason) ELSE d.reason END,"
	"        $6, $7, $8"
	"   FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2), pg_catalog.unnest($3))"
	"        AS d(agent_id, in_maintenance, reason)",
	9, {INT8ARRAYOID, BOOLARRAYOID, TEXTARRAYOID, TEXTOID, TIMESTAMPTZOID, TEXTOID, TEXTOID,
	TEXTOID, TEXTOID}
};

/* Beyond this many changed agents, the recording statement is planned for its input. */
#define KEPT_PLAN_MAX_ROWS 1000

/* A setting's value as a text argument; NULL when empty (not set). */
static Datum
optional_text(const char *value, char *null)
{
	*null = (value == NULL || value[0] == '\0') ? 'n' : ' ';
	return *null == 'n' ? (Datum) 0 : CStringGetTextDatum(value);
}

/*
 * A row per agent of the statement's changes whose maintenance_mode changed
 * (agent_changes_trigger(), run as the extension's owner; caller: the role
 * that made the change).  Heartbeats never get here: they change no column
 * that fires the trigger.
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
	args[3] = CStringGetTextDatum(change_path != NULL ? change_path : "sql");
	args[4] = TimestampTzGetDatum(mm_clock_now());
	args[5] = CStringGetTextDatum(GetUserNameFromId(GetSessionUserId(), false));
	args[6] = CStringGetTextDatum(caller);
	args[7] = optional_text(mm_actor, &nulls[7]);
	args[8] = optional_text(mm_reason, &nulls[8]);

	SPI_connect();
	mm_execute_for_rows(change_path != NULL && strcmp(change_path, "window") == 0 ?
						&record_stmt : &record_plain_stmt,
						args, nulls, lists[0].count, KEPT_PLAN_MAX_ROWS);
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
	removed = mm_execute(&purge_stmt, &before, NULL, false);
	purging = false;
	mm_log_event("purge history", "server", 0, false, removed, 0, 0);
	SPI_finish();

	PG_RETURN_INT64(removed);
}
