#include <ctype.h>
#include <inttypes.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/alloc.h"
#include "warroom/audit.h"
#include "warroom/buf.h"
#include "warroom/hotline.h"
#include "warroom/precincts.h"
#include "warroom/submission.h"
#include "warroom/timefmt.h"
#include "warroom/utf8.h"

/* ---- shared ---------------------------------------------------------- */

static int step_one(struct wr_store *s, sqlite3_stmt *st, const char *doing,
                    struct wr_err *err)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return wr_store_fail(s, err, doing);
	return rc == SQLITE_ROW;
}

/* The user as the store has them now, allowed to key tallies. */
static int keyer(struct wr_store *s, const struct wr_user *u, struct wr_user *now_u,
                 struct wr_err *err)
{
	int rc = wr_auth_refresh(s, u, now_u, err);

	if (rc != WR_OK)
		return rc;
	if (now_u->role == WR_ROLE_VALIDATOR)
		return wr_errf(err, WR_EPERM, "%s is a validator; validators review tallies "
		               "and may not key them", now_u->name);
	return WR_OK;
}

/* ---- search ---------------------------------------------------------- */

/* One query per way to match, in the order of enum wr_hotline_how, each
 * sorted and limited: the search stops at the first max precincts, so a
 * one-letter query costs no more than a long one. ?1 is the query as
 * typed, for codes; ?2 normalized, for names; ?3 the limit. */
#define HIT_COLS "SELECT p.code, p.name, c.name, c.fips, "
#define HIT_FROM " JOIN counties c ON c.fips = p.county_fips"
#define ALIAS_FROM " FROM precinct_aliases a JOIN precincts p ON p.id = a.precinct_id" HIT_FROM
#define NAME_ORDER " ORDER BY p.norm_name <> ?2, p.norm_name, p.code LIMIT ?3"

static const char *const search_sql[] = {
	[WR_HL_CODE] = HIT_COLS "'code' FROM precincts p" HIT_FROM
	               " WHERE p.code = ?1 LIMIT ?3",
	[WR_HL_OLD_CODE] = HIT_COLS "'old code ' || a.old_code" ALIAS_FROM
	                   " WHERE a.old_code = ?1 COLLATE NOCASE LIMIT ?3",
	[WR_HL_CODE_PREFIX] = HIT_COLS "'code' FROM precincts p" HIT_FROM
	                      " WHERE substr(p.code, 1, length(?1)) = ?1 COLLATE NOCASE"
	                      " ORDER BY p.code LIMIT ?3",
	[WR_HL_OLD_PREFIX] = HIT_COLS "'old code ' || a.old_code" ALIAS_FROM
	                     " WHERE substr(a.old_code, 1, length(?1)) = ?1 COLLATE NOCASE"
	                     " ORDER BY a.old_code LIMIT ?3",
	[WR_HL_NAME] = HIT_COLS "'name' FROM precincts p" HIT_FROM
	               " WHERE substr(p.norm_name, 1, length(?2)) = ?2" NAME_ORDER,
	[WR_HL_OLD_NAME] = HIT_COLS "'old name ' || a.old_name" ALIAS_FROM
	                   " WHERE substr(a.norm_old_name, 1, length(?2)) = ?2" NAME_ORDER,
	[WR_HL_NAME_WORD] = HIT_COLS "'name' FROM precincts p" HIT_FROM
	                    " WHERE instr(p.norm_name, ' ' || ?2) > 0" NAME_ORDER,
	[WR_HL_OLD_WORD] = HIT_COLS "'old name ' || a.old_name" ALIAS_FROM
	                   " WHERE instr(a.norm_old_name, ' ' || ?2) > 0" NAME_ORDER,
	/* "polk union": a county's name or short name, then the start of a
	 * precinct's name in it, for names that many counties share. */
	[WR_HL_COUNTY_NAME] = "WITH k(fips, rest) AS (SELECT fips, substr(?2, length(norm_name)"
	        " + 2) FROM counties WHERE substr(?2, 1, length(norm_name) + 1) = norm_name"
	        " || ' ' UNION SELECT fips, substr(?2, length(short_name) + 2) FROM counties"
	        " WHERE substr(?2, 1, length(short_name) + 1) = lower(short_name) || ' ')"
	        " " HIT_COLS "'name in ' || c.name FROM k JOIN precincts p"
	        " ON p.county_fips = k.fips" HIT_FROM
	        " WHERE substr(p.norm_name, 1, length(k.rest)) = k.rest" NAME_ORDER,
	/* Counties first, then their precincts by index, not every precinct. */
	[WR_HL_COUNTY] = HIT_COLS "'county ' || c.name FROM precincts p" HIT_FROM
	                 " WHERE p.county_fips IN (SELECT fips FROM counties WHERE"
	                 " (?2 <> '' AND substr(norm_name, 1, length(?2)) = ?2)"
	                 " OR substr(short_name, 1, length(?1)) = ?1 COLLATE NOCASE)"
	                 " ORDER BY c.name, p.code LIMIT ?3",
};

/* The query without surrounding blanks into out (n bytes). */
static void trim(const char *q, char *out, size_t n)
{
	size_t len;

	while (*q && isspace((unsigned char)*q))
		q++;
	len = strlen(q);
	while (len > 0 && isspace((unsigned char)q[len - 1]))
		len--;
	if (len >= n)
		len = (size_t)wr_utf8_prefix(q, n - 1);
	memcpy(out, q, len);
	out[len] = '\0';
}

