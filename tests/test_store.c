/* The store is shared by every warroom process on caucus night: it must
 * migrate exactly once, refuse a schema it does not understand rather than
 * scribble on it, and run in WAL mode with foreign keys enforced. */
#include "testutil.h"

#include "warroom/store.h"

static int latest(void)
{
	return wr_migrations[wr_migrations_count - 1].version;
}

static void test_migrations_sorted(void **state)
{
	(void)state;
	/* migrate() applies them in array order and skips versions <= have,
	 * so they must be strictly increasing from 1. */
	assert_true(wr_migrations_count >= 1);
	assert_int_equal(wr_migrations[0].version, 1);
	for (size_t i = 1; i < wr_migrations_count; i++)
		assert_true(wr_migrations[i].version > wr_migrations[i - 1].version);
}

static void test_fresh_store_migrated(void **state)
{
	struct tu_store t;

	(void)state;
	tu_open_empty(&t);
	assert_int_equal(wr_store_version(&t.s), latest());
	assert_int_equal(tu_int(&t.s, "PRAGMA user_version"), latest());
	assert_int_equal(tu_int(&t.s, "SELECT count(*) FROM schema_migrations"),
	                 (long long)wr_migrations_count);
	assert_int_equal(tu_int(&t.s, "SELECT max(version) FROM schema_migrations"),
	                 latest());
	assert_int_equal(tu_int(&t.s, "SELECT count(*) FROM schema_migrations"
	                              " WHERE name = '0001_init.sql' AND version = 1"
	                              " AND applied_at LIKE '____-__-__T__:__:__Z'"), 1);
	/* The tables the other modules rely on exist and are empty. */
	assert_int_equal(tu_int(&t.s, "SELECT count(*) FROM submissions"), 0);
	assert_int_equal(tu_int(&t.s, "SELECT count(*) FROM quarantine"), 0);
	assert_string_equal(t.s.path, t.path);
	tu_close(&t);
}

