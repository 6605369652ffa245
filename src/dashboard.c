/*
 * dashboard.c
 *     Dashboard counters: the statement-level AFTER triggers on client, site,
 *     agent and check_result that keep maintmode.agent_counter, site_counter and
 *     client_counter equal to a recomputation from the base tables
 *     (dashboard_views.c has what the views call).
 *
 * A change is carried up in up to three set-based steps, each one SPI
 * statement over the whole change (never one call per row), each run only if
 * the one before produced something:
 *   1. per-site changes of agents / in maintenance / error / warning agents:
 *      for check results, from the agent_counter rows they update; for agents
 *      that changed site or maintenance, summed in C from the statement's
 *      changes (agent_changes.c) and the counter rows of those that fail (read,
 *      not written);
 *   2. site_counter: returns the per-client-stripe changes of agents / in
 *      maintenance / sites with error or warning agents, where not zero;
 *   3. client_counter.
 * So a check result that does not change its agent's colour class writes no
 * site row, and a site that does not change class writes no client row.  A
 * step for one agent, site or client stripe, the usual case, runs no statement:
 * it changes that row in place (counter_rows.c).
 *
 * Every step changes its rows with UPDATE ... SET x = x + delta (or the same in
 * place) and computes what it passes on from the row as it is after its row
 * lock: concurrent writers of one site or client stripe are serialised on that
 * row and never lose a change.  A check writer and a switch or move of the same
 * agent are serialised on the agent row (check_counts_stmt, count_one_agent()).
 * Counter rows are locked in the order agent, site, client by every trigger.
 * They are keyed by ids that fleet_id_fixed_trigger() keeps from changing.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"

#include "maintmode.h"

/*
 * Step 1 statements end with a CTE site_delta(site_id, agents,
 * agents_in_maintenance, agents_error, agents_warning), any number of rows per
 * site, and this, which returns the non-zero sum per site.
 */
#define SITE_DELTA \
	"site_delta (site_id, agents, agents_in_maintenance, agents_error, agents_warning)"
#define SELECT_SITE_DELTAS \
	" SELECT site_id, sum(agents)::bigint, sum(agents_in_maintenance)::bigint," \
	"        sum(agents_error)::bigint, sum(agents_warning)::bigint" \
	"   FROM site_delta GROUP BY site_id" \
	" HAVING (sum(agents), sum(agents_in_maintenance), sum(agents_error)," \
	"         sum(agents_warning)) <> (0, 0, 0, 0)"
#define SITE_DELTA_COLUMNS 5

/* The same for client_delta(client_id, stripe, agents, agents_in_maintenance,
 * sites_error, sites_warning), per client stripe. */
#define SELECT_CLIENT_DELTAS \
	" SELECT client_id, stripe::bigint, sum(agents)::bigint," \
	"        sum(agents_in_maintenance)::bigint, sum(sites_error)::bigint," \
	"        sum(sites_warning)::bigint" \
	"   FROM client_delta GROUP BY client_id, stripe" \
	" HAVING (sum(agents), sum(agents_in_maintenance), sum(sites_error)," \
	"         sum(sites_warning)) <> (0, 0, 0, 0)"
#define CLIENT_DELTA_COLUMNS 6

/* Step 2: $1..$5 the columns of the site deltas (unique site ids). */
static MMStatement site_rollup_stmt = {
	"WITH d AS ("
	"  SELECT pg_catalog.unnest($1) AS site_id, pg_catalog.unnest($2) AS agents,"
	"         pg_catalog.unnest($3) AS agents_in_maintenance,"
	"         pg_catalog.unnest($4) AS agents_error, pg_catalog.unnest($5) AS agents_warning)"
	", client_delta AS ("
	"  UPDATE maintmode.site_counter s"
	"     SET agents = s.agents + d.agents,"
	"         agents_in_maintenance = s.agents_in_maintenance + d.agents_in_maintenance,"
	"         agents_error = s.agents_error + d.agents_error,"
	"         agents_warning = s.agents_warning + d.agents_warning"
	"    FROM d"
	"   WHERE s.site_id = d.site_id"
	"  RETURNING s.client_id, maintmode.client_stripe(s.site_id) AS stripe,"
	"            d.agents, d.agents_in_maintenance,"
	"            (s.agents_error > 0)::integer"
	"              - (s.agents_error - d.agents_error > 0)::integer AS sites_error,"
	"            (s.agents_warning > 0)::integer"
	"              - (s.agents_warning - d.agents_warning > 0)::integer AS sites_warning)"
	SELECT_CLIENT_DELTAS,
	5, {INT8ARRAYOID, INT8ARRAYOID, INT8ARRAYOID, INT8ARRAYOID, INT8ARRAYOID},
	CURSOR_OPT_GENERIC_PLAN
};

/*
 * Step 3: $1..$6 the columns of the client deltas (unique client stripes).
 * Before 1.3 every client has client_stripes() rows and a site adds to its
 * stripe.  Since 1.3 a client has one row, stripe 0, which statements for many
 * rows add to (waiting for it if need be); the other stripes are overflow rows,
 * made only by the single-row step below when stripe 0 is busy.
 */
#define CLIENT_ROLLUP(deltas, stripe_match) \
	{"UPDATE maintmode.client_counter k" \
	 "   SET agents = k.agents + d.agents," \
	 "       agents_in_maintenance = k.agents_in_maintenance + d.agents_in_maintenance," \
	 "       sites_error = k.sites_error + d.sites_error," \
	 "       sites_warning = k.sites_warning + d.sites_warning" \
	 "  FROM " deltas \
	 " WHERE k.client_id = d.client_id AND " stripe_match, \
	 6, {INT8ARRAYOID, INT8ARRAYOID, INT8ARRAYOID, INT8ARRAYOID, INT8ARRAYOID, INT8ARRAYOID}, \
	 CURSOR_OPT_GENERIC_PLAN}
#define CLIENT_DELTA_ARRAYS \
	"(SELECT pg_catalog.unnest($1) AS client_id, pg_catalog.unnest($2) AS stripe," \
	"        pg_catalog.unnest($3) AS agents, pg_catalog.unnest($4) AS agents_in_maintenance," \
	"        pg_catalog.unnest($5) AS sites_error, pg_catalog.unnest($6) AS sites_warning) d"
#define CLIENT_ROLLUP_STRIPED CLIENT_ROLLUP(CLIENT_DELTA_ARRAYS, "k.stripe = d.stripe")
static MMStatement client_rollup_stmt[MM_SCHEMA_VERSIONS] = {
	[MM_SCHEMA_1_0] = CLIENT_ROLLUP_STRIPED,
	[MM_SCHEMA_1_1] = CLIENT_ROLLUP_STRIPED,
	[MM_SCHEMA_1_2] = CLIENT_ROLLUP_STRIPED,
	[MM_SCHEMA_1_3] = CLIENT_ROLLUP("(SELECT client_id, sum(agents) AS agents,"
									"        sum(agents_in_maintenance) AS agents_in_maintenance,"
									"        sum(sites_error) AS sites_error,"
									"        sum(sites_warning) AS sites_warning"
									"   FROM " CLIENT_DELTA_ARRAYS
									"  GROUP BY client_id) d", "k.stripe = 0")
};