static int listed(const struct wr_hotline_hit *hits, size_t n, const char *code)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(hits[i].code, code))
			return 1;
	return 0;
}

/* Adds the precincts one way finds that no better way found. */
static int search_way(struct wr_store *s, enum wr_hotline_how how, const char *code,
                      const char *norm, struct wr_hotline_hit *hits, size_t max,
                      size_t *n, struct wr_err *err)
{
	struct wr_hotline_hit *h;
	sqlite3_stmt *st;
	int rc = 0;

	if (wr_store_prepare(s, &st, search_sql[how], err) != WR_OK)
		return WR_ESTORE;
	sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, norm, -1, SQLITE_STATIC);
	/* Up to *n rows may be precincts listed already. */
	sqlite3_bind_int64(st, 3, (sqlite3_int64)(max + *n));
	while (*n < max && (rc = step_one(s, st, "searching precincts", err)) == 1) {
		h = &hits[*n];
		memset(h, 0, sizeof *h);
		wr_store_text(st, 0, h->code, sizeof h->code);
		if (listed(hits, *n, h->code))
			continue;
		wr_store_text(st, 1, h->name, sizeof h->name);
		wr_store_text(st, 2, h->county, sizeof h->county);
		wr_store_text(st, 3, h->county_fips, sizeof h->county_fips);
		wr_store_text(st, 4, h->why, sizeof h->why);
		h->how = how;
		(*n)++;
	}
	sqlite3_finalize(st);
	return rc < 0 ? WR_ESTORE : WR_OK;
}

int wr_hotline_search(struct wr_store *s, const char *query, struct wr_hotline_hit *hits,
                      size_t max, size_t *n, struct wr_err *err)
{
	char code[160], norm[WR_NORM_MAX];

	*n = 0;
	trim(query ? query : "", code, sizeof code);
	if (!code[0] || max == 0)
		return WR_OK;
	wr_precinct_normalize(code, norm, sizeof norm);
	for (int how = WR_HL_CODE; how <= WR_HL_COUNTY && *n < max; how++) {
		if (how >= WR_HL_NAME && how <= WR_HL_COUNTY_NAME && !norm[0])
			continue;
		if (search_way(s, (enum wr_hotline_how)how, code, norm, hits, max, n, err))
			return WR_ESTORE;
	}
	return WR_OK;
}

/* ---- an entry and its check ------------------------------------------ */

void wr_hotline_entry_init(struct wr_hotline_entry *e)
{
	memset(e, 0, sizeof *e);
	for (size_t i = 0; i < WR_MAX_CANDIDATES; i++)
		e->votes[i] = WR_HOTLINE_UNSET;
	e->total = WR_HOTLINE_UNSET;
}

int64_t wr_hotline_sum(const struct wr_contest *c, const struct wr_hotline_entry *e)
{
	int64_t sum = 0;

	for (size_t i = 0; i < c->ncand; i++)
		if (e->votes[i] > 0 && e->votes[i] <= WR_HOTLINE_COUNT_MAX)
			sum += e->votes[i];
	return sum;
}

/* Text a record may carry: not empty, NUL-terminated within its array,
 * UTF-8 without control characters (what the parser would refuse). */
static int check_text(const char *field, const char *what, const char *v, size_t size,
                      struct wr_err *err)
{
	size_t len = strnlen(v, size), bad;
	uint32_t cp;

	if (len == 0)
		return wr_err_field(err, WR_EINVAL, field, "no %s yet", what);
	if (len == size)
		return wr_err_field(err, WR_EINVAL, field, "at most %zu bytes", size - 1);
	if (!wr_utf8_valid(v, len, &bad))
		return wr_err_field(err, WR_EINVAL, field, "not UTF-8 at byte %zu", bad + 1);
	if (wr_utf8_find_control(v, len, &bad, &cp))
		return wr_err_field(err, WR_EINVAL, field, "control character U+%04" PRIX32
		                    " at byte %zu", cp, bad + 1);
	return WR_OK;
}

static int check_count(const char *field, const char *what, int64_t v, struct wr_err *err)
{
	if (v == WR_HOTLINE_UNSET)
		return wr_err_field(err, WR_EINVAL, field, "no count for %s yet", what);
	if (v < 0 || v > WR_HOTLINE_COUNT_MAX)
		return wr_err_field(err, WR_EINVAL, field, "%s: %lld is not a count (0 to %d)",
		                    what, (long long)v, WR_HOTLINE_COUNT_MAX);
	return WR_OK;
}

int wr_hotline_check(const struct wr_contest *c, const struct wr_hotline_entry *e,
                     struct wr_err *err)
{
	char field[WR_ERR_FIELD_MAX];
	int64_t sum;

	if (check_text("precinct", "precinct", e->precinct, sizeof e->precinct, err) ||
	    check_text("reporter", "reporter id", e->reporter, sizeof e->reporter, err))
		return WR_EINVAL;
	for (size_t i = 0; i < c->ncand; i++) {
		snprintf(field, sizeof field, "votes.%s", c->cand[i].id);
		if (check_count(field, c->cand[i].name, e->votes[i], err) != WR_OK)
			return WR_EINVAL;
	}
	if (check_count("total", "the total", e->total, err) != WR_OK)
		return WR_EINVAL;
	sum = wr_hotline_sum(c, e);
	if (sum != e->total)
		return wr_err_field(err, WR_EINVAL, "total", "candidate votes add up to %lld "
		                    "but the total says %lld", (long long)sum,
		                    (long long)e->total);
	return WR_OK;
}

