/*
 * statements.c
 *     The kept-statement layer every other file runs its SQL through: each
 *     MMStatement is prepared on first use in the extension's own schema and
 *     kept for the life of the backend, then run with its arguments as
 *     parameters, at the statement's snapshot or at the latest one.
 */
#include "postgres.h"

#include "access/xact.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/snapmgr.h"

#include "maintmode.h"

/*
 * The statement's text for the extension's schema: written with "maintmode.",
 * which is its name unless a superuser renamed it.
 */
static const char *
statement_text(const MMStatement *stmt, uint32 *generation)
{
	const char *schema_prefix = mm_schema_prefix(generation);
	StringInfoData text;
	const char *from = stmt->sql;
	const char *found;

	if (strcmp(schema_prefix, "maintmode.") == 0)
		return stmt->sql;
	initStringInfo(&text);
	while ((found = strstr(from, "maintmode.")) != NULL)
	{
		appendBinaryStringInfo(&text, from, found - from);
		appendStringInfoString(&text, schema_prefix);
		from = found + strlen("maintmode.");
	}
	appendStringInfoString(&text, from);
	return text.data;
}

/* Prepare and keep the statement on first use. */
static SPIPlanPtr
kept_plan(MMStatement *stmt)
{
	uint32		generation;
	const char *sql = statement_text(stmt, &generation);

	if (stmt->plan != NULL && stmt->schema_generation != generation)
	{
		SPI_freeplan(stmt->plan);
		stmt->plan = NULL;
	}
	if (stmt->plan == NULL)
	{
		SPIPlanPtr	plan = SPI_prepare_cursor(sql, stmt->nargs, stmt->argtypes,
											  stmt->cursor_options);

		if (plan == NULL)
			elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
		if (SPI_keepplan(plan) != 0)
			elog(ERROR, "SPI_keepplan failed");
		stmt->plan = plan;
		stmt->schema_generation = generation;
	}
	return stmt->plan;
}

static int
checked_processed(int rc)
{
	if (rc < 0)
		elog(ERROR, "SPI execution failed: %s", SPI_result_code_string(rc));
	return (int) SPI_processed;
}

/* The bigint in the first column of the only row the last statement returned. */
static int64
result_count(void)
{
	bool		isnull;
	Datum		d;

	if (SPI_processed != 1)
		elog(ERROR, "counting statement returned %d rows", (int) SPI_processed);
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	return isnull ? 0 : DatumGetInt64(d);
}

/*
 * Run a plan at the latest snapshot, checked against crosscheck (a row it
 * changes that crosscheck does not see is a serialization failure), or not
 * checked (InvalidSnapshot).  Checked against the transaction's snapshot under
 * REPEATABLE READ or SERIALIZABLE, for the callers of mm_execute_latest() and
 * the statements marked latest (below).
 */
static int
execute_at_latest(SPIPlanPtr plan, Datum *values, const char *nulls, Snapshot crosscheck)
{
	CommandCounterIncrement();
	return checked_processed(SPI_execute_snapshot(plan, values, nulls, GetLatestSnapshot(),
												  crosscheck, false, true, 0));
}

/*
 * Run a kept statement (SPI must be connected).  Returns SPI_processed; a
 * failing statement raises its own error, anything else unexpected is a bug.
 * A statement marked latest acts on agents as they are now, at every
 * isolation level: one that counts a check writer's change under its agent's
 * site and flag, or raises its alerts suppressed or not.  The writer's lock
 * waited for any switch of the agent and keeps the next one out; under
 * REPEATABLE READ the transaction's snapshot can predate the switch it waited
 * for, and the change would be counted under the flag the switch replaced.
 */
int
mm_execute(MMStatement *stmt, Datum *values, const char *nulls, bool read_only)
{
	if (stmt->latest && IsolationUsesXactSnapshot())
		return execute_at_latest(kept_plan(stmt), values, nulls, GetTransactionSnapshot());
	return checked_processed(SPI_execute_plan(kept_plan(stmt), values, nulls,
											  read_only, 0));
}

/*
 * Run a statement with a plan made for these arguments (and transition tables)
 * and not kept: for inputs whose size varies too much (one row or a million)
 * for one kept plan to suit them all.  Returns SPI_processed.
 */
