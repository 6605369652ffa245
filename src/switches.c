/*
 * switches.c
 *     Switching maintenance by hand, and what maintenance_mode means.  An
 *     agent is in maintenance (agent.maintenance_mode) while its hand flag or a
 *     window says so: the hand flag is set "by hand", i.e. by the switches
 *     here, by server_maint_mode, or by a plain UPDATE of maintenance_mode; the
 *     window flag only by the windows' sweep.  This file has the switches
 *     (set_agent_maintenance, set_site_maintenance, set_client_maintenance,
 *     with an optional expiry and reason) and the BEFORE trigger that keeps
 *     maintenance_mode = hand OR window and the hand details honest.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/timestamp.h"

#include "maintmode.h"

/* The scope a switch works on, and how to change its agents per schema version. */
typedef struct SwitchScope
{
	MMScope		scope;
	MMStatement update[MM_SCHEMA_VERSIONS];
} SwitchScope;

/*
 * The statements set the hand flag; the trigger below derives maintenance_mode.  Switching on an agent already on by hand changes it only when
 * the expiry or the reason differ.
 */
#define SWITCH_UPDATE(agents) \
	"UPDATE maintmode.agent SET hand_maintenance = $2," \
	"       hand_until = CASE WHEN $2 THEN $3 END," \
	"       hand_reason = CASE WHEN $2 THEN coalesce($4, hand_reason) END," \
	"       hand_set_by = CASE WHEN $2 THEN $5 END" \
	" WHERE " agents \
	"   AND (hand_maintenance <> $2" \
	"        OR ($2 AND (hand_until IS DISTINCT FROM $3" \
	"                    OR hand_reason IS DISTINCT FROM coalesce($4, hand_reason))))"
#define SWITCH_ARGS 5, {INT8OID, BOOLOID, TIMESTAMPTZOID, TEXTOID, TEXTOID}

/* Through a 1.0 definition (two arguments), the schema has no hand flag yet. */
#define SWITCH_UPDATE_1_0(agents) \
	"UPDATE maintmode.agent SET maintenance_mode = $2" \
	" WHERE " agents " AND maintenance_mode <> $2"
#define SWITCH_ARGS_1_0 2, {INT8OID, BOOLOID}

#define SCOPE_AGENTS(agents) { \
	[MM_SCHEMA_1_0] = {SWITCH_UPDATE_1_0(agents), SWITCH_ARGS_1_0}, \
	[MM_SCHEMA_1_1] = {SWITCH_UPDATE(agents), SWITCH_ARGS}, \
	[MM_SCHEMA_1_2] = {SWITCH_UPDATE(agents), SWITCH_ARGS}, \
	[MM_SCHEMA_1_3] = {SWITCH_UPDATE(agents), SWITCH_ARGS}}

static SwitchScope agent_scope = {MM_SCOPE_AGENT, SCOPE_AGENTS("id = $1")};
static SwitchScope site_scope = {MM_SCOPE_SITE, SCOPE_AGENTS("site_id = $1")};
static SwitchScope client_scope = {
	MM_SCOPE_CLIENT,
	SCOPE_AGENTS("site_id IN (SELECT id FROM maintmode.site WHERE client_id = $1)")
};

/*
 * The windows that keep agents of a scope (or one agent) in maintenance, with
 * how many each holds: $1 the scope, $2 its id.
 */
static MMStatement windows_holding_stmt = {
	"SELECT window_id, reason, until, count(*) FROM maintmode.agents_in_maintenance"
	" WHERE source = 'window'"
	"   AND CASE $1 WHEN 'agent' THEN agent_id WHEN 'site' THEN site_id ELSE client_id END = $2"
	" GROUP BY window_id, reason, until ORDER BY window_id",
	2, {TEXTOID, INT8OID}
};

/*
 * Switching agents out while a window holds them changes nothing they show: a
 * NOTICE per window says which one keeps them in, why and until when (SPI
 * connected, with the rights to read the view).
 */