/*
 * Steps 2 and 3 for one site or one client stripe, and step 1 for one agent,
 * the usual case (one check result, one agent), change their rows in place
 * (counter_rows.c): a statement each cost several times the row change.  The
 * next step's delta is computed in C from the row as changed, as the array
 * forms compute it in SQL.
 *
 * Since 1.3 a step for one client stripe changes the client's row unless
 * another transaction holds it (as FOR UPDATE SKIP LOCKED would): sessions
 * working on different sites of one client do not queue on it.  Those that
 * find it busy add to the overflow row of their site's stripe ($2, 1 or more),
 * made on first use, for a client that still has its row.  The client view
 * adds a client's rows up: one, nearly always.
 */
static MMStatement client_overflow_one_stmt = {
	"INSERT INTO maintmode.client_counter AS k"
	"  (client_id, stripe, agents, agents_in_maintenance, sites_error, sites_warning)"
	" SELECT $1, $2, $3, $4, $5, $6"
	"  WHERE EXISTS (SELECT FROM maintmode.client_counter"
	"                 WHERE client_id = $1 AND stripe = 0)"
	"    ON CONFLICT (client_id, stripe) DO UPDATE"
	"   SET agents = k.agents + EXCLUDED.agents,"
	"       agents_in_maintenance = k.agents_in_maintenance + EXCLUDED.agents_in_maintenance,"
	"       sites_error = k.sites_error + EXCLUDED.sites_error,"
	"       sites_warning = k.sites_warning + EXCLUDED.sites_warning",
	6, {INT8OID, INT4OID, INT8OID, INT8OID, INT8OID, INT8OID}, CURSOR_OPT_GENERIC_PLAN
};

/*
 * Step 1 for check_result: the per-agent changes of failing checks, summed by
 * the trigger in C from the transition tables: $1 agent ids, $2..$4 the change
 * of failing_error, failing_warning, failing_info.  The agent's site and
 * maintenance flag come from its row, locked FOR KEY SHARE before its counter
 * row is updated: a switch, or a plain UPDATE that moves or switches the agent
 * (switches.c, wait_for_check_writers), waits for this transaction, or this
 * statement for it and then sees the agent as it left it, at the latest
 * snapshot even under REPEATABLE READ (latest).  Either way the agent's
 * contribution is removed and added under the same flag.  A heartbeat (NO KEY
 * UPDATE) and this lock do not wait for each other.
 */
static MMStatement check_counts_stmt = {
	"WITH d AS ("
	"  SELECT pg_catalog.unnest($1) AS agent_id, pg_catalog.unnest($2) AS failing_error,"
	"         pg_catalog.unnest($3) AS failing_warning, pg_catalog.unnest($4) AS failing_info)"
	", owner AS ("
	"  SELECT a.id, a.site_id, a.maintenance_mode FROM maintmode.agent a"
	"   WHERE a.id = ANY ($1) FOR KEY SHARE)"
	", counted AS ("
	"  UPDATE maintmode.agent_counter c"
	"     SET failing_error = c.failing_error + d.failing_error,"
	"         failing_warning = c.failing_warning + d.failing_warning,"
	"         failing_info = c.failing_info + d.failing_info"
	"    FROM d JOIN owner a ON a.id = d.agent_id"
	"   WHERE c.agent_id = d.agent_id"
	"  RETURNING a.site_id, a.maintenance_mode, c.failing_error, c.failing_warning,"
	"            (c.failing_error - d.failing_error)::integer AS old_error,"
	"            (c.failing_warning - d.failing_warning)::integer AS old_warning)"
	", " SITE_DELTA " AS ("
	"  SELECT site_id, 0, 0,"
	"         maintmode.counts_as_error(maintenance_mode, failing_error)"
	"           - maintmode.counts_as_error(maintenance_mode, old_error),"
	"         maintmode.counts_as_warning(maintenance_mode, failing_error, failing_warning)"
	"           - maintmode.counts_as_warning(maintenance_mode, old_error, old_warning)"
	"    FROM counted)"
	SELECT_SITE_DELTAS,
	4, {INT8ARRAYOID, INT8ARRAYOID, INT8ARRAYOID, INT8ARRAYOID}, CURSOR_OPT_GENERIC_PLAN, true
};

/*
 * New agents: a counter row each, all counts zero, so they add to their site as
 * agents, and as agents in maintenance if they were inserted so.  The values as
 * inserted (new_rows), not as they are now: a trigger that fired before this
 * one and changed them (the core's agent_starts_in_server_maintenance, the
 * windows' agent_joins_windows) fired the UPDATE trigger, which added the
 * difference already.  Before 1.2 the counter row also mirrored the agent's
 * site and flag, as they are now; from 1.2 it does not.
 */
#define AGENT_INSERT(mirrored_columns, mirrored_values) \
	"WITH added AS (" \
	"  INSERT INTO maintmode.agent_counter (agent_id" mirrored_columns ")" \
	"  SELECT a.id" mirrored_values \
	"    FROM new_rows n JOIN maintmode.agent a ON a.id = n.id" \
	"  RETURNING agent_id)" \
	", " SITE_DELTA " AS (" \
	"  SELECT n.site_id, 1, n.maintenance_mode::integer, 0, 0" \
	"    FROM added JOIN new_rows n ON n.id = added.agent_id)" \
	SELECT_SITE_DELTAS
#define AGENT_INSERT_MIRRORED \
	{AGENT_INSERT(", site_id, in_maintenance", ", a.site_id, a.maintenance_mode"), 0, {0}, \
	 CURSOR_OPT_GENERIC_PLAN}
#define AGENT_INSERT_PLAIN {AGENT_INSERT("", ""), 0, {0}, CURSOR_OPT_GENERIC_PLAN}
static MMStatement agent_insert_stmt[MM_SCHEMA_VERSIONS] = {
	[MM_SCHEMA_1_0] = AGENT_INSERT_MIRRORED,
	[MM_SCHEMA_1_1] = AGENT_INSERT_MIRRORED,
	[MM_SCHEMA_1_2] = AGENT_INSERT_PLAIN,
	[MM_SCHEMA_1_3] = AGENT_INSERT_PLAIN
};

/* Before 1.2: the changed agents' new site and flag, copied to their counter rows. */
static MMStatement agent_mirror_stmt = {
	"UPDATE maintmode.agent_counter c SET site_id = d.site_id, in_maintenance = d.maintenance_mode"
	"  FROM (SELECT pg_catalog.unnest($1) AS agent_id, pg_catalog.unnest($2) AS site_id,"
	"               pg_catalog.unnest($3) AS maintenance_mode) d"
	" WHERE c.agent_id = d.agent_id",
	3, {INT8ARRAYOID, INT8ARRAYOID, BOOLARRAYOID}, CURSOR_OPT_GENERIC_PLAN
};

/*
 * The counts of changed agents that make them error or warning (the others
 * contribute nothing but agents and in maintenance): of the agents in $1 when
 * few changed, of every agent when many did (one sequential scan instead of a
 * million lookups).
 */
#define COLOUR_COUNTS \
	"SELECT agent_id, failing_error, failing_warning FROM maintmode.agent_counter" \
	" WHERE (failing_error > 0 OR failing_warning > 0)"
static MMStatement colour_counts_of_stmt = {
	COLOUR_COUNTS " AND agent_id = ANY ($1)", 1, {INT8ARRAYOID}, CURSOR_OPT_GENERIC_PLAN
};
static MMStatement colour_counts_all_stmt = {COLOUR_COUNTS, 0, {0}, 0};

