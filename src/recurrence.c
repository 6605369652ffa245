/*
 * recurrence.c
 *     The occurrence engine of recurring windows, the one place that says when
 *     a recurring window is in force: it reads a repeat (daily, weekly,
 *     monthly, or an RFC 5545 RRULE), resolves the window's time zone as the
 *     IANA zone of that name, and lists the occurrences as instants, with
 *     local times resolved as RFC 5545 section 3.3.5 says.  create_window
 *     validates with it, and every reader of occurrences (window_occurrence(),
 *     which the sweep and the views call, and the functions of occurrences.c)
 *     computes with it.
 *
 * An occurrence starts on a day the rule gives, at the local time of day of
 * the window's start, and lasts its duration: months and days added in local
 * time (nominal), then hours, minutes and seconds as elapsed time (exact).
 * Occurrences are the rule's starting at or after the window's start
 * (DTSTART), which counts as the first only if the rule gives it; COUNT counts
 * those.  All calendar work is done on Julian day numbers; only an occurrence
 * actually returned is converted to an instant.
 */
#include "postgres.h"

#include <ctype.h>

#include "datatype/timestamp.h"
#include "pgtime.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/timestamp.h"

#include "maintmode.h"

typedef enum Frequency
{
	FREQ_DAILY,
	FREQ_WEEKLY,
	FREQ_MONTHLY
} Frequency;

/* A BYDAY value: a weekday (0 is Sunday, as j2day()), and its number in the month (0: every one). */
typedef struct WeekdayNum
{
	int			ordinal;
	int			weekday;
} WeekdayNum;

/* Room for every distinct value: 7 weekdays by 11 numbers, 62 days, 732 positions. */
#define MAX_BYDAY 77
#define MAX_BYMONTHDAY 62
#define MAX_BYSETPOS 732

typedef struct Rule
{
	Frequency	freq;
	int			interval;
	int			count;			/* 0: no COUNT */
	bool		has_until;
	bool		until_is_date;
	TimestampTz until;			/* UNTIL as a UTC date-time */
	int			until_jd;		/* UNTIL as a date, in local time */
	int			wkst;
	int			nbyday;
	WeekdayNum	byday[MAX_BYDAY];
	int			nbymonthday;
	int			bymonthday[MAX_BYMONTHDAY];
	int			nbysetpos;
	int			bysetpos[MAX_BYSETPOS];
} Rule;

/* The rule parts, in the order of their bits in the set of parts seen. */
typedef enum Part
{
	PART_FREQ,
	PART_INTERVAL,
	PART_COUNT,
	PART_UNTIL,
	PART_BYDAY,
	PART_BYMONTHDAY,
	PART_BYSETPOS,
	PART_WKST,
	PART_KINDS
} Part;

static const char *const part_names[PART_KINDS] = {
	"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY", "BYSETPOS", "WKST"
};

/* Parts RFC 5545 defines that no window rule takes. */
static const char *const unsupported_parts[] = {
	"BYSECOND", "BYMINUTE", "BYHOUR", "BYYEARDAY", "BYWEEKNO", "BYMONTH"
};

static const char *const weekday_names[7] = {"SU", "MO", "TU", "WE", "TH", "FR", "SA"};

#define SUPPORTED_DETAIL \
	"A repeat rule takes FREQ (DAILY, WEEKLY or MONTHLY), INTERVAL, COUNT or UNTIL, " \
	"BYDAY, BYMONTHDAY, BYSETPOS and WKST."
#define REPEATS_HINT \
	"Valid repeats are daily, weekly, monthly and RFC 5545 rules such as " \
	"FREQ=MONTHLY;BYDAY=2TU, or NULL for a one-off window."

/* The last local day any occurrence may start on: 9999-12-31. */
#define LAST_JD 5373484
/*
 * The days from 0001-01-01 to 9999-12-31, about: an INTERVAL or a duration
 * part beyond it spans the whole calendar.  INTERVAL is clamped to it (a
 * larger one repeats nothing more), so that a period in days fits an integer;
 * a longer duration, which only a row made by hand can have, is refused.
 */
