#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "warroom/pusher.h"

struct args {
	const char *db, *to, *endpoint;
	int follow;
	double timeout;
	long tries;
};

static int parse(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "to", required_argument, NULL, 't' },
		{ "endpoint", required_argument, NULL, 'e' },
		{ "once", no_argument, NULL, 'o' },
		{ "follow", no_argument, NULL, 'f' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "tries", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': a->db = optarg; break;
		case 't': a->to = optarg; break;
		case 'e': a->endpoint = optarg; break;
		case 'o': a->follow = 0; break;
		case 'f': a->follow = 1; break;
		case 'T':
			if (cmd_number(optarg, 0.001, 3600, &a->timeout))
				return -1;
			break;
		case 'n':
			if (cmd_count(optarg, 1, 1000, &a->tries))
				return -1;
			break;
		default: return -1;
		}
	}
	return optind == argc ? 0 : -1;
}

static int run(int argc, char **argv)
{
	struct args a = { .timeout = 30, .tries = 6 };
	struct wr_push_opts o = { .backoff_ms = 500, .backoff_max_ms = 30000, .poll_ms = 1000,
	                          .log = stderr };
	struct wr_push_stats st;
	struct wr_target t;
	struct wr_store s;
	struct wr_err err;
	char target[700];
	int rc;

	if (parse(argc, argv, &a) != 0)
		return cmd_usage(&wr_cmd_push);
	if ((rc = cmd_push_target(a.db, a.to, target, sizeof target)) != EXIT_OK)
		return rc;
	if (wr_target_open(&t, target, a.endpoint, &err) != WR_OK) {
		wr_target_close(&t);
		return cmd_exit(WR_EINVAL, &err);
	}
	t.timeout_ms = (long)(a.timeout * 1000);
	o.stop = t.stop = cmd_catch_stop();
	if ((rc = cmd_open_store(&s, a.db)) != EXIT_OK) {
		wr_target_close(&t);
		return rc;
	}
	o.actor = cmd_local_actor();
	o.follow = a.follow;
	o.max_tries = (int)a.tries;
	rc = wr_push(&s, &t, &o, &st, &err);
	if (rc == WR_OK)
		printf("pushed %ld files, %ld batches to %s; newest batch out: %06lld\n", st.items,
		       st.batches, t.name, (long long)st.last_batch);
	wr_store_close(&s);
	wr_target_close(&t);
	return cmd_exit(rc, &err);
}

const struct wr_cmd wr_cmd_push = {
	"push",
	"[--to URL] [--endpoint URL] [--once | --follow] [--timeout SECONDS] [--tries N]\n"
	"       [--db PATH]\n"
	"  URL: file://DIR (default $WARROOM_PUSH_TO, else public/ beside the store),\n"
	"  http(s)://HOST/PATH (token: $WARROOM_PUSH_TOKEN), s3://BUCKET/PREFIX\n"
	"  (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION; --endpoint or\n"
	"  AWS_ENDPOINT_URL for an S3-compatible store)\n"
	"exit: 0 outbox drained, 1 usage, 2 store or push failed, 3 publishing frozen,\n"
	"      6 credentials refused",
	"push published batches to the public results store", run,
};