/*
 * Deleted agents take their counter row with them: its counts as they are now
 * (if the cascaded deletes of the agent's checks were counted first they are
 * zero already; if not, the check trigger finds no agent row to lock later),
 * with the site and flag the agent had.
 */
static MMStatement agent_delete_stmt = {
	"WITH removed AS ("
	"  DELETE FROM maintmode.agent_counter c USING old_rows o WHERE c.agent_id = o.id"
	"  RETURNING c.agent_id, c.failing_error, c.failing_warning)"
	", " SITE_DELTA " AS ("
	"  SELECT o.site_id, -1, -o.maintenance_mode::integer,"
	"         -maintmode.counts_as_error(o.maintenance_mode, r.failing_error),"
	"         -maintmode.counts_as_warning(o.maintenance_mode, r.failing_error, r.failing_warning)"
	"    FROM removed r JOIN old_rows o ON o.id = r.agent_id)"
	SELECT_SITE_DELTAS,
	0, {0}, CURSOR_OPT_GENERIC_PLAN
};

/*
 * Since 1.3 the counter rows also carry the names the dashboard shows (the
 * site's, and the client's on its stripe 0), so that the views read one table
 * each: the statements that create and move counter rows copy them, per schema
 * version.
 */
#define SITE_INSERT(name_column, name_value) \
	{"INSERT INTO maintmode.site_counter (site_id, client_id" name_column ")" \
	 " SELECT id, client_id" name_value " FROM new_rows", 0, {0}, CURSOR_OPT_GENERIC_PLAN}
static MMStatement site_insert_stmt[MM_SCHEMA_VERSIONS] = {
	[MM_SCHEMA_1_0] = SITE_INSERT("", ""),
	[MM_SCHEMA_1_1] = SITE_INSERT("", ""),
	[MM_SCHEMA_1_2] = SITE_INSERT("", ""),
	[MM_SCHEMA_1_3] = SITE_INSERT(", name", ", name")
};

/*
 * A site moving to another client takes its whole contribution along; a site
 * renamed (1.3) only changes its counter row's name, and its client deltas sum
 * to nothing.
 */
#define SITE_UPDATE(name_set, name_changed) \
	{"WITH moved AS (" \
	 "  UPDATE maintmode.site_counter s SET client_id = n.client_id" name_set \
	 "    FROM old_rows o JOIN new_rows n ON n.id = o.id" \
	 "   WHERE s.site_id = n.id AND (o.client_id <> n.client_id" name_changed ")" \
	 "  RETURNING o.client_id AS old_client, s.client_id," \
	 "            maintmode.client_stripe(s.site_id) AS stripe," \
	 "            s.agents, s.agents_in_maintenance," \
	 "            (s.agents_error > 0)::integer AS sites_error," \
	 "            (s.agents_warning > 0)::integer AS sites_warning)" \
	 ", client_delta AS (" \
	 "  SELECT v.* FROM moved, LATERAL (VALUES" \
	 "    (old_client, stripe, -agents, -agents_in_maintenance, -sites_error, -sites_warning)," \
	 "    (client_id, stripe, agents, agents_in_maintenance, sites_error, sites_warning))" \
	 "    AS v(client_id, stripe, agents, agents_in_maintenance, sites_error, sites_warning))" \
	 SELECT_CLIENT_DELTAS, 0, {0}, CURSOR_OPT_GENERIC_PLAN}
static MMStatement site_update_stmt[MM_SCHEMA_VERSIONS] = {
	[MM_SCHEMA_1_0] = SITE_UPDATE("", ""),
	[MM_SCHEMA_1_1] = SITE_UPDATE("", ""),
	[MM_SCHEMA_1_2] = SITE_UPDATE("", ""),
	[MM_SCHEMA_1_3] = SITE_UPDATE(", name = n.name", " OR o.name <> n.name")
};

static MMStatement site_delete_stmt = {
	"WITH removed AS ("
	"  DELETE FROM maintmode.site_counter s USING old_rows o WHERE s.site_id = o.id"
	"  RETURNING s.*)"
	", client_delta AS ("
	"  SELECT client_id, maintmode.client_stripe(site_id) AS stripe,"
	"         -agents AS agents, -agents_in_maintenance AS agents_in_maintenance,"
	"         -(agents_error > 0)::integer AS sites_error,"
	"         -(agents_warning > 0)::integer AS sites_warning"
	"    FROM removed)"
	SELECT_CLIENT_DELTAS,
	0, {0}, CURSOR_OPT_GENERIC_PLAN
};

#define CLIENT_INSERT(name_column, name_value) \
	{"INSERT INTO maintmode.client_counter (client_id, stripe" name_column ")" \
	 " SELECT n.id, stripe" name_value " FROM new_rows n" \
	 " CROSS JOIN pg_catalog.generate_series(0, maintmode.client_stripes() - 1) AS stripe", \
	 0, {0}, CURSOR_OPT_GENERIC_PLAN}
static MMStatement client_insert_stmt[MM_SCHEMA_VERSIONS] = {
	[MM_SCHEMA_1_0] = CLIENT_INSERT("", ""),
	[MM_SCHEMA_1_1] = CLIENT_INSERT("", ""),
	[MM_SCHEMA_1_2] = CLIENT_INSERT("", ""),
	[MM_SCHEMA_1_3] = {"INSERT INTO maintmode.client_counter (client_id, stripe, name)"
					   " SELECT id, 0, name FROM new_rows", 0, {0}, CURSOR_OPT_GENERIC_PLAN}
};

/* A client renamed: the name its stripe 0 carries (1.3, which has this trigger). */
static MMStatement client_update_stmt = {
	"UPDATE maintmode.client_counter k SET name = n.name"
	"  FROM old_rows o JOIN new_rows n ON n.id = o.id"
	" WHERE k.client_id = n.id AND k.stripe = 0 AND o.name <> n.name",
	0, {0}, CURSOR_OPT_GENERIC_PLAN
};

static MMStatement client_delete_stmt = {
	"DELETE FROM maintmode.client_counter k USING old_rows o WHERE k.client_id = o.id",
	0, {0}, CURSOR_OPT_GENERIC_PLAN
};

/*
 * Every counter recomputed from the base tables.  The counters' ACCESS
 * EXCLUSIVE lock comes before the recomputation's snapshot, the latest one at
 * every isolation level: writers whose triggers ran before are committed and
 * seen (a REPEATABLE READ snapshot could predate those the lock waited for,
 * whose changes it would then drop), writers whose triggers run after wait
 * and then apply their change on top.  DELETE, not TRUNCATE, which is not
 * MVCC-safe: a REPEATABLE READ writer whose snapshot predates the rebuild
 * would find no counter row in it and drop its change, where it finds the
 * rows deleted and fails with 40001.  The same after a TRUNCATE of a fleet
 * table: rare, and one code path less.
 */
static MMStatement lock_counters_stmt = {
	"LOCK TABLE maintmode.agent_counter, maintmode.site_counter, maintmode.client_counter"
	" IN ACCESS EXCLUSIVE MODE"
};

static MMStatement clear_counters_stmts[] = {
	{"DELETE FROM maintmode.agent_counter"},
	{"DELETE FROM maintmode.site_counter"},
	{"DELETE FROM maintmode.client_counter"},
};

static MMStatement rebuild_stmts[] = {
	{"INSERT INTO maintmode.agent_counter SELECT * FROM maintmode.agent_counter_recomputed"},
	{"INSERT INTO maintmode.site_counter SELECT * FROM maintmode.site_counter_recomputed"},
	{"INSERT INTO maintmode.client_counter SELECT * FROM maintmode.client_counter_recomputed"},
};

