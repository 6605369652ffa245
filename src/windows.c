/*
 * windows.c
 *     Maintenance windows: create_window, end_window, extend_window, the
 *     trigger that puts new agents in the windows in force, and the sweep
 *     (sweep_windows, run by the window worker or called) that starts and ends
 *     windows and expires hand-set maintenance.  A window changes only the
 *     agents' window flag; switches.c derives maintenance_mode from it.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "pgtime.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "maintmode.h"

/*
 * Windows in force at $1, and the agents they cover.  A window without an
 * agent, site or client is the whole server's.
 */
#define ACTIVE_WINDOWS \
	"WITH active AS (" \
	"  SELECT w.agent_id, w.site_id, w.client_id FROM maintmode.maintenance_window w" \
	"   WHERE w.starts_at <= $1 AND (w.ends_at > $1 OR w.ends_at IS NULL)" \
	"     AND (w.ended_at > $1 OR w.ended_at IS NULL)" \
	"     AND EXISTS (SELECT FROM maintmode.window_occurrence(w, $1)))"
#define COVERED_AGENTS \
	ACTIVE_WINDOWS "," \
	" covered AS (" \
	"  SELECT a.id FROM active w JOIN maintmode.agent a ON a.id = w.agent_id" \
	"  UNION SELECT a.id FROM active w JOIN maintmode.agent a ON a.site_id = w.site_id" \
	"  UNION SELECT a.id FROM active w JOIN maintmode.site s ON s.client_id = w.client_id" \
	"                                   JOIN maintmode.agent a ON a.site_id = s.id" \
	"  UNION SELECT a.id FROM maintmode.agent a" \
	"         WHERE EXISTS (SELECT FROM active w" \
	"                        WHERE pg_catalog.num_nonnulls(w.agent_id, w.site_id, w.client_id) = 0))"

static MMStatement enter_windows_stmt = {
	COVERED_AGENTS
	" UPDATE maintmode.agent a SET window_maintenance = true"
	"   FROM covered c WHERE a.id = c.id AND NOT a.window_maintenance",
	1, {TIMESTAMPTZOID}
};

static MMStatement leave_windows_stmt = {
	COVERED_AGENTS
	" UPDATE maintmode.agent a SET window_maintenance = false"
	"  WHERE a.window_maintenance AND NOT EXISTS (SELECT FROM covered c WHERE c.id = a.id)",
	1, {TIMESTAMPTZOID}
};

/*
 * Hand-set maintenance whose time is up ends, unless the server is in
 * maintenance: that has no end time, and disable restores the hand flags it
 * saved; an expiry passed meanwhile takes effect at the first sweep after.
 */
static MMStatement expire_hand_stmt = {
	"UPDATE maintmode.agent SET hand_maintenance = false"
	" WHERE hand_until <= $1 AND hand_maintenance"
	"   AND NOT EXISTS (SELECT FROM maintmode.server_mode WHERE in_maintenance)",
	1, {TIMESTAMPTZOID}
};

/*
 * Whether a sweep at $1 would change anything.  Most sweeps change nothing, and
 * only those that do take the switches' lock, which keeps heartbeats waiting.
 * The covered agents come with their window flag (each row read once, an agent
 * covered twice listed twice): a sweep is due when an expiry has passed, when
 * a covered agent has no flag, or else when more agents have the flag than are
 * covered.  That takes no second lookup of each covered agent, and no join of
 * the flagged ones with the covered.
 */
