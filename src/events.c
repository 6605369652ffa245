/*
 * events.c
 *     Events about maintenance itself: NOTIFY maintmode_events, with a JSON
 *     payload, when maintenance starts or ends for agents.  The history
 *     trigger (history.c) sends them, one per statement and direction; NOTIFY
 *     is transactional, so listeners get them at commit, and nothing for a
 *     transaction that rolls back.
 *
 * The payload stays far below PostgreSQL's 8000-byte limit whatever the
 * input: the agents' ids only up to EVENT_MAX_IDS of them, the reason cut at a
 * character boundary to REASON_MAX_BYTES once written as a JSON string.
 */
#include "postgres.h"

#include "access/xact.h"
#include "commands/async.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "utils/json.h"

#include "maintmode.h"

#define EVENT_CHANNEL "maintmode_events"

/* The reason as a JSON string, quotes and escapes included, is at most this long. */
#define REASON_MAX_BYTES 1024

/* NOTIFY_PAYLOAD_MAX_LENGTH of PostgreSQL's async.c (not exported): 8000 bytes. */
#define PAYLOAD_MAX_BYTES (BLCKSZ - NAMEDATALEN - 128)

StaticAssertDecl(PAYLOAD_MAX_BYTES >= 8000, "NOTIFY payloads must hold 8000 bytes");

/*
 * The events of this transaction, numbered: listeners can order them, and
 * PostgreSQL does not fold two identical ones of a transaction into one (on,
 * off and on again in one transaction are three events).
 */
static int64 event_number = 0;

static void
forget_events(XactEvent event, void *arg)
{
	event_number = 0;
}

/* Registered once, by _PG_init(). */
void
mm_watch_events(void)
{
	RegisterXactCallback(forget_events, NULL);
}

/*
 * Append value as a JSON string of at most max_bytes, cut at a character
 * boundary; returns whether it was cut.  Escaping can make the text longer
 * (a control character takes 6 bytes), so a cut that came out too long is
 * made again, shorter in the proportion it was over: each round keeps fewer
 * bytes, and an empty string fits.
 */
static bool
append_clipped_json(StringInfo buf, const char *value, int max_bytes)
{
	int			len = strlen(value);
	int			keep = Min(len, max_bytes);
	StringInfoData escaped;

	initStringInfo(&escaped);
	for (;;)
	{
		int			cut = pg_mbcliplen(value, len, keep);
		char	   *part = pnstrdup(value, cut);

		resetStringInfo(&escaped);
		escape_json(&escaped, part);
		pfree(part);
		if (escaped.len <= max_bytes)
		{
			appendBinaryStringInfo(buf, escaped.data, escaped.len);
			pfree(escaped.data);
			return cut < len;
		}
		keep = Min((int) ((int64) cut * max_bytes / escaped.len), cut - 1);
	}
}

static void
append_number_or_null(StringInfo buf, const char *key, int64 value, bool has_value)
{
	if (has_value)
		appendStringInfo(buf, ",\"%s\":" INT64_FORMAT, key, value);
	else
		appendStringInfo(buf, ",\"%s\":null", key);
}

/*
 * Send one event (NOTIFY maintmode_events, delivered at commit), unless
 * maintmode.notify_events is off.  ids: the agents' ids, event->agents of
 * them, in any order; listed only when there are at most EVENT_MAX_IDS.
 */
void
mm_notify_maintenance_event(const MMEvent *event, int64 *ids)
{
	StringInfoData payload;
	bool		truncated = false;

	if (!mm_notify_events)
		return;

	initStringInfo(&payload);
	appendStringInfo(&payload, "{\"event\":\"%s\",\"seq\":" INT64_FORMAT ",\"path\":",
					 event->started ? "started" : "ended", ++event_number);
	escape_json(&payload, event->path);
	appendStringInfoString(&payload, ",\"scope\":");
	if (event->scope != NULL)
		escape_json(&payload, event->scope);
	else
		appendStringInfoString(&payload, "null");
	append_number_or_null(&payload, "target", event->target, event->has_target);
	append_number_or_null(&payload, "window", event->window, event->has_window);
	appendStringInfoString(&payload, ",\"reason\":");
	if (event->reason != NULL)
		truncated = append_clipped_json(&payload, event->reason, REASON_MAX_BYTES);
	else
		appendStringInfoString(&payload, "null");
	appendStringInfo(&payload, ",\"reason_truncated\":%s,\"agents\":" INT64_FORMAT
					 ",\"agent_ids\":",
					 truncated ? "true" : "false", event->agents);
	if (event->agents <= EVENT_MAX_IDS)
	{
		qsort(ids, event->agents, sizeof(int64), mm_compare_int64);
		appendStringInfoChar(&payload, '[');
		for (int64 i = 0; i < event->agents; i++)
			appendStringInfo(&payload, "%s" INT64_FORMAT, i > 0 ? "," : "", ids[i]);
		appendStringInfoChar(&payload, ']');
	}
	else
		appendStringInfoString(&payload, "null");
	appendStringInfoChar(&payload, '}');

	/* Bounded above (about 3.5 kB at most); a longer one would be a bug here. */
	if (payload.len >= PAYLOAD_MAX_BYTES)
		elog(ERROR, "maintenance event payload of %d bytes is too long", payload.len);
	Async_Notify(EVENT_CHANNEL, payload.data);
	pfree(payload.data);
}
