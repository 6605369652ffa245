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

/* One agent's flag, read as the caller by alert_allowed(). */
static MMStatement caller_agent_maintenance_stmt = {
	"SELECT maintenance_mode FROM maintmode.agent WHERE id = $1", 1, {INT8OID}
};

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
 * (an ORM's create) reads back is what is stored.  Rows already suppressed,
 * sent on some channel or resolved (history being loaded) are left as they
 * are and cost no lookup.  The agent is read as a check writer reads it: after
 * the agent table's lock, which waits for a switch under way, and locked FOR
 * KEY SHARE (as the foreign-key check will), which a plain UPDATE switching
 * it waits for, at the latest snapshot even under REPEATABLE READ.  So the
 * flag is the one the agent has when the alert commits, and an alert is never
 * kept suppressed for an agent that left maintenance before it was raised.
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
	Datum		agent_id;
	MMRowTable	agents;
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
		!column_is_null(tuple, desc, "sms_sent_at") ||
		!column_is_null(tuple, desc, "resolved_at"))
		return PointerGetDatum(tuple);

	agent_id = heap_getattr(tuple, SPI_fnumber(desc, "agent_id"), desc, &isnull);
	mm_lock_agents_for_writing();
	mm_row_table_open(&agents, "agent", "agent_pkey", RowShareLock);
	agents.latest = true;
	if (mm_row_lock(&agents, &agent_id, LockTupleKeyShare, LockWaitBlock) == MM_ROW_LOCKED)
		in_maintenance = DatumGetBool(slot_getattr(agents.row,
												   mm_row_column(&agents, "maintenance_mode"),
												   &isnull));
	mm_row_table_close(&agents);
	if (!in_maintenance)
		return PointerGetDatum(tuple);

	values[0] = BoolGetDatum(true);
	values[1] = CStringGetTextDatum(RAISED_IN_MAINTENANCE);
	return PointerGetDatum(heap_modify_tuple_by_cols(tuple, desc, 2, columns, values, nulls));
}

/*
 * Only a change of status raises or resolves: an INSERT raises nothing, so a
 * new check reports pending first, and restoring a dump raises nothing again.
 * The raising and resolving statements see the agent and its alerts as they
 * are now (latest), even under REPEATABLE READ: the writer's lock on the agent
 * table waited for any switch of it, which the transaction's snapshot may
 * predate, and keeps the next one out; its alert is suppressed or not as the
 * agent now is, and an alert committed since the snapshot is resolved (or,
 * changed since, a serialization failure).
 */
static MMStatement raise_check_stmt = {
	CHECK_ALERT_INSERT
	"  FROM new_checks c JOIN old_checks o ON o.id = c.id"
	"  JOIN maintmode.agent a ON a.id = c.agent_id"
	" WHERE" CHECK_ALERT_WANTED " AND o.status <> 'failing'"
	CHECK_ALERT_ONCE, 0, {0}, 0, true
};

static MMStatement resolve_check_stmt = {
	"UPDATE maintmode.alert al SET resolved_at = pg_catalog.now()"
	"  FROM new_checks c JOIN old_checks o ON o.id = c.id"
	" WHERE al.check_id = c.id AND al.resolved_at IS NULL"
	"   AND o.status = 'failing' AND c.status <> 'failing'", 0, {0}, 0, true
};

/* The same two for one check, $1, the usual case: no transition tables to join. */
static MMStatement raise_check_one_stmt = {
	CHECK_ALERT_INSERT
	"  FROM maintmode.check_result c JOIN maintmode.agent a ON a.id = c.agent_id"
	" WHERE c.id = $1 AND" CHECK_ALERT_WANTED
	CHECK_ALERT_ONCE, 1, {INT8OID}, 0, true
};

static MMStatement resolve_check_one_stmt = {
	"UPDATE maintmode.alert SET resolved_at = pg_catalog.now()"
	" WHERE check_id = $1 AND resolved_at IS NULL", 1, {INT8OID}, 0, true
};

/*
 * A check moved to another agent (an agent renumbered) takes its alerts
 * along: an alert is its check's, and is not deleted with the agent the check
 * left.  Its suppression stays as it was: a sender does not send a queued
 * alert of an agent in maintenance.
 */
static MMStatement move_alerts_stmt = {
	"UPDATE maintmode.alert al SET agent_id = c.agent_id"
	"  FROM new_checks c JOIN old_checks o ON o.id = c.id"
	" WHERE al.check_id = c.id AND o.agent_id <> c.agent_id", 0, {0}, 0, true
};

/*
 * What a check_result UPDATE asks of the alerts, read from its transition
 * tables: checks that stopped failing (their alerts resolve), checks that
 * started failing with an alert channel on (they raise), and the last such
 * check; checks moved to another agent.  A report that leaves a check as it
 * was asks nothing.
 */
typedef struct CheckAlertWork
{
	int64		resolving;
	int64		raising;
	int64		check_id;
	int64		moving;
} CheckAlertWork;