static MMStatement sweep_due_stmt = {
	ACTIVE_WINDOWS ","
	" covered AS MATERIALIZED ("
	"  SELECT a.id, a.window_maintenance FROM active w JOIN maintmode.agent a ON a.id = w.agent_id"
	"  UNION ALL SELECT a.id, a.window_maintenance"
	"    FROM active w JOIN maintmode.agent a ON a.site_id = w.site_id"
	"  UNION ALL SELECT a.id, a.window_maintenance"
	"    FROM active w JOIN maintmode.site s ON s.client_id = w.client_id"
	"                  JOIN maintmode.agent a ON a.site_id = s.id"
	"  UNION ALL SELECT a.id, a.window_maintenance FROM maintmode.agent a"
	"   WHERE EXISTS (SELECT FROM active w"
	"                  WHERE pg_catalog.num_nonnulls(w.agent_id, w.site_id, w.client_id) = 0))"
	" SELECT EXISTS (SELECT FROM maintmode.agent"
	"                 WHERE hand_until <= $1 AND hand_maintenance"
	"                   AND NOT EXISTS (SELECT FROM maintmode.server_mode WHERE in_maintenance))"
	"     OR EXISTS (SELECT FROM covered WHERE NOT window_maintenance)"
	"     OR (SELECT pg_catalog.count(*) FROM maintmode.agent WHERE window_maintenance)"
	"        <> (SELECT pg_catalog.count(DISTINCT id) FROM covered)",
	1, {TIMESTAMPTZOID}
};

typedef struct SweepCounts
{
	int64		hand_expired;
	int64		window_entered;
	int64		window_left;
} SweepCounts;

/*
 * Bring every agent's window and hand flags to the window clock (SPI
 * connected).  The switches' lock also keeps two sweeps from doing the same
 * work twice.
 */
static SweepCounts
sweep(void)
{
	Datum		now = TimestampTzGetDatum(mm_clock_now());
	SweepCounts counts;

	mm_lock_agents_for_switching();
	mm_begin_change_path("expiry");
	counts.hand_expired = mm_execute(&expire_hand_stmt, &now, NULL, false);
	mm_end_change_path();
	mm_begin_change_path("window");
	counts.window_left = mm_execute(&leave_windows_stmt, &now, NULL, false);
	counts.window_entered = mm_execute(&enter_windows_stmt, &now, NULL, false);
	mm_end_change_path();
	return counts;
}

/* Server-wide windows in force at $1 end at $1. */
static MMStatement end_server_windows_stmt = {
	"UPDATE maintmode.maintenance_window w SET ended_at = $1"
	" WHERE w.agent_id IS NULL AND w.site_id IS NULL AND w.client_id IS NULL"
	"   AND EXISTS (SELECT FROM maintmode.window_occurrence(w, $1))"
	" RETURNING w.id",
	1, {TIMESTAMPTZOID}
};

static MMStatement window_held_stmt = {
	"SELECT count(*) FROM maintmode.agent WHERE window_maintenance", 0, {0}
};

/*
 * For server_maint_mode('force-disable'), after every hand flag is off (SPI
 * connected, agents locked): ends the server-wide windows in force, which
 * would otherwise keep every agent in maintenance, and returns how many agents
 * that took out.  Windows of an agent, site or client are their owners' and
 * keep their agents; a NOTICE says how many.
 */
int64
mm_end_server_windows(void)
{
	Datum		now = TimestampTzGetDatum(mm_clock_now());
	int			ended = mm_execute(&end_server_windows_stmt, &now, NULL, false);
	int64		left = 0;
	int64		held;

	if (ended > 0)
	{
		StringInfoData ids;

		initStringInfo(&ids);
		for (int i = 0; i < ended; i++)
			appendStringInfo(&ids, "%s%s", i > 0 ? ", " : "",
							 SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1));
		ereport(NOTICE,
				(errmsg("ended %d server-wide maintenance window(s) in force: %s", ended, ids.data)));
	}
	/* Also when none was ended: a window may have ended since the last sweep. */
	left = sweep().window_left;
	held = mm_count(&window_held_stmt, NULL);
	if (held > 0)
		ereport(NOTICE,
				(errmsg(INT64_FORMAT " agent(s) stay in maintenance: windows of their agent, site or client hold them", held),
				 errhint("maintmode.agents_in_maintenance shows which; end_window() ends a window.")));
	return left;
}