size_t wr_hotline_readback(const struct wr_contest *c, const struct wr_hotline_entry *e,
                           char (*lines)[WR_HOTLINE_LINE], size_t max)
{
	size_t n = 0;
	int64_t sum = wr_hotline_sum(c, e);

	for (size_t i = 0; i < c->ncand && n < max; i++, n++)
		snprintf(lines[n], WR_HOTLINE_LINE, "%-40.*s %10lld",
		         wr_utf8_prefix(c->cand[i].name, 40), c->cand[i].name,
		         (long long)e->votes[i]);
	if (n < max)
		snprintf(lines[n++], WR_HOTLINE_LINE, "%-40s %10lld%s", "Total",
		         (long long)e->total, sum == e->total ? "" : "  (does not add up)");
	return n;
}

/* ---- records ---------------------------------------------------------- */

/* Gives the entry its submission_id and reported_at, unless it has them. */
static void stamp(const struct wr_user *u, struct wr_hotline_entry *e)
{
	unsigned char r[8];
	char hex[sizeof r * 2 + 1];

	if (e->submission_id[0] && e->reported_at)
		return;
	if (sodium_init() < 0)
		wr_fatal("libsodium could not initialise");
	e->reported_at = wr_time_now();
	randombytes_buf(r, sizeof r);
	sodium_bin2hex(hex, sizeof hex, r, sizeof r);
	snprintf(e->submission_id, sizeof e->submission_id, "hotline-%s-%lld-%s", u->name,
	         (long long)e->reported_at, hex);
}

/* The entry as the NDJSON record every source sends. The caller frees the
 * returned string with free(). */
static char *record(const struct wr_contest *c, const struct wr_hotline_entry *e)
{
	json_t *votes = json_object(), *rec;
	char when[32], *text;

	wr_time_format_utc(e->reported_at, when);
	for (size_t i = 0; i < c->ncand; i++)
		json_object_set_new(votes, c->cand[i].id, json_integer(e->votes[i]));
	rec = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:I}", "submission_id",
	                e->submission_id, "source", "hotline", "precinct", e->precinct,
	                "reported_at", when, "reporter", e->reporter, "votes", votes,
	                "total", (json_int_t)e->total);
	text = rec ? json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(rec);
	if (!text)
		wr_fatal("out of memory building a hotline record");
	return text;
}

/* What intake made of a record that did not become a matched tally, for
 * the keyer: the quarantine reason, or the unmatched queue's suggestions. */
static int explain(struct wr_store *s, const char *origin, const char *rec,
                   struct wr_hotline_result *out, struct wr_err *err)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	sqlite3_stmt *st;
	int rc;

	if (out->outcome == WR_QUARANTINED) {
		rc = wr_store_prepare(s, &st, "SELECT coalesce(field || ': ', '') || reason"
		                      " FROM quarantine WHERE origin = ?1 AND line = 1"
		                      " AND raw_sha256 = ?2", err);
		crypto_hash_sha256(h, (const unsigned char *)rec, strlen(rec));
		if (rc == WR_OK) {
			sqlite3_bind_text(st, 1, origin, -1, SQLITE_STATIC);
			sqlite3_bind_blob(st, 2, h, sizeof h, SQLITE_STATIC);
		}
	} else if (out->outcome == WR_UNMATCHED) {
		rc = wr_store_prepare(s, &st, "SELECT 'precinct \"' || s.precinct_ref || '\" is"
		        " not known; it waits in the unmatched queue (closest: ' ||"
		        " coalesce((SELECT group_concat(value, ', ') FROM"
		        " json_each(u.suggestions)), 'none') || ')' FROM unmatched u"
		        " JOIN submissions s ON s.id = u.submission WHERE s.submission_id = ?1",
		        err);
		if (rc == WR_OK)
			sqlite3_bind_text(st, 1, out->submission_id, -1, SQLITE_STATIC);
	} else {
		return WR_OK;
	}
	if (rc != WR_OK)
		return WR_ESTORE;
	if ((rc = step_one(s, st, "reading what intake made of a record", err)) == 1)
		wr_store_text(st, 0, out->reason, sizeof out->reason);
	sqlite3_finalize(st);
	return rc < 0 ? WR_ESTORE : WR_OK;
}

/* Runs one record through intake as every source does, keyed_by keyer,
 * with hook inside its transaction. */
static int ingest(struct wr_store *s, const char *origin, const char *rec,
                  const char *keyed_by, wr_intake_hook hook, void *arg,
                  struct wr_hotline_result *out, struct wr_err *err)
{
	struct wr_intake *in;
	int rc = wr_intake_open(&in, s, NULL, err);

	if (rc != WR_OK)
		return rc;
	wr_intake_set_keyer(in, keyed_by);
	wr_intake_set_hook(in, hook, arg);
	rc = wr_intake_record(in, origin, 1, rec, strlen(rec), strlen(rec), &out->outcome,
	                      err);
	if (rc == WR_OK)
		rc = wr_intake_close(in, err);
	else
		wr_intake_close(in, NULL);
	return rc == WR_OK ? explain(s, origin, rec, out, err) : rc;
}

/* ---- single entry ------------------------------------------------------ */

struct save_ctx {
	const struct wr_user *u;
	const struct wr_hotline_entry *e;
};

static int save_hook(void *arg, struct wr_audit *a, int64_t submission,
                     enum wr_outcome outcome, struct wr_err *err)
{
	const struct save_ctx *x = arg;

