/*
 * dashboard_views.c
 *     What the dashboard views call besides the counters: overdue_at(), the
 *     indexed instant an agent becomes overdue; the overdue lookups
 *     (overdue_alerting_agents(), and the site and client views' tests
 *     site_overdue_alerting() and client_overdue_alerting()); and
 *     client_overflow(), a client's overflow counter rows added up.  What they
 *     read once for a statement they keep while the snapshot sees the same
 *     rows (SnapshotReader).
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "common/int.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "maintmode.h"

/* This backend's current local transaction (moved in PostgreSQL 17). */
#if PG_VERSION_NUM >= 170000
#define CURRENT_LXID (MyProc->vxid.lxid)
#else
#define CURRENT_LXID (MyProc->lxid)
#endif

/*
 * Who reads, and with what snapshot: what the dashboard helpers below read
 * once for a statement is kept while the same role reads with a snapshot that
 * sees the same rows (and the same now()).  Two snapshots of one transaction
 * and command see the same rows when their xmax and their counts of
 * transactions in progress are the same: a transaction that ends either was
 * in progress (a count drops) or moves xmax past itself.
 */
typedef struct SnapshotReader
{
	Oid			role;
	LocalTransactionId transaction;
	CommandId	command;
	TransactionId xmin;
	TransactionId xmax;
	uint32		in_progress;
	int32		sub_in_progress;
} SnapshotReader;

static SnapshotReader
current_reader(void)
{
	Snapshot	snapshot;
	SnapshotReader reader;

	if (!ActiveSnapshotSet())
		elog(ERROR, "the dashboard's lookups need an active snapshot");
	snapshot = GetActiveSnapshot();
	reader.role = GetUserId();
	reader.transaction = CURRENT_LXID;
	reader.command = snapshot->curcid;
	reader.xmin = snapshot->xmin;
	reader.xmax = snapshot->xmax;
	reader.in_progress = snapshot->xcnt;
	reader.sub_in_progress = snapshot->subxcnt;
	return reader;
}

static bool
same_reader(const SnapshotReader *a, const SnapshotReader *b)
{
	return a->role == b->role && a->transaction == b->transaction &&
		a->command == b->command && a->xmin == b->xmin && a->xmax == b->xmax &&
		a->in_progress == b->in_progress && a->sub_in_progress == b->sub_in_progress;
}

/*
 * The rows of overdue_alerting_agent the caller sees, read as the lookup
 * function's owner (its callers need no privilege on agents): a scoped
 * caller's within its scopes (caller_sees() knows the caller whatever role
 * runs the lookup).  The lookups are planned with sequential scans off, so
 * that their plans are the range scan of the overdue index whatever the
 * statistics say when they are made.
 */
#define SEEN_BY_CALLER(site_id) \
	"maintmode.in_scope(" site_id ", (SELECT maintmode.caller_sees('site')))"
#define OVERDUE_SEEN \
	" FROM maintmode.overdue_alerting_agent WHERE " SEEN_BY_CALLER("site_id")

/* overdue_alerting_agents(): those rows, with their client, as a set. */
static MMStatement overdue_agents_stmt = {
	"SELECT agent_id, site_id, client_id" OVERDUE_SEEN, 0, {0}
};

