/*
 * maintmode.h
 *     Declarations shared by the maintmode C files: kept SPI statements, the
 *     event log and the settings.
 */
#ifndef MAINTMODE_H
#define MAINTMODE_H

#include "postgres.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "datatype/timestamp.h"

#define MM_MAX_ARGS 10

/*
 * One SQL statement the extension runs through SPI.  It is prepared on first
 * use and kept for the life of the backend (SPI_keepplan); the plan cache
 * revalidates it when the tables change.
 */
typedef struct MMStatement
{
	const char *sql;
	int			nargs;
	Oid			argtypes[MM_MAX_ARGS];
	int			cursor_options; /* e.g. CURSOR_OPT_GENERIC_PLAN; 0 by default */
	SPIPlanPtr	plan;
	uint32		schema_generation;	/* of the schema name the plan was made with */
} MMStatement;

extern int	mm_execute(MMStatement *stmt, Datum *values, const char *nulls,
					   bool read_only);
extern int	mm_execute_once(const MMStatement *stmt, Datum *values, const char *nulls);
extern int64 mm_count(MMStatement *stmt, Datum *values);
extern int	mm_execute_locked(MMStatement *stmt, Datum *values, const char *nulls);
extern int64 mm_count_locked(MMStatement *stmt, Datum *values);
extern Portal mm_open_latest(MMStatement *stmt, Datum *values);
extern bool mm_has_column(const char *table, const char *column);
extern Oid	mm_schema_oid(void);
extern void mm_lock_agents_for_switching(void);
extern void mm_lock_agents_for_writing(void);
extern void mm_log_event(const char *action, const char *scope, int64 target_id,
						 bool has_target, int64 agents_changed,
						 int64 states_saved, int64 states_restored);
extern TriggerData *mm_statement_trigger_data(FunctionCallInfo fcinfo, const char *table,
											  const char *name, TriggerEvent event,
											  bool needs_old);
extern void mm_check_trigger_table(TriggerData *trigdata, const char *table,
								   const char *name);
extern char *mm_caller_name(void);
extern char *mm_quoted(const char *value);
extern void mm_check_instant(TimestampTz value, const char *argument);
extern bool mm_is_blank(const char *value);

/* maintmode.alert_on_leave: alert for failures an agent leaves maintenance with. */
extern bool mm_alert_on_leave;

/* Windows (windows.c, window_worker.c). */
extern char *mm_test_now;
extern char *mm_window_database;
extern int	mm_window_sweep_interval;
extern TimestampTz mm_window_now(void);
extern bool mm_agent_has_hand_flag(void);
extern int64 mm_end_server_windows(void);
extern void mm_register_window_worker(void);

#endif							/* MAINTMODE_H */