int
mm_execute_once(const MMStatement *stmt, Datum *values, const char *nulls)
{
	if (stmt->latest && IsolationUsesXactSnapshot())
	{
		SPIPlanPtr	plan = SPI_prepare(statement_text(stmt, NULL), stmt->nargs,
									   (Oid *) stmt->argtypes);
		int			processed;

		if (plan == NULL)
			elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
		processed = execute_at_latest(plan, values, nulls, GetTransactionSnapshot());
		SPI_freeplan(plan);
		return processed;
	}
	return checked_processed(SPI_execute_with_args(statement_text(stmt, NULL), stmt->nargs,
												   (Oid *) stmt->argtypes, values,
												   nulls, false, 0));
}

/* Run a kept statement that returns one bigint (a count), and return it. */
int64
mm_count(MMStatement *stmt, Datum *values)
{
	mm_execute(stmt, values, NULL, false);
	return result_count();
}

/*
 * Run a kept statement at the latest snapshot: one that writes, for a caller
 * that holds locks keeping out
 * every other writer of the rows it reads and must act on the latest
 * committed state.  At READ COMMITTED each statement's snapshot already is that.  Under
 * REPEATABLE READ or SERIALIZABLE the transaction's snapshot can predate the
 * lock, so the statement reads the latest snapshot, and a row it changes that
 * the transaction's snapshot does not see (changed or created since) is a
 * serialization failure (40001) for the caller to retry, as in PostgreSQL's
 * own foreign-key checks.  Acting on the old snapshot would save states that
 * are not the agents' and miss agents created since.
 */
int
mm_execute_latest(MMStatement *stmt, Datum *values, const char *nulls)
{
	if (!IsolationUsesXactSnapshot())
		return mm_execute(stmt, values, nulls, false);
	return execute_at_latest(kept_plan(stmt), values, nulls, GetTransactionSnapshot());
}

/*
 * Open a cursor on a kept read-only statement that sees the latest committed
 * state, and this transaction's changes, at any isolation level: for a trigger
 * reading rows that other transactions change only under a row lock that the
 * triggering statement has waited for since.  What they committed is then seen
 * even under REPEATABLE READ, whose snapshot can predate it.
 */
Portal
mm_open_latest(MMStatement *stmt, Datum *values)
{
	Portal		portal;

	CommandCounterIncrement();
	PushActiveSnapshot(GetLatestSnapshot());
	portal = SPI_cursor_open(NULL, kept_plan(stmt), values, NULL, true);
	PopActiveSnapshot();
	return portal;
}

/*
 * Run a kept read-only statement at the latest snapshot, without advancing the
 * command counter: for data cached across transactions (the scope table),
 * which must not be read at an older snapshot than the invalidations already
 * processed, at any isolation level.
 */
int
mm_execute_read_latest(MMStatement *stmt, Datum *values)
{
	int			rc;

	PushActiveSnapshot(GetLatestSnapshot());
	rc = checked_processed(SPI_execute_plan(kept_plan(stmt), values, NULL, true, 0));
	PopActiveSnapshot();
	return rc;
}

/*
 * Run a kept statement without arguments at the latest snapshot, not checked
 * against the transaction's: for a caller whose lock keeps every other writer
 * of the rows out and that replaces them all, whatever its snapshot saw.
 */
int
mm_execute_replacing(MMStatement *stmt)
{
	return execute_at_latest(kept_plan(stmt), NULL, NULL, InvalidSnapshot);
}

/* mm_count() for mm_execute_latest(). */
int64
mm_count_latest(MMStatement *stmt, Datum *values)
{
	mm_execute_latest(stmt, values, NULL);
	return result_count();
}

/*
 * Run a statement over a transition table (or arrays) of "rows" rows: with the
 * kept plan when there are at most kept_plan_max_rows, whose joins are index
 * probes; with a plan made for the input when there are more, which wants hash
 * joins and sequential scans.  A plan kept from a million-row statement would
 * be wrong for the one-row ones that follow, and the other way round.
 */
int
mm_execute_for_rows(MMStatement *stmt, Datum *values, const char *nulls, int64 rows,
					int64 kept_plan_max_rows)
{
	if (rows > kept_plan_max_rows)
		return mm_execute_once(stmt, values, nulls);
	return mm_execute(stmt, values, nulls, false);
}
