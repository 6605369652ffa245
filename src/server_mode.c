/*
 * server_mode.c
 *     Server maintenance: server_maint_mode() with its saved states, and the
 *     trigger that starts agents created during the window in maintenance.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "maintmode.h"

typedef enum ServerOption
{
	OPT_ENABLE,
	OPT_DISABLE,
	OPT_FORCE_ENABLE,
	OPT_FORCE_DISABLE
} ServerOption;

static const char *const option_names[] = {
	[OPT_ENABLE] = "enable",
	[OPT_DISABLE] = "disable",
	[OPT_FORCE_ENABLE] = "force-enable",
	[OPT_FORCE_DISABLE] = "force-disable",
};

#define OPTIONS_HINT "Valid options are enable, disable, force-enable and force-disable (case-insensitive, with or without a leading \"--\")."

/*
 * Server maintenance works on the hand flags (saved, set, restored): windows
 * come and go on their own and never enter the saved states.  Until ALTER
 * EXTENSION UPDATE brings a 1.0 schema to 1.1 there is no hand flag, and the
 * statements work on maintenance_mode as 1.0 did: each is kept in a form per
 * schema version.
 */
#define SERVER_REASON ", hand_reason = '" MM_SERVER_REASON "'"
#define HAND_FORM(stmt) {stmt("hand_maintenance", SERVER_REASON, "a.window_maintenance"), 0, {0}}
#define FORMS_BEFORE_1_3(stmt) \
	[MM_SCHEMA_1_0] = {stmt("maintenance_mode", "", "false"), 0, {0}}, \
	[MM_SCHEMA_1_1] = HAND_FORM(stmt), \
	[MM_SCHEMA_1_2] = HAND_FORM(stmt)

/*
 * Since 1.3 the statements that switch every agent also write what
 * agent_effective_maintenance would derive (maintenance_mode, since when and by
 * whom, the details cleared): it then has nothing to change, where a change
 * would copy each of a million rows once more.  $1 is the clock, $2 the caller.
 */
#define ENTER_DETAILS_1_3 SERVER_REASON ", maintenance_mode = true, hand_since = $1, hand_set_by = $2"
#define ENTER_ARGS_1_3 2, {TIMESTAMPTZOID, TEXTOID}
#define CLEARED_DETAILS \
	", hand_reason = NULL, hand_set_by = NULL, hand_since = NULL, hand_until = NULL"
#define LEAVE_DETAILS_1_3 ", maintenance_mode = a.window_maintenance" CLEARED_DETAILS

/*
 * An UPDATE of flags that returns how many agents it took in or out of
 * maintenance: not those that a window holds there whatever their hand flag.
 */
#define COUNT_CHANGED(update, held) \
	"WITH changed AS (" update " RETURNING " held " AS held)" \
	" SELECT count(*) FILTER (WHERE NOT held) FROM changed"

static MMStatement ensure_row_stmt = {
	"INSERT INTO maintmode.server_mode DEFAULT VALUES ON CONFLICT DO NOTHING", 0, {0}
};

/* Reads the mode after the agents' lock, so the last call's commit is seen. */
static MMStatement lock_mode_stmt = {
	"SELECT in_maintenance, states_saved_at IS NOT NULL FROM maintmode.server_mode"
	" FOR UPDATE", 0, {0}
};

/*
 * Since 1.3 the saved states keep why, by whom, since and until when an agent
 * was in maintenance by hand, and disable gives them back with the flag.
 */
#define SAVED_DETAILS ", hand_reason, hand_set_by, hand_since, hand_until"
#define SAVE_STATES(flag, details) \
	{"INSERT INTO maintmode.saved_state (agent_id, maintenance_mode" details ")" \
	 " SELECT id, " flag details " FROM maintmode.agent", 0, {0}}
static MMStatement save_states_stmt[MM_SCHEMA_VERSIONS] = {
	[MM_SCHEMA_1_0] = SAVE_STATES("maintenance_mode", ""),
	[MM_SCHEMA_1_1] = SAVE_STATES("hand_maintenance", ""),
	[MM_SCHEMA_1_2] = SAVE_STATES("hand_maintenance", ""),
	[MM_SCHEMA_1_3] = SAVE_STATES("hand_maintenance", SAVED_DETAILS)
};

