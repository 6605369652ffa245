/*
 * maintmode.c
 *     Module entry with the settings, the kept-statement helpers every other
 *     file uses, the event log, and the agent status function.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "maintmode.h"

PG_MODULE_MAGIC;

bool		mm_alert_on_leave = true;

#if PG_VERSION_NUM < 160000
void		_PG_init(void);
#endif

static void forget_schema(Datum arg, int cacheid, uint32 hashvalue);

/*
 * The settings, and the window worker when loaded at server start.
 * PGC_SUSET: whether failures hidden by maintenance are reported when it ends
 * is the installation's policy, not something the role that switches an agent
 * out of maintenance may waive for its own switch.  A superuser can set it per
 * database or role, or GRANT SET ON PARAMETER.
 */
void
_PG_init(void)
{
	DefineCustomBoolVariable("maintmode.alert_on_leave",
							 "Raises alerts when an agent leaves maintenance with failures it hid.",
							 "Failing checks and tasks with alerts on, and an overdue agent with an overdue alert flag on.",
							 &mm_alert_on_leave,
							 true,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);
	/* PGC_SUSET: a role that could move the clock could end windows early. */
	DefineCustomStringVariable("maintmode.test_now",
							   "Fixes \"now\" for maintenance windows and expiries, for tests.",
							   "Empty: now().",
							   &mm_test_now,
							   "",
							   PGC_SUSET,
							   0,
							   NULL, NULL, NULL);
	DefineCustomIntVariable("maintmode.window_sweep_interval",
							"Seconds between the window worker's sweeps.",
							NULL,
							&mm_window_sweep_interval,
							10, 1, 3600,
							PGC_SIGHUP,
							GUC_UNIT_S,
							NULL, NULL, NULL);
	/* The worker, and its setting that only server start can set, need preloading. */
	if (process_shared_preload_libraries_in_progress)
	{
		DefineCustomStringVariable("maintmode.window_database",
								   "The database the window worker sweeps.",
								   NULL,
								   &mm_window_database,
								   "postgres",
								   PGC_POSTMASTER,
								   0,
								   NULL, NULL, NULL);
		mm_register_window_worker();
	}
	MarkGUCPrefixReserved("maintmode");
	CacheRegisterSyscacheCallback(NAMESPACEOID, forget_schema, (Datum) 0);
}

/*
 * The extension's schema, found through pg_extension, never by its name: a
 * schema of that name is not ours unless the extension lives there.  Cached
 * until a schema changes (a rename included); the statements are then made
 * again if its name changed (schema_generation).
 */
static Oid	schema_oid = InvalidOid;
static char *schema_prefix = NULL;	/* the quoted name and a dot */
static uint32 schema_generation = 0;

static void
forget_schema(Datum arg, int cacheid, uint32 hashvalue)
{
	schema_oid = InvalidOid;
}

/* pg_extension.extnamespace of maintmode; InvalidOid if it is not installed. */
static Oid
extension_schema(void)
{
	Relation	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tuple;
	Oid			schema = InvalidOid;

	ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber, F_NAMEEQ,
				CStringGetDatum("maintmode"));
	scan = systable_beginscan(rel, ExtensionNameIndexId, true, NULL, 1, &key);
	tuple = systable_getnext(scan);
	if (HeapTupleIsValid(tuple))
		schema = ((Form_pg_extension) GETSTRUCT(tuple))->extnamespace;
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return schema;
}

Oid
mm_schema_oid(void)
{
	if (!OidIsValid(schema_oid))
	{
		Oid			schema = extension_schema();
		char	   *name = OidIsValid(schema) ? get_namespace_name(schema) : NULL;
		char	   *prefix;

		if (name == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("extension \"maintmode\" is not installed in this database")));
		prefix = MemoryContextStrdup(TopMemoryContext,
									 psprintf("%s.", quote_identifier(name)));
		if (schema_prefix == NULL || strcmp(prefix, schema_prefix) != 0)
		{
			if (schema_prefix != NULL)
				pfree(schema_prefix);
			schema_prefix = prefix;
			schema_generation++;
		}
		else
			pfree(prefix);
		schema_oid = schema;
	}
	return schema_oid;
}

/*
 * The statement's text for the extension's schema: written with "maintmode.",
 * which is its name unless a superuser renamed it.
 */
static const char *
statement_text(const MMStatement *stmt)
{
	StringInfoData text;
	const char *from = stmt->sql;
	const char *found;

	(void) mm_schema_oid();
	if (strcmp(schema_prefix, "maintmode.") == 0)
		return stmt->sql;
	initStringInfo(&text);
	while ((found = strstr(from, "maintmode.")) != NULL)
	{
		appendBinaryStringInfo(&text, from, found - from);
		appendStringInfoString(&text, schema_prefix);
		from = found + strlen("maintmode.");
	}
	appendStringInfoString(&text, from);
	return text.data;
}

