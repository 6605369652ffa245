/*
 * dashboard.c
 *     Dashboard counters: the statement-level AFTER triggers on client, site,
 *     agent and check_result that keep maintmode.agent_counter, site_counter and
 *     client_counter equal to a recomputation from the base tables, and
 *     overdue_at(), the indexed instant an agent becomes overdue.
 *
 * Each trigger firing runs at most one SPI statement, set-based over the
 * statement's transition table, so a bulk statement costs one join, not one SPI
 * call per row.  Each statement changes the counter rows with UPDATE ... SET x =
 * x + delta and derives what to carry one level up from the row RETURNING gives,
 * i.e. the row as it is after its row lock: concurrent writers of one agent,
 * site or client stripe are serialised there and never lose a change.
 *
 * Roll-ups go agent -> site -> client and stop as soon as nothing changes: a
 * check result that does not change its agent's colour class writes no site row,
 * and a site that does not change class writes no client row.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "common/int.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

#include "maintmode.h"

/*
 * The tail every statement shares.  The statement's own CTEs end with
 * site_delta(site_id, agents, agents_in_maintenance, agents_error,
 * agents_warning): changes to site counters, one or more rows per site.  The
 * sites whose counts really change are updated; those that gain or lose their
 * first error / warning agent, or whose agent counts change, pass that on to
 * their client's stripe as client_delta.
 */
#define SITE_ROLLUP \
	", site_sum AS (" \
	"  SELECT site_id, sum(agents) AS agents," \
	"         sum(agents_in_maintenance) AS agents_in_maintenance," \
	"         sum(agents_error) AS agents_error, sum(agents_warning) AS agents_warning" \
	"    FROM site_delta GROUP BY site_id)" \
	", site_changed AS (" \
	"  UPDATE maintmode.site_counter s" \
	"     SET agents = s.agents + d.agents," \
	"         agents_in_maintenance = s.agents_in_maintenance + d.agents_in_maintenance," \
	"         agents_error = s.agents_error + d.agents_error," \
	"         agents_warning = s.agents_warning + d.agents_warning" \
	"    FROM site_sum d" \
	"   WHERE s.site_id = d.site_id" \
	"     AND (d.agents, d.agents_in_maintenance, d.agents_error, d.agents_warning)" \
	"         <> (0, 0, 0, 0)" \
	"  RETURNING s.client_id, maintmode.client_stripe(s.site_id) AS stripe," \
	"            d.agents, d.agents_in_maintenance," \
	"            (s.agents_error > 0)::integer" \
	"              - (s.agents_error - d.agents_error > 0)::integer AS sites_error," \
	"            (s.agents_warning > 0)::integer" \
	"              - (s.agents_warning - d.agents_warning > 0)::integer AS sites_warning)" \
	", client_delta AS (SELECT * FROM site_changed)" \
	CLIENT_ROLLUP

/* The client end: client_delta(client_id, stripe, agents, agents_in_maintenance,
 * sites_error, sites_warning) applied to the stripes it names. */
#define CLIENT_ROLLUP \
	" UPDATE maintmode.client_counter k" \
	"    SET agents = k.agents + d.agents," \
	"        agents_in_maintenance = k.agents_in_maintenance + d.agents_in_maintenance," \
	"        sites_error = k.sites_error + d.sites_error," \
	"        sites_warning = k.sites_warning + d.sites_warning" \
	"   FROM (SELECT client_id, stripe, sum(agents)::bigint AS agents," \
	"                sum(agents_in_maintenance)::bigint AS agents_in_maintenance," \
	"                sum(sites_error)::bigint AS sites_error," \
	"                sum(sites_warning)::bigint AS sites_warning" \
	"           FROM client_delta GROUP BY client_id, stripe) d" \
	"  WHERE k.client_id = d.client_id AND k.stripe = d.stripe" \
	"    AND (d.agents, d.agents_in_maintenance, d.sites_error, d.sites_warning)" \
	"        <> (0, 0, 0, 0)"

#define SITE_DELTA \
	"site_delta (site_id, agents, agents_in_maintenance, agents_error, agents_warning)"