#define ENTER_ALL(flag, details, held) \
	COUNT_CHANGED("UPDATE maintmode.agent a SET " flag " = true" details " WHERE NOT " flag, held)
static MMStatement enter_all_stmt[MM_SCHEMA_VERSIONS] = {
	FORMS_BEFORE_1_3(ENTER_ALL),
	[MM_SCHEMA_1_3] = {ENTER_ALL("hand_maintenance", ENTER_DETAILS_1_3, "a.window_maintenance"),
					   ENTER_ARGS_1_3}
};

#define LEAVE_ALL(flag, details, held) \
	COUNT_CHANGED("UPDATE maintmode.agent a SET " flag " = false" details " WHERE " flag, held)
#define LEAVE_ALL_BEFORE_1_3(flag, reason, held) LEAVE_ALL(flag, "", held)
static MMStatement leave_all_stmt[MM_SCHEMA_VERSIONS] = {
	FORMS_BEFORE_1_3(LEAVE_ALL_BEFORE_1_3),
	[MM_SCHEMA_1_3] = {LEAVE_ALL("hand_maintenance", LEAVE_DETAILS_1_3, "a.window_maintenance"),
					   0, {0}}
};

/* Agents without a saved state were created during the window: they leave. */
#define RESTORE(flag, details, held) \
	{COUNT_CHANGED("UPDATE maintmode.agent a SET " flag " = NOT a." flag details \
				   "  FROM maintmode.agent b" \
				   "  LEFT JOIN maintmode.saved_state s ON s.agent_id = b.id" \
				   " WHERE a.id = b.id" \
				   "   AND b." flag " <> coalesce(s.maintenance_mode, false)", held), 0, {0}}
#define RESTORED_DETAILS \
	", maintenance_mode = NOT a.hand_maintenance OR a.window_maintenance," \
	"  hand_reason = s.hand_reason, hand_set_by = s.hand_set_by," \
	"  hand_since = s.hand_since, hand_until = s.hand_until"
static MMStatement restore_stmt[MM_SCHEMA_VERSIONS] = {
	[MM_SCHEMA_1_0] = RESTORE("maintenance_mode", "", "false"),
	[MM_SCHEMA_1_1] = RESTORE("hand_maintenance", "", "a.window_maintenance"),
	[MM_SCHEMA_1_2] = RESTORE("hand_maintenance", "", "a.window_maintenance"),
	[MM_SCHEMA_1_3] = RESTORE("hand_maintenance", RESTORED_DETAILS, "a.window_maintenance")
};

/*
 * Since 1.3 the saved states are those of existing agents (an agent deleted
 * takes its state along: drop_saved_states_trigger() below), and removing them
 * counts them.  Before, the count of those of existing agents came first: a
 * second statement, as counting the rows a DELETE returns would keep a million
 * of them to join.
 */
static MMStatement drop_states_stmt = {
	"DELETE FROM maintmode.saved_state", 0, {0}
};
static MMStatement count_states_before_1_3_stmt = {
	"SELECT count(*) FROM maintmode.saved_state s"
	" WHERE EXISTS (SELECT FROM maintmode.agent a WHERE a.id = s.agent_id)",
	0, {0}
};

static int64
drop_states(MMSchemaVersion form)
{
	int64		existing = 0;

	if (form < MM_SCHEMA_1_3)
		existing = mm_count_latest(&count_states_before_1_3_stmt, NULL);
	mm_execute_latest(&drop_states_stmt, NULL, NULL);
	return form < MM_SCHEMA_1_3 ? existing : (int64) SPI_processed;
}

/* Every agent into hand maintenance; how many that changed. */
static int64
enter_all(MMSchemaVersion form)
{
	Datum		args[2];

	args[0] = TimestampTzGetDatum(mm_clock_now());
	args[1] = CStringGetTextDatum(mm_caller_name());
	return mm_count_latest(&enter_all_stmt[form], args);
}

