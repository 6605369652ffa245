/*
 * extension.c
 *     What the extension is in this database: its schema (found through
 *     pg_extension, never by name), the schema version the library is serving,
 *     the lock order of every path that changes agents, and the checks every
 *     trigger function makes on the table it fires on.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/pg_extension.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "maintmode.h"

/*
 * The extension's schema, found through pg_extension, never by its name: a
 * schema of that name is not ours unless the extension lives there.  Cached
 * until a schema changes (a rename included); the statements are then made
 * again if its name changed (schema_generation).
 */
static Oid	schema_oid = InvalidOid;
static char *schema_prefix = NULL;	/* the quoted name and a dot */
static uint32 schema_generation = 0;

static void
forget_schema(Datum arg, int cacheid, uint32 hashvalue)
{
	schema_oid = InvalidOid;
}

/* pg_extension.extnamespace of maintmode; InvalidOid if it is not installed. */
static Oid
extension_schema(void)
{
	Relation	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tuple;
	Oid			schema = InvalidOid;

	ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber, F_NAMEEQ,
				CStringGetDatum("maintmode"));
	scan = systable_beginscan(rel, ExtensionNameIndexId, true, NULL, 1, &key);
	tuple = systable_getnext(scan);
	if (HeapTupleIsValid(tuple))
		schema = ((Form_pg_extension) GETSTRUCT(tuple))->extnamespace;
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return schema;
}

/* The extension's schema; an error if the extension is not installed here. */
Oid
mm_schema_oid(void)
{
	if (!OidIsValid(schema_oid))
	{
		Oid			schema = extension_schema();
		char	   *name = OidIsValid(schema) ? get_namespace_name(schema) : NULL;
		char	   *prefix;

		if (name == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("extension \"maintmode\" is not installed in this database")));
		prefix = MemoryContextStrdup(TopMemoryContext,
									 psprintf("%s.", quote_identifier(name)));
		if (schema_prefix == NULL || strcmp(prefix, schema_prefix) != 0)
		{
			if (schema_prefix != NULL)
				pfree(schema_prefix);
			schema_prefix = prefix;
			schema_generation++;
		}
		else
			pfree(prefix);
		schema_oid = schema;
	}
	return schema_oid;
}

/*
 * The extension's schema as an SQL prefix ("maintmode."), and the generation
 * of that name: it changes when the schema is renamed.
 */
const char *
mm_schema_prefix(uint32 *generation)
{
	/* A rename committed while this transaction waited for a lock is seen now. */
	AcceptInvalidationMessages();
	(void) mm_schema_oid();
	if (generation != NULL)
		*generation = schema_generation;
	return schema_prefix;
}

/*
 * Forget the schema when any schema changes (a rename of ours included).
 * Registered once, by _PG_init().
 */
void
mm_watch_schema(void)
{
	CacheRegisterSyscacheCallback(NAMESPACEOID, forget_schema, (Datum) 0);
}

/*
 * Whether the extension's <table> has the column: the library serves every
 * schema version from its installation until ALTER EXTENSION UPDATE.
 */
static bool
has_column(const char *table, const char *column)
{
	Oid			relid = get_relname_relid(table, mm_schema_oid());

	return OidIsValid(relid) && get_attnum(relid, column) != InvalidAttrNumber;
}

/*
 * The schema version installed in this database, as far as the library needs
 * to tell: 1.1 added the hand flag and windows, 1.2 dropped the agent counter
 * rows' copies of each agent's site and flag, 1.3 keeps the hand details in
 * the saved states.
 */
MMSchemaVersion
mm_schema_version(void)
{
	if (!has_column("agent", "hand_maintenance"))
		return MM_SCHEMA_1_0;
	if (has_column("agent_counter", "in_maintenance"))
		return MM_SCHEMA_1_1;
	if (!has_column("saved_state", "hand_reason"))
		return MM_SCHEMA_1_2;
	return MM_SCHEMA_1_3;
}

