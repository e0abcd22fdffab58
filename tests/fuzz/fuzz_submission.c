/* libFuzzer harness for the submission parser: any bytes a source could
 * send must end in a parsed tally or an error message, never a crash, a
 * sanitizer report or an unbounded allocation. Messages and stored text
 * reach the operator's terminal, so they must also be valid UTF-8 without
 * control characters. The control checks are written out byte by byte
 * rather than through wr_utf8_is_control, so a bug there cannot hide
 * itself (wr_utf8_valid has its own tests in tests/test_utf8.c). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "warroom/submission.h"
#include "warroom/utf8.h"

static void contest(struct wr_contest *c)
{
	static const char *ids[] = { "trump", "desantis", "haley", "ramaswamy",
	                             "hutchinson", "binkley", "other" };

	memset(c, 0, sizeof *c);
	snprintf(c->id, sizeof c->id, "ia-gop-2024");
	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
		snprintf(c->cand[c->ncand++].id, sizeof c->cand[0].id, "%s", ids[i]);
}

/* A C0 control or DEL: what must never reach a terminal raw. */
static int c0_or_del(const unsigned char *p)
{
	return *p < 0x20 || *p == 0x7f;
}

/* C1 (C2 80..C2 9F) or a Bidi_Control character, by its UTF-8 bytes. */
static int c1_or_bidi(const unsigned char *p)
{
	if (p[0] == 0xc2)
		return p[1] >= 0x80 && p[1] <= 0x9f;
	if (p[0] == 0xd8)
		return p[1] == 0x9c;                        /* U+061C */
	if (p[0] != 0xe2)
		return 0;
	if (p[1] == 0x80)
		return p[2] == 0x8e || p[2] == 0x8f ||      /* U+200E, U+200F */
		       (p[2] >= 0xaa && p[2] <= 0xae);      /* U+202A..U+202E */
	return p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9;  /* U+2066..U+2069 */
}

/* s (NUL-terminated within n bytes) is valid UTF-8 without C0 or DEL;
 * with bidi, without C1 and bidi controls either. */
static void check_text(const char *s, size_t n, int bidi)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strnlen(s, n);

	if (len == n || !wr_utf8_valid(s, len, NULL))
		__builtin_trap();
	for (size_t i = 0; i < len; i++) {
		if (c0_or_del(p + i))
			__builtin_trap();
		/* p[i + 1], p[i + 2] are at worst the NUL: len < n. */
		if (bidi && c1_or_bidi(p + i))
			__builtin_trap();
	}
}

#define CHECK(field, bidi) check_text(field, sizeof field, bidi)

static void check_parsed(const struct wr_submission *s, const struct wr_contest *c)
{
	char ref[256];

	if (s->nvotes != c->ncand)
		__builtin_trap();
	CHECK(s->submission_id, 1);
	CHECK(s->precinct, 1);
	CHECK(s->county, 1);
	CHECK(s->precinct_name, 1);
	CHECK(s->reporter, 1);
	CHECK(s->device, 1);
	wr_submission_ref(s, ref, sizeof ref);
	CHECK(ref, 1);
	wr_submission_ref(s, ref, 12);   /* a cut ref stays whole characters */
	check_text(ref, 12, 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct wr_contest c;
	struct wr_submission s;
	struct wr_err err;

	if (!c.ncand)
		contest(&c);
	memset(&err, 0xff, sizeof err);  /* an unset message must not pass */
	if (wr_submission_parse((const char *)data, size, &c, 1705370000, &s, &err) == 0) {
		check_parsed(&s, &c);
		return 0;
	}
	if (!err.msg[0])
		__builtin_trap();  /* every refusal must say why */
	/* err.c escapes C1 and bidi controls in messages as well. */
	CHECK(err.msg, 1);
	CHECK(err.field, 1);
	return 0;
}
