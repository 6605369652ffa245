/*
 * switches.c
 *     set_agent_maintenance, set_site_maintenance, set_client_maintenance: the
 *     per-agent hand-set flag, for one agent or every agent of a site or
 *     client, optionally with an expiry and a reason.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "maintmode.h"

/* The scope a switch works on: how to change its agents, how to tell it exists. */
typedef struct SwitchScope
{
	const char *name;
	MMStatement update[2];		/* [0]: 1.0 schema, [1]: 1.1 */
	MMStatement exists;
} SwitchScope;

/*
 * The statements set the hand flag; the agent trigger derives maintenance_mode
 * (windows.c).  Switching on an agent already on by hand changes it only when
 * the expiry or the reason differ.
 */
#define SWITCH_UPDATE(agents) \
	"UPDATE maintmode.agent SET hand_maintenance = $2," \
	"       hand_until = CASE WHEN $2 THEN $3 END," \
	"       hand_reason = CASE WHEN $2 THEN coalesce($4, hand_reason) END," \
	"       hand_set_by = CASE WHEN $2 THEN $5 END" \
	" WHERE " agents \
	"   AND (hand_maintenance <> $2" \
	"        OR ($2 AND (hand_until IS DISTINCT FROM $3" \
	"                    OR hand_reason IS DISTINCT FROM coalesce($4, hand_reason))))"
#define SWITCH_ARGS 5, {INT8OID, BOOLOID, TIMESTAMPTZOID, TEXTOID, TEXTOID}

/* Through a 1.0 definition (two arguments), the schema has no hand flag yet. */
#define SWITCH_UPDATE_1_0(agents) \
	"UPDATE maintmode.agent SET maintenance_mode = $2" \
	" WHERE " agents " AND maintenance_mode <> $2"
#define SWITCH_ARGS_1_0 2, {INT8OID, BOOLOID}

#define SCOPE_AGENTS(agents) \
	{{SWITCH_UPDATE_1_0(agents), SWITCH_ARGS_1_0}, {SWITCH_UPDATE(agents), SWITCH_ARGS}}

static SwitchScope agent_scope = {
	"agent",
	SCOPE_AGENTS("id = $1"),
	{"SELECT FROM maintmode.agent WHERE id = $1", 1, {INT8OID}}
};

static SwitchScope site_scope = {
	"site",
	SCOPE_AGENTS("site_id = $1"),
	{"SELECT FROM maintmode.site WHERE id = $1", 1, {INT8OID}}
};

static SwitchScope client_scope = {
	"client",
	SCOPE_AGENTS("site_id IN (SELECT id FROM maintmode.site WHERE client_id = $1)"),
	{"SELECT FROM maintmode.client WHERE id = $1", 1, {INT8OID}}
};

/*
 * Set the hand flag on every agent of the scope, with an expiry (until) and a
 * reason when switching on; return how many changed.  An unknown id is only
 * looked for when nothing changed, which is when it can be.  Called through a
 * 1.0 definition (two arguments) before ALTER EXTENSION UPDATE, it has neither,
 * and sets maintenance_mode as 1.0 did.
 */
static Datum
set_maintenance(FunctionCallInfo fcinfo, SwitchScope *scope)
{
	Datum		args[5];
	char		nulls[5] = "  nn ";
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
	if (PG_NARGS() > 2 && !PG_ARGISNULL(2))
	{
		TimestampTz until = PG_GETARG_TIMESTAMPTZ(2);

		if (!enabled)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("until applies only when switching maintenance on")));
		mm_check_instant(until, "until");
		if (until <= mm_window_now())
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("until (%s) must be later than now (%s)",
							pstrdup(timestamptz_to_str(until)),
							pstrdup(timestamptz_to_str(mm_window_now())))));
		args[2] = TimestampTzGetDatum(until);
		nulls[2] = ' ';
	}
	if (PG_NARGS() > 3 && !PG_ARGISNULL(3))
	{
		if (!enabled)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("reason applies only when switching maintenance on")));
		if (mm_is_blank(text_to_cstring(PG_GETARG_TEXT_PP(3))))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("reason must not be blank"),
					 errhint("Say why, or pass no reason.")));
		args[3] = PG_GETARG_DATUM(3);
		nulls[3] = ' ';
	}
	args[4] = CStringGetTextDatum(mm_caller_name());

	SPI_connect();
	mm_lock_agents_for_switching();
	changed = mm_execute(&scope->update[PG_NARGS() > 2 ? 1 : 0], args, nulls, false);
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
