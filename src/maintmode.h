/*
 * maintmode.h
 *     Declarations shared by the maintmode C files, grouped by the file that
 *     defines them.  Include after postgres.h.
 */
#ifndef MAINTMODE_H
#define MAINTMODE_H

#include "access/genam.h"
#include "commands/trigger.h"
#include "datatype/timestamp.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "nodes/lockoptions.h"
#include "pgtime.h"
#include "storage/lockdefs.h"
#include "utils/hsearch.h"
#include "utils/tuplestore.h"

/* maintmode.c: the settings. */
extern bool mm_alert_on_leave;		/* maintmode.alert_on_leave */
extern char *mm_test_now;			/* maintmode.test_now */
extern char *mm_actor;				/* maintmode.actor */
extern char *mm_reason;				/* maintmode.reason */
extern char *mm_window_database;	/* maintmode.window_database */
extern int	mm_window_sweep_interval;	/* maintmode.window_sweep_interval */
extern char *mm_remind_after_text;	/* maintmode.remind_after, as set */
extern Interval mm_remind_after;	/* maintmode.remind_after; zero: off */
extern bool mm_notify_events;		/* maintmode.notify_events */
extern Interval mm_max_window_length;	/* maintmode.max_window_length */

/* statements.c: SQL the extension runs, kept across calls. */
#define MM_MAX_ARGS 10

/*
 * One SQL statement the extension runs through SPI, written with "maintmode."
 * for the extension's schema.  It is prepared on first use and kept for the
 * life of the backend (SPI_keepplan); the plan cache revalidates it when the
 * tables change, and it is prepared again if the schema is renamed.
 *
 * Arrays given to a statement are read by unnest() in a select list,
 * "(SELECT unnest($1) AS id, unnest($2) AS ...) d", which streams them, several
 * in step; unnest() in FROM would first store the whole set (a million elements:
 * 0.3 to 1 s, and the memory).
 */
typedef struct MMStatement
{
	const char *sql;
	int			nargs;
	Oid			argtypes[MM_MAX_ARGS];
	int			cursor_options; /* e.g. CURSOR_OPT_GENERIC_PLAN; 0 by default */
	bool		latest;			/* run at the latest snapshot (statements.c) */
	SPIPlanPtr	plan;
	uint32		schema_generation;	/* of the schema name the plan was made with */
} MMStatement;

extern int	mm_execute(MMStatement *stmt, Datum *values, const char *nulls,
					   bool read_only);
extern int	mm_execute_once(const MMStatement *stmt, Datum *values, const char *nulls);
extern int	mm_execute_for_rows(MMStatement *stmt, Datum *values, const char *nulls,
								int64 rows, int64 kept_plan_max_rows);
extern int64 mm_count(MMStatement *stmt, Datum *values);
extern int	mm_execute_latest(MMStatement *stmt, Datum *values, const char *nulls);
extern int64 mm_count_latest(MMStatement *stmt, Datum *values);
extern int	mm_execute_replacing(MMStatement *stmt);
extern Portal mm_open_latest(MMStatement *stmt, Datum *values);
extern int	mm_execute_read_latest(MMStatement *stmt, Datum *values);

/*
 * counter_rows.c: rows of the extension's tables found by key, and counter rows
 * locked and changed in place.
 */
typedef struct MMRowTable
{
	Relation	heap;
	Relation	key_index;		/* the index rows are looked up in */
	TupleTableSlot *row;		/* the row found or locked, then as changed */
	Snapshot	snapshot;		/* of the lookup under way */
	bool		latest;			/* look up at the latest snapshot (counter_rows.c) */
	IndexScanDesc scan;
	TupleTableSlot *changed;	/* made on first change */
	EState	   *estate;			/* for index entries: made on first non-HOT update */
	ResultRelInfo *result_rel;
} MMRowTable;

typedef enum MMRowResult
{
	MM_ROW_LOCKED,
	MM_ROW_MISSING,
	MM_ROW_BUSY					/* held by another transaction, with LockWaitSkip */
} MMRowResult;

extern void mm_row_table_open(MMRowTable *table, const char *name, const char *index,
							  LOCKMODE lockmode);
extern void mm_row_table_close(MMRowTable *table);
extern AttrNumber mm_row_column(MMRowTable *table, const char *name);
extern void mm_row_scan_begin(MMRowTable *table, const Datum *key);
extern bool mm_row_scan_next(MMRowTable *table);
extern void mm_row_scan_end(MMRowTable *table);
extern MMRowResult mm_row_lock(MMRowTable *table, const Datum *key, LockTupleMode mode,
							   LockWaitPolicy wait);
