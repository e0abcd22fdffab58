#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/queue.h"
#include "warroom/timefmt.h"

/* As review.c ranks flags (the schema allows no other severity), so the
 * list is in the order `review next` takes items: info counts above no flag
 * at all, which is 0 here as a missing flag's NULL severity. */
#define RANK(f) \
	"CASE " f ".severity WHEN 'hard' THEN 3 WHEN 'warn' THEN 2 WHEN 'info' THEN 1" \
	" ELSE 0 END"

/* One statement for the whole queue, no query per row from here: each
 * tally's flags and approvals are index probes inside it. */
static const char QUEUE_SQL[] =
	"SELECT s.id, s.submission_id, p.code, p.name, p.county_fips, c.short_name,"
	"  c.name, s.source, s.reported_at_s, CAST(strftime('%s', s.received_at) AS INTEGER),"
	"  s.state, " RANK("wf") " AS sev,"
	"  (SELECT count(*) FROM flags y WHERE y.submission = s.id), wf.rule, wf.message,"
	"  (SELECT group_concat(y.rule, ' ') FROM flags y WHERE y.submission = s.id),"
	"  (SELECT count(*) FROM approvals a WHERE a.submission = s.id),"
	"  u.name, k.expires_at"
	" FROM submissions s"
	" LEFT JOIN precincts p ON p.id = s.precinct_id"
	" LEFT JOIN counties c ON c.fips = p.county_fips"
	/* the worst flag; of equals, the first raised */
	" LEFT JOIN flags wf ON wf.id = (SELECT x.id FROM flags x WHERE x.submission = s.id"
	"   ORDER BY " RANK("x") " DESC, x.id LIMIT 1)"
	" LEFT JOIN claims k ON k.submission = s.id AND k.expires_at > ?1"
	" LEFT JOIN users u ON u.id = k.user_id"
	" WHERE s.state IN ('received', 'flagged', 'clean')"
	" ORDER BY sev DESC, s.received_at, s.id";

static void read_row(sqlite3_stmt *st, void *row)
{
	struct wr_queue_row *r = row;

	r->id = sqlite3_column_int64(st, 0);
	wr_store_text(st, 1, r->submission_id, sizeof r->submission_id);
	wr_store_text(st, 2, r->precinct, sizeof r->precinct);
	wr_store_text(st, 3, r->precinct_name, sizeof r->precinct_name);
	wr_store_text(st, 4, r->county_fips, sizeof r->county_fips);
	wr_store_text(st, 5, r->county_short, sizeof r->county_short);
	wr_store_text(st, 6, r->county_name, sizeof r->county_name);
	wr_store_text(st, 7, r->source, sizeof r->source);
	r->reported_at = sqlite3_column_int64(st, 8);
	r->received_at = sqlite3_column_int64(st, 9);
	wr_store_text(st, 10, r->state, sizeof r->state);
	r->severity = (enum wr_severity)sqlite3_column_int(st, 11);
	r->nflags = sqlite3_column_int(st, 12);
	wr_store_text(st, 13, r->rule, sizeof r->rule);
	wr_store_text(st, 14, r->message, sizeof r->message);
	wr_store_text(st, 15, r->rules, sizeof r->rules);
	r->approvals = sqlite3_column_int(st, 16);
	wr_store_text(st, 17, r->holder, sizeof r->holder);
	r->claim_expires = r->holder[0] ? sqlite3_column_int64(st, 18) : 0;
}

int wr_queue_load(struct wr_store *s, struct wr_queue_row **rows, size_t *n,
                  struct wr_err *err)
{
	sqlite3_stmt *st;

	*rows = NULL;
	*n = 0;
	if (wr_store_prepare(s, &st, QUEUE_SQL, err))
		return WR_ESTORE;
	sqlite3_bind_int64(st, 1, wr_time_now());
	return wr_store_rows(s, st, sizeof **rows, read_row, (void **)rows, n,
	                     "reading the review queue", err);
}

/* hay holds the n bytes of needle, ignoring ASCII case. Bytes of UTF-8
 * sequences compare as they are: folding them needs a locale, and the
 * names here are ASCII. */
static int has_ci(const char *hay, const char *needle, size_t n)
{
	for (; *hay; hay++) {
		size_t i = 0;

		while (i < n && hay[i] &&
		       tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]))
			i++;
		if (i == n)
			return 1;
	}
	return 0;
}

static int row_has(const struct wr_queue_row *r, const char *term, size_t n)
{
	const char *fields[] = {
		r->county_name, r->county_short, r->county_fips, r->precinct,
		r->precinct_name, r->rules, r->state, r->source,
		wr_severity_name(r->severity), r->submission_id, r->holder,
	};

	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		if (has_ci(fields[i], term, n))
			return 1;
	return 0;
}

int wr_queue_match(const struct wr_queue_row *row, const char *text)
{
	const char *p = text ? text : "";

	for (;;) {
		size_t n;

		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			return 1;
		n = strcspn(p, " \t");
		if (!row_has(row, p, n))
			return 0;
		p += n;
	}
}
