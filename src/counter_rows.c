/*
 * counter_rows.c
 *     Rows of the extension's tables found by their key and, for counter rows,
 *     locked and changed in place, without a statement: what dashboard.c does
 *     for the change of one agent, the usual case (a check result that turns
 *     its agent red adds to one agent_counter, one site_counter and sometimes
 *     one client_counter row), and how alerts.c asks whether a check that
 *     stopped failing has an alert to resolve.
 *
 * Through SPI each of those rows is a whole statement: executor start-up and
 * shut-down, the plan's check and a snapshot cost about three times the row
 * change itself, and a colour change then cost a check writer more than twice
 * its own UPDATE.  Here a row is an index lookup, a tuple lock and
 * simple_table_tuple_update(), with what UPDATE ... WHERE key = $1 (or
 * SELECT ... FOR KEY SHARE) would do around them:
 *   - the row is looked up at a new snapshot in READ COMMITTED, the
 *     transaction's in REPEATABLE READ and SERIALIZABLE (which also takes the
 *     predicate locks an index scan takes);
 *   - a row another transaction is changing is waited for (or skipped, for
 *     SKIP LOCKED); in READ COMMITTED its newest version is then locked and
 *     changed, in REPEATABLE READ a change committed after the snapshot fails
 *     with 40001, as EvalPlanQual would;
 *   - the indexes get the new version when the update is not HOT, and sums
 *     that would overflow fail as integer arithmetic in SQL does.
 * Counter tables have no triggers, rules or policies the executor would apply;
 * no privilege is checked, as for the rest of what a trigger of the extension's
 * keeps (the counters are derived data).
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "common/int.h"
#include "executor/executor.h"
#include "nodes/execnodes.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "maintmode.h"

/*
 * Open a table of the extension's and the index its rows are looked up in, for a
 * trigger call.  The index is looked up once the table is locked, so that a
 * REINDEX CONCURRENTLY cannot swap it meanwhile, and must be one that holds
 * every row.
 */
void
mm_row_table_open(MMRowTable *table, const char *name, const char *index, LOCKMODE lockmode)
{
	Oid			relid = get_relname_relid(name, mm_schema_oid());
	Oid			index_id;

	if (!OidIsValid(relid))
		elog(ERROR, "maintmode: table \"%s\" is missing", name);
	memset(table, 0, sizeof(*table));
	table->heap = table_open(relid, lockmode);
	index_id = get_relname_relid(index, mm_schema_oid());
	if (!OidIsValid(index_id))
		elog(ERROR, "maintmode: index \"%s\" is missing", index);
	table->key_index = index_open(index_id, lockmode);
	if (table->key_index->rd_index->indrelid != relid ||
		!table->key_index->rd_index->indisvalid || !table->key_index->rd_index->indisready)
		elog(ERROR, "maintmode: index \"%s\" is not a valid index of \"%s\"", index, name);
	table->row = table_slot_create(table->heap, NULL);
}

/* A column of the table, by name. */
AttrNumber
mm_row_column(MMRowTable *table, const char *name)
{
	AttrNumber	column = SPI_fnumber(RelationGetDescr(table->heap), name);

	if (column <= 0)
		elog(ERROR, "maintmode: column \"%s\" of \"%s\" is missing", name,
			 RelationGetRelationName(table->heap));
	return column;
}

void
mm_row_table_close(MMRowTable *table)
{
	if (table->changed != NULL)
		ExecDropSingleTupleTableSlot(table->changed);
	if (table->estate != NULL)
	{
		ExecCloseIndices(table->result_rel);
		FreeExecutorState(table->estate);
	}
	ExecDropSingleTupleTableSlot(table->row);
	index_close(table->key_index, NoLock);
	table_close(table->heap, NoLock);
}

/* The equality procedure for a key column of these types. */
static RegProcedure
key_equality(Oid type)
{
	if (type == INT8OID)
		return F_INT8EQ;
	if (type == INT4OID)
		return F_INT4EQ;
	elog(ERROR, "maintmode: unexpected key column type %u", type);
	return InvalidOid;			/* keep compiler quiet */
}

/*
 * Whether the row in the slot still has the key (an update may have changed it),
 * compared as values: bigints are passed by reference where Datums are 32 bits.
 */