#define CALENDAR_DAYS 3660000

/* Whether a span of days, either way, fits the calendar. */
static bool
within_calendar(int64 days)
{
	return days >= -CALENDAR_DAYS && days <= CALENDAR_DAYS;
}

static int
days_in_month(int year, int month)
{
	return day_tab[isleap(year)][month - 1];
}

static int64
floor_div(int64 a, int64 b)
{
	int64		q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* The error for a malformed part, named whole ("BYDAY=8TU"), and what is wrong with it. */
static void
pg_attribute_noreturn()
invalid_part(const char *part, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid repeat rule part %s", mm_quoted(part)),
			 errdetail_internal("%s", detail)));
}

/*
 * A whole number of at most 9 digits (and a sign if signed is true) and
 * nothing else; false if s is not one.
 */
static bool
parse_number(const char *s, bool signed_number, int *value)
{
	int			sign = 1;
	int			n = 0;
	int			digits = 0;

	if (signed_number && (*s == '+' || *s == '-'))
		sign = *s++ == '-' ? -1 : 1;
	for (; isdigit((unsigned char) *s); s++)
	{
		if (++digits > 9)
			return false;
		n = n * 10 + (*s - '0');
	}
	if (digits == 0 || *s != '\0')
		return false;
	*value = sign * n;
	return true;
}

/* A weekday's two letters (any case), as j2day() numbers it; -1 if not one. */
static int
parse_weekday(const char *s)
{
	for (int i = 0; i < 7; i++)
		if (pg_strcasecmp(s, weekday_names[i]) == 0)
			return i;
	return -1;
}

/* A BYDAY value: [+|-][1 or 2 digits] and a weekday.  false if malformed. */
static bool
parse_weekday_num(const char *s, WeekdayNum *out)
{
	size_t		len = strlen(s);
	char		number[4];

	if (len < 2 || len > 5)
		return false;
	out->weekday = parse_weekday(s + len - 2);
	if (out->weekday < 0)
		return false;
	out->ordinal = 0;
	if (len == 2)
		return true;
	memcpy(number, s, len - 2);
	number[len - 2] = '\0';
	/* one or two digits after the sign */
	if ((number[0] == '+' || number[0] == '-') ? len - 3 > 2 : len - 2 > 2)
		return false;
	return parse_number(number, true, &out->ordinal) && out->ordinal != 0;
}

/* n digits of s as a number (all digits checked by the caller). */
static int
digits_value(const char *s, int n)
{
	int			v = 0;

	for (int i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/* UNTIL: a date (YYYYMMDD) or a UTC date-time (YYYYMMDDTHHMMSSZ); false if neither. */
static bool
parse_until(const char *s, Rule *rule)
{
	size_t		len = strlen(s);
	int			year,
				month,
				day,
				hour,
				minute,
				second;

	if (len != 8 && len != 16)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isdigit((unsigned char) s[i]) && !(len == 16 && (i == 8 || i == 15)))
			return false;
	year = digits_value(s, 4);
	month = digits_value(s + 4, 2);
	day = digits_value(s + 6, 2);
	if (year < 1 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month))
		return false;
	rule->has_until = true;
	rule->until_jd = date2j(year, month, day);
	if (len == 8)
	{
		rule->until_is_date = true;
		return true;
	}
	if (pg_toupper((unsigned char) s[8]) != 'T' || pg_toupper((unsigned char) s[15]) != 'Z')
		return false;
	hour = digits_value(s + 9, 2);
	minute = digits_value(s + 11, 2);
	second = digits_value(s + 13, 2);
	/* 60: a leap second, which RFC 5545 allows; it is the next minute's first. */
	if (hour > 23 || minute > 59 || second > 60)
		return false;
	rule->until = ((int64) (rule->until_jd - POSTGRES_EPOCH_JDATE) * SECS_PER_DAY +
				   hour * SECS_PER_HOUR + minute * SECS_PER_MINUTE + second) * USECS_PER_SEC;
	return true;
}

