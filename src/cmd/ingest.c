#include <stdio.h>

#include "cmd.h"
#include "warroom/intake.h"
#include "warroom/ndjson.h"

static void summary(const struct wr_intake_counts *n, int json)
{
	const char *fmt = json ? "%s\"%s\": %ld" : "%s%ld %s";

	fputs(json ? "{" : "ingest: ", stdout);
	for (int i = 0; i < WR_OUTCOMES; i++) {
		if (json)
			printf(fmt, i ? ", " : "", wr_outcome_name(i), n->n[i]);
		else
			printf(fmt, i ? ", " : "", n->n[i], wr_outcome_name(i));
	}
	puts(json ? "}" : "");
}

static int ingest(struct wr_store *s, int argc, char **argv, int json)
{
	struct wr_intake *in;
	struct wr_intake_counts n;
	struct wr_err err;
	int rc = WR_OK, one;

	if (wr_intake_open(&in, s, stderr, &err) != WR_OK) {
		fprintf(stderr, "warroom: %s\n", err.msg);
		return EXIT_FAIL;
	}
	for (int i = 0; i < argc && rc != WR_ESTORE; i++) {
		one = wr_ndjson_ingest(in, argv[i], stderr, &err);
		if (one != WR_OK) {
			fprintf(stderr, "warroom: %s\n", err.msg);
			rc = one;
		}
	}
	n = *wr_intake_counts(in);
	if (wr_intake_close(in, &err) != WR_OK) {
		fprintf(stderr, "warroom: %s\n", err.msg);
		rc = WR_ESTORE;
	}
	/* Counted records are durable only when the store did not fail. */
	if (rc != WR_ESTORE)
		summary(&n, json);
	return rc == WR_OK ? EXIT_OK : EXIT_FAIL;
}

static int run(int argc, char **argv)
{
	const char *db;
	struct wr_store s;
	int json, rc, first;

	if ((first = cmd_db_json(argc, argv, &wr_cmd_ingest, &db, &json)) < 0)
		return -first;
	if (first == argc)
		return cmd_usage(&wr_cmd_ingest);
	if ((rc = cmd_open_store(&s, db)) != EXIT_OK)
		return rc;
	rc = ingest(&s, argc - first, argv + first, json);
	wr_store_close(&s);
	return rc;
}

const struct wr_cmd wr_cmd_ingest = {
	"ingest", "[--db PATH] [--json] FILE|DIR|-...",
	"read NDJSON submissions into the store", run,
};