static CheckAlertWork
check_alert_work(TriggerData *trigdata)
{
	TupleDesc	desc = RelationGetDescr(trigdata->tg_relation);
	AttrNumber	status_att = SPI_fnumber(desc, "status");
	AttrNumber	email_att = SPI_fnumber(desc, "email_alert");
	AttrNumber	text_att = SPI_fnumber(desc, "text_alert");
	AttrNumber	agent_att = SPI_fnumber(desc, "agent_id");
	CheckAlertWork work = {0};
	MMRowPairs	pairs;

	mm_row_pairs_begin(&pairs, trigdata);
	while (mm_row_pairs_next(&pairs))
	{
		bool		isnull;
		bool		was_failing = mm_text_equals(slot_getattr(pairs.old_slot, status_att, &isnull),
												 "failing");
		bool		failing = mm_text_equals(slot_getattr(pairs.new_slot, status_att, &isnull),
											 "failing");

		if (DatumGetInt64(slot_getattr(pairs.old_slot, agent_att, &isnull)) !=
			DatumGetInt64(slot_getattr(pairs.new_slot, agent_att, &isnull)))
			work.moving++;
		if (was_failing == failing)
			continue;
		if (was_failing)
			work.resolving++;
		else if (DatumGetBool(slot_getattr(pairs.new_slot, email_att, &isnull)) ||
				 DatumGetBool(slot_getattr(pairs.new_slot, text_att, &isnull)))
			work.raising++;
		else
			continue;
		work.check_id = DatumGetInt64(slot_getattr(pairs.new_slot, pairs.id_att, &isnull));
	}
	mm_row_pairs_end(&pairs);
	return work;
}

/*
 * Whether the check has an alert not resolved yet.  Most checks that stop
 * failing have none (no alert channel on, or their alert resolved already):
 * for those, one index lookup instead of resolve_check_one_stmt.  At the
 * latest snapshot, as the resolving statements: an alert committed since a
 * REPEATABLE READ writer's snapshot is resolved (or the writer fails with
 * 40001), not left to be sent for a check that passes.
 */
static bool
has_open_alert(int64 check_id)
{
	MMRowTable	alerts;
	Datum		key = Int64GetDatum(check_id);
	AttrNumber	resolved_at;
	bool		open = false;

	mm_row_table_open(&alerts, "alert", "alert_check_id_idx", AccessShareLock);
	alerts.latest = true;
	resolved_at = mm_row_column(&alerts, "resolved_at");
	mm_row_scan_begin(&alerts, &key);
	while (!open && mm_row_scan_next(&alerts))
		open = slot_attisnull(alerts.row, resolved_at);
	mm_row_scan_end(&alerts);
	mm_row_table_close(&alerts);
	return open;
}

/*
 * AFTER UPDATE ON check_result FOR EACH STATEMENT, as old_checks/new_checks.
 * It fires for every check result reported, so it is not SECURITY DEFINER (the
 * schemas before 1.3 declare it so, which works the same): it becomes the
 * owner only around the SQL it runs, for the checks that need it.
 */
PG_FUNCTION_INFO_V1(maintmode_check_alert_trigger);
Datum
maintmode_check_alert_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = mm_statement_trigger_data(fcinfo, "check_result", "check_alert_trigger",
												   TRIGGER_EVENT_UPDATE, true);
	CheckAlertWork work = check_alert_work(trigdata);
	MMOwnerContext owner;

	if (work.resolving == 0 && work.raising == 0 && work.moving == 0)
		return PointerGetDatum(NULL);

	/* A check writer: alert rows are locked after the agent table (lock order). */
	mm_lock_agents_for_writing();
	if (work.moving == 0 && work.resolving == 1 && work.raising == 0 &&
		!has_open_alert(work.check_id))
		return PointerGetDatum(NULL);
	mm_become_owner(fcinfo, &owner);
	if (work.moving == 0 && work.resolving + work.raising == 1)
	{
		Datum		check_id = Int64GetDatum(work.check_id);

		SPI_connect();
		mm_execute(work.resolving == 1 ? &resolve_check_one_stmt : &raise_check_one_stmt,
				   &check_id, NULL, false);
		SPI_finish();
	}
	else
		run_on_transition_tables(trigdata,
								 (MMStatement *[]) {&move_alerts_stmt, &resolve_check_stmt,
								 &raise_check_stmt}, 3);
	mm_stop_being_owner(&owner);
	return PointerGetDatum(NULL);
}

/* The agents in $1, which the statement took into (or out of) maintenance. */
#define SWITCHED \
	" FROM (SELECT pg_catalog.unnest($1::bigint[]) AS id) switched" \
	" JOIN maintmode.agent a ON a.id = switched.id"

/*
 * Entering maintenance stops what is still queued for the agent, so that it is
 * not sent even if the agent has left again before a sender runs.  Reminders
 * are about maintenance itself: never suppressed.
 */
static MMStatement suppress_entered_stmt = {
	"UPDATE maintmode.alert al"
	"   SET suppressed = true, suppressed_reason = '" ENTERED_MAINTENANCE "'"
	"  FROM (SELECT pg_catalog.unnest($1::bigint[]) AS id) entered"
	" WHERE al.agent_id = entered.id AND NOT al.suppressed AND al.resolved_at IS NULL"
	"   AND al.kind <> 'reminder'"
	"   AND ((al.email AND al.email_sent_at IS NULL)"
	"        OR (al.sms AND al.sms_sent_at IS NULL))", 1, {INT8ARRAYOID}
};