static MMStatement set_mode_stmt = {
	"UPDATE maintmode.server_mode"
	"   SET in_maintenance = $1,"
	"       since = CASE WHEN NOT $1 THEN NULL WHEN in_maintenance THEN since"
	"               ELSE pg_catalog.now() END,"
	"       enabled_by = CASE WHEN NOT $1 THEN NULL WHEN in_maintenance THEN enabled_by"
	"                    ELSE $2 END,"
	"       states_saved_at = CASE WHEN $3 THEN coalesce(states_saved_at, pg_catalog.now()) END",
	3, {BOOLOID, TEXTOID, BOOLOID}
};

static const MMChoice server_option = {
	option_names, lengthof(option_names), "server_maint_mode option",
	"invalid server_maint_mode option", OPTIONS_HINT, ERRCODE_INVALID_PARAMETER_VALUE, true
};

static void
set_mode(bool in_maintenance, bool states_kept)
{
	Datum		args[3];

	args[0] = BoolGetDatum(in_maintenance);
	args[1] = CStringGetTextDatum(mm_caller_name());
	args[2] = BoolGetDatum(states_kept);
	mm_execute_latest(&set_mode_stmt, args, NULL);
}

/*
 * server_maint_mode(option): enable, disable, force-enable or force-disable
 * server maintenance; returns the action, agents changed, states saved and
 * restored, and whether the server is in maintenance after it.
 */
PG_FUNCTION_INFO_V1(maintmode_server_maint_mode);
Datum
maintmode_server_maint_mode(PG_FUNCTION_ARGS)
{
	ServerOption option = mm_choose(fcinfo, 0, &server_option);
	TupleDesc	result_desc;
	Datum		result[5];
	bool		result_nulls[5] = {false};
	bool		in_maintenance;
	bool		has_states;
	bool		isnull;
	int64		changed = 0;
	int64		saved = 0;
	int64		restored = 0;
	MMSchemaVersion form = mm_schema_version();

	if (get_call_result_type(fcinfo, NULL, &result_desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	mm_refuse_if_scoped(fcinfo, "server maintenance");

	SPI_connect();

	/*
	 * Every other writer of agents is kept out while the states are saved and
	 * switched, so "every agent" means every agent and the snapshot is exact;
	 * readers are not blocked.  This also serialises the calls.
	 */
	mm_lock_agents_for_switching();
	mm_execute(&ensure_row_stmt, NULL, NULL, false);
	mm_execute(&lock_mode_stmt, NULL, NULL, false);
	in_maintenance = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0],
												SPI_tuptable->tupdesc, 1, &isnull));
	has_states = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0],
											SPI_tuptable->tupdesc, 2, &isnull));

	mm_begin_change_path("server");
	switch (option)
	{
		case OPT_ENABLE:
			if (!in_maintenance)
			{
				saved = mm_execute_latest(&save_states_stmt[form], NULL, NULL);
				has_states = true;
			}
			else if (has_states)
				ereport(NOTICE,
						(errmsg("server is already in maintenance; the states saved when it was enabled are kept")));
			else
				ereport(NOTICE,
						(errmsg("server is already in maintenance (force-enabled); no states are saved"),
						 errhint("disable will then have nothing to restore; force-disable takes every agent out.")));
			changed = enter_all(form);
			set_mode(true, has_states);
			break;

		case OPT_DISABLE:
			if (has_states)
			{
				changed = mm_count_latest(&restore_stmt[form], NULL);
				restored = drop_states(form);
				set_mode(false, false);
				in_maintenance = false;
			}
			else if (in_maintenance)
				ereport(NOTICE,
						(errmsg("no saved states to restore: the server was force-enabled; nothing changed"),
						 errhint("Use server_maint_mode('force-disable') to take every agent out of maintenance.")));
			else
				ereport(NOTICE,
						(errmsg("server is not in maintenance; nothing to restore")));
			break;

		case OPT_FORCE_ENABLE:
			changed = enter_all(form);
			set_mode(true, has_states);
			in_maintenance = true;
			break;

		case OPT_FORCE_DISABLE:
			changed = mm_count_latest(&leave_all_stmt[form], NULL);
			if (has_states)
			{
				/*
				 * Not inside ereport(): its arguments are not evaluated when
				 * the NOTICE goes nowhere (client_min_messages = warning).
				 */
				int64		discarded = drop_states(form);

				ereport(NOTICE,
						(errmsg("discarded " INT64_FORMAT " saved agent states",
								discarded)));
			}
			if (form >= MM_SCHEMA_1_1)
				changed += mm_end_server_windows();
			set_mode(false, false);
			in_maintenance = false;
			break;
	}
	mm_end_change_path();
	if (option == OPT_ENABLE)
		in_maintenance = true;

	mm_log_event(option_names[option], "server", 0, false, changed, saved, restored);
	SPI_finish();

	result[0] = CStringGetTextDatum(option_names[option]);
	result[1] = Int64GetDatum(changed);
	result[2] = Int64GetDatum(saved);
	result[3] = Int64GetDatum(restored);
	result[4] = BoolGetDatum(in_maintenance);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(result_desc),
													  result, result_nulls)));
}