/* Whether the list already holds the value: lists keep each value once. */
static bool
holds(const int *list, int n, int value)
{
	for (int i = 0; i < n; i++)
		if (list[i] == value)
			return true;
	return false;
}

/*
 * The comma-separated values of a list part, each checked by parse(), which
 * returns false for a malformed one.
 */
static void
parse_list(const char *part, const char *value, Rule *rule, Part kind)
{
	char	   *copy = pstrdup(value);
	char	   *item = copy;

	for (;;)
	{
		char	   *comma = strchr(item, ',');
		int			n;

		if (comma != NULL)
			*comma = '\0';
		if (kind == PART_BYDAY)
		{
			WeekdayNum wd;
			bool		seen = false;

			if (!parse_weekday_num(item, &wd))
				invalid_part(part, "BYDAY takes weekdays (MO, TU, WE, TH, FR, SA, SU), each with an optional number in the month: 2TU, -1FR.");
			if (wd.ordinal < -5 || wd.ordinal > 5)
				invalid_part(part, "A weekday's number in the month is 1 to 5 or -1 to -5, as in 2TU or -1FR.");
			for (int i = 0; i < rule->nbyday; i++)
				seen |= rule->byday[i].ordinal == wd.ordinal && rule->byday[i].weekday == wd.weekday;
			if (!seen)
				rule->byday[rule->nbyday++] = wd;
		}
		else if (kind == PART_BYMONTHDAY)
		{
			if (!parse_number(item, true, &n) || n == 0 || n < -31 || n > 31)
				invalid_part(part, "BYMONTHDAY takes days of the month, 1 to 31, or -1 (the last day) to -31.");
			if (!holds(rule->bymonthday, rule->nbymonthday, n))
				rule->bymonthday[rule->nbymonthday++] = n;
		}
		else
		{
			if (!parse_number(item, true, &n) || n == 0 || n < -366 || n > 366)
				invalid_part(part, "BYSETPOS takes positions in each period's set of days, 1 to 366, or -1 (the last) to -366.");
			if (!holds(rule->bysetpos, rule->nbysetpos, n))
				rule->bysetpos[rule->nbysetpos++] = n;
		}
		if (comma == NULL)
			break;
		item = comma + 1;
	}
	pfree(copy);
}

/* One NAME=VALUE part of a rule; seen collects the parts met so far, and their text. */
static void
parse_part(const char *part, Rule *rule, const char **seen)
{
	const char *eq = strchr(part, '=');
	const char *value;
	char	   *name;
	int			kind = -1;
	int			n;

	if (eq == NULL)
		invalid_part(part, "A rule is made of parts NAME=VALUE separated by semicolons, as in FREQ=MONTHLY;BYDAY=2TU.");
	name = pnstrdup(part, eq - part);
	value = eq + 1;
	for (int i = 0; i < PART_KINDS; i++)
		if (pg_strcasecmp(name, part_names[i]) == 0)
			kind = i;
	if (kind < 0)
	{
		for (int i = 0; i < (int) lengthof(unsupported_parts); i++)
			if (pg_strcasecmp(name, unsupported_parts[i]) == 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("repeat rule part %s is not supported", mm_quoted(part)),
						 errdetail(SUPPORTED_DETAIL)));
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown repeat rule part %s", mm_quoted(part)),
				 errdetail(SUPPORTED_DETAIL)));
	}
	if (seen[kind] != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("repeat rule part %s is given twice", part_names[kind]),
				 errdetail("It is given as %s and as %s.", mm_quoted(seen[kind]), mm_quoted(part))));
	seen[kind] = part;

	switch ((Part) kind)
	{
		case PART_FREQ:
			if (pg_strcasecmp(value, "DAILY") == 0)
				rule->freq = FREQ_DAILY;
			else if (pg_strcasecmp(value, "WEEKLY") == 0)
				rule->freq = FREQ_WEEKLY;
			else if (pg_strcasecmp(value, "MONTHLY") == 0)
				rule->freq = FREQ_MONTHLY;
			else if (pg_strcasecmp(value, "YEARLY") == 0 || pg_strcasecmp(value, "HOURLY") == 0 ||
					 pg_strcasecmp(value, "MINUTELY") == 0 || pg_strcasecmp(value, "SECONDLY") == 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("repeat rule part %s is not supported", mm_quoted(part)),
						 errdetail("FREQ is DAILY, WEEKLY or MONTHLY.")));
			else
				invalid_part(part, "FREQ is DAILY, WEEKLY or MONTHLY.");
			break;
		case PART_INTERVAL:
			if (!parse_number(value, false, &n) || n < 1)
				invalid_part(part, "INTERVAL is a whole number from 1 up: every INTERVAL days, weeks or months.");
			rule->interval = Min(n, CALENDAR_DAYS);
			break;
		case PART_COUNT:
			if (!parse_number(value, false, &n) || n < 1)
				invalid_part(part, "COUNT is a whole number from 1 up: the number of occurrences.");
			rule->count = n;
			break;
		case PART_UNTIL:
			if (!parse_until(value, rule))
				invalid_part(part, "UNTIL is a date (20261231) or a UTC date-time (20261231T230000Z).");
			break;
		case PART_BYDAY:
		case PART_BYMONTHDAY:
		case PART_BYSETPOS:
			parse_list(part, value, rule, (Part) kind);
			break;
		case PART_WKST:
			rule->wkst = parse_weekday(value);
			if (rule->wkst < 0)
				invalid_part(part, "WKST is a weekday: MO, TU, WE, TH, FR, SA or SU.");
			break;
		case PART_KINDS:
			pg_unreachable();
	}
	pfree(name);
}

