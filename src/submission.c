#include <jansson.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "warroom/submission.h"
#include "warroom/timefmt.h"
#include "warroom/utf8.h"

static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a fraction";
	case JSON_TRUE: case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "an unknown value";
}

/* Room for a key or value from the record quoted in a message. */
#define SHOWN_MAX 160

/* s as it may appear in a message: escaped, quotes and all (see utf8.h). */
static const char *shown(char out[SHOWN_MAX], const char *s, size_t len)
{
	wr_utf8_escape(out, SHOWN_MAX, s, len, WR_ESC_QUOTED);
	return out;
}

/* "votes.KEY" with KEY escaped and cut so that err.field keeps it whole. */
static const char *vote_field(char out[WR_ERR_FIELD_MAX], const char *key)
{
	memcpy(out, "votes.", 6);
	wr_utf8_escape(out + 6, WR_ERR_FIELD_MAX - 6, key, strlen(key), WR_ESC_QUOTED);
	return out;
}

/* C0 and DEL keep the 0x07 spelling operators (and fixtures/bad) know;
 * the others are named as a Unicode chart names them. */
static int control_error(const char *field, size_t off, uint32_t cp, struct wr_err *err)
{
	if (cp < 0x20 || cp == 0x7f)
		return wr_err_field(err, WR_EINVAL, field,
		                    "contains control character 0x%02x at offset %zu",
		                    (unsigned)cp, off);
	return wr_err_field(err, WR_EINVAL, field, "contains %s U+%04X at offset %zu",
	                    cp <= 0x9f ? "control character" : "bidi control character",
	                    (unsigned)cp, off);
}

/* Copies a string field that must be 1..n-1 bytes of printable text: no
 * control character that could drive the console's terminal (C0, DEL, C1)
 * or reorder what it shows (bidi controls). */
static int text(const char *field, const json_t *v, char *dst, size_t n,
                struct wr_err *err)
{
	const char *s;
	size_t len, off;
	uint32_t cp;

	if (!json_is_string(v))
		return wr_err_field(err, WR_EINVAL, field, "expected a string, got %s",
		                    type_name(v));
	s = json_string_value(v);
	len = json_string_length(v);
	if (len == 0)
		return wr_err_field(err, WR_EINVAL, field, "must not be empty");
	if (len >= n)
		return wr_err_field(err, WR_EINVAL, field,
		                    "is %zu bytes long; at most %zu allowed", len, n - 1);
	if (wr_utf8_find_control(s, len, &off, &cp))
		return control_error(field, off, cp, err);
	memcpy(dst, s, len + 1);
	return WR_OK;
}

/* Counts are bounded so that no sum over a night can overflow 64 bits. */
#define MAX_COUNT 1000000000LL

static int count(const char *field, const json_t *v, int64_t *out, struct wr_err *err)
{
	double d;

	if (json_is_real(v)) {
		/* 40.0 is a whole number as JSON Schema reads it; 12.5 is not. */
		d = json_real_value(v);
		if (d < 0 || d > (double)MAX_COUNT || d != floor(d))
			return wr_err_field(err, WR_EINVAL, field,
			                    "expected a whole number of votes, got %.17g", d);
		*out = (int64_t)d;
		return WR_OK;
	}
	if (!json_is_integer(v))
		return wr_err_field(err, WR_EINVAL, field,
		                    "expected a non-negative integer, got %s", type_name(v));
	if (json_integer_value(v) < 0)
		return wr_err_field(err, WR_EINVAL, field, "is negative (%lld)",
		                    (long long)json_integer_value(v));
	if (json_integer_value(v) > MAX_COUNT)
		return wr_err_field(err, WR_EINVAL, field,
		                    "%lld is beyond any precinct (at most %lld)",
		                    (long long)json_integer_value(v), MAX_COUNT);
	*out = json_integer_value(v);
	return WR_OK;
}

