/*
 * alerts.c
 *     Alerts: the triggers that raise, suppress and resolve them (reminders
 *     resolved as their hand-set maintenance ends; reminders.c raises them),
 *     the overdue sweep, take_notifications() for senders, and alert_allowed().
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"

#include "maintmode.h"

#define RAISED_IN_MAINTENANCE "agent in maintenance when raised"
#define ENTERED_MAINTENANCE "agent entered maintenance before it was sent"


/*
 * The alert for a failing check or task: c is its check_result row, a its
 * agent's row.  Suppressed when the agent is in maintenance.
 */
#define CHECK_ALERT_INSERT \
	"INSERT INTO maintmode.alert (agent_id, kind, check_id, severity, message," \
	" email, sms, suppressed, suppressed_reason)" \
	" SELECT c.agent_id, c.kind, c.id, c.alert_severity," \
	"  pg_catalog.format('%s \"%s\" on %s is failing', c.kind, c.name, a.hostname)," \
	"  c.email_alert, c.text_alert, a.maintenance_mode," \
	"  CASE WHEN a.maintenance_mode THEN '" RAISED_IN_MAINTENANCE "' END"
#define CHECK_ALERT_WANTED \
	" c.status = 'failing' AND (c.email_alert OR c.text_alert)"
#define CHECK_ALERT_ONCE \
	" ON CONFLICT (check_id) WHERE resolved_at IS NULL AND NOT suppressed DO NOTHING"

/* The overdue alert for agent row a, for its current outage. */
#define OVERDUE_ALERT_INSERT \
	"INSERT INTO maintmode.alert (agent_id, kind, severity, message, email, sms," \
	" last_seen, suppressed, suppressed_reason)" \
	" SELECT a.id, 'overdue', 'error'," \
	"  pg_catalog.format('agent %s is overdue: not seen for over %s minutes'," \
	"                    a.hostname, a.overdue_time)," \
	"  a.overdue_email_alert, a.overdue_text_alert, a.last_seen, a.maintenance_mode," \
	"  CASE WHEN a.maintenance_mode THEN '" RAISED_IN_MAINTENANCE "' END"
#define OVERDUE_ALERT_WANTED \
	" (a.overdue_email_alert OR a.overdue_text_alert)" \
	" AND maintmode.agent_status(a.last_seen, a.offline_time, a.overdue_time) = 'overdue'"
#define OVERDUE_ALERT_ONCE \
	" ON CONFLICT (agent_id, last_seen) WHERE kind = 'overdue' AND NOT suppressed" \
	" DO NOTHING"

/*
 * Statements over at most this many transition rows run a kept plan: few
 * enough that its joins are index probes whatever the count below it.  A plan
 * kept from a million-row statement would seq-scan the alerts for a one-row
 * one (mm_execute_for_rows).
 */
#define SMALL_TRANSITION_ROWS 100

/* Whether the old and new values of a column differ in a way that matters. */
typedef bool (*ValueChange) (Datum old_value, Datum new_value);

static bool
failing_changed(Datum old_value, Datum new_value)
{
	return mm_text_equals(old_value, "failing") != mm_text_equals(new_value, "failing");
}

/*
 * Run the statements, in order, over the trigger's transition tables, each
 * with a plan that suits their size.
 */
static void
run_on_transition_tables(TriggerData *trigdata, MMStatement *const *stmts, int count)
{
	int64		rows = tuplestore_tuple_count(trigdata->tg_newtable);

	SPI_connect();
	SPI_register_trigger_data(trigdata);
	for (int i = 0; i < count; i++)
		mm_execute_for_rows(stmts[i], NULL, NULL, rows, SMALL_TRANSITION_ROWS);
	SPI_finish();
}

/*
 * Whether the UPDATE changed the column in any row, read straight from the
 * transition tables: agents' heartbeats and checks' reports change neither
 * the flag nor whether they fail, and must not pay for running the alert
 * statements.
 */
