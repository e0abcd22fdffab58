#include <stdio.h>

#include "cmd.h"

int cmd_usage(const struct wr_cmd *c)
{
	fprintf(stderr, "usage: warroom %s %s\n", c->name, c->args);
	return EXIT_USAGE;
}

int cmd_open_store(struct wr_store *s, const char *db)
{
	struct wr_err err;

	if (wr_store_open(s, wr_store_default_path(db), &err) != WR_OK) {
		fprintf(stderr, "warroom: %s\n", err.msg);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}
