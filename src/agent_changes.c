/*
 * agent_changes.c
 *     What an UPDATE of agents changed (a site, the maintenance flag, or the
 *     hand flag going off), and
 *     the trigger that hands it to the dashboard counters, the alerts and the
 *     history once the statement is done.
 *
 * Since 1.3 the changes are collected without transition tables, so that the
 * commonest write of all, a heartbeat (UPDATE ... SET last_seen), fires none
 * of the extension's triggers: transition tables are captured for every row of
 * every UPDATE of a table that has one such trigger, and a trigger with them
 * may not name columns.  Instead three triggers name the columns that can
 * change a site or a flag (schema/80_agent_changes.sql):
 *   agent_changes_begin  BEFORE UPDATE OF ... FOR EACH STATEMENT opens a set;
 *   agent_effective_maintenance, BEFORE ... FOR EACH ROW (switches.c), records
 *     each row whose site or flag it leaves changed, or whose hand flag it
 *     leaves off, as it leaves the row: the row that is then written;
 *   agent_changes  AFTER UPDATE OF ... FOR EACH STATEMENT closes the set and
 *     applies it: alerts, counters, history, in that order.
 * PostgreSQL fires the two statement triggers once per statement and query
 * level, so the open sets form a stack: a statement that a trigger or a
 * function runs in the middle of another opens and closes its own.
 *
 * Schemas before 1.3 keep their transition-table triggers; those build the
 * same set from their transition tables (mm_agent_changes_from_transitions).
 *
 * It also keeps the ids of the agents inserted whose counter rows their
 * statement has not made yet, so that a check writer inside that statement
 * can tell.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

#include "maintmode.h"

/* A set opened by a statement, with the subtransaction it was opened in. */
typedef struct OpenSet
{
	MMAgentChanges changes;
	MemoryContext context;
	SubTransactionId subxact;
	struct OpenSet *outer;
} OpenSet;

static OpenSet *open_sets = NULL;

/*
 * Agents inserted (the BEFORE row trigger fired) and not yet counted by the
 * statement trigger that makes their counter rows, with the subtransaction
 * that inserted them; in the transaction's memory.  An id whose row was not
 * written after all (a later BEFORE trigger skipped it, ON CONFLICT found the
 * agent there) stays until the transaction ends: a check writer of that
 * agent then looks for its counter row, and finds it.
 */
typedef struct AwaitingAgent
{
	int64		id;				/* hash key */
	SubTransactionId subxact;
} AwaitingAgent;

static HTAB *agents_awaiting_counters = NULL;

/* Add one agent's change; reason is copied (a flag change only; NULL: none). */
void
mm_agent_changes_add(MMAgentChanges *changes, int64 id, int64 old_site, int64 site,
					 bool old_flag, bool flag, bool hand_ended, Datum reason,
					 bool reason_null)
{
	MemoryContext old_context = MemoryContextSwitchTo(changes->context);

	if (changes->count == changes->size)
	{
		int			size = changes->size == 0 ? 16 : changes->size * 2;

#define GROW(field) \
		changes->field = changes->size == 0 ? palloc(size * sizeof(*changes->field)) \
			: repalloc_huge(changes->field, size * sizeof(*changes->field))
		GROW(ids);
		GROW(old_sites);
		GROW(sites);
		GROW(old_flags);
		GROW(flags);
		GROW(hand_ended);
		GROW(reasons);
		GROW(reason_nulls);
#undef GROW
		changes->size = size;
	}
	changes->ids[changes->count] = id;
	changes->old_sites[changes->count] = old_site;
	changes->sites[changes->count] = site;
	changes->old_flags[changes->count] = old_flag;
	changes->flags[changes->count] = flag;
	changes->hand_ended[changes->count] = hand_ended;
	changes->reason_nulls[changes->count] = reason_null;
	/* A million agents switched by one statement share one reason: one copy. */
	if (!reason_null &&
		(changes->last_reason == (Datum) 0 ||
		 !datum_image_eq(reason, changes->last_reason, false, -1)))
		changes->last_reason = datumCopy(reason, false, -1);
	changes->reasons[changes->count] = reason_null ? (Datum) 0 : changes->last_reason;
	changes->count++;
	MemoryContextSwitchTo(old_context);
}