static bool
column_changed(TriggerData *trigdata, const char *column, ValueChange changed)
{
	AttrNumber	att = SPI_fnumber(RelationGetDescr(trigdata->tg_relation), column);
	MMRowPairs	pairs;
	bool		found = false;

	if (att <= 0)
		elog(ERROR, "table \"%s\" has no column \"%s\"",
			 RelationGetRelationName(trigdata->tg_relation), column);
	mm_row_pairs_begin(&pairs, trigdata);
	while (!found && mm_row_pairs_next(&pairs))
	{
		bool		old_null;
		bool		new_null;
		Datum		old_value = slot_getattr(pairs.old_slot, att, &old_null);
		Datum		new_value = slot_getattr(pairs.new_slot, att, &new_null);

		found = old_null || new_null || changed(old_value, new_value);
	}
	mm_row_pairs_end(&pairs);
	return found;
}

/*
 * Alerts the application (or anything else) inserts for an agent in
 * maintenance are kept but marked suppressed.  Rows already sent on some
 * channel are history being loaded (pg_dump, say), not new alerts.
 */
static MMStatement suppress_new_stmt = {
	"UPDATE maintmode.alert al"
	"   SET suppressed = true, suppressed_reason = '" RAISED_IN_MAINTENANCE "'"
	"  FROM new_alerts n JOIN maintmode.agent a ON a.id = n.agent_id"
	" WHERE al.id = n.id AND a.maintenance_mode AND NOT n.suppressed"
	"   AND n.email_sent_at IS NULL AND n.sms_sent_at IS NULL", 0, {0}
};

/*
 * AFTER INSERT ON alert FOR EACH STATEMENT, new rows as new_alerts: the form
 * of the schemas before 1.3, which this library serves until ALTER EXTENSION
 * UPDATE.  Since 1.3 the row trigger below decides before the row is written.
 */
PG_FUNCTION_INFO_V1(maintmode_alert_insert_trigger);
Datum
maintmode_alert_insert_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = mm_statement_trigger_data(fcinfo, "alert", "alert_insert_trigger",
													  TRIGGER_EVENT_INSERT, false);

	if (tuplestore_tuple_count(trigdata->tg_newtable) > 0)
		run_on_transition_tables(trigdata, (MMStatement *[]) {&suppress_new_stmt}, 1);
	return PointerGetDatum(NULL);
}

/*
 * One agent's flag: read as the owner by the trigger below, as the caller by
 * alert_allowed().  Two kept statements: row-level security makes a plan
 * depend on the role it was made for, and one shared statement would be
 * planned again at every change of role.
 */
#define AGENT_MAINTENANCE {"SELECT maintenance_mode FROM maintmode.agent WHERE id = $1", 1, {INT8OID}}
static MMStatement agent_maintenance_stmt = AGENT_MAINTENANCE;
static MMStatement caller_agent_maintenance_stmt = AGENT_MAINTENANCE;

static bool
column_is_null(HeapTuple tuple, TupleDesc desc, const char *name)
{
	bool		isnull;

	(void) heap_getattr(tuple, SPI_fnumber(desc, name), desc, &isnull);
	return isnull;
}

/*
 * alert_suppress_trigger(): BEFORE INSERT ON alert FOR EACH ROW.  An alert for
 * an agent in maintenance is written suppressed, so what INSERT ... RETURNING
 * (an ORM's create) reads back is what is stored.  Rows already suppressed, and
 * rows already sent on some channel (history being loaded), are left as they
 * are and cost no lookup.
 */