static void
say_which_windows_hold(MMScope scope, int64 id)
{
	Datum		args[2] = {CStringGetTextDatum(mm_scope_names[scope]), Int64GetDatum(id)};
	int			windows = mm_execute(&windows_holding_stmt, args, NULL, true);

	for (int i = 0; i < windows; i++)
	{
		HeapTuple	row = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		int64		held = DatumGetInt64(SPI_getbinval(row, desc, 4, &isnull));

		ereport(NOTICE,
				(scope == MM_SCOPE_AGENT ?
				 errmsg("agent " INT64_FORMAT " stays in maintenance: window %s holds it until %s",
						id, SPI_getvalue(row, desc, 1), SPI_getvalue(row, desc, 3)) :
				 errmsg(INT64_FORMAT " agent(s) of %s " INT64_FORMAT " stay in maintenance: window %s holds them until %s",
						held, mm_scope_names[scope], id, SPI_getvalue(row, desc, 1),
						SPI_getvalue(row, desc, 3)),
				 errdetail("The window's reason: %s", SPI_getvalue(row, desc, 2)),
				 errhint("end_window(%s) ends it.", SPI_getvalue(row, desc, 1))));
	}
}

/*
 * Set the hand flag on every agent of the scope, with an expiry (until) and a
 * reason when switching on; return how many changed.  An unknown id is only
 * looked for when nothing changed, which is when it can be.  Called through a
 * 1.0 definition (two arguments) before ALTER EXTENSION UPDATE, it has neither,
 * and sets maintenance_mode as 1.0 did.
 */
static Datum
set_maintenance(FunctionCallInfo fcinfo, SwitchScope *scope)
{
	Datum		args[5];
	char		nulls[5] = "  nn ";
	int64		id;
	bool		enabled;
	int64		changed;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", mm_scope_names[scope->scope])));
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("enabled must not be null"),
				 errhint("Pass true to put the %s in maintenance, false to take it out.",
						 mm_scope_names[scope->scope])));
	id = PG_GETARG_INT64(0);
	enabled = PG_GETARG_BOOL(1);
	args[0] = Int64GetDatum(id);
	args[1] = BoolGetDatum(enabled);
	if (PG_NARGS() > 2 && !PG_ARGISNULL(2))
	{
		TimestampTz until = PG_GETARG_TIMESTAMPTZ(2);

		if (!enabled)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("until applies only when switching maintenance on")));
		mm_check_instant(until, "until");
		if (until <= mm_clock_now())
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("until (%s) must be later than now (%s)",
							pstrdup(timestamptz_to_str(until)),
							pstrdup(timestamptz_to_str(mm_clock_now())))));
		args[2] = TimestampTzGetDatum(until);
		nulls[2] = ' ';
	}
	if (PG_NARGS() > 3 && !PG_ARGISNULL(3))
	{
		if (!enabled)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("reason applies only when switching maintenance on")));
		if (mm_is_blank(text_to_cstring(PG_GETARG_TEXT_PP(3))))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("reason must not be blank"),
					 errhint("Say why, or pass no reason.")));
		args[3] = PG_GETARG_DATUM(3);
		nulls[3] = ' ';
	}
	args[4] = CStringGetTextDatum(mm_caller_name());

	SPI_connect();
	mm_lock_agents_for_switching();
	mm_require_in_scope(fcinfo, scope->scope, id, 0);
	mm_begin_change_path(mm_scope_names[scope->scope]);
	mm_set_change_target(id);
	/* As server_maint_mode(): the agents as they are now, also those created since. */
	changed = mm_execute_latest(&scope->update[mm_schema_version()], args, nulls);
	mm_end_change_path();
	if (changed == 0)
		mm_require_target(scope->scope, id);
	if (!enabled && mm_schema_version() >= MM_SCHEMA_1_1)
		say_which_windows_hold(scope->scope, id);
	mm_log_event(enabled ? "enable" : "disable", mm_scope_names[scope->scope], id, true,
				 changed, 0, 0);
	SPI_finish();

	PG_RETURN_INT64(changed);
}

/* set_agent_maintenance(agent, enabled, until, reason): agents changed (0 or 1). */
PG_FUNCTION_INFO_V1(maintmode_set_agent_maintenance);
Datum
maintmode_set_agent_maintenance(PG_FUNCTION_ARGS)
{
	return set_maintenance(fcinfo, &agent_scope);
}

/* set_site_maintenance(site, enabled, until, reason): agents changed. */
PG_FUNCTION_INFO_V1(maintmode_set_site_maintenance);
Datum
maintmode_set_site_maintenance(PG_FUNCTION_ARGS)
{
	return set_maintenance(fcinfo, &site_scope);
}

/* set_client_maintenance(client, enabled, until, reason): agents changed. */
PG_FUNCTION_INFO_V1(maintmode_set_client_maintenance);
Datum
maintmode_set_client_maintenance(PG_FUNCTION_ARGS)
{
	return set_maintenance(fcinfo, &client_scope);
}