/* New agents covered by a window in force join it at once, not at the next sweep. */
static MMStatement join_windows_stmt = {
	COVERED_AGENTS
	" UPDATE maintmode.agent a SET window_maintenance = true"
	"   FROM covered c JOIN new_agents n ON n.id = c.id"
	"  WHERE a.id = c.id AND NOT a.window_maintenance",
	1, {TIMESTAMPTZOID}
};

/*
 * AFTER INSERT ON agent FOR EACH STATEMENT, new rows as new_agents.  The
 * windows as they are now: the INSERT's lock on the agent table waited for the
 * window calls, which a REPEATABLE READ snapshot may predate.
 */
PG_FUNCTION_INFO_V1(maintmode_agent_joins_windows_trigger);
Datum
maintmode_agent_joins_windows_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = mm_statement_trigger_data(fcinfo, "agent", "agent_joins_windows_trigger",
												   TRIGGER_EVENT_INSERT, false);
	Datum		now = TimestampTzGetDatum(mm_clock_now());

	SPI_connect();
	SPI_register_trigger_data(trigdata);
	mm_begin_change_path("window");
	mm_execute_latest(&join_windows_stmt, &now, NULL);
	mm_end_change_path();
	SPI_finish();

	return PointerGetDatum(NULL);
}

/*
 * sweep_windows(): brings every agent's window flag and hand-set expiry to the
 * clock; returns hand_expired, window_entered, window_left.  A sweep that would
 * change nothing takes no lock.
 */
PG_FUNCTION_INFO_V1(maintmode_sweep_windows);
Datum
maintmode_sweep_windows(PG_FUNCTION_ARGS)
{
	TupleDesc	result_desc;
	Datum		result[3];
	bool		result_nulls[3] = {false};
	SweepCounts counts = {0};
	Datum		now;
	bool		isnull;

	if (get_call_result_type(fcinfo, NULL, &result_desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	SPI_connect();
	now = TimestampTzGetDatum(mm_clock_now());
	mm_execute(&sweep_due_stmt, &now, NULL, false);
	if (DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)))
		counts = sweep();
	if (counts.hand_expired + counts.window_entered + counts.window_left > 0)
		mm_log_event("sweep windows", "server", 0, false,
					 counts.hand_expired + counts.window_entered + counts.window_left, 0, 0);
	SPI_finish();

	result[0] = Int64GetDatum(counts.hand_expired);
	result[1] = Int64GetDatum(counts.window_entered);
	result[2] = Int64GetDatum(counts.window_left);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(result_desc),
													  result, result_nulls)));
}

#define SCOPES_HINT "Valid scopes are agent, site, client and server."
#define OLD_REPEATS_HINT "Valid repeats are daily and weekly, or NULL for a one-off window; " \
	"ALTER EXTENSION maintmode UPDATE for monthly and RFC 5545 rules."

static const MMChoice window_scope = {
	mm_scope_names, MM_SCOPE_COUNT, "scope", "unknown window scope", SCOPES_HINT,
	ERRCODE_NULL_VALUE_NOT_ALLOWED, false
};

static bool
interval_greater(Interval *a, Interval *b)
{
	return DatumGetBool(DirectFunctionCall2(interval_gt, IntervalPGetDatum(a),
											IntervalPGetDatum(b)));
}

static char *
interval_text(Interval *value)
{
	return DatumGetCString(DirectFunctionCall1(interval_out, IntervalPGetDatum(value)));
}

/*
 * A one-off window, or an occurrence, of this length (ends minus starts, or
 * the duration) must not be longer than maintmode.max_window_length, compared
 * as intervals are (a day as 24 hours, a month as 30 days).
 */
static void
check_window_length(Interval *length, const char *what)
{
	if (interval_greater(length, &mm_max_window_length))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s %s is longer than maintmode.max_window_length (%s)",
						what, interval_text(length), interval_text(&mm_max_window_length)),
				 errhint("Split the work into shorter windows, or have a superuser raise maintmode.max_window_length.")));
}

/*
 * The recurrence of a new window, by the engine that will apply it: it must
 * have an occurrence (before ends, when given), and one that is not over.
 */