PG_FUNCTION_INFO_V1(maintmode_alert_suppress_trigger);
Datum
maintmode_alert_suppress_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	HeapTuple	tuple;
	TupleDesc	desc;
	bool		isnull;
	bool		in_maintenance = false;
	Datum		kind;
	int			columns[2];
	Datum		values[2];
	bool		nulls[2] = {false, false};

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) || !TRIGGER_FIRED_BY_INSERT(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("alert_suppress_trigger must fire BEFORE INSERT FOR EACH ROW")));
	mm_check_trigger_table(trigdata, "alert", "alert_suppress_trigger");
	tuple = trigdata->tg_trigtuple;
	desc = RelationGetDescr(trigdata->tg_relation);

	columns[0] = SPI_fnumber(desc, "suppressed");
	columns[1] = SPI_fnumber(desc, "suppressed_reason");
	/* A reminder is about the maintenance itself: never suppressed. */
	kind = heap_getattr(tuple, SPI_fnumber(desc, "kind"), desc, &isnull);
	if ((!isnull && mm_text_equals(kind, "reminder")) ||
		DatumGetBool(heap_getattr(tuple, columns[0], desc, &isnull)) ||
		!column_is_null(tuple, desc, "email_sent_at") ||
		!column_is_null(tuple, desc, "sms_sent_at"))
		return PointerGetDatum(tuple);

	values[0] = heap_getattr(tuple, SPI_fnumber(desc, "agent_id"), desc, &isnull);
	SPI_connect();
	if (mm_execute(&agent_maintenance_stmt, values, NULL, true) == 1)
		in_maintenance = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0],
													SPI_tuptable->tupdesc, 1, &isnull));
	SPI_finish();
	if (!in_maintenance)
		return PointerGetDatum(tuple);

	values[0] = BoolGetDatum(true);
	values[1] = CStringGetTextDatum(RAISED_IN_MAINTENANCE);
	return PointerGetDatum(heap_modify_tuple_by_cols(tuple, desc, 2, columns, values, nulls));
}

/*
 * Only a change of status raises or resolves: an INSERT raises nothing, so a
 * new check reports pending first, and restoring a dump raises nothing again.
 */
static MMStatement raise_check_stmt = {
	CHECK_ALERT_INSERT
	"  FROM new_checks c JOIN old_checks o ON o.id = c.id"
	"  JOIN maintmode.agent a ON a.id = c.agent_id"
	" WHERE" CHECK_ALERT_WANTED " AND o.status <> 'failing'"
	CHECK_ALERT_ONCE, 0, {0}
};

static MMStatement resolve_check_stmt = {
	"UPDATE maintmode.alert al SET resolved_at = pg_catalog.now()"
	"  FROM new_checks c JOIN old_checks o ON o.id = c.id"
	" WHERE al.check_id = c.id AND al.resolved_at IS NULL"
	"   AND o.status = 'failing' AND c.status <> 'failing'", 0, {0}
};

/* AFTER UPDATE ON check_result FOR EACH STATEMENT, as old_checks/new_checks. */
PG_FUNCTION_INFO_V1(maintmode_check_alert_trigger);
Datum
maintmode_check_alert_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = mm_statement_trigger_data(fcinfo, "check_result", "check_alert_trigger",
												   TRIGGER_EVENT_UPDATE, true);

	if (!column_changed(trigdata, "status", failing_changed))
		return PointerGetDatum(NULL);

	/* A check writer: alert rows are locked after the agent table (lock order). */
	mm_lock_agents_for_writing();
	run_on_transition_tables(trigdata, (MMStatement *[]) {&resolve_check_stmt, &raise_check_stmt}, 2);
	return PointerGetDatum(NULL);
}

/* Agents whose flag the statement changed from "from" to "to": a new row, o old. */
#define SWITCHED(from, to) \
	" FROM new_agents a JOIN old_agents o ON o.id = a.id" \
	"  AND o.maintenance_mode = " from " AND a.maintenance_mode = " to

/*
 * Entering maintenance stops what is still queued for the agent, so that it is
 * not sent even if the agent has left again before a sender runs.  Reminders
 * are about maintenance itself: never suppressed.
 */
static MMStatement suppress_entered_stmt = {
	"UPDATE maintmode.alert al"
	"   SET suppressed = true, suppressed_reason = '" ENTERED_MAINTENANCE "'"
	SWITCHED("false", "true")
	" WHERE al.agent_id = a.id AND NOT al.suppressed AND al.resolved_at IS NULL"
	"   AND al.kind <> 'reminder'"
	"   AND ((al.email AND al.email_sent_at IS NULL)"
	"        OR (al.sms AND al.sms_sent_at IS NULL))", 0, {0}
};

/*
 * Leaving it alerts for what it hid: failing checks with alerts on, and an
 * outage with an overdue alert flag on, unless a live (unsuppressed) alert
 * already covers it.
 */
