/*
 * maintmode.c
 *     The module: its entry point and the settings it defines (the rest is in
 *     one file per concern, see doc/architecture.md).
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/guc.h"

#include "maintmode.h"

PG_MODULE_MAGIC;

bool		mm_alert_on_leave = true;
char	   *mm_test_now = NULL;
char	   *mm_actor = NULL;
char	   *mm_reason = NULL;
char	   *mm_window_database = NULL;
int			mm_window_sweep_interval = 10;

#if PG_VERSION_NUM < 160000
void		_PG_init(void);
#endif

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
	mm_watch_scopes();
}
