/*
 * arguments.c
 *     Checks of the arguments the SQL functions take, shared by all of them:
 *     names chosen from a list (options, scopes, channels), the agent, site or
 *     client a call names, instants, blank text, and how a refused value is
 *     echoed in an error.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "maintmode.h"

/* At most this many bytes of a refused value are echoed in an error. */
#define SHOWN_VALUE_BYTES 64

/*
 * A refused value for an error message, in double quotes: whole characters up
 * to SHOWN_VALUE_BYTES bytes, and "..." after the quotes when it was cut, so a
 * megabyte of input does not become a megabyte of log.
 */
char *
mm_quoted(const char *value)
{
	int			len = strlen(value);

	if (len <= SHOWN_VALUE_BYTES)
		return psprintf("\"%s\"", value);
	return psprintf("\"%.*s\"...", pg_mbcliplen(value, len, SHOWN_VALUE_BYTES), value);
}

/*
 * Instants a window or an expiry may name: finite, and within the years 1 to
 * 9999, which the date types of applications hold (Python's among them) and
 * from which a window's occurrences can be computed without overflow.
 */
void
mm_check_instant(TimestampTz value, const char *argument)
{
	if (value < MM_FIRST_INSTANT || value >= MM_AFTER_LAST_INSTANT)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a finite time in the years 1 to 9999, not %s",
						argument, timestamptz_to_str(value))));
}

/*
 * Code points that show nothing: Unicode's White_Space (NO-BREAK SPACE and
 * IDEOGRAPHIC SPACE among them) and Default_Ignorable_Code_Point (zero-width
 * characters, bidirectional marks, soft hyphen, fillers, variation selectors,
 * tags), as ranges in code point order.
 */
static const pg_wchar invisible[][2] = {
	{0x0009, 0x000D}, {0x0020, 0x0020}, {0x0085, 0x0085}, {0x00A0, 0x00A0},
	{0x00AD, 0x00AD}, {0x034F, 0x034F}, {0x061C, 0x061C}, {0x115F, 0x1160},
	{0x1680, 0x1680}, {0x17B4, 0x17B5}, {0x180B, 0x180F}, {0x2000, 0x200F},
	{0x2028, 0x202F}, {0x205F, 0x206F}, {0x3000, 0x3000}, {0x3164, 0x3164},
	{0xFE00, 0xFE0F}, {0xFEFF, 0xFEFF}, {0xFFA0, 0xFFA0}, {0xFFF0, 0xFFF8},
	{0x1BCA0, 0x1BCA3}, {0x1D173, 0x1D17A}, {0xE0000, 0xE0FFF},
};

static bool
is_invisible(pg_wchar c)
{
	for (int i = 0; i < (int) lengthof(invisible) && c >= invisible[i][0]; i++)
		if (c <= invisible[i][1])
			return true;
	return false;
}

/*
 * Whether a text shows nothing: only invisible characters (above).  Text in
 * another server encoding is converted to UTF-8 to be judged; in SQL_ASCII,
 * whose bytes above 127 mean nothing known, only ASCII white space counts.
 */
bool
mm_is_blank(const char *value)
{
	int			encoding = GetDatabaseEncoding();
	const unsigned char *p = (const unsigned char *) value;

	if (encoding != PG_UTF8 && encoding != PG_SQL_ASCII)
		p = pg_do_encoding_conversion((unsigned char *) value, strlen(value),
									  encoding, PG_UTF8);
	while (*p != '\0')
	{
		bool		ascii = *p < 0x80 || encoding == PG_SQL_ASCII;
		pg_wchar	c = ascii ? *p : utf8_to_unicode(p);

		if (!(ascii ? c <= 0x20 && is_invisible(c) : is_invisible(c)))
			return false;
		p += ascii ? 1 : pg_utf_mblen(p);
	}
	return true;
}

/*
 * The index of argument argno among choice->names; an error for NULL or any
 * other value, with the valid ones in the hint.  Loose choices ignore case and
 * a leading "--" (the command-line spellings of server_maint_mode).
 */
int
mm_choose(FunctionCallInfo fcinfo, int argno, const MMChoice *choice)
{
	char	   *given;
	const char *name;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(choice->null_errcode),
				 errmsg("%s must not be null", choice->what),
				 errhint("%s", choice->hint)));

	given = text_to_cstring(PG_GETARG_TEXT_PP(argno));
	name = choice->loose && strncmp(given, "--", 2) == 0 ? given + 2 : given;
	for (int i = 0; i < choice->count; i++)
		if ((choice->loose ? pg_strcasecmp(name, choice->names[i])
			 : strcmp(name, choice->names[i])) == 0)
			return i;

	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s %s", choice->unknown, mm_quoted(given)),
			 errhint("%s", choice->hint)));
	pg_unreachable();
}

/*
 * The row that stmt, a read of one agent by id ($1), returns for the agent
 * named by argument argno (SPI connected); an error for NULL or an unknown id.
 */
HeapTuple
mm_agent_row(FunctionCallInfo fcinfo, int argno, MMStatement *stmt)
{
	Datum		agent;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("agent must not be null")));
	agent = PG_GETARG_DATUM(argno);
	if (mm_execute(stmt, &agent, NULL, true) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("agent " INT64_FORMAT " does not exist", DatumGetInt64(agent))));
	return SPI_tuptable->vals[0];
}

/* The tables of the scopes a call can name, and how to tell an id exists. */
static MMStatement target_exists_stmts[] = {
	[MM_SCOPE_AGENT] = {"SELECT FROM maintmode.agent WHERE id = $1", 1, {INT8OID}},
	[MM_SCOPE_SITE] = {"SELECT FROM maintmode.site WHERE id = $1", 1, {INT8OID}},
	[MM_SCOPE_CLIENT] = {"SELECT FROM maintmode.client WHERE id = $1", 1, {INT8OID}},
};

const char *const mm_scope_names[MM_SCOPE_COUNT] = {
	[MM_SCOPE_AGENT] = "agent",
	[MM_SCOPE_SITE] = "site",
	[MM_SCOPE_CLIENT] = "client",
	[MM_SCOPE_SERVER] = "server",
};

/* An error (P0002) unless the agent, site or client exists (SPI connected). */
void
mm_require_target(MMScope scope, int64 id)
{
	Datum		arg = Int64GetDatum(id);

	Assert(scope != MM_SCOPE_SERVER);
	if (mm_execute(&target_exists_stmts[scope], &arg, NULL, false) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("%s " INT64_FORMAT " does not exist", mm_scope_names[scope], id)));
}
