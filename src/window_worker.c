/*
 * window_worker.c
 *     The window worker: a background worker, started by the postmaster when
 *     maintmode is in shared_preload_libraries, that runs sweep_windows() in
 *     one database every maintmode.window_sweep_interval seconds, so windows
 *     start and end, and hand-set maintenance expires, with nobody connected;
 *     and on every sixth sweep sweep_reminders(), where the schema has it (1.3
 *     and later).
 */
#include "postgres.h"

#include "access/xact.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/guc.h"
#include "utils/snapmgr.h"

#include "maintmode.h"

PGDLLEXPORT void maintmode_window_worker_main(Datum main_arg);

/* Register the worker; from _PG_init() while shared_preload_libraries loads. */
void
mm_register_window_worker(void)
{
	BackgroundWorker worker;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	/* After an error (a sweep that failed, the database not there yet): retry. */
	worker.bgw_restart_time = 10;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "maintmode");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "maintmode_window_worker_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, "maintmode window worker");
	snprintf(worker.bgw_type, BGW_MAXLEN, "maintmode window worker");
	RegisterBackgroundWorker(&worker);
}

/*
 * Call the extension's function (a sweep) in its own transaction, if the
 * database has maintmode at a version that has it (before CREATE EXTENSION, or
 * on 1.0, there is nothing to do).  The function is called in the extension's
 * own schema, found through pg_extension: a schema named maintmode is not
 * necessarily the extension's.
 */
static void
call_sweep(const char *function)
{
	char	   *activity = psprintf("SELECT maintmode.%s()", function);

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING, activity);

	SPI_connect();
	if (SPI_execute(psprintf("SELECT pg_catalog.quote_ident(n.nspname)"
							 "  FROM pg_catalog.pg_extension e"
							 "  JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace"
							 " WHERE e.extname = 'maintmode'"
							 "   AND pg_catalog.to_regprocedure(pg_catalog.quote_ident(n.nspname)"
							 "                                  || '.%s()') IS NOT NULL",
							 function),
					true, 0) == SPI_OK_SELECT && SPI_processed == 1)
	{
		char	   *schema = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);

		if (SPI_execute(psprintf("SELECT %s.%s()", schema, function), false, 0) != SPI_OK_SELECT)
			elog(ERROR, "maintmode.%s() failed", function);
	}
	SPI_finish();

	PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_stat(false);
	pgstat_report_activity(STATE_IDLE, NULL);
	pfree(activity);
}

/*
 * Reminders count in days, and their sweep reads every agent (the window
 * sweep's lookups are indexed; an index of hand-set agents would cost every
 * switch): it runs on every REMINDER_SWEEPS-th window sweep, once a minute at
 * the default interval, and at the first.
 */
#define REMINDER_SWEEPS 6

/*
 * The windows first, so that an agent whose hand-set maintenance just expired
 * is not reminded of it; each sweep commits on its own.
 */
static void
sweep_once(void)
{
	static int	sweeps = 0;

	call_sweep("sweep_windows");
	if (sweeps++ % REMINDER_SWEEPS == 0)
		call_sweep("sweep_reminders");
}

/* The worker: a sweep every maintmode.window_sweep_interval seconds until told to stop. */
void
maintmode_window_worker_main(Datum main_arg)
{
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnection(mm_window_database, NULL, 0);

	for (;;)
	{
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		sweep_once();
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 mm_window_sweep_interval * 1000L, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}