/* The agent columns the BEFORE trigger reads and writes, in this order. */
enum
{
	COL_EFFECTIVE,
	COL_HAND,
	COL_WINDOW,
	COL_HAND_SINCE,
	COL_HAND_SET_BY,
	COL_HAND_REASON,
	COL_HAND_UNTIL,
	COL_ID,
	COL_SITE,
	AGENT_COLS
};

static const char *const agent_column_names[AGENT_COLS] = {
	"maintenance_mode", "hand_maintenance", "window_maintenance",
	"hand_since", "hand_set_by", "hand_reason", "hand_until", "id", "site_id"
};

/*
 * Their numbers, looked up on the statement's first row and kept for the others
 * (fn_extra lasts as long as the statement), with room to deform the rows into
 * (each column read where it is: the row has nulls and text before them), and
 * the caller's name as a text Datum, looked up again only if the role changes.
 */
typedef struct AgentColumns
{
	TupleDesc	desc;
	int			attnums[AGENT_COLS];
	Datum	   *values;
	bool	   *nulls;
	Datum	   *old_values;
	bool	   *old_nulls;
	Oid			caller;
	Datum		caller_name;
} AgentColumns;

static AgentColumns *
agent_columns(FunctionCallInfo fcinfo, TupleDesc desc)
{
	AgentColumns *columns = (AgentColumns *) fcinfo->flinfo->fn_extra;

	if (columns == NULL)
	{
		columns = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(AgentColumns));
		fcinfo->flinfo->fn_extra = columns;
	}
	if (columns->desc != desc)
	{
		MemoryContext old_context = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);

		for (int i = 0; i < AGENT_COLS; i++)
		{
			columns->attnums[i] = SPI_fnumber(desc, agent_column_names[i]);
			if (columns->attnums[i] <= 0)
				elog(ERROR, "agent has no column \"%s\"", agent_column_names[i]);
		}
		columns->values = palloc(desc->natts * sizeof(Datum));
		columns->nulls = palloc(desc->natts * sizeof(bool));
		columns->old_values = palloc(desc->natts * sizeof(Datum));
		columns->old_nulls = palloc(desc->natts * sizeof(bool));
		columns->caller = InvalidOid;
		columns->desc = desc;
		MemoryContextSwitchTo(old_context);
	}
	return columns;
}

/* mm_caller_name() as text, for the rows a statement brings into hand maintenance. */
static Datum
caller_name(FunctionCallInfo fcinfo, AgentColumns *columns)
{
	if (columns->caller != GetOuterUserId())
	{
		MemoryContext old_context = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);

		columns->caller_name = CStringGetTextDatum(mm_caller_name());
		columns->caller = GetOuterUserId();
		MemoryContextSwitchTo(old_context);
	}
	return columns->caller_name;
}

static MMStatement lock_agent_stmt = {
	"SELECT FROM maintmode.agent WHERE id OPERATOR(pg_catalog.=) $1 FOR UPDATE", 1, {INT8OID}
};

/*
 * Whether an UPDATE changes the site or the maintenance of an agent that a
 * check writer in progress may have counted: not one this transaction created
 * (no one else sees it), nor in one of the extension's own calls, which hold
 * the agent table EXCLUSIVE (the lock order), so no check writer is in progress.
 * A version this transaction wrote by updating the row (a heartbeat earlier in
 * it) was not created by it: a check writer locked the row, and that version
 * with it, meanwhile.
 */
static bool
moves_or_switches(TriggerData *trigdata, HeapTuple old, int64 old_site, int64 site,
				  bool maintenance, bool was_maintenance)
{
	bool		created_here;

	if (maintenance == was_maintenance && site == old_site)
		return false;
	created_here = TransactionIdIsCurrentTransactionId(HeapTupleHeaderGetXmin(old->t_data)) &&
		!(old->t_data->t_infomask & HEAP_UPDATED);
	return !created_here && !CheckRelationLockedByMe(trigdata->tg_relation, ExclusiveLock, true);
}

/*
 * Wait for the check writers that counted the agent under its old site or flag:
 * they hold its row FOR KEY SHARE (dashboard.c, check_counts_stmt), which
 * FOR UPDATE waits for.  A heartbeat's NO KEY UPDATE does not, so check writes
 * and heartbeats of one agent never wait for each other.  As the owner: the
 * lock must be taken whatever row-level security lets the writer see.
 */