PG_FUNCTION_INFO_V1(maintmode_overdue_alerting_agents);
Datum
maintmode_overdue_alerting_agents(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MMOwnerContext owner;
	int			rows;

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	mm_become_owner(fcinfo, &owner);
	mm_owner_setting("enable_seqscan", "off");
	SPI_connect();
	rows = mm_execute(&overdue_agents_stmt, NULL, NULL, true);
	for (int i = 0; i < rows; i++)
	{
		Datum		values[3];
		bool		nulls[3];

		heap_deform_tuple(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, values, nulls);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	SPI_finish();
	mm_stop_being_owner(&owner);
	return (Datum) 0;
}

/*
 * site_overdue_alerting(site_id), client_overdue_alerting(client_id): whether
 * the site, or the client, has an agent of overdue_alerting_agent that the
 * caller sees: the site and client views' test.  The first few questions of a
 * statement (one client's tree asks about the client and about its sites that
 * no failing check colours already) each look at the agents in question;
 * after them, the overdue agents of the whole fleet are read once, through the
 * overdue index, and kept (SnapshotReader) for the rest, which look the site
 * or client up in memory, searched by halves (a hash table cost more).  So
 * one client's tree costs the same at any size of the fleet, and a whole tree
 * what one lookup of the fleet does.
 */
typedef struct OverdueLookup
{
	MMStatement probe;			/* $1 a site or client: whether it has one */
	MMStatement fleet;			/* the sites or clients of them all */
	int			probes;			/* questions answered by the probe */
	MemoryContext context;
	SnapshotReader reader;
	int			questions;		/* of this reader */
	bool		fleet_read;
	int64	   *found;			/* then the sites or clients found, sorted */
	int			nfound;
} OverdueLookup;

/*
 * A probe applies the conditions of overdue_alerting_agent (schema/50_dashboard.sql)
 * to the agents in question, read behind OFFSET 0: so its plan reads those
 * agents, through agent_site_id_idx, whatever the statistics.  Asked of the
 * view, the planner chose to range over the overdue index and intersect: a
 * cost that grows with the fleet's outages, paid by every probe.
 */
#define OVERDUE_AMONG(agents) \
	"SELECT EXISTS (SELECT FROM (" agents " OFFSET 0) a" \
	" WHERE NOT a.maintenance_mode" \
	"   AND (a.overdue_email_alert OR a.overdue_text_alert OR a.overdue_dashboard_alert)" \
	"   AND maintmode.overdue_at(a.last_seen, a.overdue_time) < pg_catalog.now()" \
	"   AND " SEEN_BY_CALLER("a.site_id") ")"

static OverdueLookup overdue_sites = {
	{OVERDUE_AMONG("SELECT * FROM maintmode.agent WHERE site_id = $1"), 1, {INT8OID},
	 CURSOR_OPT_GENERIC_PLAN},
	{"SELECT site_id" OVERDUE_SEEN, 0, {0}},
	16
};

static OverdueLookup overdue_clients = {
	{OVERDUE_AMONG("SELECT a.* FROM maintmode.site s"
				   " JOIN maintmode.agent a ON a.site_id = s.id WHERE s.client_id = $1"),
	 1, {INT8OID}, CURSOR_OPT_GENERIC_PLAN},
	{"SELECT client_id" OVERDUE_SEEN, 0, {0}},
	4
};

static bool
overdue_answer(FunctionCallInfo fcinfo, OverdueLookup *lookup)
{
	Datum		id = PG_GETARG_DATUM(0);
	SnapshotReader reader = current_reader();
	MMOwnerContext owner;
	bool		overdue = false;
	bool		isnull;

	if (lookup->questions == 0 || !same_reader(&reader, &lookup->reader))
	{
		lookup->reader = reader;
		lookup->questions = 0;
		lookup->fleet_read = false;
	}
	if (lookup->fleet_read)
		return mm_sorted_contains_int64(lookup->found, lookup->nfound, DatumGetInt64(id));

	mm_become_owner(fcinfo, &owner);
	mm_owner_setting("enable_seqscan", "off");
	SPI_connect();
	if (++lookup->questions <= lookup->probes)
	{
		mm_execute(&lookup->probe, &id, NULL, true);
		overdue = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1,
											 &isnull));
	}
	else
	{
		int			rows = mm_execute(&lookup->fleet, NULL, NULL, true);

		if (lookup->context == NULL)
			lookup->context = AllocSetContextCreate(TopMemoryContext, "overdue lookup",
													ALLOCSET_SMALL_SIZES);
		MemoryContextReset(lookup->context);
		lookup->found = MemoryContextAlloc(lookup->context, Max(rows, 1) * sizeof(int64));
		for (int i = 0; i < rows; i++)
			lookup->found[i] = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i],
														   SPI_tuptable->tupdesc, 1, &isnull));
		lookup->nfound = mm_sort_unique_int64(lookup->found, rows);
		lookup->fleet_read = true;
		overdue = mm_sorted_contains_int64(lookup->found, lookup->nfound, DatumGetInt64(id));
	}
	SPI_finish();
	mm_stop_being_owner(&owner);
	return overdue;
}

PG_FUNCTION_INFO_V1(maintmode_site_overdue_alerting);
Datum
maintmode_site_overdue_alerting(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(overdue_answer(fcinfo, &overdue_sites));
}

PG_FUNCTION_INFO_V1(maintmode_client_overdue_alerting);
Datum
maintmode_client_overdue_alerting(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(overdue_answer(fcinfo, &overdue_clients));
}

/*
 * client_overflow(client_id, counter): counter summed over the client's
 * overflow rows (stripe > 0), 0 if it has none; client_dashboard adds it to
 * the client's own row, where grouping every client's rows cost more than the
 * rest of the read.  Overflow rows are few: they are read all at once, through
 * their index, as the caller (in SQL that names the schema of everything, for
 * any search_path), and kept (SnapshotReader), so that the calls of one
 * statement look clients up in memory.
 */
static const char *const overflow_counter_names[] = {
	"agents", "agents_in_maintenance", "sites_error", "sites_warning"
};

#define OVERFLOW_COUNTERS ((int) lengthof(overflow_counter_names))

