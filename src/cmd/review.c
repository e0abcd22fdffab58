#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "warroom/review.h"

struct args {
	const char *db, *user, *reason, *county;
	int json;
	const char *verb, *sid;
};

static void print_item(const struct wr_review_item *it, int json)
{
	json_t *o;

	if (!json) {
		printf("%s\n", it->submission_id);
		return;
	}
	o = json_pack("{s:s, s:s, s:s, s:s, s:i, s:I}", "submission_id", it->submission_id,
	              "precinct", it->precinct, "county", it->county_fips, "severity",
	              wr_severity_name(it->severity), "approvals", it->approvals,
	              "claim_expires", (json_int_t)it->claim_expires);
	json_dumpf(o, stdout, JSON_COMPACT);
	putchar('\n');
	json_decref(o);
}

static void print_done(const struct args *a, const char *result, long n, int json)
{
	json_t *o;

	if (!json && n >= 0) {
		printf("%s %ld\n", result, n);
		return;
	}
	if (!json) {
		printf("%s %s\n", a->sid, result);
		return;
	}
	o = json_pack("{s:s, s:s}", "action", a->verb, "result", result);
	if (a->sid)
		json_object_set_new(o, "submission_id", json_string(a->sid));
	if (n >= 0)
		json_object_set_new(o, "count", json_integer(n));
	json_dumpf(o, stdout, JSON_COMPACT);
	putchar('\n');
	json_decref(o);
}

/* Runs one verb; the core function decides whether it is allowed. */
static int act(struct wr_review *r, const struct wr_user *u, const struct args *a,
               struct wr_err *err)
{
	struct wr_review_item it;
	enum wr_approval ap;
	long n;
	int rc;

	if (!strcmp(a->verb, "next")) {
		rc = wr_review_next(r, u, &it, err);
		if (rc == WR_ENOTFOUND)
			return WR_OK;  /* an empty queue answers nothing */
		if (rc == WR_OK)
			print_item(&it, a->json);
		return rc;
	}
	if (!strcmp(a->verb, "claim")) {
		if ((rc = wr_review_claim(r, u, a->sid, &it, err)) == WR_OK)
			print_item(&it, a->json);
		return rc;
	}
	if (!strcmp(a->verb, "approve")) {
		if ((rc = wr_review_approve(r, u, a->sid, &ap, err)) == WR_OK)
			print_done(a, ap == WR_APPROVED ? "approved" : "needs_second", -1, a->json);
		return rc;
	}
	if (!strcmp(a->verb, "bulk-approve")) {
		if ((rc = wr_review_bulk_approve(r, u, a->county, &n, err)) == WR_OK)
			print_done(a, "approved", n, a->json);
		return rc;
	}
	if (!strcmp(a->verb, "release-all")) {
		if ((rc = wr_review_release_all(r, u, &n, err)) == WR_OK)
			print_done(a, "released", n, a->json);
		return rc;
	}
	rc = !strcmp(a->verb, "reject") ? wr_review_reject(r, u, a->sid, a->reason, err)
	   : !strcmp(a->verb, "override") ? wr_review_override(r, u, a->sid, a->reason, err)
	   : !strcmp(a->verb, "release") ? wr_review_release(r, u, a->sid, err)
	   : wr_review_renew(r, u, a->sid, err);
	if (rc == WR_OK)
		print_done(a, !strcmp(a->verb, "reject") ? "rejected"
		              : !strcmp(a->verb, "override") ? "approved"
		              : !strcmp(a->verb, "release") ? "released" : "renewed", -1, a->json);
	return rc;
}

static int session(const struct args *a)
{
	struct wr_store s;
	struct wr_review *r = NULL;
	struct wr_user u;
	struct wr_err err;
	char pin[256];
	int rc;

	if (cmd_read_pin("PIN: ", 0, pin, sizeof pin) != 0) {
		fprintf(stderr, "warroom: no PIN given\n");
		return EXIT_USAGE;
	}
	if ((rc = cmd_open_store(&s, a->db)) != EXIT_OK)
		return rc;
	rc = wr_auth_login(&s, a->user, pin, &u, &err);
	if (rc == WR_OK)
		rc = wr_review_open(&r, &s, 0, &err);
	if (rc == WR_OK)
		rc = act(r, &u, a, &err);
	wr_review_close(r);
	wr_store_close(&s);
	return cmd_exit(rc, &err);
}

static int needs_sid(const char *verb)
{
	static const char *const verbs[] = { "claim", "approve", "reject", "release",
	                                     "override", "renew" };

	for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
		if (!strcmp(verb, verbs[i]))
			return 1;
	return 0;
}

static int parse(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "user", required_argument, NULL, 'u' },
		{ "reason", required_argument, NULL, 'r' },
		{ "county", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': a->db = optarg; break;
		case 'u': a->user = optarg; break;
		case 'r': a->reason = optarg; break;
		case 'c': a->county = optarg; break;
		case 'j': a->json = 1; break;
		default: return -1;
		}
	}
	if (optind >= argc || !a->user)
		return -1;
	a->verb = argv[optind++];
	if (needs_sid(a->verb))
		a->sid = optind < argc ? argv[optind++] : NULL;
	else if (strcmp(a->verb, "next") && strcmp(a->verb, "release-all") &&
	         strcmp(a->verb, "bulk-approve"))
		return -1;
	if (optind != argc || (needs_sid(a->verb) && !a->sid) ||
	    (!strcmp(a->verb, "bulk-approve") && !a->county))
		return -1;
	return 0;
}

static int run(int argc, char **argv)
{
	struct args a = { 0 };

	if (parse(argc, argv, &a) != 0)
		return cmd_usage(&wr_cmd_review);
	return session(&a);
}

const struct wr_cmd wr_cmd_review = {
	"review",
	"next | claim SID | approve SID | reject SID --reason TEXT | release SID |\n"
	"       renew SID | override SID --reason TEXT | bulk-approve --county FIPS |\n"
	"       release-all   --user NAME [--json] [--db PATH]   (PIN: $WARROOM_PIN or stdin)\n"
	"exit: 0 done, 1 usage, 2 store, 3 not allowed, 4 already claimed, 5 not found,\n"
	"      6 wrong PIN or locked",
	"review tallies from the command line", run,
};
