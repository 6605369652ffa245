/*
 * clock.c
 *     The clock of windows, of hand-set maintenance expiry ("until") and of
 *     reminders: now(), or maintmode.test_now when a superuser fixed it for
 *     tests.  Agent status and the other alerts use now() only.
 */
#include "postgres.h"

#include "access/xact.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "maintmode.h"

/* The clock of windows and expiries: maintmode.test_now if set, else now(). */
TimestampTz
mm_clock_now(void)
{
	if (mm_test_now != NULL && mm_test_now[0] != '\0')
		return DatumGetTimestampTz(DirectFunctionCall3(timestamptz_in,
													   CStringGetDatum(mm_test_now),
													   ObjectIdGetDatum(InvalidOid),
													   Int32GetDatum(-1)));
	return GetCurrentTransactionStartTimestamp();
}

/* window_clock(): the clock, for the SQL that windows and expiries run. */
PG_FUNCTION_INFO_V1(maintmode_window_clock);
Datum
maintmode_window_clock(PG_FUNCTION_ARGS)
{
	PG_RETURN_TIMESTAMPTZ(mm_clock_now());
}