/*
 * The set of the statement running now, for the BEFORE row trigger; NULL when
 * none is open: a schema before 1.3, or the statement triggers disabled (a
 * trigger-free baseline), where nothing is to be collected.
 */
MMAgentChanges *
mm_agent_changes_open(void)
{
	return open_sets == NULL ? NULL : &open_sets->changes;
}

/*
 * Whether a statement still running moved or switched the agent: its change
 * is in a set not yet applied, and the counters still count the agent where
 * it was.  Only check writers inside such a statement ask (open_sets is NULL
 * for all others).
 */
bool
mm_agent_change_pending(int64 agent_id)
{
	for (OpenSet *set = open_sets; set != NULL; set = set->outer)
		for (int i = 0; i < set->changes.count; i++)
			if (set->changes.ids[i] == agent_id)
				return true;
	return false;
}

/* The BEFORE row trigger saw agent id inserted. */
void
mm_agent_inserted(int64 id)
{
	AwaitingAgent *agent;

	if (agents_awaiting_counters == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(int64);
		ctl.entrysize = sizeof(AwaitingAgent);
		ctl.hcxt = TopTransactionContext;
		agents_awaiting_counters = hash_create("maintmode agents awaiting counters", 256, &ctl,
											   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	agent = hash_search(agents_awaiting_counters, &id, HASH_ENTER, NULL);
	agent->subxact = GetCurrentSubTransactionId();
}

/* The agent insert's statement trigger made agent id's counter row. */
void
mm_agent_counted(int64 id)
{
	hash_search(agents_awaiting_counters, &id, HASH_REMOVE, NULL);
}

/* Whether any agent inserted by this transaction may lack its counter row. */
bool
mm_agent_insert_pending(void)
{
	return agents_awaiting_counters != NULL && hash_get_num_entries(agents_awaiting_counters) > 0;
}

/* Whether agent id was inserted by a statement that has not counted it yet. */
bool
mm_agent_awaits_counters(int64 id)
{
	return mm_agent_insert_pending() &&
		hash_search(agents_awaiting_counters, &id, HASH_FIND, NULL) != NULL;
}

/*
 * The changes of an UPDATE read from its transition tables (the schemas before
 * 1.3, which have no reminders to end).
 */
void
mm_agent_changes_from_transitions(TriggerData *trigdata, MMAgentChanges *changes)
{
	TupleDesc	desc = RelationGetDescr(trigdata->tg_relation);
	AttrNumber	site_att = SPI_fnumber(desc, "site_id");
	AttrNumber	flag_att = SPI_fnumber(desc, "maintenance_mode");
	MMRowPairs	pairs;

	memset(changes, 0, sizeof(*changes));
	changes->context = CurrentMemoryContext;
	mm_row_pairs_begin(&pairs, trigdata);
	while (mm_row_pairs_next(&pairs))
	{
		bool		isnull;
		int64		old_site = DatumGetInt64(slot_getattr(pairs.old_slot, site_att, &isnull));
		int64		site = DatumGetInt64(slot_getattr(pairs.new_slot, site_att, &isnull));
		bool		old_flag = DatumGetBool(slot_getattr(pairs.old_slot, flag_att, &isnull));
		bool		flag = DatumGetBool(slot_getattr(pairs.new_slot, flag_att, &isnull));

		if (site != old_site || flag != old_flag)
			mm_agent_changes_add(changes,
								 DatumGetInt64(slot_getattr(pairs.new_slot, pairs.id_att,
															&isnull)),
								 old_site, site, old_flag, flag, false, (Datum) 0, true);
	}
	mm_row_pairs_end(&pairs);
}

static void
open_set(void)
{
	MemoryContext context = AllocSetContextCreate(TopTransactionContext,
												  "maintmode agent changes",
												  ALLOCSET_SMALL_SIZES);
	OpenSet    *set = MemoryContextAllocZero(context, sizeof(OpenSet));

	set->context = context;
	set->changes.context = context;
	set->subxact = GetCurrentSubTransactionId();
	set->outer = open_sets;
	open_sets = set;
}

/*
 * Aborting a subtransaction closes the sets its statements opened, and
 * forgets the agents they inserted.
 */
static void
close_sets_of_subxact(SubXactEvent event, SubTransactionId subid,
					  SubTransactionId parent_subid, void *arg)
{
	HASH_SEQ_STATUS scan;
	AwaitingAgent *agent;

	if (event != SUBXACT_EVENT_ABORT_SUB)
		return;
	while (open_sets != NULL && open_sets->subxact >= subid)
	{
		OpenSet    *set = open_sets;

		open_sets = set->outer;
		MemoryContextDelete(set->context);
	}
	if (!mm_agent_insert_pending())
		return;
	hash_seq_init(&scan, agents_awaiting_counters);
	while ((agent = hash_seq_search(&scan)) != NULL)
		if (agent->subxact >= subid)
			hash_search(agents_awaiting_counters, &agent->id, HASH_REMOVE, NULL);
}

/*
 * A set still open at commit holds changes nothing applied: refuse to commit
 * rather than leave the counters wrong.  It can only be left by one statement
 * that updates agents twice (two UPDATEs in WITH) naming different columns, or
 * by agent_changes disabled while agent_changes_begin is not.  The sets go
 * with the transaction's memory however it ends.
 */
static void
close_sets_of_xact(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_PRE_COMMIT || event == XACT_EVENT_PRE_PREPARE)
	{
		for (OpenSet *set = open_sets; set != NULL; set = set->outer)
			if (set->changes.count > 0)
				ereport(ERROR,
						(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
						 errmsg("maintenance changes of " INT64_FORMAT " agent(s) were not applied",
								(int64) set->changes.count),
						 errdetail("The trigger agent_changes did not fire for an UPDATE of maintmode.agent that agent_changes_begin fired for."),
						 errhint("Update agents with one UPDATE per statement, and enable or disable the triggers agent_changes_begin and agent_changes together.")));
		return;
	}
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
		event == XACT_EVENT_PREPARE || event == XACT_EVENT_PARALLEL_COMMIT ||
		event == XACT_EVENT_PARALLEL_ABORT)
	{
		open_sets = NULL;
		agents_awaiting_counters = NULL;
	}
}