/*
 * Parse a repeat into rule: a keyword (daily, weekly, monthly, in any case:
 * FREQ=DAILY, WEEKLY, MONTHLY), or an RRULE value (RFC 5545 section 3.3.10;
 * names and values in any case, as iCalendar's are; an "RRULE:" prefix
 * allowed).  Anything else is an error (22023) naming the offending part.
 * Returns whether repeat is a keyword.
 */
static bool
parse_repeat(const char *repeat, Rule *rule)
{
	const char *text = repeat;
	const char *seen[PART_KINDS] = {NULL};
	char	   *copy;
	char	   *part;
	bool		numbered = false;

	memset(rule, 0, sizeof(Rule));
	rule->interval = 1;
	rule->wkst = 1;				/* MO, RFC 5545's default */

	if (pg_strcasecmp(repeat, "daily") == 0)
		rule->freq = FREQ_DAILY;
	else if (pg_strcasecmp(repeat, "weekly") == 0)
		rule->freq = FREQ_WEEKLY;
	else if (pg_strcasecmp(repeat, "monthly") == 0)
		rule->freq = FREQ_MONTHLY;
	else
		text = NULL;
	if (text != NULL)
		return true;

	text = pg_strncasecmp(repeat, "RRULE:", 6) == 0 ? repeat + 6 : repeat;
	if (strchr(text, '=') == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown window repeat %s", mm_quoted(repeat)),
				 errhint(REPEATS_HINT)));
	copy = pstrdup(text);
	part = copy;
	for (;;)
	{
		char	   *semicolon = strchr(part, ';');

		if (semicolon != NULL)
			*semicolon = '\0';
		parse_part(part, rule, seen);
		if (semicolon == NULL)
			break;
		part = semicolon + 1;
	}

	if (seen[PART_FREQ] == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("repeat rule %s has no FREQ part", mm_quoted(repeat)),
				 errdetail(SUPPORTED_DETAIL)));
	if (seen[PART_COUNT] != NULL && seen[PART_UNTIL] != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("repeat rule parts %s and %s cannot be combined",
						mm_quoted(seen[PART_COUNT]), mm_quoted(seen[PART_UNTIL])),
				 errdetail("A series ends after COUNT occurrences or at UNTIL, not both.")));
	if (seen[PART_BYMONTHDAY] != NULL && rule->freq == FREQ_WEEKLY)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("repeat rule part %s does not apply to FREQ=WEEKLY",
						mm_quoted(seen[PART_BYMONTHDAY])),
				 errdetail("BYMONTHDAY takes FREQ=DAILY or FREQ=MONTHLY.")));
	for (int i = 0; i < rule->nbyday; i++)
		numbered |= rule->byday[i].ordinal != 0;
	if (numbered && rule->freq != FREQ_MONTHLY)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("repeat rule part %s numbers weekdays in the month, which needs FREQ=MONTHLY",
						mm_quoted(seen[PART_BYDAY]))));
	if (seen[PART_BYSETPOS] != NULL && seen[PART_BYDAY] == NULL && seen[PART_BYMONTHDAY] == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("repeat rule part %s needs BYDAY or BYMONTHDAY",
						mm_quoted(seen[PART_BYSETPOS])),
				 errdetail("BYSETPOS picks among the days that BYDAY and BYMONTHDAY give in each period.")));
	pfree(copy);
	return false;
}

