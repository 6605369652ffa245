/*
 * occurrences.c
 *     A window's occurrences for SQL: window_occurrence(w, at), the one in
 *     force at an instant (which the sweep, the history and the views call),
 *     window_next_occurrence(w, at), the one in force or next
 *     (upcoming_windows), and window_occurrences(window, from, to), those
 *     overlapping a range.  One-off windows have one occurrence; recurring ones
 *     are computed by recurrence.c.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "maintmode.h"

/* A window's columns that say when it is in force. */
typedef struct WindowTimes
{
	int64		id;
	TimestampTz starts_at;
	bool		has_cut;		/* least(ends_at, ended_at) is not null */
	TimestampTz cut;
	char	   *repeat;			/* NULL: one-off */
	char	   *time_zone;
	Interval   *duration;
} WindowTimes;

/* Where the reading of a window's occurrences is. */
typedef struct OccurrenceReader
{
	MMRecurrence *recurrence;	/* NULL: a one-off window */
	bool		pending;		/* a one-off window's occurrence is still to read */
	TimestampTz starts;
	TimestampTz ends;
} OccurrenceReader;

static Datum
column(HeapTupleHeader row, const char *name, bool *isnull)
{
	return GetAttributeByName(row, name, isnull);
}

/* The times of a maintenance_window row. */
static WindowTimes
window_times(HeapTupleHeader row)
{
	WindowTimes w;
	bool		isnull;
	Datum		value;
	const char *cuts[] = {"ends_at", "ended_at"};

	w.id = DatumGetInt64(column(row, "id", &isnull));
	w.starts_at = DatumGetTimestampTz(column(row, "starts_at", &isnull));
	w.has_cut = false;
	w.cut = 0;
	for (int i = 0; i < 2; i++)
	{
		value = column(row, cuts[i], &isnull);
		if (!isnull && (!w.has_cut || DatumGetTimestampTz(value) < w.cut))
		{
			w.cut = DatumGetTimestampTz(value);
			w.has_cut = true;
		}
	}
	value = column(row, "repeat", &isnull);
	w.repeat = isnull ? NULL : TextDatumGetCString(value);
	value = column(row, "time_zone", &isnull);
	w.time_zone = isnull ? NULL : TextDatumGetCString(value);
	value = column(row, "duration", &isnull);
	w.duration = isnull ? NULL : DatumGetIntervalP(value);
	return w;
}

static void
window_context(void *arg)
{
	errcontext("maintenance window " INT64_FORMAT, *(int64 *) arg);
}

/*
 * Start reading the occurrences of window w that end after from and start no
 * later than to (and maybe some around them).  A stored repeat or time zone
 * the engine cannot read (written by hand) is an error that names the window.
 */
static void
begin_reading(OccurrenceReader *reader, WindowTimes *w, TimestampTz from, TimestampTz to)
{
	ErrorContextCallback callback;

	memset(reader, 0, sizeof(OccurrenceReader));
	if (w->repeat == NULL)
	{
		reader->starts = w->starts_at;
		reader->ends = w->has_cut ? w->cut : DT_NOEND;
		reader->pending = reader->ends > reader->starts;
		return;
	}
	callback.callback = window_context;
	callback.arg = &w->id;
	callback.previous = error_context_stack;
	error_context_stack = &callback;
	if (w->time_zone == NULL || w->duration == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("recurring window has no time zone or duration")));
	reader->recurrence = mm_recurrence_begin(w->repeat, mm_window_time_zone(w->time_zone),
											 w->starts_at, w->duration, w->has_cut, w->cut);
	mm_recurrence_seek(reader->recurrence, from, to);
	error_context_stack = callback.previous;
}

static bool
read_next(OccurrenceReader *reader, TimestampTz *starts, TimestampTz *ends)
{
	if (reader->recurrence != NULL)
		return mm_recurrence_next(reader->recurrence, starts, ends);
	if (!reader->pending)
		return false;
	reader->pending = false;
	*starts = reader->starts;
	*ends = reader->ends;
	return true;
}

/*
 * The occurrence of w in force at "at" (starts <= at < ends; of overlapping
 * ones, the one ending last) into *starts and *ends; with next, when none is,
 * the first to start after "at".  false: no such occurrence.
 */