/* Rebuild the counters (SPI connected); returns the rows of each table. */
static void
rebuild_counters(int64 *rows)
{
	mm_execute(&lock_counters_stmt, NULL, NULL, false);
	for (int i = 0; i < (int) lengthof(clear_counters_stmts); i++)
		mm_execute_replacing(&clear_counters_stmts[i]);
	for (int i = 0; i < (int) lengthof(rebuild_stmts); i++)
		rows[i] = mm_execute_latest(&rebuild_stmts[i], NULL, NULL);
}

/* What the rows a step 1 statement returns are: which step comes next. */
typedef enum NextStep
{
	NEXT_NOTHING,
	NEXT_SITES,					/* site deltas: steps 2 and 3 follow */
	NEXT_CLIENTS				/* client deltas: step 3 follows */
} NextStep;

typedef struct CounterStep
{
	MMStatement *stmt;
	NextStep	next;
} CounterStep;

/* The statement for each event on one table ({NULL}: no trigger for it). */
typedef struct CounterStatements
{
	const char *table;
	CounterStep on_insert;
	CounterStep on_update;
	CounterStep on_delete;
} CounterStatements;

/* Agent updates are looked at in C (mm_count_agent_changes()); the insert statement
 * depends on the schema (agent_insert_stmt). */
static const CounterStatements agent_statements = {
	"agent",
	{NULL, NEXT_SITES}, {NULL}, {&agent_delete_stmt, NEXT_SITES}
};
/* The site and client insert statements, and the site update one, depend on the schema. */
static const CounterStatements site_statements = {
	"site",
	{NULL, NEXT_NOTHING}, {NULL, NEXT_CLIENTS}, {&site_delete_stmt, NEXT_CLIENTS}
};
static const CounterStatements client_statements = {
	"client",
	{NULL, NEXT_NOTHING}, {&client_update_stmt, NEXT_NOTHING},
	{&client_delete_stmt, NEXT_NOTHING}
};

/*
 * The statements run with a kept generic plan (index lookups, no planning per
 * call) for inputs up to this many rows, and with a plan made for the input
 * above it: a million-row transition table wants hash joins and sequential scans.
 */
#define KEPT_PLAN_MAX_ROWS 1000

static void roll_up_one_site(int64 site_id, const int64 *change, FunctionCallInfo owner_of);
static void roll_up_one_client(int64 client_id, int64 stripe, const int64 *change,
							   FunctionCallInfo owner_of);

/*
 * Run a statement returning deltas (all bigint), then the steps above it.  The
 * deltas are by-value Datums, so they outlive the SPI result they came from.
 */
static void
run_step(MMStatement *stmt, Datum *args, int64 rows, NextStep next)
{
	DatumList	deltas[Max(SITE_DELTA_COLUMNS, CLIENT_DELTA_COLUMNS)] = {{0}};
	int			ncolumns = next == NEXT_SITES ? SITE_DELTA_COLUMNS : CLIENT_DELTA_COLUMNS;
	Datum		next_args[Max(SITE_DELTA_COLUMNS, CLIENT_DELTA_COLUMNS)];

	mm_execute_for_rows(stmt, args, NULL, rows, KEPT_PLAN_MAX_ROWS);
	if (next == NEXT_NOTHING || SPI_processed == 0)
		return;
	if (SPI_processed == 1)
	{
		int64		row[Max(SITE_DELTA_COLUMNS, CLIENT_DELTA_COLUMNS)];

		for (int c = 0; c < ncolumns; c++)
		{
			bool		isnull;

			row[c] = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
												 SPI_tuptable->tupdesc, c + 1, &isnull));
		}
		if (next == NEXT_SITES)
			roll_up_one_site(row[0], row + 1, NULL);
		else
			roll_up_one_client(row[0], row[1], row + 2, NULL);
		return;
	}
	for (uint64 i = 0; i < SPI_processed; i++)
		for (int c = 0; c < ncolumns; c++)
		{
			bool		isnull;

			mm_datum_list_add(&deltas[c], SPI_getbinval(SPI_tuptable->vals[i],
													 SPI_tuptable->tupdesc, c + 1, &isnull));
		}
	if (next == NEXT_SITES)
	{
		mm_datum_lists_to_args(deltas, &site_rollup_stmt, next_args);
		run_step(&site_rollup_stmt, next_args, deltas[0].count, NEXT_CLIENTS);
	}
	else
	{
		MMStatement *rollup = &client_rollup_stmt[mm_schema_version()];

		mm_datum_lists_to_args(deltas, rollup, next_args);
		run_step(rollup, next_args, deltas[0].count, NEXT_NOTHING);
	}
}

/*
 * maintmode.client_stripe(): the client_counter row a site adds to.  Since 1.3
 * stripe 0 is the client's own row and sites overflow to 1 .. client_stripes() - 1.
 */
#define CLIENT_STRIPES 4
static int64
client_stripe(int64 site_id)
{
	if (mm_schema_version() < MM_SCHEMA_1_3)
		return site_id % CLIENT_STRIPES;
	return 1 + site_id % (CLIENT_STRIPES - 1);
}

/* The bigint or integer columns of a counter table, by name. */
static void
counter_columns(MMRowTable *table, int ncolumns, const char *const *names, AttrNumber *columns)
{
	for (int c = 0; c < ncolumns; c++)
		columns[c] = mm_row_column(table, names[c]);
}

/* The columns a site or client stripe changes, in the order of the site_delta and
 * client_delta columns. */
static const char *const site_change_columns[] =
{"agents", "agents_in_maintenance", "agents_error", "agents_warning"};
static const char *const client_change_columns[] =
{"agents", "agents_in_maintenance", "sites_error", "sites_warning"};

/*
 * Step 3 for one client stripe: change is agents, in maintenance, sites error /
 * warning.  The rows are changed in place whoever the caller is; the overflow
 * row's statement runs as the owner of owner_of (NULL: SQL runs as the owner
 * already).
 */
static void
roll_up_one_client(int64 client_id, int64 stripe, const int64 *change, FunctionCallInfo owner_of)
{
	MMRowTable	clients;
	AttrNumber	columns[4];
	Datum		key[2];
	bool		before_1_3 = mm_schema_version() < MM_SCHEMA_1_3;
	MMRowResult result;

	key[0] = Int64GetDatum(client_id);
	key[1] = Int32GetDatum(before_1_3 ? (int32) stripe : 0);
	mm_row_table_open(&clients, "client_counter", "client_counter_pkey", RowExclusiveLock);
	counter_columns(&clients, 4, client_change_columns, columns);
	result = mm_row_lock(&clients, key, LockTupleNoKeyExclusive,
						 before_1_3 ? LockWaitBlock : LockWaitSkip);
	if (result == MM_ROW_LOCKED)
		mm_row_add(&clients, 4, columns, change);
	mm_row_table_close(&clients);
	if (result == MM_ROW_BUSY)
	{
		Datum		args[6];
		MMOwnerContext owner;

		args[0] = key[0];
		args[1] = Int32GetDatum((int32) stripe);
		for (int c = 0; c < 4; c++)
			args[2 + c] = Int64GetDatum(change[c]);
		if (owner_of != NULL)
			mm_become_owner(owner_of, &owner);
		SPI_connect();
		mm_execute(&client_overflow_one_stmt, args, NULL, false);
		SPI_finish();
		if (owner_of != NULL)
			mm_stop_being_owner(&owner);
	}
}