static MMStatement raise_left_checks_stmt = {
	CHECK_ALERT_INSERT
	SWITCHED("true", "false")
	"  JOIN maintmode.check_result c ON c.agent_id = a.id"
	" WHERE" CHECK_ALERT_WANTED
	CHECK_ALERT_ONCE, 0, {0}
};

static MMStatement raise_left_overdue_stmt = {
	OVERDUE_ALERT_INSERT
	SWITCHED("true", "false")
	" WHERE" OVERDUE_ALERT_WANTED
	OVERDUE_ALERT_ONCE, 0, {0}
};

/*
 * A reminder ends with the hand-set maintenance it is about: the agent's hand
 * flag went off (it left maintenance, or a window alone holds it now).  Driven
 * by the open reminders, which are few, through alert_open_reminder_idx; run
 * only when there are some.
 */
static MMStatement open_reminders_stmt = {
	"SELECT EXISTS (SELECT FROM maintmode.alert"
	"                WHERE kind = 'reminder' AND resolved_at IS NULL)", 0, {0}
};

static MMStatement resolve_reminders_stmt = {
	"UPDATE maintmode.alert al SET resolved_at = maintmode.window_clock()"
	"  FROM new_agents a"
	" WHERE al.agent_id = a.id AND NOT a.hand_maintenance"
	"   AND al.kind = 'reminder' AND al.resolved_at IS NULL", 0, {0}
};

/*
 * What an UPDATE of agents changed, read from the transition tables in one
 * pass: whether any agent's maintenance_mode changed, and whether any agent's
 * hand flag went off (schemas before 1.1 have none).
 */
static void
agent_changes(TriggerData *trigdata, bool *maintenance_changed, bool *hand_left)
{
	TupleDesc	desc = RelationGetDescr(trigdata->tg_relation);
	AttrNumber	maintenance_att = SPI_fnumber(desc, "maintenance_mode");
	AttrNumber	hand_att = SPI_fnumber(desc, "hand_maintenance");
	MMRowPairs	pairs;
	bool		isnull;

	*maintenance_changed = false;
	*hand_left = false;
	mm_row_pairs_begin(&pairs, trigdata);
	while (!(*maintenance_changed && (*hand_left || hand_att <= 0)) &&
		   mm_row_pairs_next(&pairs))
	{
		if (DatumGetBool(slot_getattr(pairs.old_slot, maintenance_att, &isnull)) !=
			DatumGetBool(slot_getattr(pairs.new_slot, maintenance_att, &isnull)))
			*maintenance_changed = true;
		if (hand_att > 0 &&
			DatumGetBool(slot_getattr(pairs.old_slot, hand_att, &isnull)) &&
			!DatumGetBool(slot_getattr(pairs.new_slot, hand_att, &isnull)))
			*hand_left = true;
	}
	mm_row_pairs_end(&pairs);
}

/* AFTER UPDATE ON agent FOR EACH STATEMENT, as old_agents/new_agents. */
PG_FUNCTION_INFO_V1(maintmode_maintenance_alert_trigger);
Datum
maintmode_maintenance_alert_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = mm_statement_trigger_data(fcinfo, "agent", "maintenance_alert_trigger",
												   TRIGGER_EVENT_UPDATE, true);
	bool		maintenance_changed;
	bool		hand_left;
	bool		isnull;

	agent_changes(trigdata, &maintenance_changed, &hand_left);
	/* Reminders came with 1.3. */
	if (hand_left && mm_schema_version() < MM_SCHEMA_1_3)
		hand_left = false;
	if (!maintenance_changed && !hand_left)
		return PointerGetDatum(NULL);

	/* The first suppresses what entering agents had queued; the others raise. */
	if (maintenance_changed)
		run_on_transition_tables(trigdata,
								 (MMStatement *[]) {&suppress_entered_stmt, &raise_left_checks_stmt,
								 &raise_left_overdue_stmt},
								 mm_alert_on_leave ? 3 : 1);
	if (hand_left)
	{
		SPI_connect();
		/*
		 * Not read-only: at READ COMMITTED each statement reads the latest
		 * commits, reminders a sweep committed while this UPDATE waited for it
		 * among them.
		 */
		mm_execute(&open_reminders_stmt, NULL, NULL, false);
		if (DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1,
									   &isnull)))
		{
			SPI_register_trigger_data(trigdata);
			mm_execute_for_rows(&resolve_reminders_stmt, NULL, NULL,
								tuplestore_tuple_count(trigdata->tg_newtable),
								SMALL_TRANSITION_ROWS);
		}
		SPI_finish();
	}
	return PointerGetDatum(NULL);
}