static int f_id(const json_t *v, struct wr_submission *s, const struct wr_contest *c,
                int64_t now, struct wr_err *err)
{
	char id[SHOWN_MAX];

	(void)c, (void)now;
	if (text("submission_id", v, s->submission_id, sizeof s->submission_id, err))
		return WR_EINVAL;
	for (const char *p = s->submission_id; *p; p++) {
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		           "0123456789._:@/-", *p))
			continue;
		/* A message must stay valid UTF-8, so a non-ASCII byte is shown
		 * as a number, not cut out of its character. */
		if ((unsigned char)*p >= 0x80)
			return wr_err_field(err, WR_EINVAL, "submission_id",
			                    "has a non-ASCII character at offset %d; use "
			                    "letters, digits and ._:@/-",
			                    (int)(p - s->submission_id));
		return wr_err_field(err, WR_EINVAL, "submission_id",
		                    "\"%s\" has '%c'; use letters, digits and ._:@/-",
		                    shown(id, s->submission_id, strlen(s->submission_id)),
		                    *p);
	}
	return WR_OK;
}

static int f_source(const json_t *v, struct wr_submission *s, const struct wr_contest *c,
                    int64_t now, struct wr_err *err)
{
	char src[16], show[SHOWN_MAX];

	(void)c, (void)now;
	if (text("source", v, src, sizeof src, err))
		return WR_EINVAL;
	if (strcmp(src, "app") == 0)
		s->source = WR_SRC_APP;
	else if (strcmp(src, "hotline") == 0)
		s->source = WR_SRC_HOTLINE;
	else if (strcmp(src, "import") == 0)
		s->source = WR_SRC_IMPORT;
	else
		return wr_err_field(err, WR_EINVAL, "source",
		                    "\"%s\" is not one of app, hotline, import",
		                    shown(show, src, strlen(src)));
	return WR_OK;
}

static int f_precinct(const json_t *v, struct wr_submission *s,
                      const struct wr_contest *c, int64_t now, struct wr_err *err)
{
	(void)c, (void)now;
	return text("precinct", v, s->precinct, sizeof s->precinct, err);
}

static int f_county(const json_t *v, struct wr_submission *s, const struct wr_contest *c,
                    int64_t now, struct wr_err *err)
{
	(void)c, (void)now;
	return text("county", v, s->county, sizeof s->county, err);
}

static int f_name(const json_t *v, struct wr_submission *s, const struct wr_contest *c,
                  int64_t now, struct wr_err *err)
{
	(void)c, (void)now;
	return text("precinct_name", v, s->precinct_name, sizeof s->precinct_name, err);
}

static int f_reported(const json_t *v, struct wr_submission *s,
                      const struct wr_contest *c, int64_t now, struct wr_err *err)
{
	char t[64], when[32], recv[32];
	struct wr_err why;

	(void)c;
	if (text("reported_at", v, t, sizeof t, err))
		return WR_EINVAL;
	if (wr_time_parse(t, &s->reported_at, &why) != WR_OK)
		return wr_err_field(err, WR_EINVAL, "reported_at", "%s", why.msg);
	if (s->reported_at > now + WR_FUTURE_SKEW) {
		wr_time_format_utc(s->reported_at, when);
		wr_time_format_utc(now, recv);
		return wr_err_field(err, WR_EINVAL, "reported_at",
		                    "%s is in the future (received %s)", when, recv);
	}
	return WR_OK;
}

static int f_reporter(const json_t *v, struct wr_submission *s,
                      const struct wr_contest *c, int64_t now, struct wr_err *err)
{
	(void)c, (void)now;
	return text("reporter", v, s->reporter, sizeof s->reporter, err);
}

static int f_device(const json_t *v, struct wr_submission *s, const struct wr_contest *c,
                    int64_t now, struct wr_err *err)
{
	(void)c, (void)now;
	if (json_is_null(v))
		return WR_OK;
	return text("device", v, s->device, sizeof s->device, err);
}