/* Prepare and keep the statement on first use. */
static SPIPlanPtr
kept_plan(MMStatement *stmt)
{
	const char *sql = statement_text(stmt);

	if (stmt->plan != NULL && stmt->schema_generation != schema_generation)
	{
		SPI_freeplan(stmt->plan);
		stmt->plan = NULL;
	}
	if (stmt->plan == NULL)
	{
		SPIPlanPtr	plan = SPI_prepare_cursor(sql, stmt->nargs, stmt->argtypes,
											  stmt->cursor_options);

		if (plan == NULL)
			elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
		if (SPI_keepplan(plan) != 0)
			elog(ERROR, "SPI_keepplan failed");
		stmt->plan = plan;
		stmt->schema_generation = schema_generation;
	}
	return stmt->plan;
}

static int
checked_processed(int rc)
{
	if (rc < 0)
		elog(ERROR, "SPI execution failed: %s", SPI_result_code_string(rc));
	return (int) SPI_processed;
}

/* The bigint in the first column of the only row the last statement returned. */
static int64
result_count(void)
{
	bool		isnull;
	Datum		d;

	if (SPI_processed != 1)
		elog(ERROR, "counting statement returned %d rows", (int) SPI_processed);
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	return isnull ? 0 : DatumGetInt64(d);
}

/*
 * Run a kept statement (SPI must be connected).  Returns SPI_processed; a
 * failing statement raises its own error, anything else unexpected is a bug.
 */
int
mm_execute(MMStatement *stmt, Datum *values, const char *nulls, bool read_only)
{
	return checked_processed(SPI_execute_plan(kept_plan(stmt), values, nulls,
											  read_only, 0));
}

/*
 * Run a statement with a plan made for these arguments (and transition tables)
 * and not kept: for inputs whose size varies too much (one row or a million)
 * for one kept plan to suit them all.  Returns SPI_processed.
 */
int
mm_execute_once(const MMStatement *stmt, Datum *values, const char *nulls)
{
	return checked_processed(SPI_execute_with_args(statement_text(stmt), stmt->nargs,
												   (Oid *) stmt->argtypes, values,
												   nulls, false, 0));
}

/* Run a kept statement that returns one bigint (a count), and return it. */
int64
mm_count(MMStatement *stmt, Datum *values)
{
	mm_execute(stmt, values, NULL, false);
	return result_count();
}

/*
 * Run a kept statement that writes, for a caller that holds locks keeping out
 * every other writer of the rows it reads: it must act on the latest committed
 * state.  At READ COMMITTED each statement's snapshot already is that.  Under
 * REPEATABLE READ or SERIALIZABLE the transaction's snapshot can predate the
 * lock, so the statement reads the latest snapshot, and a row it changes that
 * the transaction's snapshot does not see (changed or created since) is a
 * serialization failure (40001) for the caller to retry, as in PostgreSQL's
 * own foreign-key checks.  Acting on the old snapshot would save states that
 * are not the agents' and miss agents created since.
 */
int
mm_execute_locked(MMStatement *stmt, Datum *values, const char *nulls)
{
	if (!IsolationUsesXactSnapshot())
		return mm_execute(stmt, values, nulls, false);

	CommandCounterIncrement();
	return checked_processed(SPI_execute_snapshot(kept_plan(stmt), values, nulls,
												  GetLatestSnapshot(),
												  GetTransactionSnapshot(),
												  false, true, 0));
}

/*
 * Open a cursor on a kept read-only statement that sees the latest committed
 * state, and this transaction's changes, at any isolation level: for a trigger
 * reading rows that other transactions change only under a row lock that the
 * triggering statement has waited for since.  What they committed is then seen
 * even under REPEATABLE READ, whose snapshot can predate it.
 */
Portal
mm_open_latest(MMStatement *stmt, Datum *values)
{
	Portal		portal;

	CommandCounterIncrement();
	PushActiveSnapshot(GetLatestSnapshot());
	portal = SPI_cursor_open(NULL, kept_plan(stmt), values, NULL, true);
	PopActiveSnapshot();
	return portal;
}

/* Whether maintmode.<table> has the column: the library serves every schema
 * version from its installation until ALTER EXTENSION UPDATE. */
bool
mm_has_column(const char *table, const char *column)
{
	Oid			relid = get_relname_relid(table, mm_schema_oid());

	return OidIsValid(relid) && get_attnum(relid, column) != InvalidAttrNumber;
}