static void
check_occurrences(const char *repeat, pg_tz *tz, TimestampTz starts, Interval *duration,
				  bool has_ends, TimestampTz ends)
{
	MMRecurrence *r = mm_recurrence_begin(repeat, tz, starts, duration, has_ends, ends);
	TimestampTz now = mm_clock_now();
	TimestampTz s,
				e;

	mm_recurrence_seek(r, starts, DT_NOEND);
	if (!mm_recurrence_next(r, &s, &e))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 has_ends ?
				 errmsg("repeat %s has no occurrence from %s to %s", mm_quoted(repeat),
						pstrdup(timestamptz_to_str(starts)), pstrdup(timestamptz_to_str(ends))) :
				 errmsg("repeat %s has no occurrence from %s", mm_quoted(repeat),
						timestamptz_to_str(starts)),
				 errhint("Occurrences are the days the rule gives on or after starts, at its local time of day.")));
	r = mm_recurrence_begin(repeat, tz, starts, duration, has_ends, ends);
	mm_recurrence_seek(r, now, DT_NOEND);
	while (mm_recurrence_next(r, &s, &e))
		if (e > now)
			return;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("every occurrence of repeat %s from %s is over", mm_quoted(repeat),
					timestamptz_to_str(starts)),
			 errhint("A window must end later than now (%s).", timestamptz_to_str(now))));
}

static MMStatement insert_window_stmt = {
	"INSERT INTO maintmode.maintenance_window"
	" (agent_id, site_id, client_id, starts_at, ends_at, repeat, time_zone, duration,"
	"  reason, created_by)"
	" VALUES (CASE WHEN $1 = 'agent' THEN $2 END, CASE WHEN $1 = 'site' THEN $2 END,"
	"         CASE WHEN $1 = 'client' THEN $2 END, $3,"
	"         CASE WHEN $4 IS NOT NULL OR $7 IS NOT NULL THEN $4 ELSE $3 + $5 END,"
	"         $7, $8, CASE WHEN $7 IS NOT NULL THEN $5 END, $6, $9)"
	" RETURNING id",
	9, {TEXTOID, INT8OID, TIMESTAMPTZOID, TIMESTAMPTZOID, INTERVALOID, TEXTOID, TEXTOID,
	TEXTOID, TEXTOID}
};

/*
 * create_window(scope, target, starts, ends, duration, reason, repeat,
 * time_zone): validates everything before writing anything, inserts the
 * window, and sweeps so that a window already in force covers its agents
 * when the call returns.
 */
