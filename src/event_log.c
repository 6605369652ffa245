/*
 * event_log.c
 *     Who changed maintenance: the caller's role, and the event log row every
 *     switch, server call, window call and sweep writes.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"

#include "maintmode.h"

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

/* One row of maintmode.event_log (SPI connected); target_id only if has_target. */
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