/* mm_count() for mm_execute_locked(). */
int64
mm_count_locked(MMStatement *stmt, Datum *values)
{
	mm_execute_locked(stmt, values, NULL);
	return result_count();
}

/*
 * The lock order of every path that changes agents, so that none of them
 * deadlocks with another:
 *  1. the agent table: SHARE ROW EXCLUSIVE for the calls that change the
 *     maintenance of many agents (switches, server_maint_mode, the window
 *     calls and sweeps), which conflicts with itself and with every writer;
 *     ROW EXCLUSIVE for writers (heartbeats and new agents by their UPDATE or
 *     INSERT, check writers that change failing counts explicitly);
 *  2. the server_mode row, or a maintenance_window row;
 *  3. agent rows; 4. counter rows: agent, site, client; 5. alert rows.
 * Because a writer holds its table lock before any agent row, a switch that
 * has its table lock waits for no row of a writer, and a writer that comes
 * later waits for the switch without holding a row the switch needs.
 */
static MMStatement lock_agents_stmt = {
	"LOCK TABLE maintmode.agent IN SHARE ROW EXCLUSIVE MODE", 0, {0}
};

/* Step 1 for a switch (SPI connected): first in its transaction, or it may wait
 * for writers that wait for agent rows it already holds. */
void
mm_lock_agents_for_switching(void)
{
	mm_execute(&lock_agents_stmt, NULL, NULL, false);
}

/* Step 1 for a writer that locks agent rows without updating them. */
void
mm_lock_agents_for_writing(void)
{
	LockRelationOid(get_relname_relid("agent", mm_schema_oid()), RowExclusiveLock);
}

/*
 * A trigger function fires on its own table only: attached to another one, it
 * would write counters or alerts from rows that are not the fleet's.
 */
void
mm_check_trigger_table(TriggerData *trigdata, const char *table, const char *name)
{
	Relation	rel = trigdata->tg_relation;

	if (RelationGetNamespace(rel) != mm_schema_oid() ||
		strcmp(RelationGetRelationName(rel), table) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("%s fires only on table maintmode.%s, not on %s",
						name, table, RelationGetRelationName(rel))));
}

/*
 * The trigger data of an AFTER ... FOR EACH STATEMENT trigger on the table and
 * event it was written for, with the transition tables it reads; an error
 * otherwise.
 */
TriggerData *
mm_statement_trigger_data(FunctionCallInfo fcinfo, const char *table, const char *name,
						  TriggerEvent event, bool needs_old)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo) ||
		!TRIGGER_FIRED_AFTER(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_STATEMENT(trigdata->tg_event) ||
		(trigdata->tg_event & TRIGGER_EVENT_OPMASK) != event ||
		trigdata->tg_newtable == NULL ||
		(needs_old && trigdata->tg_oldtable == NULL))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("%s must fire AFTER %s FOR EACH STATEMENT with %s",
						name, event == TRIGGER_EVENT_INSERT ? "INSERT" : "UPDATE",
						needs_old ? "an OLD TABLE and a NEW TABLE" : "a NEW TABLE")));
	mm_check_trigger_table(trigdata, table, name);
	return trigdata;
}

/*
 * The role that asked for the change: the session's current role (after any
 * SET ROLE), not the owner these SECURITY DEFINER functions run as.
 */
char *
mm_caller_name(void)
{
	return GetUserNameFromId(GetOuterUserId(), false);
}

/* At most this many bytes of a refused value are echoed in an error. */
#define SHOWN_VALUE_BYTES 64

/*
 * A refused value for an error message, in double quotes: whole characters up
 * to SHOWN_VALUE_BYTES bytes, and "..." after the quotes when it was cut, so a
 * megabyte of input does not become a megabyte of log.
 */
char *
mm_quoted(const char *value)
{
	int			len = strlen(value);

	if (len <= SHOWN_VALUE_BYTES)
		return psprintf("\"%s\"", value);
	return psprintf("\"%.*s\"...", pg_mbcliplen(value, len, SHOWN_VALUE_BYTES), value);
}

/*
 * Instants a window or an expiry may name: finite, and within the years 1 to
 * 9999, which the date types of applications hold (Python's among them) and
 * from which a window's occurrences can be computed without overflow.
 */
void
mm_check_instant(TimestampTz value, const char *argument)
{
	TimestampTz first = (TimestampTz) (date2j(1, 1, 1) - POSTGRES_EPOCH_JDATE) * USECS_PER_DAY;
	TimestampTz after_last = (TimestampTz) (date2j(10000, 1, 1) - POSTGRES_EPOCH_JDATE) * USECS_PER_DAY;

	if (value < first || value >= after_last)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a finite time in the years 1 to 9999, not %s",
						argument, timestamptz_to_str(value))));
}

