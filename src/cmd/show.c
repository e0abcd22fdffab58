#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "warroom/detail.h"

static const char *str(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v ? v : "-";
}

/* A count, or "-" where the candidate did not run. */
static const char *cell(char *buf, size_t n, json_t *o, const char *cand)
{
	json_t *v = json_object_get(o, cand);

	if (!v)
		return "-";
	snprintf(buf, n, "%lld", (long long)json_integer_value(v));
	return buf;
}

static const char *share(char *buf, size_t n, json_t *o, const char *cand)
{
	json_t *v = json_object_get(o, cand);

	if (!v)
		return "-";
	snprintf(buf, n, "%.1f%%", 100 * json_number_value(v));
	return buf;
}

/* Tonight beside the 2016 and 2020 baselines (candidates who ran then) and
 * the county's running share over its approved tallies. */
static void print_votes(json_t *t)
{
	json_t *base = json_object_get(t, "baselines"), *v;
	json_t *b16 = json_object_get(base, "2016"), *b20 = json_object_get(base, "2020");
	json_t *totals = json_object_get(t, "baseline_totals");
	char a[24], b[24], c[24];
	size_t i;

	printf("\n%-20s %8s %8s %8s %13s\n", "CANDIDATE", "TONIGHT", "2016", "2020",
	       "COUNTY SHARE");
	json_array_foreach(json_object_get(t, "votes"), i, v) {
		const char *id = str(v, "id");

		printf("%-20s %8lld %8s %8s %13s\n", str(v, "name"),
		       (long long)json_integer_value(json_object_get(v, "votes")),
		       cell(a, sizeof a, b16, id), cell(b, sizeof b, b20, id),
		       share(c, sizeof c, json_object_get(t, "county_shares"), id));
	}
	printf("%-20s %8lld %8s %8s\n", "total",
	       (long long)json_integer_value(json_object_get(t, "total")),
	       cell(a, sizeof a, totals, "2016"), cell(b, sizeof b, totals, "2020"));
}

static void print_text(json_t *t)
{
	json_t *p = json_object_get(t, "precinct"), *x;
	size_t i;

	printf("%s  %s  (%s, %s county)\n", str(t, "submission_id"), str(p, "code"),
	       str(p, "name"), str(p, "county"));
	printf("state %s, revision %lld, %s from %s%s%s at %s\n", str(t, "state"),
	       (long long)json_integer_value(json_object_get(t, "revision")), str(t, "source"),
	       str(t, "reporter"), json_is_string(json_object_get(t, "device")) ? " on " : "",
	       json_is_string(json_object_get(t, "device")) ? str(t, "device") : "",
	       str(t, "reported_at"));
	printf("registered Republicans %lld; site %s (%lld precincts)\n",
	       (long long)json_integer_value(json_object_get(p, "registered_rep")),
	       str(p, "site"), (long long)json_integer_value(json_object_get(p,
	       "site_precincts")));
	print_votes(t);
	printf("\nflags:%s\n", json_array_size(json_object_get(t, "flags")) ? "" : " none");
	json_array_foreach(json_object_get(t, "flags"), i, x)
		printf("  %-4s %-20s %s%s\n", str(x, "severity"), str(x, "rule"),
		       wr_detail_flag_note(x), str(x, "message"));
	printf("\nrevisions:\n");
	json_array_foreach(json_object_get(t, "revisions"), i, x)
		printf("  %lld  %-20s %-10s %-7s total %lld  %s\n",
		       (long long)json_integer_value(json_object_get(x, "revision")),
		       str(x, "submission_id"), str(x, "state"), str(x, "source"),
		       (long long)json_integer_value(json_object_get(x, "total")),
		       str(x, "reported_at"));
}

static int run(int argc, char **argv)
{
	const char *db;
	struct wr_store s;
	struct wr_err err;
	json_t *t;
	int json, rc, first;

	if ((first = cmd_db_json(argc, argv, &wr_cmd_show, &db, &json)) < 0)
		return -first;
	if (first + 1 != argc)
		return cmd_usage(&wr_cmd_show);
	if ((rc = cmd_open_store(&s, db)) != EXIT_OK)
		return rc;
	rc = wr_detail_tally(&s, argv[first], &t, &err);
	wr_store_close(&s);
	if (rc != WR_OK)
		return cmd_exit(rc, &err);
	if (json) {
		json_dumpf(t, stdout, JSON_INDENT(2));
		putchar('\n');
	} else {
		print_text(t);
	}
	json_decref(t);
	return EXIT_OK;
}

const struct wr_cmd wr_cmd_show = {
	"show", "SUBMISSION|PRECINCT [--db PATH] [--json]",
	"a tally beside its baselines, its county's shares, flags and revisions", run,
};
