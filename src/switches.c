/*
 * switches.c
 *     set_agent_maintenance, set_site_maintenance, set_client_maintenance: the
 *     per-agent flag, for one agent or every agent of a site or client.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"

#include "maintmode.h"

/* The scope a switch works on: how to change its agents, how to tell it exists. */
typedef struct SwitchScope
{
	const char *name;
	MMStatement update;
	MMStatement exists;
} SwitchScope;

static SwitchScope agent_scope = {
	"agent",
	{"UPDATE maintmode.agent SET maintenance_mode = $2"
	 " WHERE id = $1 AND maintenance_mode <> $2", 2, {INT8OID, BOOLOID}},
	{"SELECT FROM maintmode.agent WHERE id = $1", 1, {INT8OID}}
};

static SwitchScope site_scope = {
	"site",
	{"UPDATE maintmode.agent SET maintenance_mode = $2"
	 " WHERE site_id = $1 AND maintenance_mode <> $2", 2, {INT8OID, BOOLOID}},
	{"SELECT FROM maintmode.site WHERE id = $1", 1, {INT8OID}}
};

static SwitchScope client_scope = {
	"client",
	{"UPDATE maintmode.agent SET maintenance_mode = $2"
	 " WHERE site_id IN (SELECT id FROM maintmode.site WHERE client_id = $1)"
	 " AND maintenance_mode <> $2", 2, {INT8OID, BOOLOID}},
	{"SELECT FROM maintmode.client WHERE id = $1", 1, {INT8OID}}
};

/*
 * Set the flag on every agent of the scope; return how many changed.  An
 * unknown id is only looked for when nothing changed, which is when it can be.
 */
static Datum
set_maintenance(FunctionCallInfo fcinfo, SwitchScope *scope)
{
	Datum		args[2];
	int64		id;
	bool		enabled;
	int64		changed;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", scope->name)));
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("enabled must not be null"),
				 errhint("Pass true to put the %s in maintenance, false to take it out.",
						 scope->name)));
	id = PG_GETARG_INT64(0);
	enabled = PG_GETARG_BOOL(1);
	args[0] = Int64GetDatum(id);
	args[1] = BoolGetDatum(enabled);

	SPI_connect();
	changed = mm_execute(&scope->update, args, NULL, false);
	if (changed == 0 && mm_execute(&scope->exists, args, NULL, false) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("%s " INT64_FORMAT " does not exist", scope->name, id)));
	mm_log_event(enabled ? "enable" : "disable", scope->name, id, true, changed, 0, 0);
	SPI_finish();

	PG_RETURN_INT64(changed);
}

PG_FUNCTION_INFO_V1(maintmode_set_agent_maintenance);
Datum
maintmode_set_agent_maintenance(PG_FUNCTION_ARGS)
{
	return set_maintenance(fcinfo, &agent_scope);
}

PG_FUNCTION_INFO_V1(maintmode_set_site_maintenance);
Datum
maintmode_set_site_maintenance(PG_FUNCTION_ARGS)
{
	return set_maintenance(fcinfo, &site_scope);
}

PG_FUNCTION_INFO_V1(maintmode_set_client_maintenance);
Datum
maintmode_set_client_maintenance(PG_FUNCTION_ARGS)
{
	return set_maintenance(fcinfo, &client_scope);
}