	(void)submission;
	if (outcome == WR_DUPLICATE)
		return WR_OK;  /* a retry of a save that went through: nothing changed */
	return wr_audit_append(a, x->u->name, "hotline_key", x->e->submission_id,
	        json_pack("{s:s, s:s, s:I, s:s, s:s}", "precinct", x->e->precinct, "reporter",
	                  x->e->reporter, "total", (json_int_t)x->e->total, "outcome",
	                  wr_outcome_name(outcome), "role", wr_role_name(x->u->role)), err);
}

/* An entry saved, then changed, is a correction: it needs an id of its own
 * (intake would refuse the old id with other content as a conflict). */
static int restamp_if_changed(struct wr_store *s, const struct wr_contest *c,
                              const struct wr_user *u, struct wr_hotline_entry *e,
                              char **rec, struct wr_err *err)
{
	struct wr_submission sub;
	struct wr_err why;
	sqlite3_stmt *st;
	int rc, changed = 0;

	if (wr_submission_parse(*rec, strlen(*rec), c, wr_time_now(), &sub, &why) != WR_OK)
		return WR_OK;  /* intake will quarantine it and say why */
	if (wr_store_prepare(s, &st, "SELECT content_hash FROM submissions"
	                             " WHERE submission_id = ?1", err))
		return WR_ESTORE;
	sqlite3_bind_text(st, 1, e->submission_id, -1, SQLITE_STATIC);
	if ((rc = step_one(s, st, "looking up a submission_id", err)) == 1)
		changed = sqlite3_column_bytes(st, 0) != 32 ||
		          memcmp(sqlite3_column_blob(st, 0), sub.content_hash, 32) != 0;
	sqlite3_finalize(st);
	if (rc < 0)
		return WR_ESTORE;
	if (changed) {
		e->submission_id[0] = '\0';
		stamp(u, e);
		free(*rec);
		*rec = record(c, e);
	}
	return WR_OK;
}

static int prepare_entry(struct wr_store *s, const struct wr_user *u, struct wr_user *now_u,
                         struct wr_contest *c, const struct wr_hotline_entry *e,
                         struct wr_err *err)
{
	int rc = keyer(s, u, now_u, err);

	if (rc == WR_OK)
		rc = wr_contest_load(s, c, err);
	return rc == WR_OK ? wr_hotline_check(c, e, err) : rc;
}

int wr_hotline_save(struct wr_store *s, const struct wr_user *u, struct wr_hotline_entry *e,
                    struct wr_hotline_result *out, struct wr_err *err)
{
	struct wr_contest c;
	struct wr_user now_u;
	struct save_ctx x = { &now_u, e };
	char origin[64], *rec;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = prepare_entry(s, u, &now_u, &c, e, err)) != WR_OK)
		return rc;
	stamp(&now_u, e);
	rec = record(&c, e);
	if ((rc = restamp_if_changed(s, &c, &now_u, e, &rec, err)) == WR_OK) {
		snprintf(out->submission_id, sizeof out->submission_id, "%s", e->submission_id);
		snprintf(origin, sizeof origin, "hotline:%s", now_u.name);
		rc = ingest(s, origin, rec, now_u.name, save_hook, &x, out, err);
	}
	free(rec);
	return rc;
}

/* ---- double entry ------------------------------------------------------ */

/* Why a call is held rather than ingested twice: the first keying must not
 * reach validators until a second person has keyed the same call without
 * seeing it, and whatever the two say, the tally is ingested exactly once.
 * The first entry is kept as the record intake will read, so the second
 * keying ingests those exact bytes (a retry is a duplicate, never a new
 * tally), and its flag, the call's new state and the audit record commit
 * in intake's own transaction through its hook. */

static int precinct_known(struct wr_store *s, const char *code, struct wr_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if (wr_store_prepare(s, &st, "SELECT 1 FROM precincts WHERE code = ?1 UNION ALL"
	                             " SELECT 1 FROM precinct_aliases WHERE old_code = ?1", err))
		return WR_ESTORE;
	sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
	rc = step_one(s, st, "looking up a precinct", err);
	sqlite3_finalize(st);
	if (rc == 0)
		return wr_err_field(err, WR_EINVAL, "precinct", "no precinct \"%s\": choose one "
		                    "from the search (a tally for a precinct the store does not "
		                    "know is keyed as a single entry and waits in the unmatched "
		                    "queue)", code);
	return rc < 0 ? WR_ESTORE : WR_OK;
}

/* Of the roster's precincts for the reporter: how many, whether this one,
 * and the first by code with its name; whether the precinct is known, and
 * whether a roster is loaded at all. */
static const char roster_sql[] =
	"SELECT count(*), coalesce(max(p.code = ?2), 0), min(p.code || ' ' || p.name),"
	" EXISTS (SELECT 1 FROM precincts WHERE code = ?2), EXISTS (SELECT 1 FROM roster)"
	" FROM roster r JOIN precincts p ON p.id = r.precinct_id WHERE r.reporter = ?1";