/* Registered once, by _PG_init(). */
void
mm_watch_agent_changes(void)
{
	RegisterXactCallback(close_sets_of_xact, NULL);
	RegisterSubXactCallback(close_sets_of_subxact, NULL);
}

/* Above this many changed agents, the SQL that applies them gets more work_mem. */
#define BULK_CHANGES 10000

/*
 * agent_changes_trigger(): BEFORE and AFTER UPDATE OF ... ON agent FOR EACH
 * STATEMENT.  Before, it opens the statement's set; after, it closes it and,
 * if agents changed, applies the changes as the function's owner (it is not
 * SECURITY DEFINER: the history records the caller's role).
 */
PG_FUNCTION_INFO_V1(maintmode_agent_changes_trigger);
Datum
maintmode_agent_changes_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	OpenSet    *set;
	char	   *caller;
	MMOwnerContext owner;

	if (!CALLED_AS_TRIGGER(fcinfo) ||
		!TRIGGER_FIRED_FOR_STATEMENT(trigdata->tg_event) ||
		!TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ||
		trigdata->tg_oldtable != NULL || trigdata->tg_newtable != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("agent_changes_trigger must fire BEFORE and AFTER UPDATE FOR EACH STATEMENT, without transition tables")));
	mm_check_trigger_table(trigdata, "agent", "agent_changes_trigger");

	if (TRIGGER_FIRED_BEFORE(trigdata->tg_event))
	{
		open_set();
		return PointerGetDatum(NULL);
	}
	set = open_sets;
	if (set == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("agent_changes fired for an UPDATE that agent_changes_begin did not fire for"),
				 errhint("Enable or disable the triggers agent_changes_begin and agent_changes together.")));
	open_sets = set->outer;
	if (set->changes.count > 0)
	{
		caller = mm_caller_name();
		mm_become_owner(fcinfo, &owner);
		if (set->changes.count > BULK_CHANGES)
			mm_owner_setting("work_mem", "256MB");
		mm_alert_agent_changes(&set->changes);
		mm_count_agent_changes(&set->changes);
		mm_record_agent_changes(&set->changes, caller);
		mm_stop_being_owner(&owner);
	}
	MemoryContextDelete(set->context);
	return PointerGetDatum(NULL);
}