static void test_reopen_does_not_reapply(void **state)
{
	struct tu_store t;
	struct wr_err err;
	long long applied;

	(void)state;
	tu_open_empty(&t);
	/* A marker row proves the second open did not recreate anything. */
	assert_int_equal(sqlite3_exec(t.s.db, "INSERT INTO counties VALUES ('19001',"
	                              " 'Adair', 'adair', 'ADAIR', 1, 1, 0, 0, 10)",
	                              NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(t.s.db, "UPDATE schema_migrations SET applied_at ="
	                              " 'marker'", NULL, NULL, NULL), SQLITE_OK);
	wr_store_close(&t.s);
	assert_null(t.s.db);

	if (wr_store_open(&t.s, t.path, &err) != WR_OK)
		fail_msg("reopen: %s", err.msg);
	applied = tu_int(&t.s, "SELECT count(*) FROM schema_migrations");
	assert_int_equal(applied, (long long)wr_migrations_count);
	assert_int_equal(tu_int(&t.s, "SELECT count(*) FROM schema_migrations"
	                              " WHERE applied_at <> 'marker'"), 0);
	assert_int_equal(tu_int(&t.s, "SELECT count(*) FROM counties"), 1);
	assert_int_equal(wr_store_version(&t.s), latest());
	tu_close(&t);
}

static void test_two_connections(void **state)
{
	struct tu_store t;
	struct wr_store second;
	struct wr_err err;

	(void)state;
	/* Six consoles open the same file; a second open of a migrated store
	 * succeeds and sees the first one's commits. */
	tu_open_empty(&t);
	if (wr_store_open(&second, t.path, &err) != WR_OK)
		fail_msg("second open: %s", err.msg);
	assert_int_equal(sqlite3_exec(t.s.db, "INSERT INTO counties VALUES ('19001',"
	                              " 'Adair', 'adair', 'ADAIR', 1, 1, 0, 0, 10)",
	                              NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(tu_int(&second, "SELECT count(*) FROM counties"), 1);
	/* data_version moves when the other connection commits, not for our own */
	long long v = wr_store_data_version(&second);
	assert_true(v >= 0);
	assert_int_equal(sqlite3_exec(second.db, "UPDATE counties SET name = 'A'", NULL, NULL,
	                              NULL), SQLITE_OK);
	assert_true(wr_store_data_version(&second) == v);
	assert_int_equal(sqlite3_exec(t.s.db, "UPDATE counties SET name = 'B'", NULL, NULL,
	                              NULL), SQLITE_OK);
	assert_true(wr_store_data_version(&second) != v);
	assert_int_equal(tu_int(&second, "SELECT count(*) FROM schema_migrations"),
	                 (long long)wr_migrations_count);
	wr_store_close(&second);
	tu_close(&t);
}

static void test_newer_schema_refused(void **state)
{
	struct tu_store t;
	struct wr_err err;
	char sql[64], want[96];
	sqlite3 *raw;
	sqlite3_stmt *st;

	(void)state;
	tu_open_empty(&t);
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", latest() + 1);
	assert_int_equal(sqlite3_exec(t.s.db, sql, NULL, NULL, NULL), SQLITE_OK);
	wr_store_close(&t.s);

	wr_err_clear(&err);
	assert_int_equal(wr_store_open(&t.s, t.path, &err), WR_ESTORE);
	/* Nothing is left open, and the message says what to do. */
	assert_null(t.s.db);
	assert_null(t.s.path);
	snprintf(want, sizeof want, "has schema version %d, newer than this warroom knows (%d)",
	         latest() + 1, latest());
	if (!strstr(err.msg, want) || !strstr(err.msg, t.path) ||
	    !strstr(err.msg, "use a newer warroom"))
		fail_msg("unclear message: %s", err.msg);

	/* The refused store is not touched: still the newer version, and no
	 * migration row was added. */
	assert_int_equal(sqlite3_open(t.path, &raw), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(raw, "PRAGMA user_version", -1, &st, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), latest() + 1);
	sqlite3_finalize(st);
	assert_int_equal(sqlite3_prepare_v2(raw, "SELECT count(*) FROM schema_migrations",
	                                    -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), (int)wr_migrations_count);
	sqlite3_finalize(st);
	sqlite3_close(raw);

	/* The refused open left t.s zeroed, which tu_close copes with. */
	tu_close(&t);
}

static void test_pragmas(void **state)
{
	struct tu_store t;
	sqlite3_stmt *st;

	(void)state;
	tu_open_empty(&t);
	/* WAL lets consoles read while intake writes. */
	assert_int_equal(sqlite3_prepare_v2(t.s.db, "PRAGMA journal_mode", -1, &st, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	assert_int_equal(tu_int(&t.s, "PRAGMA foreign_keys"), 1);
	/* A busy store waits instead of failing at once. */
	assert_true(tu_int(&t.s, "PRAGMA busy_timeout") >= 1000);
	tu_close(&t);
}

static void test_foreign_keys_enforced(void **state)
{
	struct tu_store t;

	(void)state;
	tu_open_empty(&t);
	/* A precinct in a county that does not exist is refused. */
	assert_int_not_equal(sqlite3_exec(t.s.db, "INSERT INTO precincts (code, county_fips,"
	                                  " name, norm_name, registered_rep) VALUES"
	                                  " ('x', '99999', 'X', 'x', 1)", NULL, NULL, NULL),
	                     SQLITE_OK);
	assert_int_equal(tu_int(&t.s, "SELECT count(*) FROM precincts"), 0);
	tu_close(&t);
}

static void test_transactions(void **state)
{
	struct tu_store t;
	struct wr_err err;

	(void)state;
	tu_open_empty(&t);
	assert_int_equal(wr_store_begin(&t.s, &err), WR_OK);
	assert_int_equal(sqlite3_exec(t.s.db, "INSERT INTO counties VALUES ('19001',"
	                              " 'Adair', 'adair', 'ADAIR', 1, 1, 0, 0, 10)",
	                              NULL, NULL, NULL), SQLITE_OK);
	wr_store_rollback(&t.s);
	assert_int_equal(tu_int(&t.s, "SELECT count(*) FROM counties"), 0);
	/* Rollback outside a transaction is harmless. */
	wr_store_rollback(&t.s);

	assert_int_equal(wr_store_begin(&t.s, &err), WR_OK);
	/* Nested BEGIN is a programming error and must say so. */
	assert_int_equal(wr_store_begin(&t.s, &err), WR_ESTORE);
	assert_non_null(strstr(err.msg, "BEGIN IMMEDIATE"));
	assert_int_equal(sqlite3_exec(t.s.db, "INSERT INTO counties VALUES ('19001',"
	                              " 'Adair', 'adair', 'ADAIR', 1, 1, 0, 0, 10)",
	                              NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(wr_store_commit(&t.s, &err), WR_OK);
	assert_int_equal(tu_int(&t.s, "SELECT count(*) FROM counties"), 1);
	assert_int_equal(wr_store_commit(&t.s, &err), WR_ESTORE);
	assert_non_null(strstr(err.msg, t.path));
	tu_close(&t);
}

static void test_write_lock_is_exclusive(void **state)
{
	struct tu_store t;
	struct wr_store other;
	struct wr_err err;

	(void)state;
	tu_open_empty(&t);
	if (wr_store_open(&other, t.path, &err) != WR_OK)
		fail_msg("second open: %s", err.msg);
	/* With no patience, a second writer fails cleanly rather than
	 * interleaving; the message names the store. */
	sqlite3_busy_timeout(other.db, 0);
	assert_int_equal(wr_store_begin(&t.s, &err), WR_OK);
	assert_int_equal(wr_store_begin(&other, &err), WR_ESTORE);
	assert_non_null(strstr(err.msg, "locked"));
	assert_non_null(strstr(err.msg, t.path));
	assert_int_equal(wr_store_commit(&t.s, &err), WR_OK);
	assert_int_equal(wr_store_begin(&other, &err), WR_OK);
	assert_int_equal(wr_store_commit(&other, &err), WR_OK);
	wr_store_close(&other);
	tu_close(&t);
}

static void test_open_failures(void **state)
{
	struct wr_store s;
	struct wr_err err;
	char dir[64], path[96];
	FILE *f;

	(void)state;
	assert_int_equal(wr_store_open(&s, "/nonexistent/dir/x.db", &err), WR_ESTORE);
	assert_null(s.db);
	assert_null(s.path);
	assert_non_null(strstr(err.msg, "/nonexistent/dir/x.db"));

	/* A file that is not a database is refused, not overwritten. */
	snprintf(dir, sizeof dir, "/tmp/wrstore.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/notes.db", dir);
	f = fopen(path, "wb");
	assert_non_null(f);
	for (int i = 0; i < 200; i++)
		fputs("these are caucus notes, not a database\n", f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(wr_store_open(&s, path, &err), WR_ESTORE);
	assert_null(s.db);
	assert_non_null(strstr(err.msg, path));
	assert_non_null(strstr(err.msg, "not a database"));
	f = fopen(path, "rb");
	assert_non_null(f);
	{
		char line[64];

		assert_non_null(fgets(line, sizeof line, f));
		assert_string_equal(line, "these are caucus notes, not a database\n");
	}
	fclose(f);
	unlink(path);
	rmdir(dir);
}

static void test_prepare_and_fail(void **state)
{
	struct tu_store t;
	struct wr_err err;
	sqlite3_stmt *st = NULL;

	(void)state;
	tu_open_empty(&t);
	assert_int_equal(wr_store_prepare(&t.s, &st, "SELECT nope FROM nowhere", &err),
	                 WR_ESTORE);
	assert_non_null(strstr(err.msg, "preparing a statement"));
	assert_non_null(strstr(err.msg, "nowhere"));
	assert_non_null(strstr(err.msg, t.path));
	assert_int_equal(wr_store_prepare(&t.s, &st, "SELECT 1", &err), WR_OK);
	assert_non_null(st);
	sqlite3_finalize(st);
	assert_int_equal(wr_store_fail(&t.s, &err, "doing a thing"), WR_ESTORE);
	assert_non_null(strstr(err.msg, "doing a thing"));
	tu_close(&t);
}

static void test_default_path(void **state)
{
	(void)state;
	assert_int_equal(unsetenv("WARROOM_DB"), 0);
	assert_string_equal(wr_store_default_path(NULL), "warroom.db");
	assert_string_equal(wr_store_default_path(""), "warroom.db");
	assert_string_equal(wr_store_default_path("x.db"), "x.db");
	assert_int_equal(setenv("WARROOM_DB", "/tmp/night.db", 1), 0);
	assert_string_equal(wr_store_default_path(NULL), "/tmp/night.db");
	/* An explicit --db beats the environment. */
	assert_string_equal(wr_store_default_path("x.db"), "x.db");
	assert_int_equal(setenv("WARROOM_DB", "", 1), 0);
	assert_string_equal(wr_store_default_path(NULL), "warroom.db");
	assert_int_equal(unsetenv("WARROOM_DB"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_migrations_sorted),
		cmocka_unit_test(test_fresh_store_migrated),
		cmocka_unit_test(test_reopen_does_not_reapply),
		cmocka_unit_test(test_two_connections),
		cmocka_unit_test(test_newer_schema_refused),
		cmocka_unit_test(test_pragmas),
		cmocka_unit_test(test_foreign_keys_enforced),
		cmocka_unit_test(test_transactions),
		cmocka_unit_test(test_write_lock_is_exclusive),
		cmocka_unit_test(test_open_failures),
		cmocka_unit_test(test_prepare_and_fail),
		cmocka_unit_test(test_default_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
