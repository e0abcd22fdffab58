#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cmd.h"
#include "warroom/target.h"

int cmd_usage(const struct wr_cmd *c)
{
	fprintf(stderr, "usage: warroom %s %s\n", c->name, c->args);
	return EXIT_USAGE;
}

int cmd_open_store(struct wr_store *s, const char *db)
{
	return cmd_open_store_mode(s, db, 0);
}

int cmd_open_store_mode(struct wr_store *s, const char *db, int create)
{
	struct wr_err err;

	if (wr_store_open_mode(s, wr_store_default_path(db), create, &err) != WR_OK) {
		fprintf(stderr, "warroom: %s\n", err.msg);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

int cmd_exit(int rc, const struct wr_err *err)
{
	if (rc == WR_OK)
		return EXIT_OK;
	fprintf(stderr, "warroom: %s\n", err->msg);
	switch (rc) {
	case WR_EPERM:
	case WR_ECONFLICT: return EXIT_NOT_ALLOWED;
	case WR_ECLAIMED: return EXIT_CLAIMED;
	case WR_ENOTFOUND: return EXIT_NOT_FOUND;
	case WR_EAUTH: return EXIT_AUTH;
	case WR_EINVAL: return EXIT_USAGE;
	default: return EXIT_FAIL;
	}
}

static int read_line(FILE *in, char *buf, size_t n)
{
	size_t len;

	if (!fgets(buf, (int)n, in))
		return -1;
	len = strcspn(buf, "\r\n");
	buf[len] = '\0';
	return 0;
}

static int read_noecho(const char *prompt, char *buf, size_t n)
{
	struct termios old, quiet;
	int rc;

	fprintf(stderr, "%s", prompt);
	if (tcgetattr(STDIN_FILENO, &old) != 0)
		return -1;
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	rc = read_line(stdin, buf, n);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	fputc('\n', stderr);
	return rc;
}

int cmd_read_pin(const char *prompt, int confirm, char *buf, size_t n)
{
	const char *env = getenv("WARROOM_PIN");
	char again[256];

	if (env && *env) {
		snprintf(buf, n, "%s", env);
		return 0;
	}
	if (!isatty(STDIN_FILENO))
		return read_line(stdin, buf, n);
	if (read_noecho(prompt, buf, n) != 0)
		return -1;
	if (!confirm)
		return 0;
	if (read_noecho("again: ", again, sizeof again) != 0 || strcmp(buf, again) != 0) {
		fprintf(stderr, "warroom: the two PINs differ\n");
		return -1;
	}
	return 0;
}

const char *cmd_local_actor(void)
{
	static char actor[64];
	const char *who = getenv("USER");

	snprintf(actor, sizeof actor, "local:%s", who && *who ? who : "unknown");
	return actor;
}

int cmd_db_json(int argc, char **argv, const struct wr_cmd *cmd, const char **db,
                int *json)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*db = NULL;
	*json = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'd')
			*db = optarg;
		else if (c == 'j')
			*json = 1;
		else
			return -cmd_usage(cmd);
	}
	return optind;
}

int cmd_push_target(const char *db, const char *to, char *out, size_t n)
{
	struct wr_err err;

	if (wr_target_default(wr_store_default_path(db), to, out, n, &err) != WR_OK) {
		fprintf(stderr, "warroom: %s\n", err.msg);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

static volatile sig_atomic_t stop_asked;

static void on_stop(int sig)
{
	(void)sig;
	stop_asked = 1;
}

/* No SA_RESTART: a signal cuts a sleep short and the loop sees the flag. */
volatile sig_atomic_t *cmd_catch_stop(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* libcurl is told not to use signals, so a peer that closes mid-transfer
	 * must not kill a long-running loop. */
	signal(SIGPIPE, SIG_IGN);
	return &stop_asked;
}

int cmd_number(const char *text, double lo, double hi, double *out)
{
	char *end;

	*out = strtod(text, &end);
	return end == text || *end || !(*out >= lo && *out <= hi) ? -1 : 0;
}

int cmd_count(const char *text, long lo, long hi, long *out)
{
	char *end;

	*out = strtol(text, &end, 10);
	return end == text || *end || *out < lo || *out > hi ? -1 : 0;
}
