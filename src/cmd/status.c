#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "warroom/alloc.h"
#include "warroom/feed.h"
#include "warroom/scoring.h"
#include "warroom/status.h"

/* "open", "waiting" or "held", from the first word of the gate's reason. */
static const char *gate_word(const struct wr_gate *g, char *buf, size_t n)
{
	snprintf(buf, n, "%.*s", (int)strcspn(g->why, ":"), g->why);
	return buf;
}

static json_t *county_json(const struct wr_county_status *c, const struct wr_gate *g)
{
	char word[16];
	json_t *o = json_pack("{s:s, s:s, s:I, s:I}", "fips", c->fips, "name", c->name,
	                      "precincts_total", (json_int_t)c->precincts_total,
	                      "precincts_reported", (json_int_t)c->precincts_reported);

	if (g) {
		json_object_set_new(o, "gate", json_string(gate_word(g, word, sizeof word)));
		json_object_set_new(o, "gate_reason", json_string(g->why));
	}
	return o;
}

struct feeds {
	struct wr_feed_state *rows;
	size_t n;
};

static json_t *feeds_json(const struct feeds *f)
{
	json_t *a = json_array();

	for (size_t i = 0; i < f->n; i++) {
		const struct wr_feed_state *x = &f->rows[i];

		json_array_append_new(a, json_pack(
			"{s:s, s:s, s:I, s:I, s:I, s:I, s:s?, s:s?, s:s?}", "feed", x->feed,
			"page", x->page, "offset", (json_int_t)x->offset, "pages", (json_int_t)x->pages,
			"records", (json_int_t)x->records, "attempts", (json_int_t)x->attempts,
			"last_ok_at", *x->last_ok_at ? x->last_ok_at : NULL,
			"last_try_at", *x->last_try_at ? x->last_try_at : NULL,
			"last_error", *x->last_error ? x->last_error : NULL));
	}
	return a;
}

/* Where each feed's puller stands: an operator's first question when the
 * tallies stop coming. */
static void feeds_text(const struct feeds *f)
{
	for (size_t i = 0; i < f->n; i++) {
		const struct wr_feed_state *x = &f->rows[i];

		printf("feed %s\n  on %s, %lld taken from it; %lld pages read, %lld records in all;"
		       " last read %s\n", x->feed, x->page, (long long)x->offset,
		       (long long)x->pages, (long long)x->records,
		       *x->last_ok_at ? x->last_ok_at : "never");
		if (x->attempts)
			printf("  FAILING: %ld tries since, the last at %s: %s\n", x->attempts,
			       x->last_try_at, x->last_error);
	}
	if (f->n)
		putchar('\n');
}

static void print_json(const struct wr_status *st, const struct wr_gate *gates,
                       const struct feeds *f)
{
	json_t *counties = json_array(), *states = json_object(), *root;

	for (size_t i = 0; i < st->ncounties; i++)
		json_array_append_new(counties, county_json(&st->counties[i],
		                                            gates ? &gates[i] : NULL));
	for (size_t i = 0; i < st->nstates; i++)
		json_object_set_new(states, st->states[i].state,
		                    json_integer(st->states[i].count));
	root = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:o}",
	                 "precincts_total", (json_int_t)st->precincts_total,
	                 "precincts_reported", (json_int_t)st->precincts_reported,
	                 "submissions", (json_int_t)st->submissions,
	                 "received", (json_int_t)wr_status_state(st, "received"),
	                 "unmatched", (json_int_t)wr_status_state(st, "unmatched"),
	                 "quarantined", (json_int_t)st->quarantined,
	                 "states", states, "counties", counties, "feeds", feeds_json(f));
	json_dumpf(root, stdout, JSON_INDENT(2));
	putchar('\n');
	json_decref(root);
}

static void print_text(const struct wr_status *st, const struct wr_gate *gates,
                       const struct feeds *f)
{
	printf("precincts reported %ld of %ld (%.1f%%)\n", st->precincts_reported,
	       st->precincts_total,
	       st->precincts_total ? 100.0 * st->precincts_reported / st->precincts_total : 0);
	printf("submissions %ld:", st->submissions);
	for (size_t i = 0; i < st->nstates; i++)
		printf(" %s %ld%s", st->states[i].state, st->states[i].count,
		       i + 1 < st->nstates ? "," : "");
	printf("%s\nquarantined %ld\n\n", st->nstates ? "" : " none", st->quarantined);
	feeds_text(f);
	printf("%-6s %-16s %9s %9s  %s\n", "FIPS", "COUNTY", "REPORTED", "TOTAL", "GATE");
	for (size_t i = 0; i < st->ncounties; i++)
		printf("%-6s %-16s %9ld %9ld  %s\n", st->counties[i].fips, st->counties[i].name,
		       st->counties[i].precincts_reported, st->counties[i].precincts_total,
		       gates ? gates[i].why : "-");
}

/* The county gates, or NULL when the store has no contest to score yet. */
static struct wr_gate *read_gates(struct wr_store *s, const struct wr_status *st)
{
	struct wr_scorer *sc;
	struct wr_gate *g;
	struct wr_err err;

	if (wr_scorer_open(&sc, s, &err) != WR_OK)
		return NULL;
	g = wr_xcalloc(st->ncounties + 1, sizeof *g);
	for (size_t i = 0; i < st->ncounties; i++)
		if (wr_scorer_gate(sc, st->counties[i].fips, &g[i], &err) != WR_OK)
			snprintf(g[i].why, sizeof g[i].why, "unknown: %.180s", err.msg);
	wr_scorer_close(sc);
	return g;
}

static int run(int argc, char **argv)
{
	const char *db;
	struct wr_store s;
	struct wr_status st;
	struct wr_gate *gates;
	struct feeds f;
	struct wr_err err;
	int json, rc, first;

	if ((first = cmd_db_json(argc, argv, &wr_cmd_status, &db, &json)) < 0)
		return -first;
	if (first != argc)
		return cmd_usage(&wr_cmd_status);
	if ((rc = cmd_open_store(&s, db)) != EXIT_OK)
		return rc;
	/* Counts and gates from one moment, whatever the consoles do meanwhile. */
	if (wr_store_exec(&s, "BEGIN", &err) != WR_OK ||
	    wr_status_read(&s, &st, &err) != WR_OK) {
		fprintf(stderr, "warroom: %s\n", err.msg);
		wr_store_close(&s);
		return EXIT_FAIL;
	}
	if (wr_feed_states(&s, &f.rows, &f.n, &err) != WR_OK) {
		fprintf(stderr, "warroom: %s\n", err.msg);
		wr_status_free(&st);
		wr_store_close(&s);
		return EXIT_FAIL;
	}
	gates = read_gates(&s, &st);
	wr_store_exec(&s, "COMMIT", NULL);
	if (json)
		print_json(&st, gates, &f);
	else
		print_text(&st, gates, &f);
	free(gates);
	free(f.rows);
	wr_status_free(&st);
	wr_store_close(&s);
	return EXIT_OK;
}

const struct wr_cmd wr_cmd_status = {
	"status", "[--db PATH] [--json]",
	"precincts reported statewide and per county", run,
};