/* The site_delta columns after site_id for one agent counter row, added or (sign "-") removed. */
#define AGENT_CONTRIBUTION(sign, maint, fe, fw) \
	sign "1, " sign maint "::integer, " \
	sign "maintmode.counts_as_error(" maint ", " fe "), " \
	sign "maintmode.counts_as_warning(" maint ", " fe ", " fw ")"

/*
 * The per-agent changes of failing checks, computed by the trigger in C from the
 * transition tables: $1 agent ids, $2..$4 the change of failing_error,
 * failing_warning, failing_info.  Only agents whose counter class (error /
 * warning / neither) changes make a site_delta row.
 */
static MMStatement check_counts_stmt = {
	"WITH d AS ("
	"  SELECT * FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2),"
	"                          pg_catalog.unnest($3), pg_catalog.unnest($4))"
	"      AS d(agent_id, failing_error, failing_warning, failing_info))"
	", counted AS ("
	"  UPDATE maintmode.agent_counter c"
	"     SET failing_error = c.failing_error + d.failing_error,"
	"         failing_warning = c.failing_warning + d.failing_warning,"
	"         failing_info = c.failing_info + d.failing_info"
	"    FROM d"
	"   WHERE c.agent_id = d.agent_id"
	"  RETURNING c.site_id, c.in_maintenance, c.failing_error, c.failing_warning,"
	"            c.failing_error - d.failing_error AS old_error,"
	"            c.failing_warning - d.failing_warning AS old_warning)"
	", site_delta AS ("
	"  SELECT site_id, 0 AS agents, 0 AS agents_in_maintenance,"
	"         maintmode.counts_as_error(in_maintenance, failing_error)"
	"           - maintmode.counts_as_error(in_maintenance, old_error) AS agents_error,"
	"         maintmode.counts_as_warning(in_maintenance, failing_error, failing_warning)"
	"           - maintmode.counts_as_warning(in_maintenance, old_error, old_warning)"
	"           AS agents_warning"
	"    FROM counted)"
	SITE_ROLLUP,
	4, {INT8ARRAYOID, INT4ARRAYOID, INT4ARRAYOID, INT4ARRAYOID}
};

/*
 * New agents.  The values are read back from agent, not from new_rows: the
 * core's agent_starts_in_server_maintenance trigger may already have put them in
 * maintenance (if it fires first; if it fires after, the UPDATE trigger below
 * moves them).
 */
static MMStatement agent_insert_stmt = {
	"WITH added AS ("
	"  INSERT INTO maintmode.agent_counter (agent_id, site_id, in_maintenance)"
	"  SELECT a.id, a.site_id, a.maintenance_mode"
	"    FROM new_rows n JOIN maintmode.agent a ON a.id = n.id"
	"  RETURNING site_id, in_maintenance, failing_error, failing_warning)"
	", " SITE_DELTA " AS ("
	"  SELECT site_id, "
	AGENT_CONTRIBUTION("", "in_maintenance", "failing_error", "failing_warning")
	"    FROM added)"
	SITE_ROLLUP,
	0, {0}
};

/*
 * Agents that changed site or maintenance, found by the trigger in C: $1 agent
 * ids, $2 / $3 old site and maintenance, $4 / $5 new.  Remove the old
 * contribution, add the new, with the counts as they are after the row lock.
 */
static MMStatement agent_update_stmt = {
	"WITH d AS ("
	"  SELECT * FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2),"
	"                          pg_catalog.unnest($3), pg_catalog.unnest($4),"
	"                          pg_catalog.unnest($5))"
	"      AS d(agent_id, old_site, old_maintenance, site_id, maintenance_mode))"
	", moved AS ("
	"  UPDATE maintmode.agent_counter c"
	"     SET site_id = d.site_id, in_maintenance = d.maintenance_mode"
	"    FROM d"
	"   WHERE c.agent_id = d.agent_id"
	"  RETURNING d.old_site, d.old_maintenance,"
	"            c.site_id, c.in_maintenance, c.failing_error, c.failing_warning)"
	", site_delta AS ("
	"  SELECT v.* FROM moved, LATERAL (VALUES"
	"    (old_site, "
	AGENT_CONTRIBUTION("-", "old_maintenance", "failing_error", "failing_warning")
	"), (site_id, "
	AGENT_CONTRIBUTION("", "in_maintenance", "failing_error", "failing_warning")
	")) AS v(site_id, agents, agents_in_maintenance, agents_error, agents_warning))"
	SITE_ROLLUP,
	5, {INT8ARRAYOID, INT8ARRAYOID, BOOLARRAYOID, INT8ARRAYOID, BOOLARRAYOID}
};

