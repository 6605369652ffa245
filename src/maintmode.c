/*
 * maintmode.c
 *     Module entry with the settings, the kept-statement helpers every other
 *     file uses, the event log, and the agent status function.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/timestamp.h"

#include "maintmode.h"

PG_MODULE_MAGIC;

bool		mm_alert_on_leave = true;

#if PG_VERSION_NUM < 160000
void		_PG_init(void);
#endif

/*
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
	MarkGUCPrefixReserved("maintmode");
}

/*
 * Run a kept statement (SPI must be connected).  Returns SPI_processed; a
 * failing statement raises its own error, anything else unexpected is a bug.
 */
int
mm_execute(MMStatement *stmt, Datum *values, const char *nulls, bool read_only)
{
	int			rc;

	if (stmt->plan == NULL)
	{
		SPIPlanPtr	plan = SPI_prepare(stmt->sql, stmt->nargs, stmt->argtypes);

		if (plan == NULL)
			elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
		if (SPI_keepplan(plan) != 0)
			elog(ERROR, "SPI_keepplan failed");
		stmt->plan = plan;
	}

	rc = SPI_execute_plan(stmt->plan, values, nulls, read_only, 0);
	if (rc < 0)
		elog(ERROR, "SPI_execute_plan failed: %s", SPI_result_code_string(rc));
	return (int) SPI_processed;
}

/* Run a kept statement that returns one bigint (a count), and return it. */
int64
mm_count(MMStatement *stmt, Datum *values)
{
	bool		isnull;
	Datum		d;

	if (mm_execute(stmt, values, NULL, false) != 1)
		elog(ERROR, "counting statement returned %d rows", (int) SPI_processed);
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	return isnull ? 0 : DatumGetInt64(d);
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
