/* The war-room console: a full-screen ncurses program for validators,
 * hotline staff and supervisors. Every action goes through the core
 * modules (review, unmatched, hotline, publish); the console adds no rule
 * of its own. */
#ifndef WARROOM_CONSOLE_H
#define WARROOM_CONSOLE_H

#include "warroom/err.h"

struct wr_console_opts {
	const char *db;        /* the store; wr_store_default_path when NULL */
	const char *user;      /* prefills the sign-in screen, may be NULL */
	/* Headless runs (tests, benchmarks): the screen is drawn with newterm
	 * onto /dev/null at rows x cols and keys come from script, a list of
	 * tokens separated by white space: a character, <Enter> <Tab> <BTab>
	 * <Esc> <Up> <Down> <PgUp> <PgDn> <Home> <End> <BS> <Space> <C-l>, "text:ABC"
	 * for each character of ABC (<Space> in it types a blank), <tick> for one timer tick, <dump> to
	 * append the screen to dump, <resize:COLSxROWS>. The run ends when
	 * the script does. NULL script: the real terminal. */
	const char *script;
	const char *dump;
	int rows, cols;
};

/* Runs until the user quits, the script ends, or SIGHUP/SIGTERM/SIGINT
 * arrives; in every case the terminal is restored and the user's claims
 * are given back. WR_EIO when the terminal cannot be used. */
int wr_console_run(const struct wr_console_opts *o, struct wr_err *err);

#endif