/*
 * The lock order of every path that changes agents, so that none of them
 * deadlocks with another:
 *  1. the agent table: EXCLUSIVE for the calls that change the maintenance of
 *     many agents (switches, server_maint_mode, the window calls and sweeps),
 *     which conflicts with itself and with every transaction that holds or may
 *     take a lock on an agent row (all of them hold at least ROW SHARE on the
 *     table: UPDATE and INSERT take ROW EXCLUSIVE, SELECT ... FOR UPDATE /
 *     SHARE and foreign-key checks ROW SHARE); plain reads go on.  Writers of
 *     the rows that come later in this order (counter and alert rows) take ROW
 *     EXCLUSIVE on the agent table first, where their statement does not.
 *  2. the server_mode row, or a maintenance_window row;
 *  3. agent rows; 4. counter rows: agent, site, client; 5. alert rows.
 *     One exception: a check writer that changes one agent's counts locks
 *     that agent's row FOR KEY SHARE after its counter row, and only when its
 *     colour class changed (dashboard.c, count_one_agent): that lock waits
 *     only for a plain UPDATE moving or switching the agent, which locks no
 *     counter row, or for a DELETE of the agent.  That DELETE's ON DELETE
 *     CASCADE waits for the writer's check row: if the writer held that row
 *     before the DELETE began (an earlier statement of its transaction wrote
 *     the check), the two deadlock and PostgreSQL cancels one (40P01), as it
 *     would if the writer changed the check's agent_id, whose foreign-key
 *     check takes the same lock.
 * So a switch that has its table lock waits for no row of another transaction,
 * and a transaction that comes later waits for the switch before it holds a
 * row the switch needs.
 */

/* The agent table of the extension's schema. */
static Oid
agent_table(void)
{
	return get_relname_relid("agent", mm_schema_oid());
}

/*
 * Step 1 for a switch.  Take it first in the transaction: one that already
 * holds agent rows may wait here for a transaction that waits for them.  By
 * OID, so that a statement cannot be pointed at another table of that name.
 */
void
mm_lock_agents_for_switching(void)
{
	PreventCommandIfReadOnly("LOCK TABLE");
	PreventCommandDuringRecovery("LOCK TABLE");
	LockRelationOid(agent_table(), ExclusiveLock);
}

/* Step 1 for a writer of rows that come after the agent rows in the order. */
void
mm_lock_agents_for_writing(void)
{
	LockRelationOid(agent_table(), RowExclusiveLock);
}

/*
 * Serialise the calls of a sweep over table with each other, and with nothing
 * else: an advisory lock keyed by the table's OID (as pg_advisory_xact_lock(
 * oid, 0) would take it), for the rest of the transaction.
 */
void
mm_serialize_sweeps_of(const char *table)
{
	LOCKTAG		tag;

	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId,
						 (uint32) get_relname_relid(table, mm_schema_oid()), 0, 2);
	(void) LockAcquire(&tag, ExclusiveLock, false, false);
}

/*
 * A trigger function fires on its own table only: attached to another one, it
 * would write counters or alerts from rows that are not the fleet's.
 */
void
mm_check_trigger_table(TriggerData *trigdata, const char *table, const char *name)
{
	Relation	rel = trigdata->tg_relation;

	if (RelationGetNamespace(rel) != mm_schema_oid() ||
		strcmp(RelationGetRelationName(rel), table) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("%s fires only on table maintmode.%s, not on %s",
						name, table, RelationGetRelationName(rel))));
}

/*
 * The trigger data of an AFTER ... FOR EACH STATEMENT trigger on its table; an
 * error otherwise.  name: the trigger function, for the messages.  With an
 * event (INSERT or UPDATE), also an error unless it fired for that event with
 * the transition tables it reads; with 0, the caller checks those.
 */
TriggerData *
mm_statement_trigger_data(FunctionCallInfo fcinfo, const char *table, const char *name,
						  TriggerEvent event, bool needs_old)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo) ||
		!TRIGGER_FIRED_AFTER(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_STATEMENT(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("%s must fire AFTER ... FOR EACH STATEMENT", name)));
	if (event != 0 &&
		((trigdata->tg_event & TRIGGER_EVENT_OPMASK) != event ||
		 trigdata->tg_newtable == NULL ||
		 (needs_old && trigdata->tg_oldtable == NULL)))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("%s must fire AFTER %s FOR EACH STATEMENT with %s",
						name, event == TRIGGER_EVENT_INSERT ? "INSERT" : "UPDATE",
						needs_old ? "an OLD TABLE and a NEW TABLE" : "a NEW TABLE")));
	mm_check_trigger_table(trigdata, table, name);
	return trigdata;
}
