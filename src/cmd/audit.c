#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "warroom/audit.h"

static int verify(struct wr_store *s)
{
	struct wr_audit_check c;
	struct wr_err err;

	if (wr_audit_verify(s, &c, &err) != WR_OK)
		return cmd_exit(WR_ESTORE, &err);
	if (c.bad_id) {
		printf("audit trail BROKEN at record %ld: %s\n", c.bad_id, c.why);
		return EXIT_USAGE;  /* 1: the documented answer for a broken chain */
	}
	printf("audit trail verified: %ld records\n", c.records);
	return EXIT_OK;
}

static int export(struct wr_store *s, const char *path)
{
	FILE *out = path ? fopen(path, "w") : stdout;
	struct wr_err err;
	int rc;

	if (!out) {
		fprintf(stderr, "warroom: %s: %s\n", path, strerror(errno));
		return EXIT_FAIL;
	}
	rc = wr_audit_export(s, out, &err);
	if (path && fclose(out) != 0 && rc == WR_OK)
		rc = wr_errf(&err, WR_EIO, "%s: %s", path, strerror(errno));
	return cmd_exit(rc, &err);
}

static int run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db = NULL, *out = NULL;
	struct wr_store s;
	int c, rc;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'd')
			db = optarg;
		else if (c == 'o')
			out = optarg;
		else
			return cmd_usage(&wr_cmd_audit);
	}
	if (optind + 1 != argc)
		return cmd_usage(&wr_cmd_audit);
	if (strcmp(argv[optind], "verify") && strcmp(argv[optind], "export"))
		return cmd_usage(&wr_cmd_audit);
	if ((rc = cmd_open_store(&s, db)) != EXIT_OK)
		return rc;
	rc = !strcmp(argv[optind], "verify") ? verify(&s) : export(&s, out);
	wr_store_close(&s);
	return rc;
}

const struct wr_cmd wr_cmd_audit = {
	"audit", "verify | export [--out FILE]  [--db PATH]",
	"check the audit trail's hash chain, or write it as NDJSON", run,
};