/*
 * Deleted agents take their counter row with them.  The row's counts are taken
 * as they are now: if the cascaded deletes of the agent's checks were counted
 * first they are zero already, if not, the check trigger finds no row later.
 */
static MMStatement agent_delete_stmt = {
	"WITH removed AS ("
	"  DELETE FROM maintmode.agent_counter c USING old_rows o WHERE c.agent_id = o.id"
	"  RETURNING c.site_id, c.in_maintenance, c.failing_error, c.failing_warning)"
	", " SITE_DELTA " AS ("
	"  SELECT site_id, "
	AGENT_CONTRIBUTION("-", "in_maintenance", "failing_error", "failing_warning")
	"    FROM removed)"
	SITE_ROLLUP,
	0, {0}
};

static MMStatement site_insert_stmt = {
	"INSERT INTO maintmode.site_counter (site_id, client_id)"
	" SELECT id, client_id FROM new_rows",
	0, {0}
};

/* A site moving to another client takes its whole contribution along. */
static MMStatement site_update_stmt = {
	"WITH moved AS ("
	"  UPDATE maintmode.site_counter s SET client_id = n.client_id"
	"    FROM old_rows o JOIN new_rows n ON n.id = o.id"
	"   WHERE s.site_id = n.id AND o.client_id <> n.client_id"
	"  RETURNING o.client_id AS old_client, s.client_id,"
	"            maintmode.client_stripe(s.site_id) AS stripe,"
	"            s.agents, s.agents_in_maintenance,"
	"            (s.agents_error > 0)::integer AS sites_error,"
	"            (s.agents_warning > 0)::integer AS sites_warning)"
	", client_delta AS ("
	"  SELECT v.* FROM moved, LATERAL (VALUES"
	"    (old_client, stripe, -agents, -agents_in_maintenance, -sites_error, -sites_warning),"
	"    (client_id, stripe, agents, agents_in_maintenance, sites_error, sites_warning))"
	"    AS v(client_id, stripe, agents, agents_in_maintenance, sites_error, sites_warning))"
	CLIENT_ROLLUP,
	0, {0}
};

static MMStatement site_delete_stmt = {
	"WITH removed AS ("
	"  DELETE FROM maintmode.site_counter s USING old_rows o WHERE s.site_id = o.id"
	"  RETURNING s.*)"
	", client_delta AS ("
	"  SELECT client_id, maintmode.client_stripe(site_id) AS stripe,"
	"         -agents AS agents, -agents_in_maintenance AS agents_in_maintenance,"
	"         -(agents_error > 0)::integer AS sites_error,"
	"         -(agents_warning > 0)::integer AS sites_warning"
	"    FROM removed)"
	CLIENT_ROLLUP,
	0, {0}
};

static MMStatement client_insert_stmt = {
	"INSERT INTO maintmode.client_counter (client_id, stripe)"
	" SELECT n.id, stripe FROM new_rows n"
	" CROSS JOIN pg_catalog.generate_series(0, maintmode.client_stripes() - 1) AS stripe",
	0, {0}
};

static MMStatement client_delete_stmt = {
	"DELETE FROM maintmode.client_counter k USING old_rows o WHERE k.client_id = o.id",
	0, {0}
};

/* After a TRUNCATE every counter is recomputed: rare, and one code path less. */
static MMStatement rebuild_stmt = {
	"SELECT maintmode.rebuild_counters()", 0, {0}
};

/* The statement for each event on one table (NULL: the trigger is not for it). */
typedef struct CounterStatements
{
	const char *table;
	MMStatement *on_insert;
	MMStatement *on_update;
	MMStatement *on_delete;
} CounterStatements;

/* Agent updates are looked at in C first (agent_changes()). */
static const CounterStatements agent_statements = {
	"agent", &agent_insert_stmt, NULL, &agent_delete_stmt
};
static const CounterStatements site_statements = {
	"site", &site_insert_stmt, &site_update_stmt, &site_delete_stmt
};
static const CounterStatements client_statements = {
	"client", &client_insert_stmt, NULL, &client_delete_stmt
};

