/*
 * util.c
 *     Small helpers of the triggers: growing lists of Datums turned into SQL
 *     arrays, hash tables keyed by id, reading transition tables (and an
 *     UPDATE's old and new rows in pairs), comparing text, and running SQL as
 *     the function's owner without SECURITY DEFINER.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_proc.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "maintmode.h"

/* Append a value to a list (a zeroed DatumList is an empty one). */
void
mm_datum_list_add(DatumList *list, Datum value)
{
	if (list->count == list->size)
	{
		list->size = list->size == 0 ? 64 : list->size * 2;
		list->values = list->values == NULL ? palloc(list->size * sizeof(Datum))
			: repalloc_huge(list->values, list->size * sizeof(Datum));
	}
	list->values[list->count++] = value;
}

/* The list as an SQL array of element_type. */
Datum
mm_datum_list_array(const DatumList *list, Oid element_type)
{
	int16		typlen;
	bool		typbyval;
	char		typalign;

	get_typlenbyvalalign(element_type, &typlen, &typbyval, &typalign);
	return PointerGetDatum(construct_array(list->values, list->count, element_type,
										   typlen, typbyval, typalign));
}

/* The columns as array arguments of the types stmt expects. */
void
mm_datum_lists_to_args(DatumList *columns, const MMStatement *stmt, Datum *args)
{
	for (int i = 0; i < stmt->nargs; i++)
		args[i] = mm_datum_list_array(&columns[i], get_element_type(stmt->argtypes[i]));
}

/* qsort()'s comparison of int64s. */
int
mm_compare_int64(const void *a, const void *b)
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	return x < y ? -1 : x > y ? 1 : 0;
}

/* Sort and deduplicate; returns the new count. */
int
mm_sort_unique_int64(int64 *values, int count)
{
	int			kept = 0;

	qsort(values, count, sizeof(int64), mm_compare_int64);
	for (int i = 0; i < count; i++)
		if (kept == 0 || values[kept - 1] != values[i])
			values[kept++] = values[i];
	return kept;
}

/* Whether value is among the sorted values, searched by halves. */
bool
mm_sorted_contains_int64(const int64 *values, int count, int64 value)
{
	int			low = 0;
	int			high = count - 1;

	while (low <= high)
	{
		int			mid = low + (high - low) / 2;

		if (values[mid] == value)
			return true;
		if (values[mid] < value)
			low = mid + 1;
		else
			high = mid - 1;
	}
	return false;
}

/* A hash table in the current memory context whose entries start with an int64 key. */
HTAB *
mm_int64_keyed_hash(const char *name, Size entrysize)
{
	HASHCTL		ctl;

	ctl.keysize = sizeof(int64);
	ctl.entrysize = entrysize;
	ctl.hcxt = CurrentMemoryContext;
	return hash_create(name, 256, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

/* Whether a text Datum is literal, without converting it to a C string. */
bool
mm_text_equals(Datum value, const char *literal)
{
	text	   *t = DatumGetTextPP(value);
	size_t		len = strlen(literal);

	return VARSIZE_ANY_EXHDR(t) == len && memcmp(VARDATA_ANY(t), literal, len) == 0;
}

/*
 * Start reading a transition table with a read pointer of our own, as a
 * NamedTuplestoreScan does, so that other readers of it are not disturbed.
 */
void
mm_start_reading(Tuplestorestate *rows)
{
	tuplestore_select_read_pointer(rows, tuplestore_alloc_read_pointer(rows, EXEC_FLAG_REWIND));
	tuplestore_rescan(rows);
}

/*
 * The old and new transition tables of an UPDATE on a plain (unpartitioned)
 * table hold each row's versions at the same position, so they are read side
 * by side.  A pair whose ids differ is an UPDATE of the id, which the triggers
 * cannot follow: refused (client, site and agent refuse it before, with
 * fleet_id_fixed).
 */
void
mm_row_pairs_begin(MMRowPairs *pairs, TriggerData *trigdata)
{
	TupleDesc	desc = RelationGetDescr(trigdata->tg_relation);

	pairs->trigdata = trigdata;
	pairs->old_slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	pairs->new_slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	pairs->id_att = SPI_fnumber(desc, "id");
	if (pairs->id_att <= 0)
		elog(ERROR, "table \"%s\" has no id column", RelationGetRelationName(trigdata->tg_relation));
	mm_start_reading(trigdata->tg_oldtable);
	mm_start_reading(trigdata->tg_newtable);
}

/* The next pair in old_slot and new_slot; false after the last. */
bool
mm_row_pairs_next(MMRowPairs *pairs)
{
	bool		isnull;

	if (!tuplestore_gettupleslot(pairs->trigdata->tg_oldtable, true, false, pairs->old_slot))
		return false;
	if (!tuplestore_gettupleslot(pairs->trigdata->tg_newtable, true, false, pairs->new_slot) ||
		DatumGetInt64(slot_getattr(pairs->old_slot, pairs->id_att, &isnull)) !=
		DatumGetInt64(slot_getattr(pairs->new_slot, pairs->id_att, &isnull)))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot change column \"id\" of table \"%s\"",
						RelationGetRelationName(pairs->trigdata->tg_relation)),
				 errdetail("The extension's triggers follow each row's change by its id.")));
	return true;
}

/* Release what mm_row_pairs_begin() took. */
void
mm_row_pairs_end(MMRowPairs *pairs)
{
	ExecDropSingleTupleTableSlot(pairs->old_slot);
	ExecDropSingleTupleTableSlot(pairs->new_slot);
}

/*
 * Become the function's owner, with the pinned search_path, around SQL that a
 * trigger runs; as SECURITY DEFINER with SET search_path would, but only when
 * there is SQL to run: setting and restoring the GUC on every call costs a few
 * percent of a one-row UPDATE.  An error in between is undone by the
 * (sub)transaction abort, as for SECURITY DEFINER.
 */
void
mm_become_owner(FunctionCallInfo fcinfo, MMOwnerContext *context)
{
	HeapTuple	proc = SearchSysCache1(PROCOID, ObjectIdGetDatum(fcinfo->flinfo->fn_oid));
	Oid			owner;

	if (!HeapTupleIsValid(proc))
		elog(ERROR, "cache lookup failed for function %u", fcinfo->flinfo->fn_oid);
	owner = ((Form_pg_proc) GETSTRUCT(proc))->proowner;
	ReleaseSysCache(proc);

	GetUserIdAndSecContext(&context->saved_user, &context->saved_security_context);
	SetUserIdAndSecContext(owner,
						   context->saved_security_context | SECURITY_LOCAL_USERID_CHANGE);
	context->guc_nest_level = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET,
							 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
}

/*
 * Set a setting for the SQL that follows, until mm_stop_being_owner(): as SET
 * on a SECURITY DEFINER function would (more work_mem for a statement that
 * changed a million agents, which then joins and groups in memory).
 */
void
mm_owner_setting(const char *name, const char *value)
{
	(void) set_config_option(name, value, PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
							 true, 0, false);
}

/* Back to the caller's identity and search_path. */
void
mm_stop_being_owner(MMOwnerContext *context)
{
	AtEOXact_GUC(true, context->guc_nest_level);
	SetUserIdAndSecContext(context->saved_user, context->saved_security_context);
}