/*
 * The form of a valid repeat stored in maintenance_window.repeat: a keyword
 * in lower case, a rule in upper case without an "RRULE:" prefix.  period is
 * set to the rule's period: INTERVAL days, weeks or months.  An invalid repeat
 * is an error (22023).
 */
char *
mm_repeat_normalize(const char *repeat, Interval *period)
{
	Rule	   *rule = palloc(sizeof(Rule));
	bool		keyword = parse_repeat(repeat, rule);
	const char *text = (!keyword && pg_strncasecmp(repeat, "RRULE:", 6) == 0) ? repeat + 6 : repeat;
	char	   *normal = pstrdup(text);

	for (char *c = normal; *c != '\0'; c++)
		*c = keyword ? pg_tolower((unsigned char) *c) : pg_toupper((unsigned char) *c);
	memset(period, 0, sizeof(Interval));
	if (rule->freq == FREQ_MONTHLY)
		period->month = rule->interval;
	else
		period->day = rule->interval * (rule->freq == FREQ_WEEKLY ? 7 : 1);
	pfree(rule);
	return normal;
}

/*
 * The time zone of a window: the IANA zone of that name (in any case), as
 * SET TIME ZONE resolves it, never a time zone abbreviation: CET is the zone
 * with summer time.  An unknown name is an error (22023).
 */
pg_tz *
mm_window_time_zone(const char *name)
{
	pg_tz	   *tz = name[0] == '\0' ? NULL : pg_tzset(name);

	if (tz == NULL || !pg_tz_acceptable(tz))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("time zone %s not recognized", mm_quoted(name)),
				 errhint("Use a name from pg_timezone_names, for example Europe/Berlin.")));
	return tz;
}

struct MMRecurrence
{
	Rule		rule;
	pg_tz	   *tz;
	TimestampTz starts;			/* DTSTART */
	int			start_jd;		/* its local day */
	int64		start_tod;		/* its local time of day, in microseconds */
	int			start_mday;
	int			start_wday;
	int			first_week_jd;	/* WEEKLY: the WKST day of the week of starts */
	int			start_month;	/* MONTHLY: year * 12 + month - 1 of starts */
	Interval	duration;
	bool		has_cut;		/* ends_at or ended_at: nothing starts at or after */
	TimestampTz cut;
	int			last_jd;		/* no period that begins after this day is looked at */
	/* where the iteration is: the days of one period, and how many have counted */
	int64		period;
	int			ndays;
	int			next_day;
	int			days[31];
	int64		counted;
	bool		done;
};