/*
 * Steps 2 and 3 for one site: change is agents, in maintenance, error and
 * warning agents.  The site's class changes (and its client stripe with it)
 * when its error or warning agents go from none to some or back.
 */
static void
roll_up_one_site(int64 site_id, const int64 *change, FunctionCallInfo owner_of)
{
	MMRowTable	sites;
	AttrNumber	columns[4];
	Datum		key = Int64GetDatum(site_id);
	int64		client_change[4];
	int64		client_id;
	int64		error;
	int64		warning;

	mm_row_table_open(&sites, "site_counter", "site_counter_pkey", RowExclusiveLock);
	counter_columns(&sites, 4, site_change_columns, columns);
	if (mm_row_lock(&sites, &key, LockTupleNoKeyExclusive, LockWaitBlock) != MM_ROW_LOCKED)
	{
		mm_row_table_close(&sites);
		return;
	}
	mm_row_add(&sites, 4, columns, change);
	error = mm_row_value(&sites, columns[2]);
	warning = mm_row_value(&sites, columns[3]);
	client_id = mm_row_value(&sites, mm_row_column(&sites, "client_id"));
	mm_row_table_close(&sites);

	client_change[0] = change[0];
	client_change[1] = change[1];
	client_change[2] = (error > 0) - (error - change[2] > 0);
	client_change[3] = (warning > 0) - (warning - change[3] > 0);
	if (client_change[0] == 0 && client_change[1] == 0 &&
		client_change[2] == 0 && client_change[3] == 0)
		return;
	roll_up_one_client(client_id, client_stripe(site_id), client_change, owner_of);
}

/* The trigger data of the counter trigger on table, for any of its events. */
static TriggerData *
counter_trigger_data(FunctionCallInfo fcinfo, const char *table)
{
	return mm_statement_trigger_data(fcinfo, table, psprintf("the %s counter trigger", table),
									 0, false);
}

/* TRUNCATE: recompute everything. */
static void
rebuild_after_truncate(void)
{
	int64		rows[3];

	SPI_connect();
	rebuild_counters(rows);
	SPI_finish();
}

/* rebuild_counters(): every counter recomputed; how many rows each table has. */
PG_FUNCTION_INFO_V1(maintmode_rebuild_counters);
Datum
maintmode_rebuild_counters(PG_FUNCTION_ARGS)
{
	TupleDesc	result_desc;
	int64		rows[3];
	Datum		result[3];
	bool		result_nulls[3] = {false};

	if (get_call_result_type(fcinfo, NULL, &result_desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	SPI_connect();
	rebuild_counters(rows);
	SPI_finish();
	for (int i = 0; i < 3; i++)
		result[i] = Int64GetDatum(rows[i]);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(result_desc),
													  result, result_nulls)));
}

/*
 * Pick the statement for the event, check the transition tables it reads are
 * there (REFERENCING NEW TABLE AS new_rows / OLD TABLE AS old_rows), run it and
 * the steps above it.
 */
static void
run_counter_statement(TriggerData *trigdata, const CounterStatements *statements)
{
	TriggerEvent event = trigdata->tg_event;
	const CounterStep *step = NULL;
	Tuplestorestate *newtable = trigdata->tg_newtable;
	Tuplestorestate *oldtable = trigdata->tg_oldtable;

	if (TRIGGER_FIRED_BY_INSERT(event))
		step = &statements->on_insert;
	else if (TRIGGER_FIRED_BY_UPDATE(event))
		step = &statements->on_update;
	else if (TRIGGER_FIRED_BY_DELETE(event))
		step = &statements->on_delete;

	if (step == NULL || step->stmt == NULL ||
		((TRIGGER_FIRED_BY_INSERT(event) || TRIGGER_FIRED_BY_UPDATE(event)) && newtable == NULL) ||
		((TRIGGER_FIRED_BY_DELETE(event) || TRIGGER_FIRED_BY_UPDATE(event)) && oldtable == NULL))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("the %s counter trigger is not defined for this event", statements->table),
				 errhint("Each event needs its own trigger with REFERENCING NEW TABLE AS new_rows and/or OLD TABLE AS old_rows.")));

	SPI_connect();
	SPI_register_trigger_data(trigdata);
	run_step(step->stmt, NULL,
			 (newtable ? tuplestore_tuple_count(newtable) : 0) +
			 (oldtable ? tuplestore_tuple_count(oldtable) : 0),
			 step->next);
	SPI_finish();
}

/*
 * Whether agent_counter still mirrors each agent's site and flag: a schema
 * before 1.2, which the library serves until ALTER EXTENSION UPDATE.
 */
static bool
counters_mirror_agents(void)
{
	return mm_schema_version() < MM_SCHEMA_1_2;
}

/* What agents add to one site's counter row, summed by the agent UPDATE trigger. */
typedef struct SiteDelta
{
	int64		site_id;		/* hash key */
	int64		change[SITE_DELTA_COLUMNS - 1]; /* the site_delta columns */
} SiteDelta;

/* The counts that make an agent error or warning, for agents where one is not 0. */
typedef struct ColourCounts
{
	int64		agent_id;		/* hash key */
	int32		failing_error;
	int32		failing_warning;
} ColourCounts;

/* Up to this many changed agents, their counter rows are looked up one by one. */
#define LOOKUP_MAX_AGENTS 10000
#define FETCH_ROWS 10000

/*
 * The colour counts of the changed agents $1 (those with any), by agent.  Read
 * at the latest snapshot: a check writer that changed one of them held the
 * agent row this statement has since updated, so it has committed, and under
 * REPEATABLE READ the transaction's snapshot may not show it.
 */
static HTAB *
colour_counts(int64 changed, Datum agent_ids)
{
	HTAB	   *counts = mm_int64_keyed_hash("maintmode colour counts", sizeof(ColourCounts));
	bool		all = changed > LOOKUP_MAX_AGENTS;
	Portal		portal = mm_open_latest(all ? &colour_counts_all_stmt : &colour_counts_of_stmt,
										all ? NULL : &agent_ids);
	uint64		fetched;

	do
	{
		SPI_cursor_fetch(portal, true, FETCH_ROWS);
		fetched = SPI_processed;
		for (uint64 i = 0; i < fetched; i++)
		{
			HeapTuple	row = SPI_tuptable->vals[i];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			bool		isnull;
			int64		agent_id = DatumGetInt64(SPI_getbinval(row, desc, 1, &isnull));
			ColourCounts *entry = hash_search(counts, &agent_id, HASH_ENTER, NULL);

			entry->failing_error = DatumGetInt32(SPI_getbinval(row, desc, 2, &isnull));
			entry->failing_warning = DatumGetInt32(SPI_getbinval(row, desc, 3, &isnull));
		}
		SPI_freetuptable(SPI_tuptable);
	} while (fetched > 0);
	SPI_cursor_close(portal);
	return counts;
}

/* Add (sign 1) or remove (-1) one agent's contribution to its site, as
 * maintmode.counts_as_error() and counts_as_warning() count it. */
