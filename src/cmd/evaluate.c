#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "warroom/evaluate.h"
#include "warroom/rules.h"

/* Declared here too until cmd.h lists it; a repeated declaration is fine. */

#define MAX_SEEDS 64
#define TARGET_RECALL 0.95
#define TARGET_CLEAN 0.10

struct args {
	const char *fixtures;
	uint64_t seeds[MAX_SEEDS];
	size_t nseeds;
	double rate;
	int json, keep;
};

/* "1,2,3": whole numbers only, at most MAX_SEEDS. */
static int parse_seeds(const char *s, struct args *a)
{
	char *end;

	a->nseeds = 0;
	for (;;) {
		if (*s < '0' || *s > '9' || a->nseeds == MAX_SEEDS)
			return -1;
		errno = 0;
		a->seeds[a->nseeds++] = strtoull(s, &end, 10);
		if (errno)
			return -1;
		if (*end == '\0')
			return 0;
		if (*end != ',')
			return -1;
		s = end + 1;
	}
}

static int parse_args(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
		{ "fixtures", required_argument, NULL, 'f' },
		{ "seeds", required_argument, NULL, 's' },
		{ "error-rate", required_argument, NULL, 'e' },
		{ "json", no_argument, NULL, 'j' },
		{ "keep", no_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c, bad = 0;

	memset(a, 0, sizeof *a);
	a->rate = WR_SIM_ERROR_RATE;
	parse_seeds("1,2,3", a);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'f')
			a->fixtures = optarg;
		else if (c == 's')
			bad |= parse_seeds(optarg, a);
		else if (c == 'e')
			a->rate = strtod(optarg, &end), bad |= end == optarg || *end ||
			          !(a->rate >= 0 && a->rate <= 1);
		else if (c == 'j')
			a->json = 1;
		else if (c == 'k')
			a->keep = 1;
		else
			bad = 1;
	}
	return bad || optind != argc || !a->fixtures ? -1 : 0;
}

static int remove_one(const char *path, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb, (void)flag, (void)f;
	return remove(path);
}

/* ------------------------------------------------------------- text */

static void pct(char *out, size_t n, long part, long whole)
{
	if (whole > 0)
		snprintf(out, n, "%.1f%%", 100.0 * (double)part / (double)whole);
	else
		snprintf(out, n, "-");
}

static void print_rules(const char *what, const long *by_rule)
{
	size_t n;
	const struct wr_rule *t = wr_rules_table(&n);
	int any = 0;

	printf("  %-22s", what);
	for (size_t i = 0; i < n && i < WR_EVAL_RULES; i++)
		if (by_rule[i]) {
			printf("%s %s %ld", any ? "," : "", t[i].id, by_rule[i]);
			any = 1;
		}
	puts(any ? "" : " (none)");
}

/* Distinct ones caught before a validator approved them: a second look
 * comes after the error got through (evaluate.h). */
static long before(const struct wr_eval_kind *e)
{
	return e->distinct_caught - e->distinct_second;
}

/* The target is on the distinct ones caught before approval: the rest look
 * like an honest tally of their precinct (evaluate.h). */
static void print_kind(enum wr_sim_kind k, const struct wr_eval_kind *e)
{
	char r[16], m[16], b[16] = "-";

	pct(r, sizeof r, e->caught, e->planted);
	pct(m, sizeof m, before(e), e->distinct);
	if (wr_eval_consistent(k))
		pct(b, sizeof b, e->best, e->planted);
	printf("%-22s %7ld %6ld %6s %8ld %6ld %6s %8ld %6s %8ld  %s\n", wr_sim_kind_name(k),
	       e->planted, e->caught, r, e->distinct, before(e), m, e->distinct_second, b,
	       e->approved, e->distinct == 0 ? "-" : (double)before(e) >= TARGET_RECALL *
	       (double)e->distinct ? "ok" : "MISSED");
}