/*
 * Leaving it alerts for what it hid: failing checks with alerts on, and an
 * outage with an overdue alert flag on, unless a live (unsuppressed) alert
 * already covers it.
 */
static MMStatement raise_left_checks_stmt = {
	CHECK_ALERT_INSERT
	SWITCHED
	"  JOIN maintmode.check_result c ON c.agent_id = a.id"
	" WHERE" CHECK_ALERT_WANTED
	CHECK_ALERT_ONCE, 1, {INT8ARRAYOID}
};

/*
 * Agents that left are out of maintenance: their overdue ones are among those of
 * agent_overdue_at_idx, which the conditions, the same as OVERDUE_ALERT_WANTED's,
 * name as it does, so that a million agents leaving read the few overdue.
 */
static MMStatement raise_left_overdue_stmt = {
	OVERDUE_ALERT_INSERT
	SWITCHED
	" WHERE NOT a.maintenance_mode AND (a.overdue_email_alert OR a.overdue_text_alert)"
	"   AND maintmode.overdue_at(a.last_seen, a.overdue_time) < pg_catalog.now()"
	OVERDUE_ALERT_ONCE, 1, {INT8ARRAYOID}
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
	"  FROM (SELECT pg_catalog.unnest($1::bigint[]) AS id) ended"
	" WHERE al.agent_id = ended.id"
	"   AND al.kind = 'reminder' AND al.resolved_at IS NULL", 1, {INT8ARRAYOID}
};

/*
 * The alerts of agents that entered or left maintenance, and the reminders of
 * those whose hand flag went off (SPI not connected; run as the extension's
 * owner).  Agents that only moved to another site ask nothing of them.
 */
void
mm_alert_agent_changes(const MMAgentChanges *changes)
{
	DatumList	entered = {0};
	DatumList	left = {0};
	DatumList	hand_ended = {0};

	for (int i = 0; i < changes->count; i++)
	{
		if (changes->flags[i] != changes->old_flags[i])
			mm_datum_list_add(changes->flags[i] ? &entered : &left,
							  Int64GetDatum(changes->ids[i]));
		if (changes->hand_ended[i])
			mm_datum_list_add(&hand_ended, Int64GetDatum(changes->ids[i]));
	}
	if (entered.count == 0 && (left.count == 0 || !mm_alert_on_leave) &&
		hand_ended.count == 0)
		return;

	SPI_connect();
	if (entered.count > 0)
	{
		Datum		ids = mm_datum_list_array(&entered, INT8OID);

		mm_execute_for_rows(&suppress_entered_stmt, &ids, NULL, entered.count,
							SMALL_TRANSITION_ROWS);
	}
	if (left.count > 0 && mm_alert_on_leave)
	{
		Datum		ids = mm_datum_list_array(&left, INT8OID);

		mm_execute_for_rows(&raise_left_checks_stmt, &ids, NULL, left.count,
							SMALL_TRANSITION_ROWS);
		mm_execute_for_rows(&raise_left_overdue_stmt, &ids, NULL, left.count,
							SMALL_TRANSITION_ROWS);
	}
	if (hand_ended.count > 0)
	{
		bool		isnull;

		/*
		 * Not read-only: at READ COMMITTED each statement reads the latest
		 * commits, reminders a sweep committed while this UPDATE waited for it
		 * among them.
		 */
		mm_execute(&open_reminders_stmt, NULL, NULL, false);
		if (DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1,
									   &isnull)))
		{
			Datum		ids = mm_datum_list_array(&hand_ended, INT8OID);

			mm_execute_for_rows(&resolve_reminders_stmt, &ids, NULL, hand_ended.count,
								SMALL_TRANSITION_ROWS);
		}
	}
	SPI_finish();
}

/*
 * AFTER UPDATE ON agent FOR EACH STATEMENT, as old_agents/new_agents: the
 * trigger of the schemas before 1.3, which this library serves until ALTER
 * EXTENSION UPDATE.  Since 1.3 agent_changes_trigger() applies the changes.
 */
PG_FUNCTION_INFO_V1(maintmode_maintenance_alert_trigger);
Datum
maintmode_maintenance_alert_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = mm_statement_trigger_data(fcinfo, "agent", "maintenance_alert_trigger",
												   TRIGGER_EVENT_UPDATE, true);
	MMAgentChanges changes;

	mm_agent_changes_from_transitions(trigdata, &changes);
	mm_alert_agent_changes(&changes);
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
	/*
	 * At the latest snapshot, after the lock: under REPEATABLE READ the
	 * transaction's snapshot can predate the sweep it waited for, whose
	 * outages would be recorded again.
	 */
	result[2] = Int64GetDatum(mm_execute_latest(&resolve_overdue_stmt, NULL, NULL));
	mm_execute_latest(&raise_overdue_stmt, NULL, NULL);
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
