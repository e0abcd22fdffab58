#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/alloc.h"
#include "warroom/store.h"
#include "warroom/utf8.h"
#include "warroom/timefmt.h"

#define BUSY_TIMEOUT_MS 10000

const char *wr_store_default_path(const char *given)
{
	const char *env;

	if (given && *given)
		return given;
	env = getenv("WARROOM_DB");
	return env && *env ? env : "warroom.db";
}

int wr_store_fail(struct wr_store *s, struct wr_err *err, const char *doing)
{
	return wr_errf(err, WR_ESTORE, "store %s: %s: %s", s->path ? s->path : "?",
	               doing, s->db ? sqlite3_errmsg(s->db) : "not open");
}

int wr_store_prepare(struct wr_store *s, sqlite3_stmt **st, const char *sql,
                     struct wr_err *err)
{
	if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK)
		return wr_store_fail(s, err, "preparing a statement");
	return WR_OK;
}

int wr_store_exec(struct wr_store *s, const char *sql, struct wr_err *err)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return WR_OK;
	wr_errf(err, WR_ESTORE, "store %s: %s (while running: %.80s)", s->path,
	        msg ? msg : sqlite3_errmsg(s->db), sql);
	sqlite3_free(msg);
	return WR_ESTORE;
}

int wr_store_begin(struct wr_store *s, struct wr_err *err)
{
	return wr_store_exec(s, "BEGIN IMMEDIATE", err);
}

int wr_store_commit(struct wr_store *s, struct wr_err *err)
{
	return wr_store_exec(s, "COMMIT", err);
}

void wr_store_rollback(struct wr_store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

int wr_store_finish(struct wr_store *s, int rc, struct wr_err *err)
{
	if (rc == WR_OK)
		rc = wr_store_commit(s, err);
	if (rc != WR_OK)
		wr_store_rollback(s);
	return rc;
}

long long wr_store_data_version(struct wr_store *s)
{
	sqlite3_stmt *st;
	long long v = -1;

	if (sqlite3_prepare_v2(s->db, "PRAGMA data_version", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

int wr_store_version(struct wr_store *s)
{
	sqlite3_stmt *st;
	int v = -1;

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int record_migration(struct wr_store *s, const struct wr_migration *m,
                            struct wr_err *err)
{
	sqlite3_stmt *st;
	char now[32], pragma[48];
	int rc;

	wr_time_format_utc(wr_time_now(), now);
	if (wr_store_prepare(s, &st, "INSERT INTO schema_migrations VALUES (?1, ?2, ?3)",
	                     err))
		return WR_ESTORE;
	sqlite3_bind_int(st, 1, m->version);
	sqlite3_bind_text(st, 2, m->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return wr_store_fail(s, err, "recording a migration");
	snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", m->version);
	return wr_store_exec(s, pragma, err);
}

static int apply(struct wr_store *s, int have, struct wr_err *err)
{
	for (size_t i = 0; i < wr_migrations_count; i++) {
		const struct wr_migration *m = &wr_migrations[i];

		if (m->version > have && (wr_store_exec(s, m->sql, err) != WR_OK ||
		                          record_migration(s, m, err) != WR_OK))
			return WR_ESTORE;
	}
	return WR_OK;
}

/* The version is read without a lock first, so opening an up-to-date store
 * never waits for a writer; only a store that is behind takes the write
 * lock, and reads the version again under it, so exactly one of several
 * processes applies each migration. */
static int migrate(struct wr_store *s, struct wr_err *err)
{
	int have = wr_store_version(s), latest = wr_migrations[wr_migrations_count - 1].version;

	if (have < 0)
		return wr_store_fail(s, err, "reading the schema version");
	if (have == latest)
		return WR_OK;
	if (wr_store_begin(s, err) != WR_OK)
		return WR_ESTORE;
	have = wr_store_version(s);
	if (have > latest) {
		wr_store_rollback(s);
		return wr_errf(err, WR_ESTORE,
		               "store %s has schema version %d, newer than this "
		               "warroom knows (%d); use a newer warroom", s->path,
		               have, latest);
	}
	if (have < 0 || apply(s, have, err) != WR_OK) {
		wr_store_rollback(s);
		return have < 0 ? wr_store_fail(s, err, "reading the schema version") : WR_ESTORE;
	}
	return wr_store_commit(s, err);
}

static int configure(struct wr_store *s, struct wr_err *err)
{
	sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
	/* WAL lets six consoles read while intake writes; NORMAL sync is
	 * durable against a killed process, which is the crash we design for. */
	return wr_store_exec(s, "PRAGMA journal_mode = WAL;"
	               "PRAGMA synchronous = NORMAL;"
	               "PRAGMA foreign_keys = ON;"
	               "PRAGMA cache_size = -32768;", err);
}

int wr_store_open_mode(struct wr_store *s, const char *path, int create,
                       struct wr_err *err)
{
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
	            (create ? SQLITE_OPEN_CREATE : 0);

	memset(s, 0, sizeof *s);
	s->path = wr_xstrdup(path);
	if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
		if (!create)
			wr_errf(err, WR_ESTORE, "no store at %s: create it with `warroom init "
			        "--db %s --fixtures DIR`", path, path);
		else
			wr_store_fail(s, err, "opening");
		wr_store_close(s);
		return WR_ESTORE;
	}
	sqlite3_extended_result_codes(s->db, 1);
	if (configure(s, err) != WR_OK || migrate(s, err) != WR_OK) {
		wr_store_close(s);
		return WR_ESTORE;
	}
	return WR_OK;
}

int wr_store_open(struct wr_store *s, const char *path, struct wr_err *err)
{
	return wr_store_open_mode(s, path, 1, err);
}

void wr_store_close(struct wr_store *s)
{
	if (s->db)
		sqlite3_close(s->db);
	free(s->path);
	memset(s, 0, sizeof *s);
}

void wr_store_text(sqlite3_stmt *st, int col, char *dst, size_t n)
{
	const char *t = (const char *)sqlite3_column_text(st, col);

	t = t ? t : "";
	snprintf(dst, n, "%.*s", wr_utf8_prefix(t, n - 1), t);
}

int wr_store_rows(struct wr_store *s, sqlite3_stmt *st, size_t size, wr_row_fn fn,
                  void **rows, size_t *n, const char *doing, struct wr_err *err)
{
	size_t cap = 0;
	int rc;

	*rows = NULL;
	*n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap)
			*rows = wr_xrealloc(*rows, (cap = cap ? 2 * cap : 16) * size);
		memset((char *)*rows + *n * size, 0, size);
		fn(st, (char *)*rows + (*n)++ * size);
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return WR_OK;
	free(*rows);
	*rows = NULL;
	*n = 0;
	return wr_store_fail(s, err, doing);
}