extern int64 mm_row_value(MMRowTable *table, AttrNumber column);
extern void mm_row_add(MMRowTable *table, int ncolumns, const AttrNumber *columns,
					   const int64 *deltas);

/* extension.c: the extension's schema, its version, lock order, trigger checks. */
typedef enum MMSchemaVersion
{
	MM_SCHEMA_1_0,				/* no hand flag, no windows */
	MM_SCHEMA_1_1,				/* hand flag and windows; counter rows copy site and flag */
	MM_SCHEMA_1_2,				/* counter rows hold failing counts only */
	MM_SCHEMA_1_3,				/* saved states keep the hand details (and later) */
	MM_SCHEMA_VERSIONS
} MMSchemaVersion;

extern Oid	mm_schema_oid(void);
extern const char *mm_schema_prefix(uint32 *generation);
extern void mm_watch_schema(void);
extern MMSchemaVersion mm_schema_version(void);
extern void mm_lock_agents_for_switching(void);
extern void mm_lock_agents_for_writing(void);
extern void mm_serialize_sweeps_of(const char *table);
extern void mm_check_trigger_table(TriggerData *trigdata, const char *table,
								   const char *name);
extern TriggerData *mm_statement_trigger_data(FunctionCallInfo fcinfo, const char *table,
											  const char *name, TriggerEvent event,
											  bool needs_old);

/* event_log.c */
extern char *mm_caller_name(void);
extern void mm_log_event(const char *action, const char *scope, int64 target_id,
						 bool has_target, int64 agents_changed,
						 int64 states_saved, int64 states_restored);

/* arguments.c: checks of SQL functions' arguments. */
typedef enum MMScope
{
	MM_SCOPE_AGENT,
	MM_SCOPE_SITE,
	MM_SCOPE_CLIENT,
	MM_SCOPE_SERVER,
	MM_SCOPE_COUNT
} MMScope;

extern const char *const mm_scope_names[MM_SCOPE_COUNT];

/* A name an argument must be one of, and the words of the errors about it. */
typedef struct MMChoice
{
	const char *const *names;
	int			count;
	const char *what;			/* "scope": "scope must not be null" */
	const char *unknown;		/* "unknown window scope": then the value */
	const char *hint;			/* the valid names */
	int			null_errcode;
	bool		loose;			/* any case, and an optional leading "--" */
} MMChoice;

extern int	mm_choose(FunctionCallInfo fcinfo, int argno, const MMChoice *choice);
extern void mm_require_target(MMScope scope, int64 id);
extern HeapTuple mm_agent_row(FunctionCallInfo fcinfo, int argno, MMStatement *stmt);
extern char *mm_quoted(const char *value);
extern void mm_check_instant(TimestampTz value, const char *argument);
extern bool mm_is_blank(const char *value);

/*
 * The instants windows and expiries may name: the years 1 to 9999 (Julian days
 * 1721426 to 5373484).
 */
#define MM_FIRST_INSTANT ((TimestampTz) (1721426 - POSTGRES_EPOCH_JDATE) * USECS_PER_DAY)
#define MM_AFTER_LAST_INSTANT ((TimestampTz) (5373485 - POSTGRES_EPOCH_JDATE) * USECS_PER_DAY)
/* scopes.c: operators limited to clients and sites. */
extern void mm_watch_scopes(void);
extern void mm_refuse_if_scoped(FunctionCallInfo fcinfo, const char *what);
extern void mm_require_in_scope(FunctionCallInfo fcinfo, MMScope scope, int64 id,
								int64 window);

/* clock.c: the clock of windows and hand-set expiry. */
extern TimestampTz mm_clock_now(void);

/* util.c: small helpers for the triggers. */
typedef struct DatumList
{
	Datum	   *values;
	int			count;
	int			size;
} DatumList;

extern void mm_datum_list_add(DatumList *list, Datum value);
extern Datum mm_datum_list_array(const DatumList *list, Oid element_type);
extern void mm_datum_lists_to_args(DatumList *columns, const MMStatement *stmt,
								   Datum *args);
extern HTAB *mm_int64_keyed_hash(const char *name, Size entrysize);
extern int	mm_compare_int64(const void *a, const void *b);
extern int	mm_sort_unique_int64(int64 *values, int count);
extern bool mm_sorted_contains_int64(const int64 *values, int count, int64 value);
extern bool mm_text_equals(Datum value, const char *literal);
extern void mm_start_reading(Tuplestorestate *rows);