/* An agent seen since its outage began has ended it. */
static MMStatement resolve_overdue_stmt = {
	"UPDATE maintmode.alert al SET resolved_at = pg_catalog.now()"
	"  FROM maintmode.agent a"
	" WHERE al.agent_id = a.id AND al.kind = 'overdue' AND al.resolved_at IS NULL"
	"   AND a.last_seen > al.last_seen", 0, {0}
};

/*
 * One alert per outage, ever: agents in maintenance get theirs recorded
 * suppressed, so leaving maintenance decides alone whether it is raised live.
 * An outage is recorded when it is the newest one recorded for the agent.
 * That is asked per candidate, through alert_outage_idx, not as an anti-join:
 * right after a sweep raised many alerts the statistics still say there are
 * none, and an anti-join planned on them rescans every alert per agent.
 */
static MMStatement raise_overdue_stmt = {
	"WITH raised AS ("
	OVERDUE_ALERT_INSERT
	"  FROM maintmode.agent a"
	" WHERE" OVERDUE_ALERT_WANTED
	"   AND a.last_seen IS DISTINCT FROM"
	"       (SELECT max(al.last_seen) FROM maintmode.alert al"
	"         WHERE al.agent_id = a.id AND al.kind = 'overdue')"
	OVERDUE_ALERT_ONCE
	" RETURNING suppressed)"
	" SELECT count(*) FILTER (WHERE NOT suppressed), count(*) FILTER (WHERE suppressed)"
	"   FROM raised", 0, {0}
};

/*
 * sweep_overdue(): resolves the overdue alerts of agents seen again, and
 * raises one for each agent newly overdue with an overdue alert flag on
 * (suppressed for agents in maintenance); returns raised, suppressed, resolved.
 */
PG_FUNCTION_INFO_V1(maintmode_sweep_overdue);
Datum
maintmode_sweep_overdue(PG_FUNCTION_ARGS)
{
	TupleDesc	result_desc;
	Datum		result[3];
	bool		result_nulls[3] = {false};
	bool		isnull;

	if (get_call_result_type(fcinfo, NULL, &result_desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	/* It writes alert rows: after the agent table (the lock order). */
	mm_lock_agents_for_writing();
	/* Two sweeps at once must not both record the same outage. */
	mm_serialize_sweeps_of("alert");
	SPI_connect();
	result[2] = Int64GetDatum(mm_execute(&resolve_overdue_stmt, NULL, NULL, false));
	mm_execute(&raise_overdue_stmt, NULL, NULL, false);
	result[0] = Int64GetDatum(DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
														  SPI_tuptable->tupdesc, 1,
														  &isnull)));
	result[1] = Int64GetDatum(DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
														  SPI_tuptable->tupdesc, 2,
														  &isnull)));
	SPI_finish();

	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(result_desc),
													  result, result_nulls)));
}

/*
 * A notification channel and the two statements take_notifications() runs on
 * it.  Still to send: wanted there, not sent, not suppressed, not resolved (an
 * alert whose condition ended before a sender took it is not news any more).
 */
typedef struct Channel
{
	const char *name;
	MMStatement suppress;
	MMStatement take;
} Channel;

#define PENDING(ch) \
	" q." ch " AND q." ch "_sent_at IS NULL AND NOT q.suppressed AND q.resolved_at IS NULL"

/*
 * Alerts still to send whose agent is in maintenance are kept, marked
 * suppressed: the switch's trigger cannot see alerts queued by transactions
 * that commit while it runs.  Ones another sender holds are left to it.
 * Reminders are never suppressed.
 */
