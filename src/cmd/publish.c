#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "warroom/auth.h"
#include "warroom/publish.h"
#include "warroom/pusher.h"
#include "warroom/target.h"

struct args {
	const char *db, *verb, *user, *reason, *to, *endpoint;
	int json, zeroes, test, full;
};

static void print_result(const struct wr_publish_result *r, int json)
{
	json_t *o, *held;

	if (json) {
		held = json_array();
		for (size_t i = 0; i < r->nheld; i++)
			json_array_append_new(held, json_pack("{s:s, s:s}", "county", r->held[i].fips,
			                                      "why", r->held[i].why));
		o = json_pack("{s:I, s:i, s:i, s:i, s:i, s:I, s:I, s:o}", "batch",
		              (json_int_t)r->batch, "precincts", (int)r->precincts, "counties",
		              (int)r->counties, "reporting", (int)r->reporting, "total",
		              (int)r->total, "files", (json_int_t)r->files, "bytes",
		              (json_int_t)r->bytes, "held", held);
		json_dumpf(o, stdout, JSON_COMPACT);
		putchar('\n');
		json_decref(o);
		return;
	}
	if (r->batch)
		printf("batch %06lld: %ld tallies published, %ld counties rendered, %ld of %ld "
		       "precincts reporting, %zu files (%zu bytes) in the outbox\n",
		       (long long)r->batch, r->precincts, r->counties, r->reporting, r->total,
		       r->files, r->bytes);
	else
		printf("nothing new to publish\n");
	for (size_t i = 0; i < r->nheld; i++)
		printf("held %s: %s\n", r->held[i].fips, r->held[i].why);
}

static int publish(struct wr_store *s, const struct args *a, struct wr_err *err)
{
	struct wr_publish_opts o = { cmd_local_actor(), a->zeroes, a->test, a->full };
	struct wr_publish_result r;
	int rc = wr_publish(s, &o, &r, err);

	if (rc == WR_OK)
		print_result(&r, a->json);
	wr_publish_result_free(&r);
	return rc;
}

static int freeze(struct wr_store *s, const struct args *a, struct wr_err *err)
{
	struct wr_user u;
	char pin[256];
	int rc;

	if (cmd_read_pin("PIN: ", 0, pin, sizeof pin) != 0)
		return wr_errf(err, WR_EINVAL, "no PIN given");
	if ((rc = wr_auth_login(s, a->user, pin, &u, err)) != WR_OK)
		return rc;
	rc = wr_publish_freeze(s, &u, !strcmp(a->verb, "freeze"), a->reason, err);
	if (rc == WR_OK)
		printf("publishing %s\n", !strcmp(a->verb, "freeze") ? "frozen" : "unfrozen");
	return rc;
}

static int status(struct wr_store *s, const struct args *a, struct wr_err *err)
{
	struct wr_freeze f;
	struct wr_push_state ps;
	struct wr_target t;
	char url[700];
	const char *target = t.name;
	int rc;

	if (cmd_push_target(a->db, a->to, url, sizeof url) != EXIT_OK)
		return wr_errf(err, WR_EIO, "no push target");
	/* The name push stores its cursor under, not the URL as typed. */
	if ((rc = wr_target_parse(&t, url, a->endpoint, err)) != WR_OK ||
	    (rc = wr_publish_frozen(s, &f, err)) != WR_OK ||
	    (rc = wr_push_state_read(s, target, &ps, err)) != WR_OK)
		return rc;
	if (a->json) {
		json_t *o = json_pack("{s:b, s:s, s:s, s:s, s:I, s:I, s:i, s:s, s:s}",
		                      "frozen", f.frozen, "frozen_by", f.by, "frozen_reason",
		                      f.reason, "target", target, "last_batch_pushed",
		                      (json_int_t)ps.last_batch, "backlog", (json_int_t)ps.backlog,
		                      "failed_tries", (int)ps.attempts, "last_ok_at",
		                      ps.last_ok_at, "last_error", ps.last_error);
		json_dumpf(o, stdout, JSON_COMPACT);
		putchar('\n');
		json_decref(o);
		return WR_OK;
	}
	if (f.frozen)
		printf("publishing FROZEN by %s since %s: %s\n", f.by, f.at, f.reason);
	else
		printf("publishing open\n");
	printf("target %s: newest batch out %06lld, %lld files waiting", target,
	       (long long)ps.last_batch, (long long)ps.backlog);
	if (*ps.last_error)
		printf(", last error (%ld tries, %s): %s", ps.attempts, ps.last_try_at,
		       ps.last_error);
	putchar('\n');
	return WR_OK;
}

static int parse(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "zeroes", no_argument, NULL, 'z' },
		{ "test", no_argument, NULL, 't' },
		{ "full", no_argument, NULL, 'f' },
		{ "user", required_argument, NULL, 'u' },
		{ "reason", required_argument, NULL, 'r' },
		{ "to", required_argument, NULL, 'o' },
		{ "endpoint", required_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': a->db = optarg; break;
		case 'j': a->json = 1; break;
		case 'z': a->zeroes = 1; break;
		case 't': a->test = 1; break;
		case 'f': a->full = 1; break;
		case 'u': a->user = optarg; break;
		case 'r': a->reason = optarg; break;
		case 'o': a->to = optarg; break;
		case 'e': a->endpoint = optarg; break;
		default: return -1;
		}
	}
	a->verb = optind < argc ? argv[optind++] : "";
	if (optind != argc)
		return -1;
	if (!strcmp(a->verb, "freeze") || !strcmp(a->verb, "unfreeze"))
		return a->user ? 0 : -1;
	return !*a->verb || !strcmp(a->verb, "status") ? 0 : -1;
}

static int run(int argc, char **argv)
{
	struct args a = { 0 };
	struct wr_store s;
	struct wr_err err;
	int rc;

	if (parse(argc, argv, &a) != 0)
		return cmd_usage(&wr_cmd_publish);
	if ((rc = cmd_open_store(&s, a.db)) != EXIT_OK)
		return rc;
	rc = !*a.verb ? publish(&s, &a, &err)
	   : !strcmp(a.verb, "status") ? status(&s, &a, &err)
	   : freeze(&s, &a, &err);
	wr_store_close(&s);
	return cmd_exit(rc, &err);
}

const struct wr_cmd wr_cmd_publish = {
	"publish",
	"[--zeroes] [--test] [--full] [--json] [--db PATH]\n"
	"       publish freeze --user NAME --reason TEXT | unfreeze --user NAME\n"
	"       publish status [--to URL] [--endpoint URL] [--json]\n"
	"  Builds the next batch from approved tallies of counties whose gate is open;\n"
	"  --zeroes publishes the structure with zero counts (test data) before opening.\n"
	"exit: 0 done (also when nothing was new), 1 usage, 2 store, 3 frozen or not allowed,\n"
	"      6 wrong PIN",
	"publish approved tallies as a batch of documents", run,
};