static const MMChoice overflow_counter = {
	overflow_counter_names, OVERFLOW_COUNTERS, "counter", "unknown client counter",
	"Valid counters are agents, agents_in_maintenance, sites_error and sites_warning.",
	ERRCODE_NULL_VALUE_NOT_ALLOWED, false
};

static MMStatement overflow_sums_stmt = {
	"SELECT client_id, pg_catalog.sum(agents::pg_catalog.int4),"
	"       pg_catalog.sum(agents_in_maintenance::pg_catalog.int4),"
	"       pg_catalog.sum(sites_error::pg_catalog.int4),"
	"       pg_catalog.sum(sites_warning::pg_catalog.int4)"
	"  FROM maintmode.client_counter WHERE stripe OPERATOR(pg_catalog.>) 0"
	" GROUP BY client_id", 0, {0}
};

typedef struct OverflowSums
{
	int64		client_id;		/* hash key */
	int64		sums[OVERFLOW_COUNTERS];
} OverflowSums;

static MemoryContext overflow_context = NULL;
static SnapshotReader overflow_reader;
static HTAB *overflow_clients = NULL;	/* NULL: no overflow rows */
static bool overflow_read = false;

static void
read_overflow_rows(const SnapshotReader *reader)
{
	int			rows;

	if (overflow_context == NULL)
		overflow_context = AllocSetContextCreate(TopMemoryContext, "client overflow sums",
												 ALLOCSET_SMALL_SIZES);
	MemoryContextReset(overflow_context);
	overflow_clients = NULL;
	overflow_read = false;
	SPI_connect();
	rows = mm_execute(&overflow_sums_stmt, NULL, NULL, true);
	if (rows > 0)
	{
		MemoryContext old_context = MemoryContextSwitchTo(overflow_context);

		overflow_clients = mm_int64_keyed_hash("client overflow sums", sizeof(OverflowSums));
		MemoryContextSwitchTo(old_context);
	}
	for (int i = 0; i < rows; i++)
	{
		bool		isnull;
		int64		client_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i],
															SPI_tuptable->tupdesc, 1,
															&isnull));
		OverflowSums *entry = hash_search(overflow_clients, &client_id, HASH_ENTER, NULL);

		for (int c = 0; c < OVERFLOW_COUNTERS; c++)
			entry->sums[c] = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i],
														 SPI_tuptable->tupdesc, c + 2,
														 &isnull));
	}
	SPI_finish();
	overflow_reader = *reader;
	overflow_read = true;
}

/* A call site's counter: chosen once when its argument is a constant (as in the view). */
typedef struct OverflowCallSite
{
	bool		constant;
	int			counter;
} OverflowCallSite;

PG_FUNCTION_INFO_V1(maintmode_client_overflow);
Datum
maintmode_client_overflow(PG_FUNCTION_ARGS)
{
	int64		client_id = PG_GETARG_INT64(0);
	OverflowCallSite *site = (OverflowCallSite *) fcinfo->flinfo->fn_extra;
	SnapshotReader reader = current_reader();
	int			counter;
	OverflowSums *entry;

	if (site == NULL)
	{
		site = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(OverflowCallSite));
		site->constant = get_fn_expr_arg_stable(fcinfo->flinfo, 1);
		site->counter = site->constant ? mm_choose(fcinfo, 1, &overflow_counter) : -1;
		fcinfo->flinfo->fn_extra = site;
	}
	counter = site->constant ? site->counter : mm_choose(fcinfo, 1, &overflow_counter);
	if (!overflow_read || !same_reader(&reader, &overflow_reader))
		read_overflow_rows(&reader);
	if (overflow_clients == NULL)
		PG_RETURN_INT64(0);
	entry = hash_search(overflow_clients, &client_id, HASH_FIND, NULL);
	PG_RETURN_INT64(entry != NULL ? entry->sums[counter] : 0);
}

/*
 * last_seen + overdue_time minutes, the instant the agent becomes overdue:
 * agent_status() says overdue exactly when this is before now().
 */
PG_FUNCTION_INFO_V1(maintmode_overdue_at);
Datum
maintmode_overdue_at(PG_FUNCTION_ARGS)
{
	TimestampTz last_seen = PG_GETARG_TIMESTAMPTZ(0);
	int64		span = (int64) PG_GETARG_INT32(1) * USECS_PER_MINUTE;
	TimestampTz result;

	if (TIMESTAMP_NOT_FINITE(last_seen))
		PG_RETURN_TIMESTAMPTZ(last_seen);
	if (pg_add_s64_overflow(last_seen, span, &result))
		PG_RETURN_TIMESTAMPTZ(span > 0 ? DT_NOEND : DT_NOBEGIN);
	PG_RETURN_TIMESTAMPTZ(result);
}