PG_FUNCTION_INFO_V1(maintmode_create_window);
Datum
maintmode_create_window(PG_FUNCTION_ARGS)
{
	MMScope		scope = mm_choose(fcinfo, 0, &window_scope);
	bool		is_server = scope == MM_SCOPE_SERVER;
	Datum		args[9];
	char		nulls[9] = "         ";
	TimestampTz starts;
	char	   *reason;
	char	   *repeat = NULL;
	Interval   *period = NULL;
	pg_tz	   *tz = NULL;
	int64		window;
	bool		isnull;
	SweepCounts counts;

	if (is_server != PG_ARGISNULL(1))
		ereport(ERROR,
				(is_server ?
				 errcode(ERRCODE_INVALID_PARAMETER_VALUE) :
				 errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 is_server ?
				 errmsg("a server window takes no target, not " INT64_FORMAT,
						PG_GETARG_INT64(1)) :
				 errmsg("target must not be null for a window on a %s", mm_scope_names[scope]),
				 errhint("Pass the id of the agent, site or client, or NULL with scope server.")));
	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("starts must not be null")));
	starts = PG_GETARG_TIMESTAMPTZ(2);
	mm_check_instant(starts, "starts");
	if (!PG_ARGISNULL(3))
		mm_check_instant(PG_GETARG_TIMESTAMPTZ(3), "ends");

	if (PG_ARGISNULL(5))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("reason must not be null"),
				 errhint("Say why the agents are in maintenance: it is shown in agents_in_maintenance.")));
	reason = text_to_cstring(PG_GETARG_TEXT_PP(5));
	if (mm_is_blank(reason))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("reason must not be empty"),
				 errhint("Say why the agents are in maintenance: it is shown in agents_in_maintenance.")));

	if (!PG_ARGISNULL(6))
	{
		repeat = text_to_cstring(PG_GETARG_TEXT_PP(6));
		period = palloc0(sizeof(Interval));
		if (mm_schema_version() >= MM_SCHEMA_1_3)
			repeat = mm_repeat_normalize(repeat, period);
		else if (strcmp(repeat, "daily") == 0 || strcmp(repeat, "weekly") == 0)
			period->day = repeat[0] == 'd' ? 1 : 7;
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown window repeat %s", mm_quoted(repeat)),
					 errhint(OLD_REPEATS_HINT)));
	}

	if (period == NULL)
	{
		if (!PG_ARGISNULL(7))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("time_zone applies to recurring windows only"),
					 errhint("A one-off window runs from starts to ends; give repeat for a recurring one.")));
		if (PG_ARGISNULL(3) == PG_ARGISNULL(4))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 PG_ARGISNULL(3) ?
					 errmsg("a one-off window needs ends or duration") :
					 errmsg("a one-off window takes ends or duration, not both")));
	}
	else
	{
		char	   *zone;

		if (PG_ARGISNULL(4))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("a recurring window needs a duration"),
					 errhint("Each occurrence lasts duration from the time of day of starts; ends, if given, ends the series.")));
		if (PG_ARGISNULL(7))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("a recurring window needs a time_zone"),
					 errhint("Name the time zone whose wall-clock time it follows, for example Europe/Berlin.")));
		zone = text_to_cstring(PG_GETARG_TEXT_PP(7));
		tz = mm_window_time_zone(zone);
		if (interval_greater(PG_GETARG_INTERVAL_P(4), period))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("duration %s is longer than the period of repeat %s (%s)",
							interval_text(PG_GETARG_INTERVAL_P(4)), mm_quoted(repeat),
							interval_text(period))));
	}
	if (!PG_ARGISNULL(4))
	{
		static Interval zero = {0, 0, 0};
		static Interval millennia = {0, 0, 12 * 10000};
		TimestampTz first_end;

		Interval   *duration = PG_GETARG_INTERVAL_P(4);

		if (!interval_greater(duration, &zero))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("duration must be positive, not %s",
							DatumGetCString(DirectFunctionCall1(interval_out,
																PG_GETARG_DATUM(4))))));
		/* Months are the calendar's once added: a negative part would make the
		 * length differ from what the comparisons here took it to be. */
		if (duration->month < 0 || duration->day < 0 || duration->time < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("duration must be positive, not %s",
							DatumGetCString(DirectFunctionCall1(interval_out,
																PG_GETARG_DATUM(4)))),
					 errdetail("Its months, days and time must each be zero or more.")));
		/* Bounded first, so that adding it cannot overflow. */
		if (interval_greater(PG_GETARG_INTERVAL_P(4), &millennia))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("duration %s is out of range",
							DatumGetCString(DirectFunctionCall1(interval_out,
																PG_GETARG_DATUM(4))))));
		first_end = DatumGetTimestampTz(DirectFunctionCall2(timestamptz_pl_interval,
															TimestampTzGetDatum(starts),
															PG_GETARG_DATUM(4)));
		mm_check_instant(first_end, "starts plus duration");
		if (period == NULL && first_end <= mm_clock_now())
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("a one-off window ending at %s is already over",
							timestamptz_to_str(first_end)),
					 errhint("A window must end later than now (%s).",
							 timestamptz_to_str(mm_clock_now()))));
	}
	if (!PG_ARGISNULL(3) && PG_GETARG_TIMESTAMPTZ(3) <= starts)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("window ends (%s) must be later than it starts (%s)",
						pstrdup(timestamptz_to_str(PG_GETARG_TIMESTAMPTZ(3))),
						pstrdup(timestamptz_to_str(starts)))));
	if (!PG_ARGISNULL(3) && PG_GETARG_TIMESTAMPTZ(3) <= mm_clock_now())
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a window ending at %s is already over",
						timestamptz_to_str(PG_GETARG_TIMESTAMPTZ(3))),
				 errhint("A window must end later than now (%s).",
						 timestamptz_to_str(mm_clock_now()))));
	if (period == NULL)
	{
		Interval   *length = PG_ARGISNULL(4) ?
			DatumGetIntervalP(DirectFunctionCall2(timestamp_mi, PG_GETARG_DATUM(3),
												  PG_GETARG_DATUM(2))) :
			PG_GETARG_INTERVAL_P(4);

		check_window_length(length, PG_ARGISNULL(4) ? "a one-off window lasting" : "duration");
	}
	else
	{
		check_window_length(PG_GETARG_INTERVAL_P(4), "duration");
		if (mm_schema_version() >= MM_SCHEMA_1_3)
			check_occurrences(repeat, tz, starts, PG_GETARG_INTERVAL_P(4), !PG_ARGISNULL(3),
							  PG_ARGISNULL(3) ? 0 : PG_GETARG_TIMESTAMPTZ(3));
	}

	args[0] = CStringGetTextDatum(mm_scope_names[scope]);
	for (int i = 1; i <= 7; i++)
	{
		args[i] = i == 5 ? CStringGetTextDatum(reason) :
			i == 6 && repeat != NULL ? CStringGetTextDatum(repeat) : PG_GETARG_DATUM(i);
		if (PG_ARGISNULL(i))
			nulls[i] = 'n';
	}
	args[8] = CStringGetTextDatum(mm_caller_name());

	SPI_connect();
	mm_lock_agents_for_switching();
	if (is_server)
		mm_refuse_if_scoped(fcinfo, "a server-wide window");
	else
	{
		mm_require_target(scope, PG_GETARG_INT64(1));
		mm_require_in_scope(fcinfo, scope, PG_GETARG_INT64(1), 0);
	}
	mm_execute(&insert_window_stmt, args, nulls, false);
	window = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc,
										 1, &isnull));
	counts = sweep();
	mm_log_event("create window", mm_scope_names[scope], is_server ? 0 : PG_GETARG_INT64(1),
				 !is_server, counts.window_entered, 0, 0);
	SPI_finish();

	PG_RETURN_INT64(window);
}

