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

/* Copies a string field that must be 1..n-1 bytes of printable text. */
static int text(const char *field, const json_t *v, char *dst, size_t n,
                struct wr_err *err)
{
	const char *s;
	size_t len;

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
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return wr_err_field(err, WR_EINVAL, field,
			                    "contains control character 0x%02x at offset %zu",
			                    (unsigned char)s[i], i);
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
		                    s->submission_id, *p);
	}
	return WR_OK;
}

static int f_source(const json_t *v, struct wr_submission *s, const struct wr_contest *c,
                    int64_t now, struct wr_err *err)
{
	char src[16];

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
		                    "\"%s\" is not one of app, hotline, import", src);
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
	char field[WR_ID_MAX + 8];

	(void)now;
	if (!json_is_object(v))
		return wr_err_field(err, WR_EINVAL, "votes",
		                    "expected an object of candidate id to votes, got %s",
		                    type_name(v));
	json_object_foreach((json_t *)v, key, val) {
		int i = wr_contest_find(c, key);

		int n = wr_utf8_prefix(key, 60);

		snprintf(field, sizeof field, "votes.%.*s", n, key);
		if (i < 0)
			return wr_err_field(err, WR_EINVAL, field,
			                    "unknown candidate \"%.*s\" in contest %s", n, key,
			                    c->id);
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

static int check_unknown_keys(json_t *root, struct wr_err *err)
{
	const char *key;
	json_t *val;

	json_object_foreach(root, key, val) {
		if (!field_known(key))
			return wr_err_field(err, WR_EINVAL, key,
			                    "unknown field (a misspelling?); the schema has "
			                    "submission_id, source, precinct, county, "
			                    "precinct_name, reported_at, reporter, device, "
			                    "votes, total");
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

/* The hash covers what the tally means, not how it was spelled, so the same
 * record re-sent with other spacing or key order is still a duplicate. */
static void content_hash(struct wr_submission *s)
{
	crypto_hash_sha256_state h;
	char buf[1024];
	int n;

	crypto_hash_sha256_init(&h);
	n = snprintf(buf, sizeof buf, "%s\x1f%d\x1f%s\x1f%s\x1f%s\x1f%lld\x1f%s\x1f%s\x1f%lld",
	             s->submission_id, (int)s->source, s->precinct, s->county,
	             s->precinct_name, (long long)s->reported_at, s->reporter, s->device,
	             (long long)s->total);
	crypto_hash_sha256_update(&h, (const unsigned char *)buf, (size_t)n);
	for (size_t i = 0; i < s->nvotes; i++) {
		n = snprintf(buf, sizeof buf, "\x1f%lld", (long long)s->votes[i]);
		crypto_hash_sha256_update(&h, (const unsigned char *)buf, (size_t)n);
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
	char field[WR_ID_MAX + 8];

	json_object_foreach(root, key, v) {
		if (json_is_real(v) && fabs(json_real_value(v)) >= 9.2e18)
			where = key;
	}
	json_object_foreach(json_object_get(root, "votes"), key, v) {
		if (json_is_real(v) && fabs(json_real_value(v)) >= 9.2e18) {
			snprintf(field, sizeof field, "votes.%.*s", wr_utf8_prefix(key, 50), key);
			where = field;
		}
	}
	if (where)
		wr_err_field(err, WR_EINVAL, where, "number beyond the 64-bit range");
	else
		wr_errf(err, WR_EINVAL, "number beyond the 64-bit range at column %d", column);
	json_decref(root);
}

/* Object nesting at byte pos: 1 for the record's own keys, 2 inside votes. */
static int depth_at(const char *buf, size_t pos)
{
	int depth = 0, in_string = 0;

	for (size_t i = 0; i < pos; i++) {
		if (in_string) {
			if (buf[i] == '\\')
				i++;
			else if (buf[i] == '"')
				in_string = 0;
		} else if (buf[i] == '"') {
			in_string = 1;
		} else if (buf[i] == '{') {
			depth++;
		} else if (buf[i] == '}') {
			depth--;
		}
	}
	return depth;
}

/* jansson says "duplicate object key near '"total"'"; name the field. */
static void name_duplicate(const char *buf, const json_error_t *je, struct wr_err *err)
{
	const char *q = strstr(je->text, "'\"");
	const char *end;
	char field[WR_ID_MAX + 8];
	size_t len;

	q = q ? q + 2 : "";
	end = strchr(q, '"');
	len = end ? (size_t)(end - q) : strlen(q);
	snprintf(field, sizeof field, "%s%.*s",
	         depth_at(buf, (size_t)je->position) > 1 ? "votes." : "",
	         wr_utf8_prefix(q, len < 50 ? len : 50), q);
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
		content_hash(out);
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
	if (s->precinct[0])
		snprintf(out, n, "%s", s->precinct);
	else
		snprintf(out, n, "%s / %s", s->county, s->precinct_name);
}
