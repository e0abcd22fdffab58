/* One subcommand per file, each exporting one table entry (tmux's cmd-*.c
 * habit); main.c dispatches from the table. */
#ifndef WARROOM_CMD_H
#define WARROOM_CMD_H

#include <signal.h>

#include "warroom/store.h"

/* Exit codes scripts can tell apart. */
enum {
	EXIT_OK = 0,
	EXIT_USAGE = 1,
	EXIT_FAIL = 2,       /* the store or an input could not be read or written */
	EXIT_NOT_ALLOWED = 3,
	EXIT_CLAIMED = 4,
	EXIT_NOT_FOUND = 5,
	EXIT_AUTH = 6,       /* wrong PIN, unknown or disabled user, locked */
};

struct wr_cmd {
	const char *name;
	const char *args;
	const char *summary;
	int (*run)(int argc, char **argv);
};

extern const struct wr_cmd wr_cmd_init;
extern const struct wr_cmd wr_cmd_ingest;
extern const struct wr_cmd wr_cmd_status;
extern const struct wr_cmd wr_cmd_user;
extern const struct wr_cmd wr_cmd_review;
extern const struct wr_cmd wr_cmd_audit;
extern const struct wr_cmd wr_cmd_resolve;
extern const struct wr_cmd wr_cmd_flags;
extern const struct wr_cmd wr_cmd_show;
extern const struct wr_cmd wr_cmd_simulate;
extern const struct wr_cmd wr_cmd_evaluate;
extern const struct wr_cmd wr_cmd_publish;
extern const struct wr_cmd wr_cmd_push;
extern const struct wr_cmd wr_cmd_console;
extern const struct wr_cmd wr_cmd_pull;
extern const struct wr_cmd wr_cmd_demo;

/* Prints "usage: warroom NAME ARGS" to stderr and returns EXIT_USAGE. */
int cmd_usage(const struct wr_cmd *c);

/* Parses --db PATH and --json, the options most commands share. Returns
 * the index of the first operand, or a negative number after printing the
 * command's usage. */
int cmd_db_json(int argc, char **argv, const struct wr_cmd *cmd, const char **db,
                int *json);

/* The exit code for a core function's result, after printing its message. */
int cmd_exit(int rc, const struct wr_err *err);

/* Reads a PIN: $WARROOM_PIN, else from the terminal without echo (asking
 * twice when confirm), else one line of standard input. */
int cmd_read_pin(const char *prompt, int confirm, char *buf, size_t n);

/* Who runs a local administrative command, for the audit trail. */
const char *cmd_local_actor(void);

/* Opens the existing store at --db (or the default), printing why not on
 * failure; only `init` creates one (cmd_open_store_mode with create 1). */
int cmd_open_store(struct wr_store *s, const char *db);
int cmd_open_store_mode(struct wr_store *s, const char *db, int create);

/* The push target: --to, else $WARROOM_PUSH_TO, else file:// public/
 * beside the store, so every process of one night agrees on it. */
int cmd_push_target(const char *db, const char *to, char *out, size_t n);

/* An option's number: 0 when text is one, whole, within lo..hi, else -1. */
int cmd_number(const char *text, double lo, double hi, double *out);
int cmd_count(const char *text, long lo, long hi, long *out);

/* Makes SIGTERM, SIGINT and SIGHUP set the returned flag, which the
 * following loops (push, pull, a spool) check between steps and sleeps,
 * and ignores SIGPIPE. */
volatile sig_atomic_t *cmd_catch_stop(void);

#endif