static void
add_agent_to_site(HTAB *sites, int64 site_id, bool in_maintenance,
				  const ColourCounts *counts, int sign)
{
	bool		found;
	SiteDelta  *delta = hash_search(sites, &site_id, HASH_ENTER, &found);
	bool		error = counts != NULL && counts->failing_error > 0;
	bool		warning = counts != NULL && !error && counts->failing_warning > 0;

	if (!found)
		memset(delta->change, 0, sizeof(delta->change));
	delta->change[0] += sign;
	delta->change[1] += sign * in_maintenance;
	delta->change[2] += sign * (!in_maintenance && error);
	delta->change[3] += sign * (!in_maintenance && warning);
}

/* Steps 2 and 3 for the non-zero site deltas. */
static void
roll_up_sites(HTAB *sites)
{
	DatumList	columns[SITE_DELTA_COLUMNS] = {{0}};
	Datum		args[SITE_DELTA_COLUMNS];
	HASH_SEQ_STATUS scan;
	SiteDelta  *delta;

	hash_seq_init(&scan, sites);
	while ((delta = hash_seq_search(&scan)) != NULL)
	{
		if (delta->change[0] == 0 && delta->change[1] == 0 &&
			delta->change[2] == 0 && delta->change[3] == 0)
			continue;
		mm_datum_list_add(&columns[0], Int64GetDatum(delta->site_id));
		for (int c = 1; c < SITE_DELTA_COLUMNS; c++)
			mm_datum_list_add(&columns[c], Int64GetDatum(delta->change[c - 1]));
	}
	if (columns[0].count == 0)
		return;
	if (columns[0].count == 1)
	{
		int64		change[SITE_DELTA_COLUMNS - 1];

		for (int c = 1; c < SITE_DELTA_COLUMNS; c++)
			change[c - 1] = DatumGetInt64(columns[c].values[0]);
		roll_up_one_site(DatumGetInt64(columns[0].values[0]), change, NULL);
		return;
	}
	mm_datum_lists_to_args(columns, &site_rollup_stmt, args);
	run_step(&site_rollup_stmt, args, columns[0].count, NEXT_CLIENTS);
}

/*
 * Agents that moved to another site or into or out of maintenance: each moves
 * its whole contribution from (old site, old flag) to (new site, new flag),
 * summed per site in C.  A switch of a million agents reads the counter rows
 * of the agents that fail (one scan) and writes only site and client rows.
 * Runs its SQL as the caller, who is the extension's owner by then.
 */
void
mm_count_agent_changes(const MMAgentChanges *changes)
{
	DatumList	ids = {0};
	DatumList	sites = {0};
	DatumList	flags = {0};
	int		   *moved = palloc(Max(changes->count, 1) * sizeof(int));
	Datum		ids_arg;
	HTAB	   *counts;
	HTAB	   *site_deltas;

	/* An agent whose hand flag alone went off counts where it did. */
	for (int i = 0; i < changes->count; i++)
		if (changes->sites[i] != changes->old_sites[i] ||
			changes->flags[i] != changes->old_flags[i])
		{
			moved[ids.count] = i;
			mm_datum_list_add(&ids, Int64GetDatum(changes->ids[i]));
			mm_datum_list_add(&sites, Int64GetDatum(changes->sites[i]));
			mm_datum_list_add(&flags, BoolGetDatum(changes->flags[i]));
		}
	if (ids.count == 0)
		return;
	SPI_connect();
	ids_arg = mm_datum_list_array(&ids, INT8OID);
	if (counters_mirror_agents())
	{
		Datum		mirror_args[3];

		mirror_args[0] = ids_arg;
		mirror_args[1] = mm_datum_list_array(&sites, INT8OID);
		mirror_args[2] = mm_datum_list_array(&flags, BOOLOID);
		mm_execute_for_rows(&agent_mirror_stmt, mirror_args, NULL, ids.count,
							KEPT_PLAN_MAX_ROWS);
	}
	counts = colour_counts(ids.count, ids_arg);
	site_deltas = mm_int64_keyed_hash("maintmode site deltas", sizeof(SiteDelta));
	for (int m = 0; m < ids.count; m++)
	{
		int			i = moved[m];
		ColourCounts *agent_counts = hash_search(counts, &changes->ids[i], HASH_FIND, NULL);

		add_agent_to_site(site_deltas, changes->old_sites[i], changes->old_flags[i],
						  agent_counts, -1);
		add_agent_to_site(site_deltas, changes->sites[i], changes->flags[i], agent_counts, 1);
	}
	roll_up_sites(site_deltas);
	SPI_finish();
}

/* The agents an INSERT's statement trigger has just made counter rows for. */
static void
forget_counted_agents(TriggerData *trigdata)
{
	TupleDesc	desc = RelationGetDescr(trigdata->tg_relation);
	AttrNumber	id_att = SPI_fnumber(desc, "id");
	TupleTableSlot *slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	bool		isnull;

	mm_start_reading(trigdata->tg_newtable);
	while (tuplestore_gettupleslot(trigdata->tg_newtable, true, false, slot))
		mm_agent_counted(DatumGetInt64(slot_getattr(slot, id_att, &isnull)));
	ExecDropSingleTupleTableSlot(slot);
}

/* The counter trigger of agent, for every event. */
PG_FUNCTION_INFO_V1(maintmode_agent_counter_trigger);
Datum
maintmode_agent_counter_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = counter_trigger_data(fcinfo, "agent");

	if (TRIGGER_FIRED_BY_TRUNCATE(trigdata->tg_event))
		rebuild_after_truncate();
	else if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) &&
			 trigdata->tg_oldtable != NULL && trigdata->tg_newtable != NULL)
	{
		/* A schema before 1.3: its own UPDATE trigger, with transition tables. */
		MMAgentChanges changes;

		mm_agent_changes_from_transitions(trigdata, &changes);
		mm_count_agent_changes(&changes);
	}
	else
	{
		CounterStatements statements = agent_statements;

		statements.on_insert.stmt = &agent_insert_stmt[mm_schema_version()];
		run_counter_statement(trigdata, &statements);
		if (TRIGGER_FIRED_BY_INSERT(trigdata->tg_event) && mm_agent_insert_pending())
			forget_counted_agents(trigdata);
	}
	return PointerGetDatum(NULL);
}

/* site and client: TRUNCATE recomputes everything, other events run their statement. */
static Datum
table_counter_trigger(FunctionCallInfo fcinfo, const CounterStatements *statements)
{
	TriggerData *trigdata = counter_trigger_data(fcinfo, statements->table);

	/* Counter rows come after the agent table in the lock order. */
	mm_lock_agents_for_writing();

	if (TRIGGER_FIRED_BY_TRUNCATE(trigdata->tg_event))
		rebuild_after_truncate();
	else
		run_counter_statement(trigdata, statements);
	return PointerGetDatum(NULL);
}

/* The counter trigger of site, for every event. */
PG_FUNCTION_INFO_V1(maintmode_site_counter_trigger);
Datum
maintmode_site_counter_trigger(PG_FUNCTION_ARGS)
{
	CounterStatements statements = site_statements;
	MMSchemaVersion version = mm_schema_version();

	statements.on_insert.stmt = &site_insert_stmt[version];
	statements.on_update.stmt = &site_update_stmt[version];
	return table_counter_trigger(fcinfo, &statements);
}

/* The counter trigger of client, for every event. */
PG_FUNCTION_INFO_V1(maintmode_client_counter_trigger);
Datum
maintmode_client_counter_trigger(PG_FUNCTION_ARGS)
{
	CounterStatements statements = client_statements;

	statements.on_insert.stmt = &client_insert_stmt[mm_schema_version()];
	return table_counter_trigger(fcinfo, &statements);
}