static bool
occurrence_at(WindowTimes *w, TimestampTz at, bool next, TimestampTz *starts,
			  TimestampTz *ends)
{
	OccurrenceReader reader;
	TimestampTz s,
				e;
	bool		found = false;

	begin_reading(&reader, w, at, next ? DT_NOEND : at);
	while (read_next(&reader, &s, &e))
	{
		if (s > at)
		{
			if (next && !found)
			{
				*starts = s;
				*ends = e;
				found = true;
			}
			break;
		}
		if (e > at && (!found || e > *ends))
		{
			*starts = s;
			*ends = e;
			found = true;
		}
	}
	return found;
}

/* Return the occurrence, if found, as the one row of a set of (starts, ends). */
static Datum
return_occurrence(FunctionCallInfo fcinfo, bool found, TimestampTz starts, TimestampTz ends)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	if (found)
	{
		Datum		values[2] = {TimestampTzGetDatum(starts), TimestampTzGetDatum(ends)};
		bool		nulls[2] = {false, false};

		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * window_occurrence(w, at): the occurrence of window w (a maintenance_window
 * row) in force at the instant at; no row when none is, or either is NULL.
 */
PG_FUNCTION_INFO_V1(maintmode_window_occurrence);
Datum
maintmode_window_occurrence(PG_FUNCTION_ARGS)
{
	WindowTimes w;
	TimestampTz starts = 0;
	TimestampTz ends = 0;
	bool		found = false;

	if (!PG_ARGISNULL(0) && !PG_ARGISNULL(1))
	{
		w = window_times(PG_GETARG_HEAPTUPLEHEADER(0));
		found = occurrence_at(&w, PG_GETARG_TIMESTAMPTZ(1), false, &starts, &ends);
	}
	return return_occurrence(fcinfo, found, starts, ends);
}

/*
 * window_next_occurrence(w, at): the occurrence of w in force at "at", or
 * else the first to start after it; no row when there is none.
 */
PG_FUNCTION_INFO_V1(maintmode_window_next_occurrence);
Datum
maintmode_window_next_occurrence(PG_FUNCTION_ARGS)
{
	WindowTimes w;
	TimestampTz starts = 0;
	TimestampTz ends = 0;
	bool		found = false;

	if (!PG_ARGISNULL(0) && !PG_ARGISNULL(1))
	{
		w = window_times(PG_GETARG_HEAPTUPLEHEADER(0));
		found = occurrence_at(&w, PG_GETARG_TIMESTAMPTZ(1), true, &starts, &ends);
	}
	return return_occurrence(fcinfo, found, starts, ends);
}

static MMStatement window_row_stmt = {
	"SELECT w FROM maintmode.maintenance_window w WHERE w.id = $1", 1, {INT8OID}
};

/*
 * window_occurrences(window, from, to): the occurrences of the window with
 * that id that overlap [from, to), in order of start.  Runs as the caller,
 * who needs SELECT on maintenance_window.
 */
PG_FUNCTION_INFO_V1(maintmode_window_occurrences);
Datum
maintmode_window_occurrences(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	const char *const names[3] = {"window", "from", "to"};
	Datum		id;
	TimestampTz from;
	TimestampTz to;
	WindowTimes w;
	OccurrenceReader reader;
	TimestampTz starts,
				ends;
	bool		isnull;

	for (int i = 0; i < 3; i++)
		if (PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not be null", names[i])));
	id = PG_GETARG_DATUM(0);
	from = PG_GETARG_TIMESTAMPTZ(1);
	to = PG_GETARG_TIMESTAMPTZ(2);
	mm_check_instant(from, "from");
	mm_check_instant(to, "to");
	if (to <= from)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("to (%s) must be later than from (%s)",
						pstrdup(timestamptz_to_str(to)), pstrdup(timestamptz_to_str(from)))));

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	SPI_connect();
	if (mm_execute(&window_row_stmt, &id, NULL, true) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("window " INT64_FORMAT " does not exist", DatumGetInt64(id))));
	w = window_times(DatumGetHeapTupleHeader(SPI_getbinval(SPI_tuptable->vals[0],
														   SPI_tuptable->tupdesc, 1,
														   &isnull)));
	begin_reading(&reader, &w, from, to);
	while (read_next(&reader, &starts, &ends) && starts < to)
	{
		Datum		values[2] = {TimestampTzGetDatum(starts), TimestampTzGetDatum(ends)};
		bool		nulls[2] = {false, false};

		if (ends > from)
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	SPI_finish();
	return (Datum) 0;
}
