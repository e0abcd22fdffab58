/* One subcommand per file, each exporting one table entry (tmux's cmd-*.c
 * habit); main.c dispatches from the table. */
#ifndef WARROOM_CMD_H
#define WARROOM_CMD_H

#include "warroom/store.h"

enum { EXIT_OK = 0, EXIT_USAGE = 1, EXIT_FAIL = 2 };

struct wr_cmd {
	const char *name;
	const char *args;
	const char *summary;
	int (*run)(int argc, char **argv);
};

extern const struct wr_cmd wr_cmd_init;
extern const struct wr_cmd wr_cmd_ingest;
extern const struct wr_cmd wr_cmd_status;

/* Prints "usage: warroom NAME ARGS" to stderr and returns EXIT_USAGE. */
int cmd_usage(const struct wr_cmd *c);

/* Opens the store at --db (or the default), printing why not on failure. */
int cmd_open_store(struct wr_store *s, const char *db);

#endif
