/* The one durable store: a SQLite file shared by every warroom process.
 * Opening it applies pending migrations, so any command can be the first
 * to touch a new file. */
#ifndef WARROOM_STORE_H
#define WARROOM_STORE_H

#include <sqlite3.h>
#include <stddef.h>

#include "warroom/err.h"

struct wr_migration {
	int version;
	const char *name;
	const char *sql;
};

extern const struct wr_migration wr_migrations[];
extern const size_t wr_migrations_count;

struct wr_store {
	sqlite3 *db;
	char *path;
};

/* $WARROOM_DB, else ./warroom.db. The string is static or the environment's. */
const char *wr_store_default_path(const char *given);

/* Opens (creating if needed) and migrates. On error nothing is left open. */
int wr_store_open(struct wr_store *s, const char *path, struct wr_err *err);
/* The same; with create 0 a missing file is an error naming `warroom init`,
 * so a mistyped --db never makes an empty store that reports "0 of 0". */
int wr_store_open_mode(struct wr_store *s, const char *path, int create,
                       struct wr_err *err);

/* Runs SQL without results; err names the store and the statement. */
int wr_store_exec(struct wr_store *s, const char *sql, struct wr_err *err);
void wr_store_close(struct wr_store *s);

/* Short write transactions: BEGIN IMMEDIATE takes the write lock up front so
 * a busy store waits in busy_timeout rather than failing half way. */
int wr_store_begin(struct wr_store *s, struct wr_err *err);
int wr_store_commit(struct wr_store *s, struct wr_err *err);
void wr_store_rollback(struct wr_store *s);
/* Ends the open transaction by rc: commits when WR_OK, else rolls back.
 * Returns rc, or the commit's failure. */
int wr_store_finish(struct wr_store *s, int rc, struct wr_err *err);

/* Highest migration applied to the open store, -1 when it cannot be read. */
int wr_store_version(struct wr_store *s);

/* SQLite's PRAGMA data_version: changes when another connection commits,
 * so a console polls it cheaply and reloads only then. -1 on failure. */
long long wr_store_data_version(struct wr_store *s);

/* Prepares sql or fills err with the statement and SQLite's message. */
int wr_store_prepare(struct wr_store *s, sqlite3_stmt **st, const char *sql,
                     struct wr_err *err);

/* Column col of the current row as text into dst (n bytes): "" for NULL;
 * a text longer than dst is cut between characters, never inside one, so
 * what is shown or published stays valid UTF-8. */
void wr_store_text(sqlite3_stmt *st, int col, char *dst, size_t n);

/* Reads one result row into row (zeroed, of the size given to
 * wr_store_rows). */
typedef void (*wr_row_fn)(sqlite3_stmt *st, void *row);

/* Steps st to its end, reading each row with fn into a growing array of
 * rows of size bytes, and finalizes st. On success *rows (NULL when
 * empty) holds *n rows the caller frees with free(); on failure nothing
 * is left allocated and err says what we were doing. */
int wr_store_rows(struct wr_store *s, sqlite3_stmt *st, size_t size, wr_row_fn fn,
                  void **rows, size_t *n, const char *doing, struct wr_err *err);

/* Fills err from the connection's last error, prefixed by what we were doing. */
int wr_store_fail(struct wr_store *s, struct wr_err *err, const char *doing);

#endif