static TriggerData *
statement_trigger_data(FunctionCallInfo fcinfo, const char *table)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo) ||
		!TRIGGER_FIRED_AFTER(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_STATEMENT(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("the %s counter trigger must fire AFTER ... FOR EACH STATEMENT", table)));
	return trigdata;
}

/*
 * Pick the statement for the event, check the transition tables it reads are
 * there (REFERENCING NEW TABLE AS new_rows / OLD TABLE AS old_rows), run it.
 */
static void
run_counter_statement(TriggerData *trigdata, const CounterStatements *statements)
{
	TriggerEvent event = trigdata->tg_event;
	MMStatement *stmt = NULL;
	bool		needs_new = TRIGGER_FIRED_BY_INSERT(event) || TRIGGER_FIRED_BY_UPDATE(event);
	bool		needs_old = TRIGGER_FIRED_BY_DELETE(event) || TRIGGER_FIRED_BY_UPDATE(event);

	if (TRIGGER_FIRED_BY_TRUNCATE(event))
		stmt = &rebuild_stmt;
	else if (TRIGGER_FIRED_BY_INSERT(event))
		stmt = statements->on_insert;
	else if (TRIGGER_FIRED_BY_UPDATE(event))
		stmt = statements->on_update;
	else if (TRIGGER_FIRED_BY_DELETE(event))
		stmt = statements->on_delete;

	if (stmt == NULL ||
		(needs_new && trigdata->tg_newtable == NULL) ||
		(needs_old && trigdata->tg_oldtable == NULL))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("the %s counter trigger is not defined for this event", statements->table),
				 errhint("Each event needs its own trigger with REFERENCING NEW TABLE AS new_rows and/or OLD TABLE AS old_rows.")));

	SPI_connect();
	SPI_register_trigger_data(trigdata);
	mm_execute(stmt, NULL, NULL, false);
	SPI_finish();
}

/* A growing array of Datums, turned into an SQL array argument. */
typedef struct DatumList
{
	Datum	   *values;
	int			count;
	int			size;
} DatumList;

static void
datum_list_add(DatumList *list, Datum value)
{
	if (list->count == list->size)
	{
		list->size = list->size == 0 ? 64 : list->size * 2;
		list->values = list->values == NULL ? palloc(list->size * sizeof(Datum))
			: repalloc_huge(list->values, list->size * sizeof(Datum));
	}
	list->values[list->count++] = value;
}

static Datum
datum_list_array(DatumList *list, Oid type)
{
	int16		typlen;
	bool		typbyval;
	char		typalign;

	get_typlenbyvalalign(type, &typlen, &typbyval, &typalign);
	return PointerGetDatum(construct_array(list->values, list->count, type,
										   typlen, typbyval, typalign));
}

/* Start reading a transition table with a read pointer of our own, as a
 * NamedTuplestoreScan does, so that other readers of it are not disturbed. */
static void
start_reading(Tuplestorestate *rows)
{
	tuplestore_select_read_pointer(rows, tuplestore_alloc_read_pointer(rows, EXEC_FLAG_REWIND));
	tuplestore_rescan(rows);
}

/*
 * agent UPDATE: most updates are heartbeats that change neither site_id nor
 * maintenance_mode; those run no SQL.  The old and new transition tables of a
 * plain (unpartitioned) table hold the rows of each update at the same
 * position, so they are read side by side; the ids are checked to be sure.
 */