int wr_hotline_roster(struct wr_store *s, const char *reporter, const char *precinct,
                      char *out, size_t n, struct wr_err *err)
{
	sqlite3_stmt *st;
	int rc, listed = 0, here = 0, loaded = 0, w = wr_utf8_prefix(reporter, 60);
	char first[200] = "";

	out[0] = '\0';
	if (wr_store_prepare(s, &st, roster_sql, err) != WR_OK)
		return WR_ESTORE;
	sqlite3_bind_text(st, 1, reporter, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, precinct, -1, SQLITE_STATIC);
	if ((rc = step_one(s, st, "reading the roster", err)) == 1) {
		listed = sqlite3_column_int(st, 0);
		here = sqlite3_column_int(st, 1) || !sqlite3_column_int(st, 3);
		wr_store_text(st, 2, first, sizeof first);
		loaded = sqlite3_column_int(st, 4);
	}
	sqlite3_finalize(st);
	if (rc < 0)
		return WR_ESTORE;
	if (loaded && listed == 0 && reporter[0])
		snprintf(out, n, "%.*s%s is not on the roster: ask who they are and whose place "
		         "they take", w, reporter, reporter[w] ? "..." : "");
	else if (listed > 0 && !here)
		snprintf(out, n, "%.*s%s is on the roster for %s%s, not this precinct: ask which "
		         "precinct they report", w, reporter, reporter[w] ? "..." : "", first,
		         listed > 1 ? " and others" : "");
	return WR_OK;
}

/* A retry of a first keying that went through finds its call: the same
 * record is the same call; other numbers under the same id are refused.
 * 1 when found (out->call set), 0 when new. */
static int held_already(struct wr_store *s, const char *rec,
                        struct wr_hotline_result *out, struct wr_err *err)
{
	sqlite3_stmt *st;
	int rc, same = 0;

	if (wr_store_prepare(s, &st, "SELECT id, record = ?2 FROM hotline_calls"
	                             " WHERE submission_id = ?1", err))
		return WR_ESTORE;
	sqlite3_bind_text(st, 1, out->submission_id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, rec, (int)strlen(rec), SQLITE_STATIC);
	if ((rc = step_one(s, st, "looking up a call", err)) == 1) {
		out->call = sqlite3_column_int64(st, 0);
		same = sqlite3_column_int(st, 1);
	}
	sqlite3_finalize(st);
	if (rc == 1 && !same)
		return wr_errf(err, WR_ECONFLICT, "call %lld holds this entry's first keying "
		               "with other numbers; withdraw it and key the call again",
		               (long long)out->call);
	return rc;
}

static int hold(struct wr_store *s, const struct wr_user *u,
                const struct wr_hotline_entry *e, const char *rec,
                struct wr_hotline_result *out, struct wr_err *err)
{
	struct wr_audit *a;
	sqlite3_stmt *st;
	char at[32];
	int rc;

	if ((rc = held_already(s, rec, out, err)) != 0)
		return rc < 0 ? rc : WR_OK;
	wr_time_format_utc(wr_time_now(), at);
	if (wr_store_prepare(s, &st, "INSERT INTO hotline_calls (submission_id, precinct,"
	                     " reporter, record, first_by, first_at) VALUES (?1, ?2, ?3, ?4,"
	                     " ?5, ?6)", err))
		return WR_ESTORE;
	sqlite3_bind_text(st, 1, e->submission_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, e->precinct, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, e->reporter, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, rec, (int)strlen(rec), SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, u->id);
	sqlite3_bind_text(st, 6, at, -1, SQLITE_STATIC);
	rc = step_one(s, st, "holding a call for its second entry", err);
	sqlite3_finalize(st);
	if (rc < 0)
		return WR_ESTORE;
	out->call = sqlite3_last_insert_rowid(s->db);
	if (wr_audit_open(&a, s, err) != WR_OK)
		return WR_ESTORE;
	rc = wr_audit_append(a, u->name, "hotline_first", e->submission_id,
	        json_pack("{s:I, s:s, s:s, s:s}", "call", (json_int_t)out->call, "precinct",
	                  e->precinct, "reporter", e->reporter, "role",
	                  wr_role_name(u->role)), err);
	wr_audit_close(a);
	return rc;
}

int wr_hotline_first(struct wr_store *s, const struct wr_user *u, struct wr_hotline_entry *e,
                     struct wr_hotline_result *out, struct wr_err *err)
{
	struct wr_contest c;
	struct wr_user now_u;
	char *rec;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = prepare_entry(s, u, &now_u, &c, e, err)) != WR_OK ||
	    (rc = precinct_known(s, e->precinct, err)) != WR_OK)
		return rc;
	stamp(&now_u, e);
	snprintf(out->submission_id, sizeof out->submission_id, "%s", e->submission_id);
	rec = record(&c, e);
	if ((rc = wr_store_begin(s, err)) == WR_OK)
		rc = wr_store_finish(s, hold(s, &now_u, e, rec, out, err), err);
	free(rec);
	return rc;
}

struct call {
	int64_t id, first_by;
	char sid[129], state[16], first_name[33];
	char *record;   /* owned */
};

static int load_call(struct wr_store *s, int64_t id, struct call *k, struct wr_err *err)
{
	sqlite3_stmt *st;
	int rc;

	memset(k, 0, sizeof *k);
	if (wr_store_prepare(s, &st, "SELECT k.submission_id, k.state, k.first_by, u.name,"
	                     " k.record FROM hotline_calls k JOIN users u ON u.id = k.first_by"
	                     " WHERE k.id = ?1", err))
		return WR_ESTORE;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = step_one(s, st, "reading a call", err)) == 1) {
		k->id = id;
		wr_store_text(st, 0, k->sid, sizeof k->sid);
		wr_store_text(st, 1, k->state, sizeof k->state);
		k->first_by = sqlite3_column_int64(st, 2);
		wr_store_text(st, 3, k->first_name, sizeof k->first_name);
		k->record = wr_xstrndup(sqlite3_column_blob(st, 4) ? sqlite3_column_blob(st, 4)
		                        : "", (size_t)sqlite3_column_bytes(st, 4));
	}
	sqlite3_finalize(st);
	if (rc == 0)
		return wr_err_field(err, WR_ENOTFOUND, "call", "no call %lld", (long long)id);
	return rc < 0 ? WR_ESTORE : WR_OK;
}

