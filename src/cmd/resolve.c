#include <getopt.h>
#include <stdio.h>

#include "cmd.h"
#include "warroom/unmatched.h"

static int resolve(const char *db, const char *user, const char *sid, const char *code)
{
	struct wr_store s;
	struct wr_user u;
	struct wr_err err;
	char pin[256];
	int rc, alias = 0;

	if (cmd_read_pin("PIN: ", 0, pin, sizeof pin) != 0) {
		fprintf(stderr, "warroom: no PIN given\n");
		return EXIT_USAGE;
	}
	if ((rc = cmd_open_store(&s, db)) != EXIT_OK)
		return rc;
	rc = wr_auth_login(&s, user, pin, &u, &err);
	if (rc == WR_OK)
		rc = wr_unmatched_resolve(&s, &u, sid, code, &alias, &err);
	if (rc == WR_OK)
		printf("%s resolved to %s%s\n", sid, code,
		       alias ? "; its precinct name is now an alias" : "");
	wr_store_close(&s);
	return cmd_exit(rc, &err);
}

static int run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "user", required_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db = NULL, *user = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'd')
			db = optarg;
		else if (c == 'u')
			user = optarg;
		else
			return cmd_usage(&wr_cmd_resolve);
	}
	if (optind + 2 != argc || !user)
		return cmd_usage(&wr_cmd_resolve);
	return resolve(db, user, argv[optind], argv[optind + 1]);
}

const struct wr_cmd wr_cmd_resolve = {
	"resolve", "SID PRECINCT --user NAME [--db PATH]   (PIN: $WARROOM_PIN or stdin)",
	"resolve an unmatched tally to the precinct an operator chose", run,
};