/* The window's row, locked, with its scope and whether it is over at $2. */
static MMStatement lock_window_stmt = {
	"SELECT CASE WHEN agent_id IS NOT NULL THEN 'agent' WHEN site_id IS NOT NULL THEN 'site'"
	"            WHEN client_id IS NOT NULL THEN 'client' ELSE 'server' END,"
	"       coalesce(agent_id, site_id, client_id),"
	"       coalesce(least(ends_at, ended_at) <= $2, false),"
	"       least(ends_at, ended_at), starts_at, repeat IS NULL"
	"  FROM maintmode.maintenance_window WHERE id = $1 FOR UPDATE",
	2, {INT8OID, TIMESTAMPTZOID}
};

typedef struct WindowRow
{
	char	   *scope;
	int64		target;
	bool		has_target;
	bool		over;
	TimestampTz ends;
	bool		has_end;
	TimestampTz starts;
	bool		one_off;
} WindowRow;

/*
 * Lock the window named by argument 0 and read it; unknown, outside the
 * caller's scopes, or over: an error.
 */
static WindowRow
lock_open_window(FunctionCallInfo fcinfo, Datum now)
{
	WindowRow	row;
	Datum		args[2];
	bool		isnull;
	HeapTuple	tuple;
	TupleDesc	desc;
	int64		window;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("window must not be null")));
	window = PG_GETARG_INT64(0);
	args[0] = Int64GetDatum(window);
	args[1] = now;
	if (mm_execute(&lock_window_stmt, args, NULL, false) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("window " INT64_FORMAT " does not exist", window)));
	tuple = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	row.scope = SPI_getvalue(tuple, desc, 1);
	row.target = DatumGetInt64(SPI_getbinval(tuple, desc, 2, &isnull));
	row.has_target = !isnull;
	row.over = DatumGetBool(SPI_getbinval(tuple, desc, 3, &isnull));
	row.ends = DatumGetTimestampTz(SPI_getbinval(tuple, desc, 4, &isnull));
	row.has_end = !isnull;
	row.starts = DatumGetTimestampTz(SPI_getbinval(tuple, desc, 5, &isnull));
	row.one_off = DatumGetBool(SPI_getbinval(tuple, desc, 6, &isnull));
	for (int scope = 0; scope < MM_SCOPE_COUNT; scope++)
		if (strcmp(row.scope, mm_scope_names[scope]) == 0)
			mm_require_in_scope(fcinfo, scope, row.target, window);
	if (row.over)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("window " INT64_FORMAT " is already over", window),
				 errdetail("It ended at %s.", timestamptz_to_str(row.ends))));
	return row;
}