static int may_second(const struct wr_user *u, const struct call *k, struct wr_err *err)
{
	if (strcmp(k->state, "awaiting") != 0)
		return wr_errf(err, WR_EPERM, "call %lld is %s, not awaiting a second entry",
		               (long long)k->id, k->state);
	if (k->first_by == u->id)
		return wr_errf(err, WR_EPERM, "%s keyed call %lld first; another hotline user "
		               "must key it the second time", u->name, (long long)k->id);
	return WR_OK;
}

static int differ_text(struct wr_buf *b, const char *what, const char *a, const char *v)
{
	if (strcmp(a, v) == 0)
		return 0;
	wr_buf_printf(b, "%s%s %s vs %s", b->len ? "; " : "", what, a, v);
	return 1;
}

static int differ_count(struct wr_buf *b, const char *what, int64_t a, int64_t v)
{
	if (a == v)
		return 0;
	wr_buf_printf(b, "%s%s %lld vs %lld", b->len ? "; " : "", what, (long long)a,
	              (long long)v);
	return 1;
}

/* Every field the two entries disagree on, first's value then second's
 * (empty when they agree); returns how many. */
static int differences(const struct wr_contest *c, const struct wr_submission *first,
                       const struct wr_hotline_entry *e, struct wr_buf *b)
{
	int n = differ_text(b, "precinct", first->precinct, e->precinct) +
	        differ_text(b, "reporter", first->reporter, e->reporter);

	for (size_t i = 0; i < c->ncand; i++)
		n += differ_count(b, c->cand[i].name, first->votes[i], e->votes[i]);
	return n + differ_count(b, "total", first->total, e->total);
}

struct second_ctx {
	struct wr_store *s;
	const struct wr_user *u;
	const struct call *k;
	const char *diff;   /* "" when the entries agree */
	int ndiff;          /* fields that differ */
};

static int flag_mismatch(struct wr_store *s, const struct second_ctx *x, int64_t id,
                         struct wr_err *err)
{
	struct wr_buf msg = { 0 };
	sqlite3_stmt *st;
	char now[32];
	int rc;

	wr_time_format_utc(wr_time_now(), now);
	wr_buf_printf(&msg, "double entry disagrees (first %s, then %s): %s", x->k->first_name,
	              x->u->name, x->diff);
	if (wr_store_prepare(s, &st, "INSERT INTO flags (submission, rule, severity, message,"
	                     " value, threshold, created_at) VALUES (?1, '" WR_HOTLINE_RULE "',"
	                     " 'hard', ?2, ?4, 0, ?3)", err)) {
		wr_buf_free(&msg);
		return WR_ESTORE;
	}
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, msg.p, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, x->ndiff);
	rc = step_one(s, st, "flagging a double-entry mismatch", err);
	sqlite3_finalize(st);
	wr_buf_free(&msg);
	if (rc < 0)
		return WR_ESTORE;
	/* As scoring derives it: a pending tally with a hard flag is flagged. */
	if (wr_store_prepare(s, &st, "UPDATE submissions SET state = 'flagged' WHERE id = ?1"
	                             " AND state IN ('received', 'flagged', 'clean')", err))
		return WR_ESTORE;
	sqlite3_bind_int64(st, 1, id);
	rc = step_one(s, st, "flagging a double-entry mismatch", err);
	sqlite3_finalize(st);
	return rc < 0 ? WR_ESTORE : WR_OK;
}

/* The call leaves 'awaiting' only if it is still there and its first keyer
 * is not the second: checked again inside the write transaction, so two
 * consoles keying the same call at once cannot both count. */
static int close_call(struct wr_store *s, const struct second_ctx *x, struct wr_err *err)
{
	sqlite3_stmt *st;
	char now[32];
	int rc;

	wr_time_format_utc(wr_time_now(), now);
	if (wr_store_prepare(s, &st, "UPDATE hotline_calls SET state = ?2, second_by = ?3,"
	                     " second_at = ?4, differences = nullif(?5, '') WHERE id = ?1"
	                     " AND state = 'awaiting' AND first_by <> ?3", err))
		return WR_ESTORE;
	sqlite3_bind_int64(st, 1, x->k->id);
	sqlite3_bind_text(st, 2, x->diff[0] ? "mismatched" : "matched", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, x->u->id);
	sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, x->diff, -1, SQLITE_STATIC);
	rc = step_one(s, st, "closing a call", err);
	sqlite3_finalize(st);
	if (rc < 0)
		return WR_ESTORE;
	if (sqlite3_changes(s->db) == 0)
		return wr_errf(err, WR_EPERM, "call %lld was keyed a second time meanwhile",
		               (long long)x->k->id);
	return WR_OK;
}

static int second_hook(void *arg, struct wr_audit *a, int64_t submission,
                       enum wr_outcome outcome, struct wr_err *err)
{
	const struct second_ctx *x = arg;
	struct wr_store *s = x->s;
	int rc;

