#include <stdio.h>

#include "cmd.h"
#include "warroom/detail.h"

static void print_text(json_t *flags)
{
	size_t i;
	json_t *f;

	if (json_array_size(flags) == 0)
		puts("no open flags");
	json_array_foreach(flags, i, f)
		printf("%-4s %-20s %-12s %-20s %s%s\n",
		       json_string_value(json_object_get(f, "severity")),
		       json_string_value(json_object_get(f, "rule")),
		       json_string_value(json_object_get(f, "precinct")) ?: "-",
		       json_string_value(json_object_get(f, "submission_id")),
		       wr_detail_flag_note(f), json_string_value(json_object_get(f, "message")));
}

static int run(int argc, char **argv)
{
	const char *db;
	struct wr_store s;
	struct wr_err err;
	json_t *flags;
	int json, rc, first;

	if ((first = cmd_db_json(argc, argv, &wr_cmd_flags, &db, &json)) < 0)
		return -first;
	if (first != argc)
		return cmd_usage(&wr_cmd_flags);
	if ((rc = cmd_open_store(&s, db)) != EXIT_OK)
		return rc;
	rc = wr_detail_flags(&s, &flags, &err);
	wr_store_close(&s);
	if (rc != WR_OK)
		return cmd_exit(rc, &err);
	if (json) {
		json_dumpf(flags, stdout, JSON_INDENT(2));
		putchar('\n');
	} else {
		print_text(flags);
	}
	json_decref(flags);
	return EXIT_OK;
}

const struct wr_cmd wr_cmd_flags = {
	"flags", "[--db PATH] [--json]",
	"list the open flags of tallies waiting for review, and second looks at "
	"approved ones not yet called back, worst first", run,
};
