/*
 * reminders.c
 *     Reminders about maintenance set by hand and forgotten: remind_after()
 *     (maintmode.remind_after, NULL when off) and sweep_reminders(), which
 *     raises an alert of kind reminder for each agent in hand-set maintenance
 *     for longer than that, once per period, and resolves the reminders of
 *     agents no longer in it.  The alert trigger (alerts.c) resolves them as
 *     an agent's hand flag goes off; the sweep catches what a writer racing
 *     with it left open.
 *
 * Hand-set means set by a switch or by a plain UPDATE (an ORM): not by a
 * window (the window flag), and not by server maintenance, whose agents carry
 * the hand reason MM_SERVER_REASON while the server is in maintenance (an
 * agent already in by hand when the server went in keeps its own details, and
 * its reminders).  Server maintenance itself shows in server_maint_status().
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/timestamp.h"

#include "maintmode.h"

/* Whether reminders are on: maintmode.remind_after is not zero. */
static bool
reminders_on(void)
{
	return mm_remind_after.month != 0 || mm_remind_after.day != 0 ||
		mm_remind_after.time != 0;
}

/* remind_after(): maintmode.remind_after, or NULL when reminders are off. */
PG_FUNCTION_INFO_V1(maintmode_remind_after);
Datum
maintmode_remind_after(PG_FUNCTION_ARGS)
{
	Interval   *result;

	if (!reminders_on())
		PG_RETURN_NULL();
	result = palloc(sizeof(Interval));
	*result = mm_remind_after;
	PG_RETURN_INTERVAL_P(result);
}

/* Open reminders of agents no longer in hand-set maintenance end at $1. */
static MMStatement resolve_stale_stmt = {
	"UPDATE maintmode.alert al SET resolved_at = $1"
	" WHERE al.kind = 'reminder' AND al.resolved_at IS NULL"
	"   AND NOT EXISTS (SELECT FROM maintmode.agent a"
	"                    WHERE a.id = al.agent_id AND a.hand_maintenance)",
	1, {TIMESTAMPTZOID}
};

/*
 * How long, in whole days, hours, minutes or seconds: s is a number of
 * seconds.
 */
#define HOW_LONG(s) \
	"CASE WHEN " s " >= 172800 THEN (" s " / 86400) || ' days'" \
	"     WHEN " s " >= 86400 THEN '1 day'" \
	"     WHEN " s " >= 7200 THEN (" s " / 3600) || ' hours'" \
	"     WHEN " s " >= 3600 THEN '1 hour'" \
	"     WHEN " s " >= 120 THEN (" s " / 60) || ' minutes'" \
	"     WHEN " s " >= 60 THEN '1 minute'" \
	"     ELSE " s " || ' seconds' END"

/* At most this many characters of the hand reason go into a reminder's message. */
#define REASON_CHARS "200"

/*
 * A reminder for each agent in hand-set maintenance for longer than $2 at $1
 * (or since a time nobody recorded: a restore of a 1.0 dump), unless its last
 * reminder is not older than $2.  On the clock $1; e-mail wanted, never
 * suppressed.
 */
static MMStatement raise_stmt = {
	"INSERT INTO maintmode.alert (agent_id, kind, severity, message, email, sms, created_at)"
	" SELECT a.id, 'reminder', 'warning',"
	"        pg_catalog.format('%s has been in maintenance %s by %s, reason: %s%s', a.hostname,"
	"            CASE WHEN a.hand_since IS NULL THEN 'since an unknown time,'"
	"                 ELSE pg_catalog.format('for %s, since %s', " HOW_LONG("d.seconds") ","
	"                                        a.hand_since) END,"
	"            coalesce(a.hand_set_by, 'an unknown role'),"
	"            CASE WHEN a.hand_reason IS NULL THEN 'none given'"
	"                 WHEN pg_catalog.length(a.hand_reason) > " REASON_CHARS
	"                 THEN pg_catalog.left(a.hand_reason, " REASON_CHARS ") || '...'"
	"                 ELSE a.hand_reason END,"
	"            CASE WHEN a.hand_until IS NOT NULL"
	"                 THEN pg_catalog.format(', until %s', a.hand_until) ELSE '' END),"
	"        true, false, $1"
	"   FROM maintmode.agent a"
	"  CROSS JOIN LATERAL (SELECT pg_catalog.floor(pg_catalog.date_part('epoch', $1 - a.hand_since))::bigint"
	"                         AS seconds) d"
	"  WHERE a.hand_maintenance"
	"    AND (a.hand_since IS NULL OR a.hand_since < $1 - $2)"
	"    AND (a.hand_reason IS DISTINCT FROM '" MM_SERVER_REASON "'"
	"         OR NOT EXISTS (SELECT FROM maintmode.server_mode m WHERE m.in_maintenance))"
	"    AND NOT EXISTS (SELECT FROM maintmode.alert r"
	"                     WHERE r.agent_id = a.id AND r.kind = 'reminder'"
	"                       AND r.resolved_at IS NULL AND r.created_at >= $1 - $2)",
	2, {TIMESTAMPTZOID, INTERVALOID}
};

/*
 * sweep_reminders(): resolves the reminders of agents no longer in hand-set
 * maintenance, then raises the reminders due at the window clock; returns how
 * many it raised.  Reminders off (remind_after 0): it only resolves.
 */
PG_FUNCTION_INFO_V1(maintmode_sweep_reminders);
Datum
maintmode_sweep_reminders(PG_FUNCTION_ARGS)
{
	Datum		args[2];
	Interval   *period = palloc(sizeof(Interval));
	int			raised = 0;

	*period = mm_remind_after;
	args[0] = TimestampTzGetDatum(mm_clock_now());
	args[1] = IntervalPGetDatum(period);

	/* It writes alert rows: after the agent table (the lock order). */
	mm_lock_agents_for_writing();
	/*
	 * Two sweeps at once must not both remind of the same period; they read
	 * the latest state once they have their turn (also under REPEATABLE READ).
	 */
	mm_serialize_sweeps_of("alert");
	SPI_connect();
	mm_execute_latest(&resolve_stale_stmt, args, NULL);
	if (reminders_on())
		raised = mm_execute_latest(&raise_stmt, args, NULL);
	SPI_finish();

	PG_RETURN_INT32(raised);
}
