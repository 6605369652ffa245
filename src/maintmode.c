/*
 * maintmode.c
 *     The module: its entry point and the settings it defines (the rest is in
 *     one file per concern, see doc/architecture.md).
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/datetime.h"
#include "utils/guc.h"
#include "utils/timestamp.h"

#include "maintmode.h"

PG_MODULE_MAGIC;

bool		mm_alert_on_leave = true;
char	   *mm_test_now = NULL;
char	   *mm_actor = NULL;
char	   *mm_reason = NULL;
char	   *mm_window_database = NULL;
int			mm_window_sweep_interval = 10;
char	   *mm_remind_after_text = NULL;
Interval	mm_remind_after = {0, 7, 0};
bool		mm_notify_events = true;
Interval	mm_max_window_length = {0, 31, 0};
static char *max_window_length_text = NULL;

#if PG_VERSION_NUM < 160000
void		_PG_init(void);
#endif

/* Longer than this, a period of time set in a setting means nothing useful. */
#define MAX_SETTING_YEARS 100

/*
 * Check hook of the settings that take an interval literal ('7 days', 'P1W'):
 * parsed as interval input is, without raising an error; zero or more in each
 * of its months, days and time, and at most MAX_SETTING_YEARS.  The value goes
 * to the assign hook in *extra.
 */
static bool
check_interval_setting(char **newval, void **extra, GucSource source)
{
	char		workbuf[256];
	char	   *field[MAXDATEFIELDS];
	int			ftype[MAXDATEFIELDS];
	int			nf;
	int			dtype;
	struct pg_itm_in itm;
	Interval	value;
	Interval   *result;
	char	   *copy;
	int			dterr;

	dterr = ParseDateTime(*newval, workbuf, sizeof(workbuf), field, ftype, MAXDATEFIELDS, &nf);
	if (dterr == 0)
		dterr = DecodeInterval(field, ftype, nf, INTERVAL_FULL_RANGE, &dtype, &itm);
	if (dterr == DTERR_BAD_FORMAT)
	{
		copy = pstrdup(*newval);
		dterr = DecodeISO8601Interval(copy, &dtype, &itm);
		pfree(copy);
	}
	if (dterr != 0 || dtype != DTK_DELTA || itmin2interval(&itm, &value) != 0)
	{
		GUC_check_errdetail("\"%s\" is not an interval such as '7 days'.", *newval);
		return false;
	}
	if (value.month < 0 || value.day < 0 || value.time < 0)
	{
		GUC_check_errdetail("Its months, days and time must each be zero or more.");
		return false;
	}
	if ((double) value.month / MONTHS_PER_YEAR +
		(value.day + (double) value.time / USECS_PER_DAY) / DAYS_PER_YEAR > MAX_SETTING_YEARS)
	{
		GUC_check_errdetail("It must be at most %d years.", MAX_SETTING_YEARS);
		return false;
	}
	/* Released by the GUC machinery with free(). */
	result = malloc(sizeof(Interval));
	if (result == NULL)
		return false;
	*result = value;
	*extra = result;
	return true;
}

static void
assign_remind_after(const char *newval, void *extra)
{
	mm_remind_after = *(Interval *) extra;
}

/* maintmode.max_window_length: an interval setting that is not zero. */
static bool
check_max_window_length(char **newval, void **extra, GucSource source)
{
	Interval   *length;

	if (!check_interval_setting(newval, extra, source))
		return false;
	length = (Interval *) *extra;
	if (length->month == 0 && length->day == 0 && length->time == 0)
	{
		GUC_check_errdetail("It must be longer than zero.");
		return false;
	}
	return true;
}

static void
assign_max_window_length(const char *newval, void *extra)
{
	mm_max_window_length = *(Interval *) extra;
}

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
	/* Anyone's to set: what the database role is proves who connected. */
	DefineCustomStringVariable("maintmode.actor",
							   "The application's own user, recorded in the maintenance history.",
							   "SET LOCAL it in the transaction that changes maintenance.",
							   &mm_actor,
							   "",
							   PGC_USERSET,
							   0,
							   NULL, NULL, NULL);
	DefineCustomStringVariable("maintmode.reason",
							   "The reason recorded in the maintenance history for a plain UPDATE.",
							   "SET LOCAL it in the transaction that changes maintenance.",
							   &mm_reason,
							   "",
							   PGC_USERSET,
							   0,
							   NULL, NULL, NULL);
	/*
	 * PGC_SUSET, like alert_on_leave: whether forgotten maintenance is
	 * reported is the installation's policy, not the switching role's.
	 */
	DefineCustomStringVariable("maintmode.remind_after",
							   "Hand-set maintenance lasting longer than this gets a reminder alert.",
							   "An interval such as '7 days'; 0 turns reminders off.",
							   &mm_remind_after_text,
							   "7 days",
							   PGC_SUSET,
							   0,
							   check_interval_setting, assign_remind_after, NULL);
	/*
	 * PGC_SUSET: listeners rely on the events; a transaction that is to be
	 * PREPAREd cannot NOTIFY, so a superuser can turn them off for the roles
	 * that use two-phase commit.
	 */
	DefineCustomBoolVariable("maintmode.notify_events",
							 "Sends NOTIFY maintmode_events when maintenance starts or ends.",
							 NULL,
							 &mm_notify_events,
							 true,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);
	/* PGC_SUSET: the limit is the installation's, not the window creator's. */
	DefineCustomStringVariable("maintmode.max_window_length",
							   "The longest a one-off maintenance window, or one occurrence of a recurring one, may last.",
							   "An interval; exactly that long is allowed.",
							   &max_window_length_text,
							   "31 days",
							   PGC_SUSET,
							   0,
							   check_max_window_length, assign_max_window_length, NULL);
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
	mm_watch_schema();
	mm_watch_change_path();
	mm_watch_agent_changes();
	mm_watch_events();
	mm_watch_scopes();
}