	if ((rc = close_call(s, x, err)) != WR_OK)
		return rc;
	/* Its id came from elsewhere (an NDJSON file): not this call's tally. */
	if (outcome == WR_DUPLICATE)
		return wr_errf(err, WR_ECONFLICT, "tally %s of call %lld is stored already",
		               x->k->sid, (long long)x->k->id);
	if (submission && x->diff[0] && flag_mismatch(s, x, submission, err) != WR_OK)
		return WR_ESTORE;
	return wr_audit_append(a, x->u->name, "hotline_second", x->k->sid,
	        json_pack("{s:I, s:s, s:b, s:s, s:s, s:s}", "call", (json_int_t)x->k->id,
	                  "first_by", x->k->first_name, "agreed", !x->diff[0], "differences",
	                  x->diff, "outcome", wr_outcome_name(outcome), "role",
	                  wr_role_name(x->u->role)), err);
}

/* The first entry, read back with the parser intake uses. */
static int first_entry(const struct wr_contest *c, const struct call *k,
                       struct wr_submission *sub, struct wr_err *err)
{
	struct wr_err why;

	if (wr_submission_parse(k->record, strlen(k->record), c, wr_time_now(), sub, &why))
		return wr_errf(err, WR_ESTORE, "call %lld holds a record that no longer reads: "
		               "%s", (long long)k->id, why.msg);
	return WR_OK;
}

static int key_second(struct wr_store *s, const struct wr_user *u, const struct wr_contest *c,
                      struct call *k, const struct wr_hotline_entry *e,
                      struct wr_hotline_result *out, struct wr_err *err)
{
	struct wr_submission first;
	struct wr_buf diff = { 0 };
	struct second_ctx x = { s, u, k, "", 0 };
	char origin[64];
	int rc;

	if ((rc = may_second(u, k, err)) != WR_OK || (rc = first_entry(c, k, &first, err)))
		return rc;
	x.ndiff = differences(c, &first, e, &diff);
	x.diff = diff.p ? diff.p : "";
	snprintf(out->reason, sizeof out->reason, "%.*s",
	         wr_utf8_prefix(x.diff, sizeof out->reason - 1), x.diff);
	snprintf(out->submission_id, sizeof out->submission_id, "%s", k->sid);
	out->call = k->id;
	snprintf(origin, sizeof origin, "hotline:call-%lld", (long long)k->id);
	rc = ingest(s, origin, k->record, k->first_name, second_hook, &x, out, err);
	wr_buf_free(&diff);
	return rc;
}

int wr_hotline_second(struct wr_store *s, const struct wr_user *u, int64_t call,
                      const struct wr_hotline_entry *e, struct wr_hotline_result *out,
                      struct wr_err *err)
{
	struct wr_contest c;
	struct wr_user now_u;
	struct call k;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = prepare_entry(s, u, &now_u, &c, e, err)) != WR_OK ||
	    (rc = load_call(s, call, &k, err)) != WR_OK)
		return rc;
	rc = key_second(s, &now_u, &c, &k, e, out, err);
	free(k.record);
	return rc;
}

static int withdraw_txn(struct wr_store *s, const struct wr_user *u, int64_t id,
                        struct wr_err *err)
{
	struct wr_user now_u;
	struct wr_audit *a;
	struct call k;
	sqlite3_stmt *st;
	int rc = keyer(s, u, &now_u, err);

	if (rc != WR_OK || (rc = load_call(s, id, &k, err)) != WR_OK)
		return rc;
	free(k.record);
	if (strcmp(k.state, "awaiting") != 0)
		return wr_errf(err, WR_EPERM, "call %lld is %s, not awaiting a second entry",
		               (long long)id, k.state);
	if (now_u.role == WR_ROLE_HOTLINE && k.first_by != now_u.id)
		return wr_errf(err, WR_EPERM, "call %lld was keyed by %s; only they or a "
		               "supervisor may withdraw it", (long long)id, k.first_name);
	if (wr_store_prepare(s, &st, "UPDATE hotline_calls SET state = 'withdrawn'"
	                             " WHERE id = ?1", err))
		return WR_ESTORE;
	sqlite3_bind_int64(st, 1, id);
	rc = step_one(s, st, "withdrawing a call", err);
	sqlite3_finalize(st);
	if (rc < 0 || wr_audit_open(&a, s, err) != WR_OK)
		return WR_ESTORE;
	rc = wr_audit_append(a, now_u.name, "hotline_withdraw", k.sid,
	                     json_pack("{s:I, s:s, s:s}", "call", (json_int_t)id, "first_by",
	                               k.first_name, "role", wr_role_name(now_u.role)), err);
	wr_audit_close(a);
	return rc;
}

int wr_hotline_withdraw(struct wr_store *s, const struct wr_user *u, int64_t call,
                        struct wr_err *err)
{
	int rc = wr_store_begin(s, err);

	if (rc == WR_OK)
		rc = wr_store_finish(s, withdraw_txn(s, u, call, err), err);
	return rc;
}

static void read_call(sqlite3_stmt *st, void *row)
{
	struct wr_hotline_call *r = row;

	r->id = sqlite3_column_int64(st, 0);
	wr_store_text(st, 1, r->submission_id, sizeof r->submission_id);
	wr_store_text(st, 2, r->precinct, sizeof r->precinct);
	wr_store_text(st, 3, r->precinct_name, sizeof r->precinct_name);
	wr_store_text(st, 4, r->county, sizeof r->county);
	wr_store_text(st, 5, r->reporter, sizeof r->reporter);
	wr_store_text(st, 6, r->keyed_by, sizeof r->keyed_by);
	wr_store_text(st, 7, r->keyed_at, sizeof r->keyed_at);
}