/* Failing checks of one agent gained (+) or lost (-) in one statement, by severity. */
typedef enum Severity
{
	SEV_ERROR,
	SEV_WARNING,
	SEV_INFO,
	SEV_COUNT
} Severity;

typedef struct FailingDelta
{
	int64		agent_id;		/* hash key */
	int32		change[SEV_COUNT];
} FailingDelta;

/* The check_result columns the counter trigger reads. */
typedef struct CheckColumns
{
	AttrNumber	agent_id;
	AttrNumber	status;
	AttrNumber	severity;
} CheckColumns;

/* The severity a check_result row counts with: -1 when it is not failing. */
static int
failing_severity(TupleTableSlot *slot, const CheckColumns *columns, int64 *agent_id)
{
	bool		isnull;
	Datum		severity;

	if (!mm_text_equals(slot_getattr(slot, columns->status, &isnull), "failing"))
		return -1;
	*agent_id = DatumGetInt64(slot_getattr(slot, columns->agent_id, &isnull));
	severity = slot_getattr(slot, columns->severity, &isnull);
	if (mm_text_equals(severity, "error"))
		return SEV_ERROR;
	if (mm_text_equals(severity, "warning"))
		return SEV_WARNING;
	return SEV_INFO;
}

/* Add sign to an agent's count at a severity; the table is made on first use. */
static void
add_failing(HTAB **deltas, int64 agent_id, int severity, int sign)
{
	bool		found;
	FailingDelta *delta;

	if (*deltas == NULL)
		*deltas = mm_int64_keyed_hash("maintmode failing deltas", sizeof(FailingDelta));
	delta = hash_search(*deltas, &agent_id, HASH_ENTER, &found);
	if (!found)
		memset(delta->change, 0, sizeof(delta->change));
	delta->change[severity] += sign;
}

/* Add sign * (each failing row of a transition table) to the per-agent deltas. */
static void
add_failing_rows(HTAB **deltas, Tuplestorestate *rows, TupleDesc desc,
				 const CheckColumns *columns, int sign)
{
	TupleTableSlot *slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);

	mm_start_reading(rows);
	while (tuplestore_gettupleslot(rows, true, false, slot))
	{
		int64		agent_id;
		int			severity = failing_severity(slot, columns, &agent_id);

		if (severity >= 0)
			add_failing(deltas, agent_id, severity, sign);
	}
	ExecDropSingleTupleTableSlot(slot);
}

/*
 * An UPDATE's rows in old and new pairs: a row that fails at the same severity
 * for the same agent before and after (or fails neither time), which is nearly
 * every check result reported, adds nothing.
 */
static void
add_failing_changes(HTAB **deltas, TriggerData *trigdata, const CheckColumns *columns)
{
	MMRowPairs	pairs;

	mm_row_pairs_begin(&pairs, trigdata);
	while (mm_row_pairs_next(&pairs))
	{
		int64		old_agent = 0;
		int64		new_agent = 0;
		int			old_severity = failing_severity(pairs.old_slot, columns, &old_agent);
		int			new_severity = failing_severity(pairs.new_slot, columns, &new_agent);

		if (old_severity == new_severity && old_agent == new_agent)
			continue;
		if (old_severity >= 0)
			add_failing(deltas, old_agent, old_severity, -1);
		if (new_severity >= 0)
			add_failing(deltas, new_agent, new_severity, 1);
	}
	mm_row_pairs_end(&pairs);
}

/* Whether an agent with these flag and counts makes its site error / warning. */
#define COUNTS_AS_ERROR(in_maintenance, error) (!(in_maintenance) && (error) > 0)
#define COUNTS_AS_WARNING(in_maintenance, error, warning) \
	(!(in_maintenance) && (error) == 0 && (warning) > 0)

/*
 * Step 1 for one agent, as the caller (fcinfo: the trigger's call, whose owner
 * runs the overflow row's statement if one is needed): its counter row, changed
 * by change; then, only if that changes its colour class, which most counted
 * changes do not, its site and client.  The site is read from the agent's row,
 * locked FOR KEY SHARE: an agent in maintenance counts in neither class, so its
 * site does not change.  An agent that no longer exists has no counter row left
 * to change.
 *
 * This takes the agent row after the counter row, where check_counts_stmt takes
 * it before: FOR KEY SHARE waits only for a plain UPDATE that moves or switches
 * the agent, which locks no counter row, and for a DELETE of the agent, whose
 * ON DELETE CASCADE waits for this check row (a deadlock, 40P01, when the row
 * was written before the DELETE began: reliability.md); the switches hold the
 * agent table EXCLUSIVE and do not run at the same time as any check writer.
 */
static void
count_one_agent(FunctionCallInfo fcinfo, int64 agent_id, const int32 *change)
{
	static const char *const failing_columns[SEV_COUNT] =
	{"failing_error", "failing_warning", "failing_info"};
	MMRowTable	counters;
	MMRowTable	agents;
	AttrNumber	columns[SEV_COUNT];
	int64		deltas[SEV_COUNT];
	Datum		key = Int64GetDatum(agent_id);
	int64		error;
	int64		warning;
	int64		old_error;
	int64		old_warning;
	int64		site_change[4] = {0};
	int64		site_id;
	bool		in_maintenance;
	bool		isnull;

	mm_row_table_open(&counters, "agent_counter", "agent_counter_pkey", RowExclusiveLock);
	counter_columns(&counters, SEV_COUNT, failing_columns, columns);
	if (mm_row_lock(&counters, &key, LockTupleNoKeyExclusive, LockWaitBlock) != MM_ROW_LOCKED)
	{
		mm_row_table_close(&counters);
		return;
	}
	for (int s = 0; s < SEV_COUNT; s++)
		deltas[s] = change[s];
	mm_row_add(&counters, SEV_COUNT, columns, deltas);
	error = mm_row_value(&counters, columns[SEV_ERROR]);
	warning = mm_row_value(&counters, columns[SEV_WARNING]);
	mm_row_table_close(&counters);

	old_error = error - change[SEV_ERROR];
	old_warning = warning - change[SEV_WARNING];
	site_change[2] = COUNTS_AS_ERROR(false, error) - COUNTS_AS_ERROR(false, old_error);
	site_change[3] = COUNTS_AS_WARNING(false, error, warning) -
		COUNTS_AS_WARNING(false, old_error, old_warning);
	if (site_change[2] == 0 && site_change[3] == 0)
		return;

	mm_row_table_open(&agents, "agent", "agent_pkey", RowShareLock);
	/* As check_counts_stmt: the agent as it is now, even under REPEATABLE READ. */
	agents.latest = true;
	if (mm_row_lock(&agents, &key, LockTupleKeyShare, LockWaitBlock) != MM_ROW_LOCKED)
	{
		/*
		 * Deleted by this transaction (a writable WITH), its counter row not
		 * yet: the delete takes from the site what that row holds then, so the
		 * change is taken back.
		 */
		mm_row_table_close(&agents);
		mm_row_table_open(&counters, "agent_counter", "agent_counter_pkey", RowExclusiveLock);
		if (mm_row_lock(&counters, &key, LockTupleNoKeyExclusive, LockWaitBlock) == MM_ROW_LOCKED)
		{
			for (int s = 0; s < SEV_COUNT; s++)
				deltas[s] = -change[s];
			mm_row_add(&counters, SEV_COUNT, columns, deltas);
		}
		mm_row_table_close(&counters);
		return;
	}
	site_id = mm_row_value(&agents, mm_row_column(&agents, "site_id"));
	in_maintenance = DatumGetBool(slot_getattr(agents.row,
											   mm_row_column(&agents, "maintenance_mode"),
											   &isnull));
	mm_row_table_close(&agents);
	if (!in_maintenance)
		roll_up_one_site(site_id, site_change, fcinfo);
}