#define SUPPRESS_PENDING(ch) \
	"UPDATE maintmode.alert SET suppressed = true," \
	"       suppressed_reason = '" ENTERED_MAINTENANCE "'" \
	" WHERE id IN (SELECT q.id FROM maintmode.alert q" \
	"                JOIN maintmode.agent a ON a.id = q.agent_id" \
	"               WHERE" PENDING(ch) " AND a.maintenance_mode AND q.kind <> 'reminder'" \
	"                 FOR UPDATE OF q SKIP LOCKED)"

/*
 * Oldest first; rows another sender has locked are skipped, not waited for.
 * A reminder goes out while its agent is in maintenance, the others while it
 * is not.
 */
#define TAKE_PENDING(ch) \
	"WITH taken AS (" \
	"  SELECT q.id FROM maintmode.alert q JOIN maintmode.agent a ON a.id = q.agent_id" \
	"   WHERE" PENDING(ch) \
	"     AND a.maintenance_mode = (q.kind = 'reminder')" \
	"   ORDER BY q.created_at, q.id LIMIT $1" \
	"     FOR UPDATE OF q SKIP LOCKED)," \
	" marked AS (" \
	"  UPDATE maintmode.alert al SET " ch "_sent_at = pg_catalog.now()" \
	"    FROM taken WHERE al.id = taken.id RETURNING al.*)" \
	" SELECT * FROM marked ORDER BY created_at, id"

static Channel channels[] = {
	{"email", {SUPPRESS_PENDING("email"), 0, {0}},
	{TAKE_PENDING("email"), 1, {INT4OID}}},
	{"sms", {SUPPRESS_PENDING("sms"), 0, {0}},
	{TAKE_PENDING("sms"), 1, {INT4OID}}},
};

#define CHANNELS_HINT "Valid channels are email and sms."

static const char *const channel_names[] = {"email", "sms"};

static const MMChoice channel_choice = {
	channel_names, lengthof(channel_names), "channel", "unknown notification channel",
	CHANNELS_HINT, ERRCODE_NULL_VALUE_NOT_ALLOWED, false
};

/*
 * take_notifications(channel, max_count): up to max_count alerts still to send
 * on the channel, oldest first, marked sent; alerts of agents in maintenance
 * are marked suppressed instead.  Rows another sender holds are skipped.
 */
PG_FUNCTION_INFO_V1(maintmode_take_notifications);
Datum
maintmode_take_notifications(PG_FUNCTION_ARGS)
{
	Channel    *channel = &channels[mm_choose(fcinfo, 0, &channel_choice)];
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int32		max_count;
	Datum		arg;
	int			taken;

	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("max_count must not be null"),
				 errhint("Pass how many alerts this sender takes at most, 1 or more.")));
	max_count = PG_GETARG_INT32(1);
	if (max_count <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_count must be positive, not %d", max_count)));

	/* A scoped sender would take the alerts of every client. */
	mm_refuse_if_scoped(fcinfo, "take_notifications()");
	InitMaterializedSRF(fcinfo, 0);
	arg = Int32GetDatum(max_count);

	/* It locks alert rows: after the agent table (the lock order). */
	mm_lock_agents_for_writing();
	SPI_connect();
	mm_execute(&channel->suppress, NULL, NULL, false);
	taken = mm_execute(&channel->take, &arg, NULL, false);
	for (int i = 0; i < taken; i++)
		tuplestore_puttuple(rsinfo->setResult, SPI_tuptable->vals[i]);
	SPI_finish();

	return (Datum) 0;
}

/* alert_allowed(agent): whether it may alert now (it is not in maintenance). */
PG_FUNCTION_INFO_V1(maintmode_alert_allowed);
Datum
maintmode_alert_allowed(PG_FUNCTION_ARGS)
{
	HeapTuple	row;
	bool		isnull;
	bool		in_maintenance;

	SPI_connect();
	row = mm_agent_row(fcinfo, 0, &caller_agent_maintenance_stmt);
	in_maintenance = DatumGetBool(SPI_getbinval(row, SPI_tuptable->tupdesc, 1, &isnull));
	SPI_finish();

	PG_RETURN_BOOL(!in_maintenance);
}