static bool
row_has_key(MMRowTable *table, const Datum *key)
{
	int			nkeys = IndexRelationGetNumberOfKeyAttributes(table->key_index);

	for (int k = 0; k < nkeys; k++)
	{
		bool		isnull;
		Datum		value = slot_getattr(table->row,
										 table->key_index->rd_index->indkey.values[k],
										 &isnull);
		bool		bigint = TupleDescAttr(RelationGetDescr(table->key_index), k)->atttypid == INT8OID;

		if (isnull ||
			(bigint ? DatumGetInt64(value) != DatumGetInt64(key[k]) :
			 DatumGetInt32(value) != DatumGetInt32(key[k])))
			return false;
	}
	return true;
}

/*
 * The rows whose index key is key (one Datum per key column, by value), one by
 * one in table->row, as a statement would see them: at a new snapshot in READ
 * COMMITTED, at the transaction's in REPEATABLE READ and SERIALIZABLE (which
 * also takes the predicate locks an index scan takes).  With table->latest,
 * at the latest snapshot at every level: for a row the caller acts on as it is
 * now, under a lock that keeps its writers out from then on.
 */
void
mm_row_scan_begin(MMRowTable *table, const Datum *key)
{
	int			nkeys = IndexRelationGetNumberOfKeyAttributes(table->key_index);
	ScanKeyData scankeys[INDEX_MAX_KEYS];
	TupleDesc	index_desc = RelationGetDescr(table->key_index);

	/* As SPI does before each statement: earlier changes of this command are seen. */
	CommandCounterIncrement();
	for (int k = 0; k < nkeys; k++)
		ScanKeyInit(&scankeys[k], k + 1, BTEqualStrategyNumber,
					key_equality(TupleDescAttr(index_desc, k)->atttypid), key[k]);
	table->snapshot = RegisterSnapshot(table->latest && IsolationUsesXactSnapshot() ?
									   GetLatestSnapshot() : GetTransactionSnapshot());
#if PG_VERSION_NUM >= 180000
	table->scan = index_beginscan(table->heap, table->key_index, table->snapshot, NULL, nkeys, 0);
#else
	table->scan = index_beginscan(table->heap, table->key_index, table->snapshot, nkeys, 0);
#endif
	index_rescan(table->scan, scankeys, nkeys, NULL, 0);
}

bool
mm_row_scan_next(MMRowTable *table)
{
	return index_getnext_slot(table->scan, ForwardScanDirection, table->row);
}

void
mm_row_scan_end(MMRowTable *table)
{
	index_endscan(table->scan);
	UnregisterSnapshot(table->snapshot);
}

/*
 * Find the row whose key (in a unique index) is key and lock it in mode,
 * waiting or not as wait says.  Returns MM_ROW_LOCKED with the row, as locked,
 * in table->row; MM_ROW_MISSING when there is no such row (in READ COMMITTED,
 * also when it was deleted while waited for); MM_ROW_BUSY when wait is
 * LockWaitSkip and another transaction holds it.
 */
MMRowResult
mm_row_lock(MMRowTable *table, const Datum *key, LockTupleMode mode, LockWaitPolicy wait)
{
	ItemPointerData tid;
	TM_FailureData failure;
	TM_Result	result;

	mm_row_scan_begin(table, key);
	if (!mm_row_scan_next(table))
	{
		mm_row_scan_end(table);
		return MM_ROW_MISSING;
	}
	tid = table->row->tts_tid;
	/*
	 * The flags of ExecLockRows(): an update in progress (a heartbeat's) has
	 * its new version locked too, so that a move of the agent that comes after
	 * it still waits for this transaction.
	 */
	result = table_tuple_lock(table->heap, &tid, table->snapshot, table->row,
							  GetCurrentCommandId(true), mode, wait,
							  TUPLE_LOCK_FLAG_LOCK_UPDATE_IN_PROGRESS |
							  (IsolationUsesXactSnapshot() ? 0 : TUPLE_LOCK_FLAG_FIND_LAST_VERSION),
							  &failure);
	mm_row_scan_end(table);
	switch (result)
	{
		case TM_Ok:
			return row_has_key(table, key) ? MM_ROW_LOCKED : MM_ROW_MISSING;
		case TM_WouldBlock:
			return MM_ROW_BUSY;
		case TM_Deleted:
			if (IsolationUsesXactSnapshot())
				ereport(ERROR,
						(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
						 errmsg("could not serialize access due to concurrent delete")));
			return MM_ROW_MISSING;
		case TM_Updated:
			/* Only without TUPLE_LOCK_FLAG_FIND_LAST_VERSION, i.e. on the transaction's snapshot. */
			ereport(ERROR,
					(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
					 errmsg("could not serialize access due to concurrent update")));
			break;
		default:
			/* TM_SelfModified and TM_Invisible: not after the increment above. */
			elog(ERROR, "maintmode: unexpected result %d locking a row of \"%s\"",
				 (int) result, RelationGetRelationName(table->heap));
	}
	return MM_ROW_MISSING;		/* keep compiler quiet */
}