static int f_votes(const json_t *v, struct wr_submission *s, const struct wr_contest *c,
                   int64_t now, struct wr_err *err)
{
	const char *key;
	json_t *val;
	char field[WR_ERR_FIELD_MAX], show[SHOWN_MAX];

	(void)now;
	if (!json_is_object(v))
		return wr_err_field(err, WR_EINVAL, "votes",
		                    "expected an object of candidate id to votes, got %s",
		                    type_name(v));
	json_object_foreach((json_t *)v, key, val) {
		int i = wr_contest_find(c, key);

		vote_field(field, key);
		if (i < 0)
			return wr_err_field(err, WR_EINVAL, field,
			                    "unknown candidate \"%s\" in contest %s",
			                    shown(show, key, strlen(key)), c->id);
		if (count(field, val, &s->votes[i], err))
			return WR_EINVAL;
	}
	/* A missing candidate is refused rather than read as zero: inventing a
	 * number is worse than asking the precinct again. */
	for (size_t i = 0; i < c->ncand; i++)
		if (!json_object_get(v, c->cand[i].id))
			return wr_err_field(err, WR_EINVAL, "votes",
			                    "missing candidate \"%s\"", c->cand[i].id);
	s->nvotes = c->ncand;
	return WR_OK;
}

static int f_total(const json_t *v, struct wr_submission *s, const struct wr_contest *c,
                   int64_t now, struct wr_err *err)
{
	(void)c, (void)now;
	return count("total", v, &s->total, err);
}

typedef int (*field_fn)(const json_t *, struct wr_submission *,
                        const struct wr_contest *, int64_t, struct wr_err *);

/* The schema in one table: schemas/submission.schema.json says the same. */
static const struct field {
	const char *name;
	int required;
	field_fn check;
} fields[] = {
	{ "submission_id", 1, f_id },
	{ "source", 1, f_source },
	{ "precinct", 0, f_precinct },
	{ "county", 0, f_county },
	{ "precinct_name", 0, f_name },
	{ "reported_at", 1, f_reported },
	{ "reporter", 1, f_reporter },
	{ "device", 0, f_device },
	{ "votes", 1, f_votes },
	{ "total", 1, f_total },
};
#define NFIELDS (sizeof fields / sizeof fields[0])

static int field_known(const char *key)
{
	for (size_t i = 0; i < NFIELDS; i++)
		if (strcmp(fields[i].name, key) == 0)
			return 1;
	return 0;
}

/* "submission_id, source, ...": from the table, so a new field is listed. */
static const char *field_list(char *out, size_t n)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < NFIELDS && used < n; i++)
		used += (size_t)snprintf(out + used, n - used, "%s%s", i ? ", " : "",
		                         fields[i].name);
	return out;
}

static int check_unknown_keys(json_t *root, struct wr_err *err)
{
	const char *key;
	json_t *val;
	char name[WR_ERR_FIELD_MAX], list[256];

	json_object_foreach(root, key, val) {
		if (field_known(key))
			continue;
		wr_utf8_escape(name, sizeof name, key, strlen(key), WR_ESC_QUOTED);
		return wr_err_field(err, WR_EINVAL, name,
		                    "unknown field (a misspelling?); the schema has %s",
		                    field_list(list, sizeof list));
	}
	return WR_OK;
}

static int check_fields(json_t *root, struct wr_submission *s,
                        const struct wr_contest *c, int64_t now, struct wr_err *err)
{
	for (size_t i = 0; i < NFIELDS; i++) {
		json_t *v = json_object_get(root, fields[i].name);

		if (!v) {
			if (fields[i].required)
				return wr_err_field(err, WR_EINVAL, fields[i].name,
				                    "missing required field");
			continue;
		}
		if (fields[i].check(v, s, c, now, err) != WR_OK)
			return WR_EINVAL;
	}
	if (s->precinct[0] || (s->county[0] && s->precinct_name[0]))
		return WR_OK;
	if (s->county[0] || s->precinct_name[0])
		return wr_err_field(err, WR_EINVAL, s->county[0] ? "precinct_name" : "county",
		                    "missing: county and precinct_name go together");
	return wr_err_field(err, WR_EINVAL, "precinct",
	                    "missing: give precinct (its code) or county and precinct_name");
}

