#include <getopt.h>
#include <stdio.h>

#include "cmd.h"
#include "warroom/fixtures.h"

static int run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "fixtures", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db = NULL, *dir = NULL;
	struct wr_fixture_counts n;
	struct wr_store s;
	struct wr_err err;
	int c, rc;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'd')
			db = optarg;
		else if (c == 'f')
			dir = optarg;
		else
			return cmd_usage(&wr_cmd_init);
	}
	if (optind != argc)
		return cmd_usage(&wr_cmd_init);
	if ((rc = cmd_open_store_mode(&s, db, 1)) != EXIT_OK)
		return rc;
	printf("store %s at schema version %d\n", s.path, wr_store_version(&s));
	if (dir && wr_fixtures_load(&s, dir, &n, &err) != WR_OK) {
		fprintf(stderr, "warroom: fixtures not loaded (store unchanged): %s\n", err.msg);
		wr_store_close(&s);
		return EXIT_FAIL;
	}
	if (dir)
		printf("loaded %s: %ld candidates, %ld counties, %ld sites, %ld precincts, "
		       "%ld aliases, %ld baseline rows, %ld roster rows\n", dir, n.candidates,
		       n.counties, n.sites, n.precincts, n.aliases, n.baselines, n.reporters);
	wr_store_close(&s);
	return EXIT_OK;
}

const struct wr_cmd wr_cmd_init = {
	"init", "[--db PATH] [--fixtures DIR]",
	"create or upgrade the store and load fixtures", run,
};