/* A bigint or integer column of the locked row. */
int64
mm_row_value(MMRowTable *table, AttrNumber column)
{
	bool		isnull;
	Datum		value = slot_getattr(table->row, column, &isnull);

	if (isnull)
		elog(ERROR, "maintmode: null in column %d of \"%s\"", column,
			 RelationGetRelationName(table->heap));
	return TupleDescAttr(table->row->tts_tupleDescriptor, column - 1)->atttypid == INT8OID ?
		DatumGetInt64(value) : DatumGetInt32(value);
}

/* The new versions' index entries, when the update could not be HOT. */
static void
insert_index_entries(MMRowTable *table, bool only_summarizing)
{
	if (table->estate == NULL)
	{
		table->estate = CreateExecutorState();
		table->result_rel = makeNode(ResultRelInfo);
		/* No range table: its updated columns are then none, as none of the keys changed. */
		InitResultRelInfo(table->result_rel, table->heap, 0, NULL, 0);
		ExecOpenIndices(table->result_rel, false);
	}
	/* An update that changed no key: the indexes may clean up the old versions' entries. */
	ExecInsertIndexTuples(table->result_rel, table->changed, table->estate, true, false, NULL, NIL
#if PG_VERSION_NUM >= 160000
						  ,only_summarizing
#endif
		);
	ResetPerTupleExprContext(table->estate);
}

/*
 * Add deltas[i] to the bigint or integer column columns[i] of the row locked by
 * mm_row_lock(), once per lock; table->row then holds the row's values as
 * changed.
 */
void
mm_row_add(MMRowTable *table, int ncolumns, const AttrNumber *columns, const int64 *deltas)
{
	TupleDesc	desc = RelationGetDescr(table->heap);
	TupleTableSlot *changed;
	ItemPointerData tid = table->row->tts_tid;
#if PG_VERSION_NUM >= 160000
	TU_UpdateIndexes update_indexes;
#else
	bool		update_indexes;
#endif

	if (table->changed == NULL)
		table->changed = MakeSingleTupleTableSlot(desc, &TTSOpsVirtual);
	changed = table->changed;
	ExecClearTuple(changed);
	slot_getallattrs(table->row);
	memcpy(changed->tts_values, table->row->tts_values, desc->natts * sizeof(Datum));
	memcpy(changed->tts_isnull, table->row->tts_isnull, desc->natts * sizeof(bool));
	/* A column dropped since the row was written (before 1.2's) is written as null. */
	for (int i = 0; i < desc->natts; i++)
		if (TupleDescAttr(desc, i)->attisdropped)
			changed->tts_isnull[i] = true;
	for (int c = 0; c < ncolumns; c++)
	{
		int			i = columns[c] - 1;
		bool		bigint = TupleDescAttr(desc, i)->atttypid == INT8OID;
		int64		sum;

		/* mm_row_value() refuses a null */
		if (pg_add_s64_overflow(mm_row_value(table, columns[c]), deltas[c], &sum) ||
			(!bigint && (sum < PG_INT32_MIN || sum > PG_INT32_MAX)))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("%s out of range", bigint ? "bigint" : "integer")));
		changed->tts_values[i] = bigint ? Int64GetDatum(sum) : Int32GetDatum((int32) sum);
	}
	ExecStoreVirtualTuple(changed);

	/* The heap's update takes no snapshot: the row is locked already. */
	simple_table_tuple_update(table->heap, &tid, changed, GetActiveSnapshot(), &update_indexes);
#if PG_VERSION_NUM >= 160000
	if (update_indexes != TU_None)
		insert_index_entries(table, update_indexes == TU_Summarizing);
#else
	if (update_indexes)
		insert_index_entries(table, false);
#endif
	ExecCopySlot(table->row, changed);
	CommandCounterIncrement();
}