/* The local time of an instant in the window's zone, as a timestamp without time zone. */
static Timestamp
utc_to_local(const MMRecurrence *r, TimestampTz t)
{
	pg_time_t	secs = floor_div(t, USECS_PER_SEC) +
		(pg_time_t) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY;
	struct pg_tm *tm = pg_localtime(&secs, r->tz);

	if (tm == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	return t + (int64) tm->tm_gmtoff * USECS_PER_SEC;
}

/* The local day of an instant. */
static int
local_jd(const MMRecurrence *r, TimestampTz t)
{
	return (int) floor_div(utc_to_local(r, t), USECS_PER_DAY) + POSTGRES_EPOCH_JDATE;
}

/*
 * The instant of a local time (a day and a time of day) in the window's zone,
 * by RFC 5545 section 3.3.5: a local time that occurs twice (the clocks going
 * back) is the first; one that does not occur (the clocks going forward) is
 * taken with the UTC offset before the gap, so 02:30 when Berlin goes from
 * +01:00 to +02:00 is 01:30 UTC (03:30 local).  PostgreSQL's own rule
 * (DetermineTimeZoneOffset) takes the later one of a time that occurs twice.
 * Like it, this assumes offsets under a day and changes more than two days
 * apart.
 */
static TimestampTz
local_to_utc(const MMRecurrence *r, int jd, int64 tod)
{
	Timestamp	local = (int64) (jd - POSTGRES_EPOCH_JDATE) * USECS_PER_DAY + tod;
	pg_time_t	mytime = floor_div(local, USECS_PER_SEC) +
		(pg_time_t) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY;
	pg_time_t	day_before = mytime - SECS_PER_DAY;
	long int	before_gmtoff,
				after_gmtoff;
	int			before_isdst,
				after_isdst;
	pg_time_t	boundary;
	long int	offset;
	int			res = pg_next_dst_boundary(&day_before, &before_gmtoff, &before_isdst,
										   &boundary, &after_gmtoff, &after_isdst, r->tz);

	if (res < 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	offset = before_gmtoff;
	/* After the change by either reading: the offset after it; in the gap or the overlap: before. */
	if (res > 0 && mytime - before_gmtoff >= boundary && mytime - after_gmtoff >= boundary)
		offset = after_gmtoff;
	return local - (int64) offset * USECS_PER_SEC;
}

/*
 * The end of an occurrence starting on local day jd: months and days added to
 * the local date (a month keeps the day, or the month's last), at the same
 * local time of day, then the time part added as elapsed time.
 */
static TimestampTz
occurrence_end(const MMRecurrence *r, int jd, TimestampTz start)
{
	const Interval *d = &r->duration;
	int			end_jd = jd;

	if (d->month == 0 && d->day == 0)
		return start + d->time;
	if (d->month != 0)
	{
		int			year,
					month,
					day;
		int			months;

		j2date(jd, &year, &month, &day);
		months = year * 12 + month - 1 + d->month;
		year = (int) floor_div(months, 12);
		month = months - year * 12 + 1;
		end_jd = date2j(year, month, Min(day, days_in_month(year, month)));
	}
	end_jd += d->day;
	return local_to_utc(r, end_jd, r->start_tod) + d->time;
}

/* Whether day (of a month of len days) is one BYMONTHDAY names. */
static bool
monthday_matches(const Rule *rule, int day, int len)
{
	for (int i = 0; i < rule->nbymonthday; i++)
	{
		int			v = rule->bymonthday[i];

		if (v > 0 ? day == v : day == len + 1 + v)
			return true;
	}
	return false;
}

/* Whether day (weekday wday, of a month of len days) is one BYDAY names. */
static bool
weekday_matches(const Rule *rule, int day, int wday, int len)
{
	for (int i = 0; i < rule->nbyday; i++)
	{
		int			ordinal = rule->byday[i].ordinal;

		if (rule->byday[i].weekday != wday)
			continue;
		if (ordinal == 0 ||
			(ordinal > 0 && (day - 1) / 7 + 1 == ordinal) ||
			(ordinal < 0 && (len - day) / 7 + 1 == -ordinal))
			return true;
	}
	return false;
}

static void
add_day(MMRecurrence *r, int jd)
{
	r->days[r->ndays++] = jd;
}

/*
 * The days of period p (the p-th day, week or month of the rule, counting
 * INTERVAL), in order, as BYDAY, BYMONTHDAY and BYSETPOS give them; false if
 * the period begins after last_jd.
 */
static bool
expand_period(MMRecurrence *r, int64 p)
{
	const Rule *rule = &r->rule;
	int			year,
				month,
				day;

	r->period = p;
	r->ndays = 0;
	r->next_day = 0;
	switch (rule->freq)
	{
		case FREQ_DAILY:
			{
				int64		jd = r->start_jd + p * rule->interval;
				int			len;

				if (jd > r->last_jd)
					return false;
				j2date((int) jd, &year, &month, &day);
				len = days_in_month(year, month);
				if ((rule->nbyday == 0 || weekday_matches(rule, day, j2day((int) jd), len)) &&
					(rule->nbymonthday == 0 || monthday_matches(rule, day, len)))
					add_day(r, (int) jd);
				break;
			}
		case FREQ_WEEKLY:
			{
				int64		first = r->first_week_jd + p * 7 * rule->interval;

				if (first > r->last_jd)
					return false;
				for (int i = 0; i < 7; i++)
				{
					int			jd = (int) first + i;
					int			wday = j2day(jd);

					if (rule->nbyday == 0 ? wday == r->start_wday
						: weekday_matches(rule, 0, wday, 0))
						add_day(r, jd);
				}
				break;
			}
		case FREQ_MONTHLY:
			{
				int64		months = r->start_month + p * rule->interval;
				int			first;
				int			len;

				if (months > (int64) 9999 * 12 + 11)
					return false;
				year = (int) (months / 12);
				month = (int) (months % 12) + 1;
				first = date2j(year, month, 1);
				if (first > r->last_jd)
					return false;
				len = days_in_month(year, month);
				for (day = 1; day <= len; day++)
				{
					int			wday = j2day(first + day - 1);
					bool		in;

					if (rule->nbymonthday > 0)
						in = monthday_matches(rule, day, len) &&
							(rule->nbyday == 0 || weekday_matches(rule, day, wday, len));
					else if (rule->nbyday > 0)
						in = weekday_matches(rule, day, wday, len);
					else
						in = day == r->start_mday;
					if (in)
						add_day(r, first + day - 1);
				}
				break;
			}
	}
	if (rule->nbysetpos > 0)
	{
		bool		keep[31] = {false};
		int			kept = 0;

		for (int i = 0; i < rule->nbysetpos; i++)
		{
			int			pos = rule->bysetpos[i];
			int			index = pos > 0 ? pos - 1 : r->ndays + pos;

			if (index >= 0 && index < r->ndays)
				keep[index] = true;
		}
		for (int i = 0; i < r->ndays; i++)
			if (keep[i])
				r->days[kept++] = r->days[i];
		r->ndays = kept;
	}
	return true;
}

/*
 * The occurrences of a recurring window: repeat, its time zone, starts (the
 * first possible occurrence), duration; with has_cut, nothing starts at or
 * after cut and an occurrence under way ends there (ends_at, ended_at).  A
 * start outside the years 1 to 9999 (an infinite one, which 1.2 accepted)
 * has no occurrences.  Call mm_recurrence_seek() before reading.
 */
MMRecurrence *
mm_recurrence_begin(const char *repeat, pg_tz *tz, TimestampTz starts,
					const Interval *duration, bool has_cut, TimestampTz cut)
{
	MMRecurrence *r = palloc0(sizeof(MMRecurrence));
	Timestamp	local;
	int			year,
				month;

	if (!within_calendar((int64) duration->month * 31) || !within_calendar(duration->day) ||
		!within_calendar(duration->time / USECS_PER_DAY))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("window duration is out of range"),
				 errdetail("A window lasts at most the years 1 to 9999.")));
	parse_repeat(repeat, &r->rule);
	r->tz = tz;
	r->starts = starts;
	r->duration = *duration;
	r->has_cut = has_cut;
	r->cut = cut;
	if (starts < MM_FIRST_INSTANT || starts >= MM_AFTER_LAST_INSTANT)
	{
		r->done = true;
		return r;
	}
	local = utc_to_local(r, starts);
	r->start_jd = (int) floor_div(local, USECS_PER_DAY) + POSTGRES_EPOCH_JDATE;
	r->start_tod = local - (int64) (r->start_jd - POSTGRES_EPOCH_JDATE) * USECS_PER_DAY;
	j2date(r->start_jd, &year, &month, &r->start_mday);
	r->start_month = year * 12 + month - 1;
	r->start_wday = j2day(r->start_jd);
	r->first_week_jd = r->start_jd - (r->start_wday - r->rule.wkst + 7) % 7;
	return r;
}