static void
wait_for_check_writers(FunctionCallInfo fcinfo, Datum id)
{
	MMOwnerContext owner;

	mm_become_owner(fcinfo, &owner);
	SPI_connect();
	mm_execute(&lock_agent_stmt, &id, NULL, false);
	SPI_finish();
	mm_stop_being_owner(&owner);
}

/*
 * BEFORE INSERT OR UPDATE ON agent FOR EACH ROW.  It runs for every row
 * written, heartbeats included, so it runs no SQL but in two rare cases (a
 * plain UPDATE that moves or switches an agent waits for check writers; one
 * that a window overrules says so), and changes the row only when needed.
 *  * A statement that changes maintenance_mode but not hand_maintenance (an
 *    ORM's UPDATE, or an INSERT naming maintenance_mode) is a hand change.
 *    Only a change counts: an ORM that writes back every column it read
 *    leaves the hand flag alone.
 *  * maintenance_mode is then hand_maintenance OR window_maintenance.
 *  * The hand details are cleared when the hand flag is off.  Since when and
 *    by whom are the extension's to say: when the flag comes on they are now
 *    and the role that switched it, and while it stays on they stay as they
 *    were, whatever the statement wrote.  Only a superuser's values are kept
 *    (the switches run as the extension's owner; a restore or a repair by a
 *    DBA): an UPDATE that brings the flag on fills since/who in when missing,
 *    an INSERT keeps them as written, NULL included.
 *  * The window flag is the sweep's (which runs as the owner).
 */
PG_FUNCTION_INFO_V1(maintmode_agent_effective_maintenance_trigger);
Datum
maintmode_agent_effective_maintenance_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	TupleDesc	desc;
	HeapTuple	tuple;
	AgentColumns *columns;
	const int  *attnums;
	Datum		values[AGENT_COLS];
	bool		nulls[AGENT_COLS];
	Datum		old_values[AGENT_COLS] = {0};
	bool		old_nulls[AGENT_COLS] = {0};
	int			replace_cols[AGENT_COLS];
	int			nreplace = 0;
	bool		is_update;
	bool		effective;
	bool		hand;
	bool		window;
	bool		was_hand = false;
	HeapTuple	old = NULL;

	if (!CALLED_AS_TRIGGER(fcinfo) ||
		!TRIGGER_FIRED_BEFORE(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) ||
		!(TRIGGER_FIRED_BY_INSERT(trigdata->tg_event) ||
		  TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event)))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("agent_effective_maintenance_trigger must fire BEFORE INSERT OR UPDATE FOR EACH ROW")));
	mm_check_trigger_table(trigdata, "agent", "agent_effective_maintenance_trigger");

	desc = RelationGetDescr(trigdata->tg_relation);
	is_update = TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event);
	tuple = is_update ? trigdata->tg_newtuple : trigdata->tg_trigtuple;
	columns = agent_columns(fcinfo, desc);
	attnums = columns->attnums;
	heap_deform_tuple(tuple, desc, columns->values, columns->nulls);
	for (int i = 0; i < AGENT_COLS; i++)
	{
		values[i] = columns->values[attnums[i] - 1];
		nulls[i] = columns->nulls[attnums[i] - 1];
	}
	if (!is_update && !nulls[COL_ID])
		mm_agent_inserted(DatumGetInt64(values[COL_ID]));
	if (is_update)
	{
		old = trigdata->tg_trigtuple;
		heap_deform_tuple(old, desc, columns->old_values, columns->old_nulls);
		for (int i = 0; i < AGENT_COLS; i++)
		{
			old_values[i] = columns->old_values[attnums[i] - 1];
			old_nulls[i] = columns->old_nulls[attnums[i] - 1];
		}
	}

#define REPLACE(col, value, isnull) \
	do { \
		values[col] = (value); \
		nulls[col] = (isnull); \
		replace_cols[nreplace++] = attnums[col]; \
	} while (0)
/* A boolean column of the row as the statement wrote it, or of the old row. */
#define WRITTEN(col) (!columns->nulls[attnums[col] - 1] && \
					  DatumGetBool(columns->values[attnums[col] - 1]))
