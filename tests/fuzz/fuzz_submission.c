/* libFuzzer harness for the submission parser: any bytes a source could
 * send must end in a parsed tally or an error message, never a crash, a
 * sanitizer report or an unbounded allocation. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "warroom/submission.h"

static void contest(struct wr_contest *c)
{
	static const char *ids[] = { "trump", "desantis", "haley", "ramaswamy",
	                             "hutchinson", "binkley", "other" };

	memset(c, 0, sizeof *c);
	snprintf(c->id, sizeof c->id, "ia-gop-2024");
	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
		snprintf(c->cand[c->ncand++].id, sizeof c->cand[0].id, "%s", ids[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct wr_contest c;
	struct wr_submission s;
	struct wr_err err;
	char ref[256];

	if (!c.ncand)
		contest(&c);
	if (wr_submission_parse((const char *)data, size, &c, 1705370000, &s, &err) == 0) {
		wr_submission_ref(&s, ref, sizeof ref);
		if (s.nvotes != c.ncand)
			__builtin_trap();
	} else if (!err.msg[0]) {
		__builtin_trap();  /* every refusal must say why */
	}
	return 0;
}