/*
 * Whether a text is blank: nothing but white space (Unicode's White_Space, so
 * also NO-BREAK SPACE and IDEOGRAPHIC SPACE) and invisible zero-width
 * characters.  In other server encodings, ASCII white space only.
 */
bool
mm_is_blank(const char *value)
{
	const unsigned char *p = (const unsigned char *) value;

	while (*p != '\0')
	{
		pg_wchar	c;
		int			len = GetDatabaseEncoding() == PG_UTF8 ? pg_utf_mblen(p) : 1;

		c = len == 1 ? *p : utf8_to_unicode(p);
		if (!((c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 ||
			  c == 0x1680 || c == 0x180E || (c >= 0x2000 && c <= 0x200D) ||
			  c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
			  c == 0x2060 || c == 0x3000 || c == 0xFEFF))
			return false;
		p += len;
	}
	return true;
}

static MMStatement log_event_stmt = {
	"INSERT INTO maintmode.event_log (role_name, action, scope, target_id,"
	" agents_changed, states_saved, states_restored)"
	" VALUES ($1, $2, $3, $4, $5, $6, $7)",
	7, {TEXTOID, TEXTOID, TEXTOID, INT8OID, INT8OID, INT8OID, INT8OID}
};

void
mm_log_event(const char *action, const char *scope, int64 target_id,
			 bool has_target, int64 agents_changed,
			 int64 states_saved, int64 states_restored)
{
	Datum		values[7];
	char		nulls[7] = "       ";

	values[0] = CStringGetTextDatum(mm_caller_name());
	values[1] = CStringGetTextDatum(action);
	values[2] = CStringGetTextDatum(scope);
	values[3] = Int64GetDatum(target_id);
	if (!has_target)
		nulls[3] = 'n';
	values[4] = Int64GetDatum(agents_changed);
	values[5] = Int64GetDatum(states_saved);
	values[6] = Int64GetDatum(states_restored);
	mm_execute(&log_event_stmt, values, nulls, false);
}

/*
 * online / offline / overdue at now(), the transaction's start: every row of
 * one query is judged against the same instant.
 */
static const char *
status_at(TimestampTz last_seen, int32 offline_minutes, int32 overdue_minutes,
		  TimestampTz now)
{
	if (last_seen < now - (int64) overdue_minutes * USECS_PER_MINUTE)
		return "overdue";
	if (last_seen < now - (int64) offline_minutes * USECS_PER_MINUTE)
		return "offline";
	return "online";
}

PG_FUNCTION_INFO_V1(maintmode_agent_status);
Datum
maintmode_agent_status(PG_FUNCTION_ARGS)
{
	/* What the agent table's checks refuse has no status either. */
	for (int i = 1; i <= 2; i++)
		if (!PG_ARGISNULL(i) && PG_GETARG_INT32(i) <= 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s must be a positive number of minutes, not %d",
							i == 1 ? "offline_time" : "overdue_time",
							PG_GETARG_INT32(i))));
	if (PG_ARGISNULL(0))
		PG_RETURN_TEXT_P(cstring_to_text("offline"));
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(status_at(PG_GETARG_TIMESTAMPTZ(0),
											   PG_GETARG_INT32(1),
											   PG_GETARG_INT32(2),
											   GetCurrentTransactionStartTimestamp())));
}

static MMStatement agent_times_stmt = {
	"SELECT last_seen, offline_time, overdue_time FROM maintmode.agent WHERE id = $1",
	1, {INT8OID}
};

PG_FUNCTION_INFO_V1(maintmode_agent_status_by_id);
Datum
maintmode_agent_status_by_id(PG_FUNCTION_ARGS)
{
	int64		agent;
	Datum		arg;
	HeapTuple	tuple;
	TupleDesc	desc;
	Datum		last_seen;
	bool		isnull;
	const char *status = "offline";

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("agent must not be null")));
	agent = PG_GETARG_INT64(0);
	arg = Int64GetDatum(agent);

	SPI_connect();
	if (mm_execute(&agent_times_stmt, &arg, NULL, true) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("agent " INT64_FORMAT " does not exist", agent)));
	tuple = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	last_seen = SPI_getbinval(tuple, desc, 1, &isnull);
	if (!isnull)
		status = status_at(DatumGetTimestampTz(last_seen),
						   DatumGetInt32(SPI_getbinval(tuple, desc, 2, &isnull)),
						   DatumGetInt32(SPI_getbinval(tuple, desc, 3, &isnull)),
						   GetCurrentTransactionStartTimestamp());
	SPI_finish();

	PG_RETURN_TEXT_P(cstring_to_text(status));
}