#define OLD(col) (old != NULL && !old_nulls[col] && DatumGetBool(old_values[col]))

	effective = WRITTEN(COL_EFFECTIVE);
	hand = WRITTEN(COL_HAND);
	window = WRITTEN(COL_WINDOW);

	/*
	 * The window flag is the sweep's, which runs as the extension's owner (a
	 * superuser): anyone else's write of it is undone.
	 */
	if (window != OLD(COL_WINDOW) && !superuser())
	{
		window = !window;
		REPLACE(COL_WINDOW, BoolGetDatum(window), false);
	}

	if (is_update)
	{
		was_hand = OLD(COL_HAND);
		if (hand == was_hand && effective != OLD(COL_EFFECTIVE))
			hand = effective;
	}
	else if (effective && !window)
		hand = true;

	if (hand != WRITTEN(COL_HAND))
		REPLACE(COL_HAND, BoolGetDatum(hand), false);
	if ((hand || window) != effective)
		REPLACE(COL_EFFECTIVE, BoolGetDatum(hand || window), false);
	if (!hand)
	{
		for (int col = COL_HAND_SINCE; col <= COL_HAND_UNTIL; col++)
			if (!nulls[col])
				REPLACE(col, (Datum) 0, true);
	}
	else if (!superuser())
	{
		if (!was_hand)
		{
			REPLACE(COL_HAND_SINCE, TimestampTzGetDatum(mm_clock_now()), false);
			REPLACE(COL_HAND_SET_BY, caller_name(fcinfo, columns), false);
		}
		else
			for (int col = COL_HAND_SINCE; col <= COL_HAND_SET_BY; col++)
			{
				Form_pg_attribute att = TupleDescAttr(desc, attnums[col] - 1);

				if (old_nulls[col] != nulls[col] ||
					(!old_nulls[col] && !datumIsEqual(old_values[col], values[col],
													  att->attbyval, att->attlen)))
					REPLACE(col, old_values[col], old_nulls[col]);
			}
	}
	else if (!was_hand && is_update)
	{
		/* A superuser's INSERT (a restore) keeps what it wrote, NULL included. */
		if (nulls[COL_HAND_SINCE])
			REPLACE(COL_HAND_SINCE, TimestampTzGetDatum(mm_clock_now()), false);
		if (nulls[COL_HAND_SET_BY])
			REPLACE(COL_HAND_SET_BY, caller_name(fcinfo, columns), false);
	}
#undef REPLACE

	if (is_update)
	{
		bool		was_in = OLD(COL_EFFECTIVE);
		bool		in = hand || window;
		int64		old_site = DatumGetInt64(old_values[COL_SITE]);
		int64		site = DatumGetInt64(values[COL_SITE]);
		MMAgentChanges *changes = mm_agent_changes_open();

		if (moves_or_switches(trigdata, old, old_site, site, in, was_in))
			wait_for_check_writers(fcinfo, values[COL_ID]);
		/* An application took the agent out, and a window keeps it in: say so. */
		if (!effective && window && !mm_in_extension_change())
		{
			MMOwnerContext owner;

			mm_become_owner(fcinfo, &owner);
			SPI_connect();
			say_which_windows_hold(MM_SCOPE_AGENT, DatumGetInt64(values[COL_ID]));
			SPI_finish();
			mm_stop_being_owner(&owner);
		}

		/*
		 * The statement's change set (agent_changes.c): the row as it will be
		 * written; the reason of the maintenance that starts, or that ends.
		 */
		if (changes != NULL && (in != was_in || site != old_site || (was_hand && !hand)))
			mm_agent_changes_add(changes, DatumGetInt64(values[COL_ID]), old_site, site,
								 was_in, in, was_hand && !hand,
								 in ? values[COL_HAND_REASON] : old_values[COL_HAND_REASON],
								 in == was_in ||
								 (in ? nulls[COL_HAND_REASON] : old_nulls[COL_HAND_REASON]));
	}
#undef WRITTEN
#undef OLD

	if (nreplace > 0)
	{
		Datum		new_values[AGENT_COLS];
		bool		new_nulls[AGENT_COLS];

		for (int i = 0; i < nreplace; i++)
			for (int col = 0; col < AGENT_COLS; col++)
				if (attnums[col] == replace_cols[i])
				{
					new_values[i] = values[col];
					new_nulls[i] = nulls[col];
				}
		tuple = heap_modify_tuple_by_cols(tuple, desc, nreplace, replace_cols,
										  new_values, new_nulls);
	}
	return PointerGetDatum(tuple);
}