static void print_text(const struct args *a, const struct wr_eval *sum,
                       const struct wr_eval *per)
{
	const struct wr_eval_kind *c = &sum->kind[WR_SIM_CLEAN];
	char r[16];

	printf("evaluate: %s, %zu seed%s, error rate %g: %ld records in %ld slices of 15 "
	       "minutes\n\n", a->fixtures, a->nseeds, a->nseeds == 1 ? "" : "s", a->rate,
	       sum->records, sum->slices);
	printf("%-22s %7s %6s %6s %8s %6s %6s %8s %6s %8s  %s\n", "kind", "planted", "caught",
	       "recall", "distinct", "before", "recall", "2nd look", "best", "approved",
	       "target >= 95% of distinct, before");
	for (int k = 1; k < WR_SIM_KINDS; k++)
		print_kind((enum wr_sim_kind)k, &sum->kind[k]);
	pct(r, sizeof r, c->caught, c->planted);
	printf("%-22s %7ld %6ld %6s %22s %8ld %15s  %s\n", "clean (flag rate)", c->planted,
	       c->caught, r, "", c->second, "", (double)c->caught <= TARGET_CLEAN * (double)c->planted
	       ? "ok (<= 10%)" : "MISSED (<= 10%)");
	printf("  of them in precincts a planted record also hit: %ld, %ld flagged\n",
	       sum->touched, sum->touched_flagged);
	printf("\ndistinct: for digit slips and swaps, those fewer than 1 in %.0f of the\n"
	       "precinct's clean tallies look as unusual (the simulator's clean_odds); the\n"
	       "rest look like an honest tally. best: what a rule knowing the simulator's\n"
	       "model would catch flagging as many clean tallies as the rules do.\n"
	       "caught and recall count flags raised at any time; before: the distinct\n"
	       "ones flagged before a validator approved them (the target is on these);\n"
	       "2nd look: the distinct ones (for clean: all) flagged only once approved,\n"
	       "when the county's context came (the chair is called back to confirm).\n",
	       1 / WR_EVAL_DISTINCT);
	if (sum->lost)
		printf("  NOT STORED as a tally (a simulator fault): %ld\n", sum->lost);
	puts("\nwarn or hard flags by rule:");
	for (int k = 1; k < WR_SIM_KINDS; k++)
		print_rules(wr_sim_kind_name((enum wr_sim_kind)k), sum->kind[k].by_rule);
	print_rules("clean", c->by_rule);
	print_rules("clean, not hit", sum->untouched_by_rule);
	printf("\nclean flag rate per seed:");
	for (size_t i = 0; i < a->nseeds; i++) {
		pct(r, sizeof r, per[i].kind[0].caught, per[i].kind[0].planted);
		printf(" %llu: %s", (unsigned long long)a->seeds[i], r);
	}
	puts("");
}

/* ------------------------------------------------------------- JSON */

static json_t *rate_json(long part, long whole)
{
	return whole > 0 ? json_real((double)part / (double)whole) : json_null();
}

static json_t *rules_json(const long *by_rule)
{
	size_t n;
	const struct wr_rule *t = wr_rules_table(&n);
	json_t *o = json_object();

	for (size_t i = 0; i < n && i < WR_EVAL_RULES; i++)
		if (by_rule[i])
			json_object_set_new(o, t[i].id, json_integer(by_rule[i]));
	return o;
}

static json_t *kind_json(enum wr_sim_kind k, const struct wr_eval_kind *e)
{
	return json_pack("{s:I, s:I, s:o, s:I, s:I, s:I, s:o, s:o, s:I, s:I, s:o}",
	                 "planted", (json_int_t)e->planted, "caught", (json_int_t)e->caught,
	                 "recall", rate_json(e->caught, e->planted),
	                 "distinct", (json_int_t)e->distinct,
	                 "distinct_caught", (json_int_t)before(e),
	                 "distinct_second_look", (json_int_t)e->distinct_second,
	                 "distinct_recall", rate_json(before(e), e->distinct),
	                 "best_recall", wr_eval_consistent(k) ? rate_json(e->best, e->planted)
	                                                     : json_null(),
	                 "approved", (json_int_t)e->approved,
	                 "second_look", (json_int_t)e->second,
	                 "caught_by", rules_json(e->by_rule));
}