/*
 * A check write inside the statement that moves or switches the check's agent
 * (a writable WITH, or a trigger of the application's on agent) would count
 * the check where the agent goes before the agent's own move is counted, when
 * that statement ends: refused, rather than leave the counters wrong.
 */
static void
refuse_if_agent_change_pending(int64 agent_id)
{
	if (mm_agent_change_pending(agent_id))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot change the failing checks of agent " INT64_FORMAT " in the statement that moves or switches it",
						agent_id),
				 errdetail("The dashboard counters count the agent's move or switch when that statement ends."),
				 errhint("Change the check results in a statement of their own.")));
}

/*
 * A check write inside the statement that inserts the check's agent (a trigger
 * of the application's on agent, or a writable WITH), before that statement
 * has made the agent's counter row: the count would be lost, so it is refused.
 * The counter row is looked for only for agents this transaction inserted and
 * has not counted yet.
 */
static void
refuse_if_agent_uncounted(int64 agent_id)
{
	MMRowTable	counters;
	Datum		key = Int64GetDatum(agent_id);
	bool		counted;

	if (!mm_agent_awaits_counters(agent_id))
		return;
	mm_row_table_open(&counters, "agent_counter", "agent_counter_pkey", AccessShareLock);
	counters.latest = true;
	mm_row_scan_begin(&counters, &key);
	counted = mm_row_scan_next(&counters);
	mm_row_scan_end(&counters);
	mm_row_table_close(&counters);
	if (!counted)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot change the failing checks of agent " INT64_FORMAT " in the statement that inserts it",
						agent_id),
				 errdetail("The dashboard counters count a new agent when the statement that inserts it ends."),
				 errhint("Write the check results in a statement of their own, or insert them pending.")));
}

/*
 * check_result: the failing checks per agent and severity are summed in C over
 * the transition tables.  Most statements (a result that stays passing, or
 * stays failing at the same severity) change no count and run no SPI at all;
 * the others run count_one_agent() for one agent, check_counts_stmt with
 * the non-zero deltas as arrays for more.
 */
PG_FUNCTION_INFO_V1(maintmode_check_counter_trigger);
Datum
maintmode_check_counter_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = counter_trigger_data(fcinfo, "check_result");
	TriggerEvent event = trigdata->tg_event;
	TupleDesc	desc = RelationGetDescr(trigdata->tg_relation);
	CheckColumns columns;
	HTAB	   *deltas = NULL;
	HASH_SEQ_STATUS scan;
	FailingDelta *delta;
	FailingDelta *only = NULL;
	DatumList	lists[1 + SEV_COUNT] = {{0}};
	Datum		args[1 + SEV_COUNT];
	MMOwnerContext owner;

	if (TRIGGER_FIRED_BY_TRUNCATE(event))
	{
		mm_become_owner(fcinfo, &owner);
		rebuild_after_truncate();
		mm_stop_being_owner(&owner);
		return PointerGetDatum(NULL);
	}
	if ((TRIGGER_FIRED_BY_INSERT(event) && trigdata->tg_newtable == NULL) ||
		(TRIGGER_FIRED_BY_DELETE(event) && trigdata->tg_oldtable == NULL) ||
		(TRIGGER_FIRED_BY_UPDATE(event) &&
		 (trigdata->tg_newtable == NULL || trigdata->tg_oldtable == NULL)))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("the check_result counter trigger needs the transition tables of its event")));

	columns.agent_id = SPI_fnumber(desc, "agent_id");
	columns.status = SPI_fnumber(desc, "status");
	columns.severity = SPI_fnumber(desc, "alert_severity");
	if (TRIGGER_FIRED_BY_UPDATE(event))
		add_failing_changes(&deltas, trigdata, &columns);
	else if (TRIGGER_FIRED_BY_DELETE(event))
		add_failing_rows(&deltas, trigdata->tg_oldtable, desc, &columns, -1);
	else
		add_failing_rows(&deltas, trigdata->tg_newtable, desc, &columns, 1);
	if (deltas == NULL)
		return PointerGetDatum(NULL);

	hash_seq_init(&scan, deltas);
	while ((delta = hash_seq_search(&scan)) != NULL)
	{
		if (delta->change[SEV_ERROR] == 0 && delta->change[SEV_WARNING] == 0 &&
			delta->change[SEV_INFO] == 0)
			continue;
		refuse_if_agent_change_pending(delta->agent_id);
		refuse_if_agent_uncounted(delta->agent_id);
		only = delta;
		mm_datum_list_add(&lists[0], Int64GetDatum(delta->agent_id));
		for (int s = 0; s < SEV_COUNT; s++)
			mm_datum_list_add(&lists[1 + s], Int64GetDatum(delta->change[s]));
	}
	if (lists[0].count == 0)
		return PointerGetDatum(NULL);

	mm_lock_agents_for_writing();
	if (lists[0].count == 1)
		count_one_agent(fcinfo, only->agent_id, only->change);
	else
	{
		mm_become_owner(fcinfo, &owner);
		SPI_connect();
		mm_datum_lists_to_args(lists, &check_counts_stmt, args);
		run_step(&check_counts_stmt, args, lists[0].count, NEXT_SITES);
		SPI_finish();
		mm_stop_being_owner(&owner);
	}

	return PointerGetDatum(NULL);
}

/*
 * fleet_id_fixed_trigger(): BEFORE UPDATE OF id ON client, site and agent FOR
 * EACH STATEMENT.  The counters, the saved states and the history are keyed by
 * those ids, and an UPDATE can only set one to DEFAULT, a new id: a statement
 * that names id is refused before it changes any row.  The hint moves what
 * refers to the row first, since deleting the old row deletes it too.
 */
PG_FUNCTION_INFO_V1(maintmode_fleet_id_fixed_trigger);
Datum
maintmode_fleet_id_fixed_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	/* each table, and what refers to its rows (and is deleted with them) */
	static const char *const tables[][2] = {
		{"client", "sites"}, {"site", "agents"}, {"agent", "checks"}
	};
	const char *table;
	size_t		i;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(trigdata->tg_event) ||
		!TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_STATEMENT(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("fleet_id_fixed_trigger must fire BEFORE UPDATE FOR EACH STATEMENT")));
	table = RelationGetRelationName(trigdata->tg_relation);
	for (i = 0; i < lengthof(tables); i++)
		if (strcmp(table, tables[i][0]) == 0)
			break;
	if (i == lengthof(tables) ||
		RelationGetNamespace(trigdata->tg_relation) != mm_schema_oid())
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("fleet_id_fixed_trigger fires only on tables maintmode.client, maintmode.site and maintmode.agent, not on %s",
						table)));
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("cannot change column \"id\" of table \"%s\"", table),
			 errdetail("The dashboard counters, the saved states and the maintenance history refer to rows by id."),
			 errhint("Insert a new %s, move its %s to it, then delete the old one (deleting it deletes them).",
					 table, tables[i][1])));
	PG_RETURN_NULL();
}
