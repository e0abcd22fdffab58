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

#include "warroom/audit.h"
#include "warroom/auth.h"
#include "warroom/fixtures.h"
#include "warroom/intake.h"
#include "warroom/review.h"
#include "warroom/store.h"
#include "warroom/timefmt.h"

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

struct tu_user {
	const char *name;
	enum wr_role role;
};

/* Adds users, each with PIN 1234. */
static inline void tu_add_users(struct tu_store *t, const struct tu_user *u, size_t n)
{
	struct wr_err err;

	for (size_t i = 0; i < n; i++)
		if (wr_user_add(&t->s, "setup", u[i].name, u[i].role, "1234", &err) != WR_OK)
			fail_msg("user %s: %s", u[i].name, err.msg);
}

/* A seed store, saved once per test group and copied for each test, so
 * every test starts from the same fixtures and users without paying for
 * argon2 hashing each time. dir is a new temp directory; path the copy. */
static inline void tu_seed_save(struct tu_store *t, char dir[64], char path[128])
{
	struct wr_err err;
	char sql[256];

	snprintf(dir, 64, "/tmp/wrseed.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, 128, "%s/seed.db", dir);
	snprintf(sql, sizeof sql, "VACUUM INTO '%s'", path);
	if (wr_store_exec(&t->s, sql, &err) != WR_OK)
		fail_msg("seed: %s", err.msg);
}

static inline void tu_copy_file(const char *from, const char *to);

/* Opens a copy of the seed store at seed in a new temp directory. */
static inline void tu_open_copy(struct tu_store *t, const char *seed)
{
	struct wr_err err;

	snprintf(t->dir, sizeof t->dir, "/tmp/wrtest.XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->path, sizeof t->path, "%s/test.db", t->dir);
	tu_copy_file(seed, t->path);
	if (wr_store_open(&t->s, t->path, &err) != WR_OK)
		fail_msg("store: %s", err.msg);
}

/* A seed store of the mini fixtures and users (PIN 1234), saved once per
 * test group: see tu_seed_save. */
static inline void tu_seed_users(const struct tu_user *u, size_t n, char dir[64],
                                 char path[128])
{
	struct tu_store t;

	tu_open(&t);
	tu_add_users(&t, u, n);
	tu_seed_save(&t, dir, path);
	tu_close(&t);
}

static inline int tu_seed_remove(const char *dir)
{
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static inline void tu_copy_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	char buf[65536];
	size_t n;

	assert_non_null(in);
	assert_non_null(out);
	while ((n = fread(buf, 1, sizeof buf, in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	fclose(in);
	assert_int_equal(fclose(out), 0);
}

static inline void tu_find_user(struct wr_user *list, size_t n, const char *name,
                                struct wr_user *out)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i].name, name)) {
			*out = list[i];
			return;
		}
	fail_msg("no user %s in the seed", name);
}

/* Fills each struct wr_user * after its name as the store has the user:
 * tu_users(s, "alice", &f->alice, "bob", &f->bob, NULL). */
static inline void tu_users(struct wr_store *s, ...)
{
	struct wr_user *list;
	struct wr_err err;
	const char *name;
	size_t n;
	va_list ap;

	if (wr_user_list(s, &list, &n, &err) != WR_OK)
		fail_msg("users: %s", err.msg);
	va_start(ap, s);
	while ((name = va_arg(ap, const char *)))
		tu_find_user(list, n, name, va_arg(ap, struct wr_user *));
	va_end(ap);
	free(list);
}

/* Whatever a test did, the audit chain it left behind holds. */
static inline void tu_audit_holds(struct wr_store *s)
{
	struct wr_audit_check chk;
	struct wr_err err;

	assert_int_equal(wr_audit_verify(s, &chk, &err), WR_OK);
	if (chk.bad_id != 0)
		fail_msg("audit chain broken at %ld: %s", chk.bad_id, chk.why);
}

/* The whole of a file, NUL-terminated, its length in *len (len may be
 * NULL); NULL when it cannot be opened. free() it. */
static inline char *tu_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	if (len)
		*len = (size_t)n;
	return buf;
}

/* Sets WARROOM_NOW to t0 + secs. */
static inline void tu_clock_at(int64_t t0, int64_t secs)
{
	char text[32];

	wr_time_format_utc(t0 + secs, text);
	assert_int_equal(setenv("WARROOM_NOW", text, 1), 0);
}

/* What the review tests work at: a copy of a seeded store with review and
 * intake open on it, the clock set to now (its time in *t0 when t0 is not
 * NULL). */
static inline void tu_desk_open(struct tu_store *t, struct wr_review **r,
                                struct wr_intake **in, const char *seed, const char *now,
                                int64_t *t0)
{
	struct wr_err err;

	assert_int_equal(setenv("WARROOM_NOW", now, 1), 0);
	if (t0)
		assert_int_equal(wr_time_parse(now, t0, NULL), WR_OK);
	tu_open_copy(t, seed);
	if (wr_review_open(r, &t->s, 0, &err) != WR_OK)
		fail_msg("review: %s", err.msg);
	if (wr_intake_open(in, &t->s, NULL, &err) != WR_OK)
		fail_msg("intake: %s", err.msg);
}

static inline void tu_desk_close(struct tu_store *t, struct wr_review *r,
                                 struct wr_intake *in)
{
	struct wr_err err;

	wr_intake_close(in, &err);
	wr_review_close(r);
	tu_close(t);
}

#endif