static json_t *clean_json(const struct wr_eval *e)
{
	const struct wr_eval_kind *c = &e->kind[WR_SIM_CLEAN];

	return json_pack("{s:I, s:I, s:I, s:o, s:I, s:I, s:I, s:o, s:o}",
	                 "records", (json_int_t)c->planted, "flagged", (json_int_t)c->caught,
	                 "second_look", (json_int_t)c->second,
	                 "rate", rate_json(c->caught, c->planted),
	                 "touched", (json_int_t)e->touched,
	                 "touched_flagged", (json_int_t)e->touched_flagged,
	                 "lost", (json_int_t)e->lost, "flagged_by", rules_json(c->by_rule),
	                 "untouched_flagged_by", rules_json(e->untouched_by_rule));
}

static json_t *eval_json(const struct wr_eval *e)
{
	json_t *kinds = json_object();

	for (int k = 1; k < WR_SIM_KINDS; k++)
		json_object_set_new(kinds, wr_sim_kind_name((enum wr_sim_kind)k),
		                    kind_json((enum wr_sim_kind)k, &e->kind[k]));
	return json_pack("{s:I, s:I, s:o, s:o}", "records", (json_int_t)e->records,
	                 "slices", (json_int_t)e->slices, "kinds", kinds,
	                 "clean", clean_json(e));
}

static void print_json(const struct args *a, const struct wr_eval *sum,
                       const struct wr_eval *per)
{
	json_t *root = eval_json(sum), *seeds = json_array(), *runs = json_array();

	for (size_t i = 0; i < a->nseeds; i++) {
		json_t *one = eval_json(&per[i]);

		json_object_set_new(one, "seed", json_integer((json_int_t)a->seeds[i]));
		json_array_append_new(seeds, json_integer((json_int_t)a->seeds[i]));
		json_array_append_new(runs, one);
	}
	json_object_set_new(root, "fixtures", json_string(a->fixtures));
	json_object_set_new(root, "error_rate", json_real(a->rate));
	json_object_set_new(root, "seeds", seeds);
	json_object_set_new(root, "per_seed", runs);
	json_dumpf(root, stdout, JSON_INDENT(2));
	putchar('\n');
	json_decref(root);
}

/* ------------------------------------------------------------- runs */

static int one_seed(const struct args *a, const char *top, size_t i, struct wr_eval *out)
{
	struct wr_sim_options o = { a->seeds[i], a->rate };
	char dir[4096];
	struct wr_err err;

	snprintf(dir, sizeof dir, "%s/seed-%llu", top, (unsigned long long)a->seeds[i]);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "warroom: %s: %s\n", dir, strerror(errno));
		return EXIT_FAIL;
	}
	if (wr_evaluate(a->fixtures, dir, &o, out, &err) != WR_OK) {
		fprintf(stderr, "warroom: seed %llu: %s\n", (unsigned long long)a->seeds[i],
		        err.msg);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

static int evaluate(const struct args *a, const char *top)
{
	struct wr_eval per[MAX_SEEDS], sum;
	int rc = EXIT_OK;

	memset(&sum, 0, sizeof sum);
	for (size_t i = 0; i < a->nseeds && rc == EXIT_OK; i++) {
		fprintf(stderr, "evaluate: seed %llu\n", (unsigned long long)a->seeds[i]);
		if ((rc = one_seed(a, top, i, &per[i])) == EXIT_OK)
			wr_eval_add(&sum, &per[i]);
	}
	if (rc != EXIT_OK)
		return rc;
	if (a->json)
		print_json(a, &sum, per);
	else
		print_text(a, &sum, per);
	return EXIT_OK;
}

static int run(int argc, char **argv)
{
	const char *tmp = getenv("TMPDIR");
	char top[4096];
	struct args a;
	int rc;

	if (parse_args(argc, argv, &a) != 0)
		return cmd_usage(&wr_cmd_evaluate);
	snprintf(top, sizeof top, "%s/warroom-eval.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(top)) {
		fprintf(stderr, "warroom: cannot make a temporary directory: %s\n",
		        strerror(errno));
		return EXIT_FAIL;
	}
	rc = evaluate(&a, top);
	if (a.keep)
		fprintf(stderr, "evaluate: nights, labels and stores kept in %s\n", top);
	else
		nftw(top, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	return rc;
}

const struct wr_cmd wr_cmd_evaluate = {
	"evaluate", "--fixtures DIR [--seeds 1,2,3] [--error-rate R] [--json] [--keep]",
	"measure how well the rules catch a simulated night's planted errors", run,
};