/* The period of the rule that local day jd falls in (negative: before the first). */
static int64
period_of(const MMRecurrence *r, int jd)
{
	int			year,
				month,
				day;

	switch (r->rule.freq)
	{
		case FREQ_DAILY:
			return floor_div(jd - r->start_jd, r->rule.interval);
		case FREQ_WEEKLY:
			return floor_div(jd - r->first_week_jd, (int64) 7 * r->rule.interval);
		case FREQ_MONTHLY:
			j2date(jd, &year, &month, &day);
			return floor_div((int64) year * 12 + month - 1 - r->start_month, r->rule.interval);
	}
	pg_unreachable();
}

/* Whether a day the rule gave is one of the window's: at or after its start. */
static bool
on_or_after_start(const MMRecurrence *r, int jd)
{
	return jd > r->start_jd ||
		(jd == r->start_jd && local_to_utc(r, jd, r->start_tod) >= r->starts);
}

/* An instant within the years the engine computes in. */
static TimestampTz
clamped(TimestampTz t)
{
	return Max(MM_FIRST_INSTANT - USECS_PER_DAY, Min(t, MM_AFTER_LAST_INSTANT + USECS_PER_DAY));
}

/*
 * Position the iteration for the occurrences that end after from and start
 * no later than to (more may be returned around them; callers filter).  A
 * rule without COUNT jumps to the period; with COUNT, the occurrences before
 * are counted, on the calendar alone.
 */
