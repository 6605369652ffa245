/*
 * status.c
 *     Agent status as the RMM computes it (online, offline, overdue): from the
 *     agent's columns, or by its id.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "maintmode.h"

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

/* agent_status(last_seen, offline_time, overdue_time): the status of such an agent. */
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

/* agent_status(agent): the status of the agent with that id. */
PG_FUNCTION_INFO_V1(maintmode_agent_status_by_id);
Datum
maintmode_agent_status_by_id(PG_FUNCTION_ARGS)
{
	HeapTuple	row;
	TupleDesc	desc;
	Datum		last_seen;
	bool		isnull;
	const char *status = "offline";

	SPI_connect();
	row = mm_agent_row(fcinfo, 0, &agent_times_stmt);
	desc = SPI_tuptable->tupdesc;
	last_seen = SPI_getbinval(row, desc, 1, &isnull);
	if (!isnull)
		status = status_at(DatumGetTimestampTz(last_seen),
						   DatumGetInt32(SPI_getbinval(row, desc, 2, &isnull)),
						   DatumGetInt32(SPI_getbinval(row, desc, 3, &isnull)),
						   GetCurrentTransactionStartTimestamp());
	SPI_finish();

	PG_RETURN_TEXT_P(cstring_to_text(status));
}