static void
agent_changes(TriggerData *trigdata)
{
	TupleDesc	desc = RelationGetDescr(trigdata->tg_relation);
	TupleTableSlot *old_slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	TupleTableSlot *new_slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	int			id_att = SPI_fnumber(desc, "id");
	int			site_att = SPI_fnumber(desc, "site_id");
	int			maintenance_att = SPI_fnumber(desc, "maintenance_mode");
	DatumList	columns[5] = {{0}};
	Datum		args[5];

	start_reading(trigdata->tg_oldtable);
	start_reading(trigdata->tg_newtable);
	while (tuplestore_gettupleslot(trigdata->tg_oldtable, true, false, old_slot))
	{
		bool		isnull;
		Datum		id = slot_getattr(old_slot, id_att, &isnull);
		Datum		old_site = slot_getattr(old_slot, site_att, &isnull);
		Datum		old_maintenance = slot_getattr(old_slot, maintenance_att, &isnull);
		Datum		site;
		Datum		maintenance;

		if (!tuplestore_gettupleslot(trigdata->tg_newtable, true, false, new_slot) ||
			DatumGetInt64(slot_getattr(new_slot, id_att, &isnull)) != DatumGetInt64(id))
			elog(ERROR, "agent transition tables do not pair old and new rows");
		site = slot_getattr(new_slot, site_att, &isnull);
		maintenance = slot_getattr(new_slot, maintenance_att, &isnull);
		if (DatumGetInt64(site) == DatumGetInt64(old_site) &&
			DatumGetBool(maintenance) == DatumGetBool(old_maintenance))
			continue;
		datum_list_add(&columns[0], id);
		datum_list_add(&columns[1], old_site);
		datum_list_add(&columns[2], old_maintenance);
		datum_list_add(&columns[3], site);
		datum_list_add(&columns[4], maintenance);
	}
	ExecDropSingleTupleTableSlot(old_slot);
	ExecDropSingleTupleTableSlot(new_slot);
	if (columns[0].count == 0)
		return;

	for (int i = 0; i < 5; i++)
		args[i] = datum_list_array(&columns[i], get_element_type(agent_update_stmt.argtypes[i]));
	SPI_connect();
	mm_execute(&agent_update_stmt, args, NULL, false);
	SPI_finish();
}

PG_FUNCTION_INFO_V1(maintmode_agent_counter_trigger);
Datum
maintmode_agent_counter_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = statement_trigger_data(fcinfo, "agent");

	if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) &&
		trigdata->tg_oldtable != NULL && trigdata->tg_newtable != NULL)
		agent_changes(trigdata);
	else
		run_counter_statement(trigdata, &agent_statements);
	return PointerGetDatum(NULL);
}

PG_FUNCTION_INFO_V1(maintmode_site_counter_trigger);
Datum
maintmode_site_counter_trigger(PG_FUNCTION_ARGS)
{
	run_counter_statement(statement_trigger_data(fcinfo, "site"), &site_statements);
	return PointerGetDatum(NULL);
}

PG_FUNCTION_INFO_V1(maintmode_client_counter_trigger);
Datum
maintmode_client_counter_trigger(PG_FUNCTION_ARGS)
{
	run_counter_statement(statement_trigger_data(fcinfo, "client"), &client_statements);
	return PointerGetDatum(NULL);
}

/* Failing checks of one agent gained (+) or lost (-) in one statement, by severity. */
typedef enum Severity
{
	SEV_ERROR,
	SEV_WARNING,
	SEV_INFO,
	SEV_COUNT
} Severity;

typedef struct FailingDelta
{
	int64		agent_id;		/* hash key */
	int32		change[SEV_COUNT];
} FailingDelta;

static bool
text_is(Datum value, const char *literal)
{
	text	   *t = DatumGetTextPP(value);
	size_t		len = strlen(literal);

	return VARSIZE_ANY_EXHDR(t) == len && memcmp(VARDATA_ANY(t), literal, len) == 0;
}

/* Add sign * (each failing row of a transition table) to the per-agent deltas. */
static void
add_failing(HTAB *deltas, Tuplestorestate *rows, TupleDesc desc, int sign)
{
	TupleTableSlot *slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	int			agent_att = SPI_fnumber(desc, "agent_id");
	int			status_att = SPI_fnumber(desc, "status");
	int			severity_att = SPI_fnumber(desc, "alert_severity");

	start_reading(rows);
	while (tuplestore_gettupleslot(rows, true, false, slot))
	{
		bool		isnull;
		Datum		severity;
		int64		agent_id;
		FailingDelta *delta;
		bool		found;

		if (!text_is(slot_getattr(slot, status_att, &isnull), "failing"))
			continue;
		agent_id = DatumGetInt64(slot_getattr(slot, agent_att, &isnull));
		severity = slot_getattr(slot, severity_att, &isnull);

		delta = hash_search(deltas, &agent_id, HASH_ENTER, &found);
		if (!found)
			memset(delta->change, 0, sizeof(delta->change));
		if (text_is(severity, "error"))
			delta->change[SEV_ERROR] += sign;
		else if (text_is(severity, "warning"))
			delta->change[SEV_WARNING] += sign;
		else
			delta->change[SEV_INFO] += sign;
	}
	ExecDropSingleTupleTableSlot(slot);
}

