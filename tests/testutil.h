/* Shared by the cmocka tests: a fresh store in a private temp directory,
 * loaded with the small fixture set in tests/data/mini. Tests run from the
 * repository root (tests/run.sh sees to that). */
#ifndef WARROOM_TESTUTIL_H
#define WARROOM_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "warroom/fixtures.h"
#include "warroom/store.h"

#define TU_MINI "tests/data/mini"

struct tu_store {
	char dir[64];
	char path[96];
	struct wr_store s;
};

/* Opens an empty store in a new temp directory. */
static inline void tu_open_empty(struct tu_store *t)
{
	struct wr_err err;

	snprintf(t->dir, sizeof t->dir, "/tmp/wrtest.XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->path, sizeof t->path, "%s/test.db", t->dir);
	if (wr_store_open(&t->s, t->path, &err) != WR_OK)
		fail_msg("store: %s", err.msg);
}

/* Opens a store loaded with tests/data/mini. */
static inline void tu_open(struct tu_store *t)
{
	struct wr_fixture_counts n;
	struct wr_err err;

	tu_open_empty(t);
	if (wr_fixtures_load(&t->s, TU_MINI, &n, &err) != WR_OK)
		fail_msg("fixtures: %s", err.msg);
}

static inline void tu_close(struct tu_store *t)
{
	char cmd[128];

	wr_store_close(&t->s);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", t->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", t->dir);
}

/* First column of the first row of sql, as an integer (-1 when no row). */
static inline long long tu_int(struct wr_store *s, const char *sql)
{
	sqlite3_stmt *st;
	long long v = -1;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("sql: %s: %s", sql, sqlite3_errmsg(s->db));
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* First column of the first row of sql as text into out ("" when none). */
static inline void tu_text(struct wr_store *s, const char *sql, char *out, size_t n)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("sql: %s: %s", sql, sqlite3_errmsg(s->db));
	out[0] = '\0';
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(out, n, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

#endif
