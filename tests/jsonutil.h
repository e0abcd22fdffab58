/* Reading published documents in cmocka tests: results.json and cdf.json
 * are checked as parsed JSON, the way a newsroom would read them. */
#ifndef WARROOM_JSONUTIL_H
#define WARROOM_JSONUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

/* o[key], which must be an integer. */
static inline json_int_t tu_jint(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v))
		fail_msg("%s is not an integer", key);
	return json_integer_value(v);
}

/* Votes of candidate k in a {total_votes, candidates: [...]} object. */
static inline json_int_t tu_cand_votes(json_t *o, size_t k)
{
	return tu_jint(json_array_get(json_object_get(o, "candidates"), k), "votes");
}

/* The element of doc[array] whose field equals value, e.g. the precinct
 * with code "19101-001" in results.json. */
static inline json_t *tu_find(json_t *doc, const char *array, const char *field,
                              const char *value)
{
	json_t *e;
	size_t i;

	json_array_foreach(json_object_get(doc, array), i, e)
		if (!strcmp(json_string_value(json_object_get(e, field)), value))
			return e;
	fail_msg("no %s with %s %s", array, field, value);
	return NULL;
}

#endif