static MMStatement end_window_stmt = {
	"UPDATE maintmode.maintenance_window SET ended_at = $2 WHERE id = $1",
	2, {INT8OID, TIMESTAMPTZOID}
};

/*
 * end_window(window): ends it now (a recurring one ends its series; one not
 * yet started is cancelled), and returns how many agents left window
 * maintenance with it.
 */
PG_FUNCTION_INFO_V1(maintmode_end_window);
Datum
maintmode_end_window(PG_FUNCTION_ARGS)
{
	Datum		args[2];
	WindowRow	row;
	SweepCounts counts;

	args[1] = TimestampTzGetDatum(mm_clock_now());
	SPI_connect();
	mm_lock_agents_for_switching();
	row = lock_open_window(fcinfo, args[1]);
	args[0] = PG_GETARG_DATUM(0);
	mm_execute(&end_window_stmt, args, NULL, false);
	counts = sweep();
	mm_log_event("end window", row.scope, row.target, row.has_target,
				 counts.window_left, 0, 0);
	SPI_finish();

	PG_RETURN_INT64(counts.window_left);
}

static MMStatement extend_window_stmt = {
	"UPDATE maintmode.maintenance_window SET ends_at = $2 WHERE id = $1",
	2, {INT8OID, TIMESTAMPTZOID}
};

/* extend_window(window, ends): a later end for a window not over yet. */
PG_FUNCTION_INFO_V1(maintmode_extend_window);
Datum
maintmode_extend_window(PG_FUNCTION_ARGS)
{
	Datum		args[2];
	WindowRow	row;
	TimestampTz ends;

	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("ends must not be null")));
	ends = PG_GETARG_TIMESTAMPTZ(1);
	mm_check_instant(ends, "ends");

	SPI_connect();
	mm_lock_agents_for_switching();
	row = lock_open_window(fcinfo, TimestampTzGetDatum(mm_clock_now()));
	if (!row.has_end || ends <= row.ends)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("window " INT64_FORMAT " cannot be extended to %s",
						PG_GETARG_INT64(0), timestamptz_to_str(ends)),
				 row.has_end ?
				 errdetail("It already ends at %s.", timestamptz_to_str(row.ends)) :
				 errdetail("It has no end."),
				 errhint("To end a window earlier, use end_window.")));
	if (row.one_off)
		check_window_length(DatumGetIntervalP(DirectFunctionCall2(timestamp_mi,
																  TimestampTzGetDatum(ends),
																  TimestampTzGetDatum(row.starts))),
							"a one-off window lasting");
	args[0] = PG_GETARG_DATUM(0);
	args[1] = TimestampTzGetDatum(ends);
	mm_execute(&extend_window_stmt, args, NULL, false);
	mm_log_event("extend window", row.scope, row.target, row.has_target, 0, 0, 0);
	SPI_finish();

	PG_RETURN_TIMESTAMPTZ(ends);
}