/* The numbers stay in `record`, which this never reads: the list is what
 * a second keyer sees before keying blind. */
int wr_hotline_awaiting(struct wr_store *s, struct wr_hotline_call **rows, size_t *n,
                        struct wr_err *err)
{
	sqlite3_stmt *st;

	*rows = NULL;
	*n = 0;
	if (wr_store_prepare(s, &st, "SELECT k.id, k.submission_id, k.precinct,"
	        " coalesce(p.name, ''), coalesce(c.name, ''), k.reporter, u.name, k.first_at"
	        " FROM hotline_calls k JOIN users u ON u.id = k.first_by"
	        " LEFT JOIN precincts p ON p.code = k.precinct"
	        " LEFT JOIN counties c ON c.fips = p.county_fips"
	        " WHERE k.state = 'awaiting' ORDER BY k.id", err))
		return WR_ESTORE;
	return wr_store_rows(s, st, sizeof **rows, read_call, (void **)rows, n,
	               "listing calls awaiting a second entry", err);
}

/* ---- callbacks --------------------------------------------------------- */

static void read_callback(sqlite3_stmt *st, void *row)
{
	struct wr_hotline_callback *r = row;

	wr_store_text(st, 0, r->submission_id, sizeof r->submission_id);
	wr_store_text(st, 1, r->precinct, sizeof r->precinct);
	wr_store_text(st, 2, r->precinct_name, sizeof r->precinct_name);
	wr_store_text(st, 3, r->county, sizeof r->county);
	wr_store_text(st, 4, r->reporter, sizeof r->reporter);
	wr_store_text(st, 5, r->reason, sizeof r->reason);
	wr_store_text(st, 6, r->rejected_at, sizeof r->rejected_at);
}

int wr_hotline_callbacks(struct wr_store *s, struct wr_hotline_callback **rows, size_t *n,
                         struct wr_err *err)
{
	sqlite3_stmt *st;

	*rows = NULL;
	*n = 0;
	if (wr_store_prepare(s, &st, "SELECT s.submission_id, coalesce(p.code, s.precinct_ref),"
	        " coalesce(p.name, ''), coalesce(c.name, ''), s.reporter, k.reason,"
	        " k.created_at FROM callbacks k JOIN submissions s ON s.id = k.submission"
	        " LEFT JOIN precincts p ON p.id = s.precinct_id"
	        " LEFT JOIN counties c ON c.fips = p.county_fips"
	        /* a second look at a number its revision has since replaced */
	        " WHERE k.done_at IS NULL AND s.state <> 'superseded'"
	        " ORDER BY k.created_at, k.submission", err))
		return WR_ESTORE;
	return wr_store_rows(s, st, sizeof **rows, read_callback, (void **)rows, n,
	               "listing callbacks", err);
}

/* 1 when sid has a callback still to make, 0 when it is done; else an
 * error naming which. */
static int callback_open(struct wr_store *s, const char *sid, int64_t *id,
                         struct wr_err *err)
{
	sqlite3_stmt *st;
	int rc, open = 0;

	if (wr_store_prepare(s, &st, "SELECT s.id, k.done_at IS NULL FROM submissions s"
	                             " JOIN callbacks k ON k.submission = s.id"
	                             " WHERE s.submission_id = ?1", err))
		return WR_ESTORE;
	sqlite3_bind_text(st, 1, sid, -1, SQLITE_STATIC);
	if ((rc = step_one(s, st, "reading a callback", err)) == 1) {
		*id = sqlite3_column_int64(st, 0);
		open = sqlite3_column_int(st, 1);
	}
	sqlite3_finalize(st);
	if (rc == 0)
		return wr_err_field(err, WR_ENOTFOUND, "submission_id", "no callback for \"%s\"",
		                    sid);
	if (rc < 0)
		return WR_ESTORE;
	if (!open)
		return wr_errf(err, WR_EPERM, "the callback for %s is done already", sid);
	return WR_OK;
}

static int callback_done_txn(struct wr_store *s, const struct wr_user *u, const char *sid,
                             struct wr_err *err)
{
	struct wr_user now_u;
	struct wr_audit *a;
	sqlite3_stmt *st;
	int64_t id = 0;
	char now[32];
	int rc = keyer(s, u, &now_u, err);

	if (rc != WR_OK || (rc = callback_open(s, sid, &id, err)) != WR_OK)
		return rc;
	wr_time_format_utc(wr_time_now(), now);
	if (wr_store_prepare(s, &st, "UPDATE callbacks SET done_at = ?2, done_by = ?3"
	                             " WHERE submission = ?1", err))
		return WR_ESTORE;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now_u.id);
	rc = step_one(s, st, "closing a callback", err);
	sqlite3_finalize(st);
	if (rc < 0 || wr_audit_open(&a, s, err) != WR_OK)
		return WR_ESTORE;
	rc = wr_audit_append(a, now_u.name, "callback_done", sid,
	                     json_pack("{s:s}", "role", wr_role_name(now_u.role)), err);
	wr_audit_close(a);
	return rc;
}

int wr_hotline_callback_done(struct wr_store *s, const struct wr_user *u, const char *sid,
                             struct wr_err *err)
{
	int rc = wr_store_begin(s, err);

	if (rc == WR_OK)
		rc = wr_store_finish(s, callback_done_txn(s, u, sid, err), err);
	return rc;
}