#define START_IN_MAINTENANCE(flag, reason, held) \
	"UPDATE maintmode.agent a SET " flag " = true" reason \
	"  FROM new_agents n" \
	" WHERE a.id = n.id AND NOT a." flag \
	"   AND EXISTS (SELECT FROM maintmode.server_mode WHERE in_maintenance)"
static MMStatement start_in_maintenance_stmt[MM_SCHEMA_VERSIONS] = {
	FORMS_BEFORE_1_3(START_IN_MAINTENANCE),
	[MM_SCHEMA_1_3] = HAND_FORM(START_IN_MAINTENANCE)
};

/*
 * new_agent_server_maintenance_trigger() (its C name is the 1.0 one, which the
 * older schemas this library serves still use): AFTER INSERT ON agent FOR EACH
 * STATEMENT, new rows as new_agents; starts them in server maintenance if the
 * server is in it now.  The INSERT's lock on the agent table waited for any
 * server_maint_mode() call, which a REPEATABLE READ snapshot may predate: the
 * server's mode is read at the latest snapshot.
 */
PG_FUNCTION_INFO_V1(maintmode_agent_insert_trigger);
Datum
maintmode_agent_insert_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = mm_statement_trigger_data(fcinfo, "agent",
													  "new_agent_server_maintenance_trigger",
													  TRIGGER_EVENT_INSERT, false);

	SPI_connect();
	SPI_register_trigger_data(trigdata);
	mm_begin_change_path("server");
	mm_execute_latest(&start_in_maintenance_stmt[mm_schema_version()], NULL, NULL);
	mm_end_change_path();
	SPI_finish();

	return PointerGetDatum(NULL);
}

/*
 * Only the states of deleted agents, once any are saved: the test is a
 * one-time filter, so that deletes outside server maintenance read nothing.
 */
static MMStatement drop_deleted_states_stmt = {
	"DELETE FROM maintmode.saved_state s USING old_agents o"
	" WHERE s.agent_id = o.id AND EXISTS (SELECT FROM maintmode.saved_state)", 0, {0}
};

/*
 * drop_saved_states_trigger(): AFTER DELETE (old rows as old_agents) or AFTER
 * TRUNCATE ON agent FOR EACH STATEMENT; removes the saved states of the agents
 * deleted.
 */
PG_FUNCTION_INFO_V1(maintmode_drop_saved_states_trigger);
Datum
maintmode_drop_saved_states_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = mm_statement_trigger_data(fcinfo, "agent",
													  "drop_saved_states_trigger", 0, false);
	bool		truncated = TRIGGER_FIRED_BY_TRUNCATE(trigdata->tg_event);

	if (!truncated &&
		!(TRIGGER_FIRED_BY_DELETE(trigdata->tg_event) && trigdata->tg_oldtable != NULL))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("drop_saved_states_trigger must fire AFTER DELETE with an OLD TABLE, or AFTER TRUNCATE")));

	/*
	 * At the latest snapshot: a REPEATABLE READ delete or TRUNCATE whose
	 * snapshot predates an 'enable' must see the states it saved, and fails
	 * with 40001 on them rather than leave them to agents that no longer exist.
	 */
	SPI_connect();
	if (truncated)
		mm_execute_latest(&drop_states_stmt, NULL, NULL);
	else
	{
		SPI_register_trigger_data(trigdata);
		mm_execute_latest(&drop_deleted_states_stmt, NULL, NULL);
	}
	SPI_finish();

	return PointerGetDatum(NULL);
}