/* Names the form content_hash hashes: a change of the form must change
 * this tag, so old and new hashes never meet by accident. */
#define HASH_FORM "warroom-submission-v2"

/* One item of the hashed text, NUL-terminated: no text field holds a NUL,
 * so the items cannot run into each other. */
static void hash_str(crypto_hash_sha256_state *h, const char *s)
{
	crypto_hash_sha256_update(h, (const unsigned char *)s, strlen(s) + 1);
}

static void hash_int(crypto_hash_sha256_state *h, long long v)
{
	char num[24];

	snprintf(num, sizeof num, "%lld", v);
	hash_str(h, num);
}

/* Candidate positions in id order (insertion sort: at most 32). */
static void by_id(const struct wr_contest *c, size_t *order)
{
	for (size_t i = 0; i < c->ncand; i++) {
		size_t k = i;

		for (; k > 0 && strcmp(c->cand[order[k - 1]].id, c->cand[i].id) > 0; k--)
			order[k] = order[k - 1];
		order[k] = i;
	}
}

/* The hash covers what the tally means, not how it was spelled: the same
 * record re-sent with other spacing or key order is still a duplicate, and
 * votes go in as id, votes pairs in id order, so reordering the candidates
 * in contest.json leaves every stored hash valid. */
static void content_hash(struct wr_submission *s, const struct wr_contest *c)
{
	crypto_hash_sha256_state h;
	size_t order[WR_MAX_CANDIDATES];

	crypto_hash_sha256_init(&h);
	hash_str(&h, HASH_FORM);
	hash_str(&h, s->submission_id);
	hash_str(&h, wr_source_name(s->source));
	hash_str(&h, s->precinct);
	hash_str(&h, s->county);
	hash_str(&h, s->precinct_name);
	hash_int(&h, s->reported_at);
	hash_str(&h, s->reporter);
	hash_str(&h, s->device);
	hash_int(&h, s->total);
	by_id(c, order);
	for (size_t k = 0; k < s->nvotes; k++) {
		hash_str(&h, c->cand[order[k]].id);
		hash_int(&h, s->votes[order[k]]);
	}
	crypto_hash_sha256_final(&h, s->content_hash);
}

static int check_bytes(const char *buf, size_t len, struct wr_err *err)
{
	const char *nul = memchr(buf, '\0', len);
	size_t bad;

	if (len > WR_RECORD_MAX)
		return wr_errf(err, WR_EINVAL, "record is %zu bytes; at most %d allowed",
		               len, WR_RECORD_MAX);
	if (nul)
		return wr_errf(err, WR_EINVAL, "NUL byte at column %zu; a record is UTF-8 "
		               "text (a file saved as UTF-16 looks like this)",
		               (size_t)(nul - buf) + 1);
	if (!wr_utf8_valid(buf, len, &bad))
		return wr_errf(err, WR_EINVAL, "invalid UTF-8 at column %zu", bad + 1);
	return WR_OK;
}

/* Finds the field holding a number past 64 bits: jansson reports only a
 * column, so parse again reading integers as reals and look for it. */
static void name_overflow(const char *buf, size_t len, int column, struct wr_err *err)
{
	json_t *root = json_loadb(buf, len, JSON_DECODE_INT_AS_REAL, NULL);
	const char *key, *where = NULL;
	json_t *v;
	char field[WR_ERR_FIELD_MAX];

	json_object_foreach(root, key, v) {
		if (json_is_real(v) && fabs(json_real_value(v)) >= 9.2e18) {
			wr_utf8_escape(field, sizeof field, key, strlen(key), WR_ESC_QUOTED);
			where = field;
		}
	}
	json_object_foreach(json_object_get(root, "votes"), key, v) {
		if (json_is_real(v) && fabs(json_real_value(v)) >= 9.2e18)
			where = vote_field(field, key);
	}
	if (where)
		wr_err_field(err, WR_EINVAL, where, "number beyond the 64-bit range");
	else
		wr_errf(err, WR_EINVAL, "number beyond the 64-bit range at column %d", column);
	json_decref(root);
}