/* The old and new rows of an UPDATE's transition tables, read in pairs. */
typedef struct MMRowPairs
{
	TriggerData *trigdata;
	TupleTableSlot *old_slot;
	TupleTableSlot *new_slot;
	AttrNumber	id_att;
} MMRowPairs;

extern void mm_row_pairs_begin(MMRowPairs *pairs, TriggerData *trigdata);
extern bool mm_row_pairs_next(MMRowPairs *pairs);
extern void mm_row_pairs_end(MMRowPairs *pairs);

/* The function owner's identity, taken around SQL a trigger runs as its owner. */
typedef struct MMOwnerContext
{
	Oid			saved_user;
	int			saved_security_context;
	int			guc_nest_level;
} MMOwnerContext;

extern void mm_become_owner(FunctionCallInfo fcinfo, MMOwnerContext *context);
extern void mm_owner_setting(const char *name, const char *value);
extern void mm_stop_being_owner(MMOwnerContext *context);

/*
 * agent_changes.c: the agents an UPDATE moved to another site or took into or
 * out of maintenance (flag: maintenance_mode), or whose hand flag went off
 * (hand_ended: its reminders end), as parallel arrays; reason: the hand reason
 * of the maintenance that started or ended, for flag changes.
 */
typedef struct MMAgentChanges
{
	int			count;
	int			size;
	MemoryContext context;		/* where the arrays live */
	int64	   *ids;
	int64	   *old_sites;
	int64	   *sites;
	bool	   *old_flags;
	bool	   *flags;
	bool	   *hand_ended;
	Datum	   *reasons;
	bool	   *reason_nulls;
	Datum		last_reason;	/* the copy the next equal reason shares */
} MMAgentChanges;

extern void mm_agent_changes_add(MMAgentChanges *changes, int64 id, int64 old_site,
								 int64 site, bool old_flag, bool flag, bool hand_ended,
								 Datum reason, bool reason_null);
extern MMAgentChanges *mm_agent_changes_open(void);
extern bool mm_agent_change_pending(int64 agent_id);
extern void mm_agent_inserted(int64 id);
extern void mm_agent_counted(int64 id);
extern bool mm_agent_insert_pending(void);
extern bool mm_agent_awaits_counters(int64 id);
extern void mm_agent_changes_from_transitions(TriggerData *trigdata, MMAgentChanges *changes);
extern void mm_watch_agent_changes(void);

/* dashboard.c */
extern void mm_count_agent_changes(const MMAgentChanges *changes);

/* alerts.c */
extern void mm_alert_agent_changes(const MMAgentChanges *changes);

/* events.c: NOTIFY maintmode_events. */
#define EVENT_MAX_IDS 100		/* more agents: their number only */

/* Maintenance that started or ended for some agents in one statement. */
typedef struct MMEvent
{
	bool		started;
	const char *path;			/* as in the history: agent, site, ..., sql */
	const char *scope;			/* what the call named; NULL: nothing */
	int64		target;
	bool		has_target;
	int64		window;
	bool		has_window;
	const char *reason;			/* NULL: none, or the agents' differ */
	int64		agents;
} MMEvent;

extern void mm_watch_events(void);
extern void mm_notify_maintenance_event(const MMEvent *event, int64 *ids);

/* history.c */
extern void mm_record_agent_changes(const MMAgentChanges *changes, const char *caller);
extern void mm_begin_change_path(const char *path);
extern void mm_end_change_path(void);
extern void mm_set_change_target(int64 target);
extern bool mm_in_extension_change(void);
extern void mm_watch_change_path(void);

/* server_mode.c: the hand reason of the agents server maintenance put in. */
#define MM_SERVER_REASON "server maintenance"

/* windows.c */
extern int64 mm_end_server_windows(void);

/* recurrence.c: the occurrences of recurring windows. */
typedef struct MMRecurrence MMRecurrence;

extern char *mm_repeat_normalize(const char *repeat, Interval *period);
extern pg_tz *mm_window_time_zone(const char *name);
extern MMRecurrence *mm_recurrence_begin(const char *repeat, pg_tz *tz, TimestampTz starts,
										 const Interval *duration, bool has_cut,
										 TimestampTz cut);
extern void mm_recurrence_seek(MMRecurrence *r, TimestampTz from, TimestampTz to);
extern bool mm_recurrence_next(MMRecurrence *r, TimestampTz *starts, TimestampTz *ends);

/* window_worker.c */
extern void mm_register_window_worker(void);

#endif							/* MAINTMODE_H */