/*
 * check_result: the failing checks per agent and severity are summed in C over
 * the transition tables.  Most statements (a result that stays passing, or
 * stays failing at the same severity) change no count and run no SPI at all;
 * the others run check_counts_stmt once with the non-zero deltas as arrays.
 */
PG_FUNCTION_INFO_V1(maintmode_check_counter_trigger);
Datum
maintmode_check_counter_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = statement_trigger_data(fcinfo, "check_result");
	TriggerEvent event = trigdata->tg_event;
	TupleDesc	desc = RelationGetDescr(trigdata->tg_relation);
	HASHCTL		ctl;
	HTAB	   *deltas;
	HASH_SEQ_STATUS scan;
	FailingDelta *delta;
	DatumList	columns[1 + SEV_COUNT] = {{0}};
	Datum		args[1 + SEV_COUNT];

	if (TRIGGER_FIRED_BY_TRUNCATE(event))
	{
		SPI_connect();
		mm_execute(&rebuild_stmt, NULL, NULL, false);
		SPI_finish();
		return PointerGetDatum(NULL);
	}
	if ((TRIGGER_FIRED_BY_INSERT(event) && trigdata->tg_newtable == NULL) ||
		(TRIGGER_FIRED_BY_DELETE(event) && trigdata->tg_oldtable == NULL) ||
		(TRIGGER_FIRED_BY_UPDATE(event) &&
		 (trigdata->tg_newtable == NULL || trigdata->tg_oldtable == NULL)))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("the check_result counter trigger needs the transition tables of its event")));

	ctl.keysize = sizeof(int64);
	ctl.entrysize = sizeof(FailingDelta);
	ctl.hcxt = CurrentMemoryContext;
	deltas = hash_create("maintmode failing deltas", 64, &ctl,
						 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	if (trigdata->tg_oldtable != NULL)
		add_failing(deltas, trigdata->tg_oldtable, desc, -1);
	if (trigdata->tg_newtable != NULL)
		add_failing(deltas, trigdata->tg_newtable, desc, 1);

	hash_seq_init(&scan, deltas);
	while ((delta = hash_seq_search(&scan)) != NULL)
	{
		if (delta->change[SEV_ERROR] == 0 && delta->change[SEV_WARNING] == 0 &&
			delta->change[SEV_INFO] == 0)
			continue;
		datum_list_add(&columns[0], Int64GetDatum(delta->agent_id));
		for (int s = 0; s < SEV_COUNT; s++)
			datum_list_add(&columns[1 + s], Int32GetDatum(delta->change[s]));
	}
	if (columns[0].count == 0)
		return PointerGetDatum(NULL);

	args[0] = datum_list_array(&columns[0], INT8OID);
	for (int s = 0; s < SEV_COUNT; s++)
		args[1 + s] = datum_list_array(&columns[1 + s], INT4OID);
	SPI_connect();
	mm_execute(&check_counts_stmt, args, NULL, false);
	SPI_finish();

	return PointerGetDatum(NULL);
}

/*
 * last_seen + overdue_time minutes, the instant the agent becomes overdue:
 * agent_status() says overdue exactly when this is before now().
 */
PG_FUNCTION_INFO_V1(maintmode_overdue_at);
Datum
maintmode_overdue_at(PG_FUNCTION_ARGS)
{
	TimestampTz last_seen = PG_GETARG_TIMESTAMPTZ(0);
	int64		span = (int64) PG_GETARG_INT32(1) * USECS_PER_MINUTE;
	TimestampTz result;

	if (TIMESTAMP_NOT_FINITE(last_seen))
		PG_RETURN_TIMESTAMPTZ(last_seen);
	if (pg_add_s64_overflow(last_seen, span, &result))
		PG_RETURN_TIMESTAMPTZ(span > 0 ? DT_NOEND : DT_NOBEGIN);
	PG_RETURN_TIMESTAMPTZ(result);
}