/* Object nesting at byte pos (1 for the record's own keys, 2 inside votes)
 * and in *last where the last string before pos starts. */
static int depth_at(const char *buf, size_t pos, size_t *last)
{
	int depth = 0, in_string = 0;

	*last = pos;
	for (size_t i = 0; i < pos; i++) {
		if (in_string) {
			if (buf[i] == '\\')
				i++;
			else if (buf[i] == '"')
				in_string = 0;
		} else if (buf[i] == '"') {
			in_string = 1;
			*last = i;
		} else if (buf[i] == '{') {
			depth++;
		} else if (buf[i] == '}') {
			depth--;
		}
	}
	return depth;
}

/* jansson stops just after the repeated key, and quotes it in its message
 * only as written (escapes undecoded, cut at 160 bytes or left out for a
 * long key): read the key from the record instead and name the field. */
static void name_duplicate(const char *buf, const json_error_t *je, struct wr_err *err)
{
	size_t pos = (size_t)je->position, start;
	int depth = depth_at(buf, pos, &start);
	json_t *key = json_loadb(buf + start, pos - start, JSON_DECODE_ANY, NULL);
	const char *k = json_is_string(key) ? json_string_value(key) : "";
	char field[WR_ERR_FIELD_MAX];

	if (depth > 1)
		vote_field(field, k);
	else
		wr_utf8_escape(field, sizeof field, k, strlen(k), WR_ESC_QUOTED);
	json_decref(key);
	wr_err_field(err, WR_EINVAL, field,
	             "appears twice in the record; which one is meant is unknown");
}

static json_t *load_json(const char *buf, size_t len, struct wr_err *err)
{
	json_error_t je;
	json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);

	if (!root) {
		if (strstr(je.text, "too big"))
			name_overflow(buf, len, je.column, err);
		else if (strstr(je.text, "duplicate object key"))
			name_duplicate(buf, &je, err);
		else
			wr_errf(err, WR_EINVAL, "not valid JSON at column %d: %s", je.column,
			        je.text);
		return NULL;
	}
	if (!json_is_object(root)) {
		wr_errf(err, WR_EINVAL, "expected a JSON object, got %s", type_name(root));
		json_decref(root);
		return NULL;
	}
	return root;
}

int wr_submission_parse(const char *buf, size_t len, const struct wr_contest *c,
                        int64_t now, struct wr_submission *out, struct wr_err *err)
{
	json_t *root;
	int rc;

	memset(out, 0, sizeof *out);
	wr_err_clear(err);
	if (check_bytes(buf, len, err) != WR_OK)
		return WR_EINVAL;
	root = load_json(buf, len, err);
	if (!root)
		return WR_EINVAL;
	rc = check_unknown_keys(root, err);
	if (rc == WR_OK)
		rc = check_fields(root, out, c, now, err);
	json_decref(root);
	if (rc == WR_OK)
		content_hash(out, c);
	return rc;
}

const char *wr_source_name(enum wr_source s)
{
	switch (s) {
	case WR_SRC_APP: return "app";
	case WR_SRC_HOTLINE: return "hotline";
	case WR_SRC_IMPORT: return "import";
	}
	return "?";
}

void wr_submission_ref(const struct wr_submission *s, char *out, size_t n)
{
	char ref[sizeof s->county + sizeof s->precinct_name + 3];

	if (n == 0)
		return;
	if (s->precinct[0])
		snprintf(ref, sizeof ref, "%s", s->precinct);
	else
		snprintf(ref, sizeof ref, "%s / %s", s->county, s->precinct_name);
	/* A short out gets whole characters only: refs end up in messages. */
	snprintf(out, n, "%.*s", wr_utf8_prefix(ref, n - 1), ref);
}