void
mm_recurrence_seek(MMRecurrence *r, TimestampTz from, TimestampTz to)
{
	const Interval *d = &r->duration;
	int			from_jd;

	if (r->done)
		return;
	/* An occurrence ending after from starts at most its longest duration before. */
	from_jd = local_jd(r, clamped(from)) -
		(d->month * 31 + d->day + (int) (d->time / USECS_PER_DAY) + 2);
	r->last_jd = Min(local_jd(r, clamped(to)) + 1, LAST_JD);
	r->ndays = r->next_day = 0;
	r->counted = 0;
	if (r->rule.count == 0)
	{
		r->period = Max(period_of(r, from_jd), 0) - 1;
		return;
	}
	r->period = -1;
	for (;;)
	{
		int			jd;

		if (r->next_day >= r->ndays)
		{
			if (!expand_period(r, r->period + 1))
			{
				r->done = true;
				return;
			}
			continue;
		}
		jd = r->days[r->next_day];
		if (jd >= from_jd)
			return;
		r->next_day++;
		if (on_or_after_start(r, jd) && ++r->counted >= r->rule.count)
		{
			r->done = true;
			return;
		}
	}
}

/*
 * The next occurrence, in order of start: true and its start and end, or
 * false when there is none up to the limit the seek set.
 */
bool
mm_recurrence_next(MMRecurrence *r, TimestampTz *starts, TimestampTz *ends)
{
	while (!r->done)
	{
		int			jd;
		TimestampTz start;

		if (r->next_day >= r->ndays)
		{
			if (!expand_period(r, r->period + 1))
				r->done = true;
			continue;
		}
		jd = r->days[r->next_day++];
		if (jd < r->start_jd)
			continue;
		start = local_to_utc(r, jd, r->start_tod);
		if (start < r->starts)
			continue;
		if ((r->rule.count > 0 && r->counted >= r->rule.count) ||
			(r->rule.has_until && (r->rule.until_is_date ? jd > r->rule.until_jd
								   : start > r->rule.until)) ||
			(r->has_cut && start >= r->cut))
		{
			r->done = true;
			break;
		}
		r->counted++;
		*starts = start;
		*ends = occurrence_end(r, jd, start);
		if (r->has_cut && *ends > r->cut)
			*ends = r->cut;
		return true;
	}
	return false;
}
