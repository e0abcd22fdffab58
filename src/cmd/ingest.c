#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "warroom/intake.h"
#include "warroom/ndjson.h"
#include "warroom/spool.h"

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

/* Follows a spool directory until a signal; the summary counts what it
 * ingested. */
static int follow(struct wr_store *s, const char *dir, long settle_ms, int json)
{
	struct wr_spool_opts o = { .poll_ms = WR_SPOOL_POLL_MS, .settle_ms = settle_ms,
	                           .log = stderr };
	struct wr_spool_stats st;
	struct wr_spool *sp;
	struct wr_err err;
	int rc;

	/* A signal ends the wait; the file being read is committed and moved
	 * first. */
	o.stop = cmd_catch_stop();
	if ((rc = wr_spool_open(&sp, s, dir, &o, &err)) != WR_OK)
		return cmd_exit(rc, &err);
	fprintf(stderr, "spool: following %s (complete files go to done/ or failed/); "
	        "stop with Ctrl-C or SIGTERM\n", dir);
	rc = wr_spool_follow(sp, &err);
	if (rc != WR_OK)
		fprintf(stderr, "warroom: %s\n", err.msg);
	wr_spool_stats(sp, &st);
	if (wr_spool_close(sp, &err) != WR_OK) {
		fprintf(stderr, "warroom: %s\n", err.msg);
		rc = WR_ESTORE;
	}
	if (rc != WR_ESTORE)
		summary(&st.n, json);
	fprintf(stderr, "spool: stopped; files: %ld done, %ld failed\n", st.done, st.failed);
	return rc == WR_OK ? EXIT_OK : EXIT_FAIL;
}

struct args {
	const char *db;
	int json, follow;
	long settle_ms;
};

static int parse(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "follow", no_argument, NULL, 'f' },
		{ "settle", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	int c, settle = 0;
	double secs;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': a->db = optarg; break;
		case 'j': a->json = 1; break;
		case 'f': a->follow = 1; break;
		case 's':
			if (cmd_number(optarg, 0, 3600, &secs))
				return -1;
			a->settle_ms = (long)(secs * 1000 + 0.5);
			settle = 1;
			break;
		default: return -1;
		}
	}
	/* A spool is one directory followed by one process. */
	if (optind == argc || (a->follow && argc - optind != 1) || (settle && !a->follow))
		return -1;
	return optind;
}

static int run(int argc, char **argv)
{
	struct args a = { .settle_ms = WR_SPOOL_SETTLE_MS };
	struct wr_store s;
	int rc, first;

	if ((first = parse(argc, argv, &a)) < 0)
		return cmd_usage(&wr_cmd_ingest);
	if ((rc = cmd_open_store(&s, a.db)) != EXIT_OK)
		return rc;
	rc = a.follow ? follow(&s, argv[first], a.settle_ms, a.json)
	              : ingest(&s, argc - first, argv + first, a.json);
	wr_store_close(&s);
	return rc;
}

const struct wr_cmd wr_cmd_ingest = {
	"ingest",
	"[--db PATH] [--json] FILE|DIR|-...\n"
	"       warroom ingest [--db PATH] [--json] --follow [--settle SECONDS] DIR\n"
	"  --follow: watch the spool directory DIR; each complete .ndjson, .jsonl or\n"
	"  .json file (unchanged for --settle seconds, default 2, and ending in a\n"
	"  newline) is ingested, then moved to DIR/done/, or to DIR/failed/ with\n"
	"  NAME.errors when a record was quarantined. Writers should write under a\n"
	"  dot name or NAME.tmp and rename. Runs until SIGTERM, SIGINT or SIGHUP.\n"
	"exit: 0 every record ended somewhere (or stopped by a signal), 1 usage,\n"
	"      2 the store or an input could not be read or written, 3 another\n"
	"      process already follows DIR",
	"read NDJSON submissions into the store", run,
};
