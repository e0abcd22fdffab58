#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "warroom/simulate.h"

/* Declared here too until cmd.h lists it; a repeated declaration is fine. */

/* Whole numbers only: a seed of "1x" or "-1" is a typo, not seed 1. */
static int parse_seed(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

static int parse_rate(const char *s, double *out)
{
	char *end;

	*out = strtod(s, &end);
	return end != s && !*end && *out >= 0 && *out <= 1 ? 0 : -1;
}

static void summary(const struct wr_night *n, const char *out, const char *labels)
{
	long planted = 0;

	for (int k = 1; k < WR_SIM_KINDS; k++)
		planted += n->planted[k];
	printf("simulate: %zu records for %zu precincts to %s; %ld planted errors to %s\n",
	       n->n, n->nprecincts, out, planted, labels);
	for (int k = 1; k < WR_SIM_KINDS; k++)
		printf("  %-22s %ld\n", wr_sim_kind_name((enum wr_sim_kind)k), n->planted[k]);
}

static int simulate(const char *fx, const struct wr_sim_options *o, const char *out,
                    const char *labels)
{
	struct wr_night *n;
	struct wr_err err;
	int rc = wr_sim_run(fx, o, &n, &err);

	if (rc == WR_OK)
		rc = wr_sim_write(n, out, labels, &err);
	if (rc != WR_OK) {
		fprintf(stderr, "warroom: %s\n", err.msg);
		wr_night_free(n);
		return EXIT_FAIL;
	}
	summary(n, out, labels);
	wr_night_free(n);
	return EXIT_OK;
}

static int run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "fixtures", required_argument, NULL, 'f' },
		{ "seed", required_argument, NULL, 's' },
		{ "error-rate", required_argument, NULL, 'e' },
		{ "out", required_argument, NULL, 'o' },
		{ "labels", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	struct wr_sim_options o = { 0, WR_SIM_ERROR_RATE };
	const char *fx = NULL, *out = NULL, *labels = NULL;
	int c, seeded = 0, bad = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'f')
			fx = optarg;
		else if (c == 's')
			bad |= parse_seed(optarg, &o.seed) != 0, seeded = 1;
		else if (c == 'e')
			bad |= parse_rate(optarg, &o.error_rate) != 0;
		else if (c == 'o')
			out = optarg;
		else if (c == 'l')
			labels = optarg;
		else
			bad = 1;
	}
	if (bad || optind != argc || !fx || !seeded || !out || !labels)
		return cmd_usage(&wr_cmd_simulate);
	return simulate(fx, &o, out, labels);
}

const struct wr_cmd wr_cmd_simulate = {
	"simulate", "--fixtures DIR --seed N [--error-rate R] --out FILE --labels FILE",
	"write a simulated caucus night with labelled planted errors", run,
};
