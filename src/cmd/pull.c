#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "warroom/feed.h"

struct args {
	const char *db;
	int follow;
	double poll, timeout;
	long tries;
};

static int parse(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "once", no_argument, NULL, 'o' },
		{ "follow", no_argument, NULL, 'f' },
		{ "poll", required_argument, NULL, 'p' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "tries", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': a->db = optarg; break;
		case 'o': a->follow = 0; break;
		case 'f': a->follow = 1; break;
		case 'p':
			if (cmd_number(optarg, 0.05, 3600, &a->poll))
				return -1;
			break;
		case 'T':
			if (cmd_number(optarg, 0.1, 3600, &a->timeout))
				return -1;
			break;
		case 'n':
			if (cmd_count(optarg, 1, 1000, &a->tries))
				return -1;
			break;
		default: return -1;
		}
	}
	return optind == argc - 1 ? 0 : -1;
}

static void summary(const struct wr_pull_stats *st, const char *url)
{
	printf("pulled %s: %ld reads (%ld unchanged), %ld pages finished, %ld failed reads;",
	       url, st->reads, st->unchanged, st->pages, st->failures);
	for (int i = 0; i < WR_OUTCOMES; i++)
		printf("%s %ld %s", i ? "," : "", st->n.n[i], wr_outcome_name(i));
	putchar('\n');
}

static int run(int argc, char **argv)
{
	struct args a = { .poll = 2, .timeout = 60, .tries = 6 };
	struct wr_pull_opts o = { .backoff_ms = 500, .backoff_max_ms = 30000, .log = stderr };
	struct wr_pull_stats st;
	struct wr_store s;
	struct wr_err err;
	int rc;

	if (parse(argc, argv, &a) != 0)
		return cmd_usage(&wr_cmd_pull);
	if ((rc = cmd_open_store(&s, a.db)) != EXIT_OK)
		return rc;
	o.url = argv[argc - 1];
	o.follow = a.follow;
	o.max_tries = (int)a.tries;
	o.poll_ms = (long)(a.poll * 1000);
	o.timeout_ms = (long)(a.timeout * 1000);
	o.stop = cmd_catch_stop();
	rc = wr_pull(&s, &o, &st, &err);
	if (rc == WR_OK || rc == WR_EIO || rc == WR_EAUTH)
		summary(&st, o.url);
	wr_store_close(&s);
	return cmd_exit(rc, &err);
}

const struct wr_cmd wr_cmd_pull = {
	"pull",
	"[--once | --follow] [--poll SECONDS] [--timeout SECONDS]\n"
	"       [--tries N] [--db PATH] URL\n"
	"  URL: the feed's first page, http(s)://... or file://... (a bearer token, if\n"
	"  the feed needs one: $WARROOM_FEED_TOKEN, sent to that host only). The\n"
	"  cursor is kept in the store: a rerun resumes where the last one stopped.\n"
	"  --poll: how often --follow reads the open last page (default 2)\n"
	"  --timeout: one read (default 60); --tries: failed reads in a row before\n"
	"  giving up (default 6; --follow retries for ever, backing off to 30 s)\n"
	"exit: 0 read to the end (or stopped), 1 usage, 2 a page could not be read\n"
	"      after --tries or the store failed, 6 the feed refused the token",
	"pull submissions from the collection service's feed", run,
};
