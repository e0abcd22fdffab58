/* Fixture loading puts the precinct list in the store. A wrong list must
 * be refused whole with file and line named and the store left exactly as
 * it was (never half loaded); a reload must update in place and keep every
 * stored tally. Broken fixture sets are copies of tests/data/mini with one
 * thing broken each. */
#include "testutil.h"

#include "warroom/contest.h"
#include "warroom/fixtures.h"

/* A private copy of tests/data/mini that a test may break. */
struct copy {
	char dir[64];
};

static void copy_mini(struct copy *c)
{
	char cmd[192];

	snprintf(c->dir, sizeof c->dir, "/tmp/wrfix.XXXXXX");
	assert_non_null(mkdtemp(c->dir));
	snprintf(cmd, sizeof cmd, "cp tests/data/mini/* '%s'/", c->dir);
	assert_int_equal(system(cmd), 0);
}

static void rm_copy(struct copy *c)
{
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", c->dir);
	assert_int_equal(system(cmd), 0);
}

static void put(struct copy *c, const char *name, const char *content)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", c->dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	fputs(content, f);
	assert_int_equal(fclose(f), 0);
}

static void drop(struct copy *c, const char *name)
{
	char path[128];

	snprintf(path, sizeof path, "%s/%s", c->dir, name);
	assert_int_equal(unlink(path), 0);
}

/* Everything fixtures touch, plus the tallies they must keep, as text.
 * Alias ids are left out: a reload replaces fixture aliases whole. */
static const char *const snapshot_sql[] = {
	"SELECT * FROM contest",
	"SELECT * FROM candidates ORDER BY position",
	"SELECT * FROM counties ORDER BY fips",
	"SELECT * FROM sites ORDER BY code",
	"SELECT * FROM precincts ORDER BY id",
	"SELECT county_fips, old_code, old_name, norm_old_name, precinct_id, origin"
	" FROM precinct_aliases ORDER BY 1, 2, 3",
	"SELECT * FROM baselines ORDER BY 1, 2, 3",
	"SELECT * FROM roster ORDER BY 1, 2",
	"SELECT id, submission_id, precinct_id, state FROM submissions ORDER BY id",
	"SELECT * FROM votes ORDER BY 1, 2",
};

/* Returns a malloc'd dump; the caller frees it. */
static char *snapshot(struct wr_store *s)
{
	size_t cap = 4096, len = 0;
	char *out = malloc(cap);

	assert_non_null(out);
	out[0] = '\0';
	for (size_t q = 0; q < sizeof snapshot_sql / sizeof snapshot_sql[0]; q++) {
		sqlite3_stmt *st;

		if (sqlite3_prepare_v2(s->db, snapshot_sql[q], -1, &st, NULL) != SQLITE_OK)
			fail_msg("%s: %s", snapshot_sql[q], sqlite3_errmsg(s->db));
		while (sqlite3_step(st) == SQLITE_ROW) {
			for (int i = 0; i < sqlite3_column_count(st); i++) {
				const char *v = (const char *)sqlite3_column_text(st, i);
				size_t need = len + (v ? strlen(v) : 4) + 3;

				if (need > cap) {
					cap = need * 2;
					out = realloc(out, cap);
					assert_non_null(out);
				}
				len += (size_t)sprintf(out + len, "%s|", v ? v : "NULL");
			}
			out[len++] = '\n';
			out[len] = '\0';
		}
		sqlite3_finalize(st);
		if (len + 2 > cap) {
			out = realloc(out, cap *= 2);
			assert_non_null(out);
		}
		out[len++] = '#';
		out[len] = '\0';
	}
	return out;
}

static long long count(struct tu_store *t, const char *table)
{
	char sql[96];

	snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
	return tu_int(&t->s, sql);
}

static void check_mini_counts(struct tu_store *t)
{
	assert_int_equal(count(t, "contest"), 1);
	assert_int_equal(count(t, "candidates"), 3);
	assert_int_equal(count(t, "counties"), 2);
	assert_int_equal(count(t, "sites"), 3);
	assert_int_equal(count(t, "precincts"), 7);
	assert_int_equal(count(t, "precinct_aliases"), 2);
	assert_int_equal(count(t, "baselines"), 8);
}

/* Loads dir into t, expecting refusal with rc, a message containing want
 * (prefixed by the copy's directory; NULL when the message is not about a
 * file), and the store unchanged. */
static void refused(struct tu_store *t, struct copy *c, int rc, const char *want)
{
	struct wr_fixture_counts n;
	struct wr_err err;
	char *before = snapshot(&t->s), *after;
	char full[256];
	int got;

	wr_err_clear(&err);
	got = wr_fixtures_load(&t->s, c->dir, &n, &err);
	after = snapshot(&t->s);
	if (got != rc) {
		free(before);
		free(after);
		fail_msg("rc %d, expected %d (%s)", got, rc, err.msg);
	}
	snprintf(full, sizeof full, "%s/%s", c->dir, want ? want : "");
	if (want && !strstr(err.msg, full)) {
		free(before);
		free(after);
		fail_msg("message lacks \"%s\": %s", full, err.msg);
	}
	if (strcmp(before, after) != 0) {
		free(before);
		free(after);
		fail_msg("store changed by a refused load (%s)", err.msg);
	}
	free(before);
	free(after);
	/* Nothing is left open: the next write transaction can start. */
	assert_int_not_equal(sqlite3_get_autocommit(t->s.db), 0);
}

struct fx {
	struct tu_store t;
	struct copy c;
};

/* Teardown runs even when a test fails, so no temp dir or store leaks. */
static int setup_loaded(void **state)
{
	struct fx *f = calloc(1, sizeof *f);

	assert_non_null(f);
	tu_open(&f->t);
	copy_mini(&f->c);
	*state = f;
	return 0;
}

static int setup_empty(void **state)
{
	struct fx *f = calloc(1, sizeof *f);

	assert_non_null(f);
	tu_open_empty(&f->t);
	copy_mini(&f->c);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	rm_copy(&f->c);
	tu_close(&f->t);
	free(f);
	return 0;
}

static void test_load_mini(void **state)
{
	struct fx *f = *state;
	struct wr_fixture_counts n;
	struct wr_err err;

	if (wr_fixtures_load(&f->t.s, TU_MINI, &n, &err) != WR_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(n.candidates, 3);
	assert_int_equal(n.counties, 2);
	assert_int_equal(n.sites, 3);
	assert_int_equal(n.precincts, 7);
	assert_int_equal(n.aliases, 2);
	assert_int_equal(n.baselines, 8);
	check_mini_counts(&f->t);

	/* The derived columns that resolution depends on. */
	assert_int_equal(tu_int(&f->t.s, "SELECT count(*) FROM counties WHERE fips = '19141'"
	                                 " AND norm_name = 'obrien' AND short_name = 'OBRIE'"
	                                 " AND registered_rep = 5100 AND tile_row = 1"), 1);
	assert_int_equal(tu_int(&f->t.s, "SELECT count(*) FROM precincts WHERE code ="
	                                 " '19153-005' AND norm_name = 'union township' AND"
	                                 " site_code = '19153-S002' AND registered_rep = 1000"),
	                 1);
	assert_int_equal(tu_int(&f->t.s, "SELECT count(*) FROM precinct_aliases a JOIN"
	                                 " precincts p ON p.id = a.precinct_id WHERE"
	                                 " a.old_code = '19153-501' AND a.norm_old_name ="
	                                 " 'des moines 45' AND p.code = '19153-001' AND"
	                                 " a.origin = 'fixture'"), 1);
	assert_int_equal(tu_int(&f->t.s, "SELECT position FROM candidates WHERE id = 'haley'"),
	                 2);
	assert_int_equal(tu_int(&f->t.s, "SELECT opens_at_s FROM contest WHERE id ="
	                                 " 'ia-gop-2024'"), 1705366800LL);
	assert_int_equal(tu_int(&f->t.s, "SELECT sum(votes) FROM baselines b JOIN precincts p"
	                                 " ON p.id = b.precinct_id WHERE p.code = '19141-001'"
	                                 " AND year = 2016"), 550);
	/* Four precincts in Hoover High make it a super site. */
	assert_int_equal(tu_int(&f->t.s, "SELECT precincts FROM super_sites WHERE code ="
	                                 " '19153-S001'"), 4);
}

static void test_reload_idempotent(void **state)
{
	struct fx *f = *state;
	struct wr_fixture_counts n;
	struct wr_err err;
	char *before, *after;

	/* A tally already stored, and an alias an operator made tonight. */
	assert_int_equal(sqlite3_exec(f->t.s.db,
	        "INSERT INTO submissions (submission_id, content_hash, source, precinct_id,"
	        " precinct_ref, resolved_by, reporter, reported_at, reported_at_s,"
	        " received_at, total, origin, line, raw) VALUES ('s1', x'00', 'app',"
	        " (SELECT id FROM precincts WHERE code = '19153-002'), '19153-002', 'code',"
	        " 'r', '2024-01-16T02:00:00Z', 1705370400, '2024-01-16T02:00:01Z', 7, 'f',"
	        " 1, x'7b7d');"
	        "INSERT INTO votes VALUES (last_insert_rowid(), 'trump', 7);"
	        "INSERT INTO precinct_aliases (county_fips, old_name, norm_old_name,"
	        " precinct_id, origin) VALUES ('19153', 'Hoover Gym', 'hoover gym',"
	        " (SELECT id FROM precincts WHERE code = '19153-003'), 'operator');",
	        NULL, NULL, NULL), SQLITE_OK);
	before = snapshot(&f->t.s);

	if (wr_fixtures_load(&f->t.s, TU_MINI, &n, &err) != WR_OK)
		fail_msg("reload: %s", err.msg);
	assert_int_equal(n.precincts, 7);
	assert_int_equal(n.aliases, 2);
	after = snapshot(&f->t.s);
	/* Same rows, same precinct ids (tallies still point at the right
	 * precinct), the tally and its votes kept, the operator alias kept. */
	assert_string_equal(before, after);
	free(before);
	free(after);
	assert_int_equal(count(&f->t, "submissions"), 1);
	assert_int_equal(tu_int(&f->t.s, "SELECT count(*) FROM precinct_aliases WHERE origin"
	                                 " = 'operator'"), 1);
	assert_int_equal(tu_int(&f->t.s, "SELECT count(*) FROM precinct_aliases WHERE origin"
	                                 " = 'fixture'"), 2);
}

static void test_reload_updates_in_place(void **state)
{
	struct fx *f = *state;
	struct wr_fixture_counts n;
	struct wr_err err;
	long long id = 0;

	id = tu_int(&f->t.s, "SELECT id FROM precincts WHERE code = '19153-003'");
	/* Corrected registration figures and a new ballot order. */
	put(&f->c, "precincts.csv",
	    "code,county_fips,name,site,registered_rep\n"
	    "19141-001,19141,Primghar 1,19141-S001,2600\n"
	    "19141-002,19141,Union Township,19141-S001,2500\n"
	    "19153-001,19153,Des Moines 3-2,19153-S001,2000\n"
	    "19153-002,19153,Des Moines 3-3,19153-S001,2000\n"
	    "19153-003,19153,Des Moines 4-1 (Hoover),19153-S001,2345\n"
	    "19153-004,19153,Des Moines 4-2,19153-S001,2000\n"
	    "19153-005,19153,Union Township,19153-S002,1000\n");
	put(&f->c, "contest.json",
	    "{\"id\": \"ia-gop-2024\", \"name\": \"2024 Iowa Republican Presidential"
	    " Caucuses\", \"state\": \"IA\", \"opens_at\": \"2024-01-15T19:00:00-06:00\","
	    " \"candidates\": [{\"id\": \"haley\", \"name\": \"Nikki Haley\"},"
	    " {\"id\": \"trump\", \"name\": \"Donald J. Trump\"},"
	    " {\"id\": \"desantis\", \"name\": \"Ron DeSantis\"}]}\n");
	if (wr_fixtures_load(&f->t.s, f->c.dir, &n, &err) != WR_OK)
		fail_msg("reload: %s", err.msg);
	check_mini_counts(&f->t);
	assert_int_equal(tu_int(&f->t.s, "SELECT id FROM precincts WHERE code = '19153-003'"),
	                 id);
	assert_int_equal(tu_int(&f->t.s, "SELECT registered_rep FROM precincts WHERE code ="
	                                 " '19153-003'"), 2345);
	assert_int_equal(tu_int(&f->t.s, "SELECT count(*) FROM precincts WHERE norm_name ="
	                                 " 'des moines 4 1 hoover'"), 1);
	/* Positions were swapped without tripping their UNIQUE constraint. */
	assert_int_equal(tu_int(&f->t.s, "SELECT position FROM candidates WHERE id = 'haley'"),
	                 0);
	assert_int_equal(tu_int(&f->t.s, "SELECT position FROM candidates WHERE id = 'trump'"),
	                 1);
	assert_int_equal(tu_int(&f->t.s, "SELECT position FROM candidates WHERE id ="
	                                 " 'desantis'"), 2);
}

static void test_reload_dropped_candidate(void **state)
{
	struct fx *f = *state;
	struct wr_fixture_counts n;
	struct wr_contest con;
	struct wr_err err;
	char *before = snapshot(&f->t.s), *after;
	int rc;

	/* A candidate withdrew and the party sends a contest.json without
	 * her. Either the reload is refused (store unchanged) or the stored
	 * contest is exactly the file's: never the old candidate parked at a
	 * negative position, read back first and still required in every
	 * tally. */
	put(&f->c, "contest.json",
	    "{\"id\": \"ia-gop-2024\", \"name\": \"2024 Iowa Republican Presidential"
	    " Caucuses\", \"state\": \"IA\", \"opens_at\": \"2024-01-15T19:00:00-06:00\","
	    " \"candidates\": [{\"id\": \"trump\", \"name\": \"Donald J. Trump\"},"
	    " {\"id\": \"haley\", \"name\": \"Nikki Haley\"}]}\n");
	rc = wr_fixtures_load(&f->t.s, f->c.dir, &n, &err);
	after = snapshot(&f->t.s);
	if (rc != WR_OK) {
		int same = strcmp(before, after) == 0;

		free(before);
		free(after);
		assert_true(same);
		return;
	}
	free(before);
	free(after);
	if (wr_contest_load(&f->t.s, &con, &err) != WR_OK)
		fail_msg("%s", err.msg);
	if (con.ncand != 2 || strcmp(con.cand[0].id, "trump") != 0 ||
	    strcmp(con.cand[1].id, "haley") != 0)
		fail_msg("file has trump,haley; store reads back %zu: %s,%s,%s", con.ncand,
		         con.cand[0].id, con.cand[1].id, con.ncand > 2 ? con.cand[2].id : "");
	assert_int_equal(tu_int(&f->t.s, "SELECT count(*) FROM candidates WHERE position < 0"),
	                 0);
}

static void test_non_integer(void **state)
{
	struct fx *f = *state;

	put(&f->c, "counties.csv",
	    "fips,name,short_name,tile_row,tile_col,lat,lon,registered_rep\n"
	    "19141,O'Brien,OBRIE,1,1,43.08,-95.62,5100\n"
	    "19153,Polk,POLK,5,5,41.68,-93.57,9000\n");
	put(&f->c, "precincts.csv",
	    "code,county_fips,name,site,registered_rep\n"
	    "19141-001,19141,Primghar 1,19141-S001,2600\n"
	    "19141-002,19141,Union Township,19141-S001,2,500\n");
	/* "2,500" splits into an extra field: caught as a field count. */
	refused(&f->t, &f->c, WR_EINVAL, "precincts.csv:3: 6 fields, the header has 5");
	put(&f->c, "precincts.csv",
	    "code,county_fips,name,site,registered_rep\n"
	    "19141-001,19141,Primghar 1,19141-S001,2600\n"
	    "19141-002,19141,Union Township,19141-S001,lots\n");
	refused(&f->t, &f->c, WR_EINVAL,
	        "precincts.csv:3: column \"registered_rep\": \"lots\" is not an integer");
	put(&f->c, "precincts.csv",
	    "code,county_fips,name,site,registered_rep\n"
	    "19141-001,19141,Primghar 1,19141-S001,-4\n");
	refused(&f->t, &f->c, WR_EINVAL,
	        "precincts.csv:2: column \"registered_rep\": -4 is outside 0..10000000");
}

static void test_bad_contest(void **state)
{
	struct fx *f = *state;

	put(&f->c, "contest.json", "{\"id\": \"ia-gop-2024\",\n \"name\": }\n");
	refused(&f->t, &f->c, WR_EINVAL, "contest.json:2:");
	put(&f->c, "contest.json",
	    "{\"id\": \"ia-gop-2024\", \"name\": \"x\", \"state\": \"IA\","
	    " \"opens_at\": \"2024-01-15T19:00:00\", \"candidates\":"
	    " [{\"id\": \"trump\", \"name\": \"T\"}]}");
	refused(&f->t, &f->c, WR_EINVAL, "contest.json: opens_at:");
	put(&f->c, "contest.json",
	    "{\"id\": \"ia-gop-2024\", \"name\": \"x\", \"state\": \"IA\","
	    " \"opens_at\": \"2024-01-15T19:00:00Z\", \"candidates\": []}");
	refused(&f->t, &f->c, WR_EINVAL,
	        "contest.json: \"candidates\" must be a non-empty array");
	put(&f->c, "contest.json",
	    "{\"id\": \"ia-gop-2024\", \"name\": \"x\", \"state\": \"IA\","
	    " \"opens_at\": \"2024-01-15T19:00:00Z\", \"candidates\":"
	    " [{\"id\": \"trump\", \"name\": \"T\"},"
	    " {\"id\": \"trump\", \"name\": \"T2\"}]}");
	refused(&f->t, &f->c, WR_EINVAL,
	        "contest.json: candidates[1]: id \"trump\" appears twice");
	put(&f->c, "contest.json",
	    "{\"id\": \"ia-gop-2024\", \"name\": \"x\", \"state\": \"IA\","
	    " \"opens_at\": \"2024-01-15T19:00:00Z\", \"candidates\":"
	    " [{\"id\": \"Trump\", \"name\": \"T\"}]}");
	refused(&f->t, &f->c, WR_EINVAL, "contest.json: candidates[0]: id \"Trump\" must be");
	put(&f->c, "contest.json", "[]");
	refused(&f->t, &f->c, WR_EINVAL, "contest.json: \"id\" must be a non-empty string");
}

static void test_missing_contest_file(void **state)
{
	struct fx *f = *state;
	struct wr_fixture_counts n;
	struct wr_err err;

	drop(&f->c, "contest.json");
	refused(&f->t, &f->c, WR_EINVAL, "contest.json");
	/* A missing file has no line: the message must not invent one. */
	assert_int_not_equal(wr_fixtures_load(&f->t.s, f->c.dir, &n, &err), WR_OK);
	if (strstr(err.msg, ":-1"))
		fail_msg("bogus line number in: %s", err.msg);
}

static void test_missing_required_file(void **state)
{
	struct fx *f = *state;

	drop(&f->c, "sites.csv");
	refused(&f->t, &f->c, WR_EINVAL, "sites.csv: cannot open");
}

static void test_other_contest_refused(void **state)
{
	struct fx *f = *state;
	struct wr_fixture_counts n;
	struct wr_err err;

	put(&f->c, "contest.json",
	    "{\"id\": \"ia-dem-2024\", \"name\": \"x\", \"state\": \"IA\","
	    " \"opens_at\": \"2024-01-15T19:00:00-06:00\", \"candidates\":"
	    " [{\"id\": \"biden\", \"name\": \"Joe Biden\"}]}");
	/* One store, one contest: mixing two nights' tallies is refused. */
	refused(&f->t, &f->c, WR_ECONFLICT, NULL);
	assert_int_equal(wr_fixtures_load(&f->t.s, f->c.dir, &n, &err), WR_ECONFLICT);
	assert_non_null(strstr(err.msg, "already holds contest ia-gop-2024"));
	assert_non_null(strstr(err.msg, "ia-dem-2024"));
	assert_non_null(strstr(err.msg, f->t.path));
}

static void test_late_error_rolls_back_early_tables(void **state)
{
	struct fx *f = *state;

	/* counties.csv changes a figure, then baselines.csv (loaded last) is
	 * broken: the county change must not survive. */
	put(&f->c, "counties.csv",
	    "fips,name,short_name,tile_row,tile_col,lat,lon,registered_rep\n"
	    "19141,O'Brien,OBRIE,1,1,43.08,-95.62,1\n"
	    "19153,Polk,POLK,5,5,41.68,-93.57,1\n");
	put(&f->c, "baselines.csv",
	    "precinct,year,candidate,votes\n"
	    "19141-001,2016,cruz,300\n"
	    "19141-001,1776,trump,250\n");
	refused(&f->t, &f->c, WR_EINVAL,
	        "baselines.csv:3: column \"year\": 1776 is outside 1900..2100");
	assert_int_equal(tu_int(&f->t.s, "SELECT registered_rep FROM counties WHERE fips ="
	                                 " '19141'"), 5100);
	put(&f->c, "baselines.csv",
	    "precinct,year,candidate,votes\n"
	    "19141-009,2016,cruz,300\n");
	refused(&f->t, &f->c, WR_EINVAL, "baselines.csv:2: column 1 (\"19141-009\"): no such"
	        " precinct code in precincts.csv");
}

static void test_duplicate_code_refused(void **state)
{
	struct fx *f = *state;
	struct wr_fixture_counts n;
	struct wr_err err;
	struct tu_store scratch;
	long long stored;
	int rc;

	/* Two rows with one code is a wrong list: the second must not
	 * silently overwrite the first (which would lose Des Moines 3-3
	 * while the loader reports 8 precincts). */
	put(&f->c, "precincts.csv",
	    "code,county_fips,name,site,registered_rep\n"
	    "19141-001,19141,Primghar 1,19141-S001,2600\n"
	    "19141-002,19141,Union Township,19141-S001,2500\n"
	    "19153-001,19153,Des Moines 3-2,19153-S001,2000\n"
	    "19153-002,19153,Des Moines 3-3,19153-S001,2000\n"
	    "19153-003,19153,Des Moines 4-1,19153-S001,2000\n"
	    "19153-004,19153,Des Moines 4-2,19153-S001,2000\n"
	    "19153-005,19153,Union Township,19153-S002,1000\n"
	    "19153-002,19153,Des Moines 5-1,19153-S001,2000\n");
	/* First into an empty store, to say plainly what goes wrong. */
	tu_open_empty(&scratch);
	rc = wr_fixtures_load(&scratch.s, f->c.dir, &n, &err);
	stored = tu_int(&scratch.s, "SELECT count(*) FROM precincts");
	tu_close(&scratch);
	if (rc == WR_OK)
		fail_msg("duplicate code 19153-002 at precincts.csv:9 accepted: %ld rows"
		         " reported, %lld precincts stored", n.precincts, stored);
	refused(&f->t, &f->c, WR_EINVAL, "precincts.csv:9");
}

static void test_broken_into_empty_store(void **state)
{
	struct fx *f = *state;

	/* A first init with a broken list leaves no contest behind, so the
	 * next attempt is not refused as "another contest". */
	put(&f->c, "aliases.csv", "old_code,old_name,county_fips,code\n,,19153,19153-001\n");
	refused(&f->t, &f->c, WR_EINVAL,
	        "aliases.csv:2: column 1 (\"\"): an alias needs old_code or old_name");
	assert_int_equal(count(&f->t, "contest"), 0);
	assert_int_equal(count(&f->t, "counties"), 0);
	assert_int_equal(count(&f->t, "precincts"), 0);
}

static void test_optional_files(void **state)
{
	struct fx *f = *state;
	struct wr_fixture_counts n;
	struct wr_err err;

	drop(&f->c, "aliases.csv");
	drop(&f->c, "baselines.csv");
	if (wr_fixtures_load(&f->t.s, f->c.dir, &n, &err) != WR_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(n.aliases, 0);
	assert_int_equal(n.baselines, 0);
	assert_int_equal(n.precincts, 7);
	assert_int_equal(count(&f->t, "precinct_aliases"), 0);
}

/* The roster is the file: a reload replaces it whole, and a store loaded
 * without one has none. */
static void test_roster_replaced_whole(void **state)
{
	struct fx *f = *state;
	struct wr_fixture_counts n;
	struct wr_err err;

	put(&f->c, "reporters.csv", "reporter,precinct\nrep-a,19141-001\nsite-1,19153-001\n"
	    "site-1,19153-002\n");
	if (wr_fixtures_load(&f->t.s, f->c.dir, &n, &err) != WR_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(n.reporters, 3);
	assert_int_equal(tu_int(&f->t.s, "SELECT count(*) FROM roster r JOIN precincts p"
	                        " ON p.id = r.precinct_id WHERE r.reporter = 'site-1'"
	                        " AND p.code IN ('19153-001', '19153-002')"), 2);
	put(&f->c, "reporters.csv", "reporter,precinct\nrep-b,19141-001\n");
	if (wr_fixtures_load(&f->t.s, f->c.dir, &n, &err) != WR_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(n.reporters, 1);
	assert_int_equal(tu_int(&f->t.s, "SELECT count(*) FROM roster WHERE reporter"
	                        " = 'rep-b'"), 1);
	assert_int_equal(count(&f->t, "roster"), 1);
	/* A refused roster leaves the one loaded before in place. */
	put(&f->c, "reporters.csv", "reporter,precinct\nrep-c,19141-001\nrep-d,19141-009\n");
	refused(&f->t, &f->c, WR_EINVAL, "reporters.csv:3: column 2 (\"19141-009\"): no such "
	        "precinct code in precincts.csv");
	assert_int_equal(tu_int(&f->t.s, "SELECT count(*) FROM roster WHERE reporter"
	                        " = 'rep-b'"), 1);
	drop(&f->c, "reporters.csv");
	if (wr_fixtures_load(&f->t.s, f->c.dir, &n, &err) != WR_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(n.reporters, 0);
	assert_int_equal(count(&f->t, "roster"), 0);
}

/* The mini files, for tests that add or change a row. */
#define PRECINCTS_HDR "code,county_fips,name,site,registered_rep\n"
#define MINI_PRECINCTS PRECINCTS_HDR \
	"19141-001,19141,Primghar 1,19141-S001,2600\n" \
	"19141-002,19141,Union Township,19141-S001,2500\n" \
	"19153-001,19153,Des Moines 3-2,19153-S001,2000\n" \
	"19153-002,19153,Des Moines 3-3,19153-S001,2000\n" \
	"19153-003,19153,Des Moines 4-1,19153-S001,2000\n" \
	"19153-004,19153,Des Moines 4-2,19153-S001,2000\n" \
	"19153-005,19153,Union Township,19153-S002,1000\n"
#define COUNTIES_HDR "fips,name,short_name,tile_row,tile_col,lat,lon,registered_rep\n"
#define OBRIEN "19141,O'Brien,OBRIE,1,1,43.08,-95.62,5100\n"
#define POLK "19153,Polk,POLK,5,5,41.68,-93.57,9000\n"
#define MINI_ALIASES "old_code,old_name,county_fips,code\n" \
	"19153-501,Des Moines No. 45,19153,19153-001\n" \
	"19153-502,Lincoln Twp,19153,19153-005\n"

/* Files each refused with the line, column and reason named, the store
 * unchanged: one broken file over an otherwise good copy of the fixtures. */
static const struct bad_file {
	const char *name, *file, *content, *want;
} bad_files[] = {
	{ "unknown_county", "precincts.csv",
	  "code,county_fips,name,site,registered_rep\n"
	  "19141-001,19141,Primghar 1,19141-S001,2600\n"
	  "19153-001,19153,Des Moines 3-2,19153-S001,2000\n"
	  "19169-001,19169,Ames 1,,900\n",
	  "precincts.csv:4: column 2 (\"19169\"): no such county in counties.csv" },
	{ "missing_column", "counties.csv",
	  "fips,name,short_name,tile_row,tile_col,lat,lon\n"
	  "19141,O'Brien,OBRIE,1,1,43.08,-95.62\n",
	  "counties.csv:1: missing column \"registered_rep\" (header has fips,name,"
	  "short_name,tile_row,tile_col,lat,lon)" },
	/* Refused even though the first (good) alias had already replaced
	 * the old ones inside the transaction. */
	{ "alias_unknown_code", "aliases.csv",
	  "old_code,old_name,county_fips,code\n"
	  "19153-501,Des Moines No. 45,19153,19153-001\n"
	  "19153-503,Saylor Twp,19153,19153-999\n",
	  "aliases.csv:3: column 4 (\"19153-999\"): no such"
	  " precinct code in precincts.csv" },
	/* Checked before the insert, so the column is named rather than
	 * "FOREIGN KEY constraint failed". */
	{ "unknown_site", "precincts.csv",
	  "code,county_fips,name,site,registered_rep\n"
	  "19141-001,19141,Primghar 1,19141-S001,2600\n"
	  "19141-002,19141,Union Township,19141-S009,2500\n",
	  "precincts.csv:3: column 4 (\"19141-S009\"): no such site in sites.csv" },
	{ "empty_required_field", "precincts.csv",
	  "code,county_fips,name,site,registered_rep\n"
	  "19141-001,19141,,19141-S001,2600\n",
	  "precincts.csv:2: column 3 (\"\"): must not be empty" },
	/* The resolver compares short_name with upper(what the tally says):
	 * a lower-case letter stored would never match. */
	{ "short_name_upper_case", "counties.csv",
	  COUNTIES_HDR OBRIEN "19153,Polk,Polk,5,5,41.68,-93.57,9000\n",
	  "counties.csv:3: column 3 (\"Polk\"): must be upper"
	  " case" },
	{ "alias_names_read_the_same", "aliases.csv",
	  MINI_ALIASES ",Lincoln Township,19153,19153-004\n",
	  "aliases.csv:4: column 2 (\"Lincoln Township\"):"
	  " reads the same as \"Lincoln Twp\" (line 3, an old name of 19153-005) once"
	  " normalised" },
	/* INSERT OR REPLACE kept the second figure without a word. */
	{ "duplicate_baseline", "baselines.csv",
	  "precinct,year,candidate,votes\n"
	  "19141-001,2016,cruz,300\n"
	  "19141-001,2016,trump,250\n"
	  "19141-001,2020,trump,150\n"
	  "19141-001,02016,trump,999\n",
	  "baselines.csv:5: column 3 (\"trump\"): precinct"
	  " 19141-001, year 2016, candidate trump is already on line 3" },
	{ "roster_unknown_precinct", "reporters.csv",
	  "reporter,precinct\nrep-1,19141-001\nrep-9,19141-009\n",
	  "reporters.csv:3: column 2 (\"19141-009\"): no such precinct code in precincts.csv" },
	{ "roster_listed_twice", "reporters.csv",
	  "reporter,precinct\nrep-1,19141-001\nrep-2,19141-001\nrep-1,19141-001\n",
	  "reporters.csv:4: column 2 (\"19141-001\"): reporter rep-1 is already listed for "
	  "precinct 19141-001 on line 2" },
	{ "roster_no_reporter", "reporters.csv",
	  "reporter,precinct\n,19141-001\n",
	  "reporters.csv:2: column 1 (\"\"): must not be empty" },
	{ "roster_space_at_end", "reporters.csv",
	  "reporter,precinct\nrep-1 ,19141-001\n",
	  "reporters.csv:2: column 1 (\"rep-1 \"): has a space at an end; no tally's reporter "
	  "would match it" },
	{ "roster_invisible_character", "reporters.csv",
	  "reporter,precinct\nrep-\xe2\x80\xae" "1,19141-001\n",
	  "reporters.csv:2: column 1 (\"rep-\\u202e1\"): has the invisible character "
	  "U+202E at byte 4; no tally's reporter would match it" },
	{ "roster_missing_column", "reporters.csv",
	  "reporter\nrep-1\n",
	  "reporters.csv:1: missing column \"precinct\" (header has reporter)" },
};

static void test_bad_files(void **state)
{
	struct fx *f = *state;

	for (size_t i = 0; i < sizeof bad_files / sizeof bad_files[0]; i++) {
		const struct bad_file *b = &bad_files[i];

		print_message("%s\n", b->name);
		rm_copy(&f->c);
		copy_mini(&f->c);
		put(&f->c, b->file, b->content);
		refused(&f->t, &f->c, WR_EINVAL, b->want);
	}
}

/* A stored tally for precinct code with all its votes for candidate. */
static void add_tally(struct tu_store *t, const char *code, const char *candidate)
{
	char sql[1024];

	snprintf(sql, sizeof sql,
	         "INSERT INTO submissions (submission_id, content_hash, source, precinct_id,"
	         " precinct_ref, resolved_by, reporter, reported_at, reported_at_s,"
	         " received_at, total, origin, line, raw) VALUES ('s-%s', x'00', 'app',"
	         " (SELECT id FROM precincts WHERE code = '%s'), '%s', 'code', 'r',"
	         " '2024-01-16T02:00:00Z', 1705370400, '2024-01-16T02:00:01Z', 7, 'f', 1,"
	         " x'7b7d'); INSERT INTO votes VALUES (last_insert_rowid(), '%s', 7);",
	         code, code, code, candidate);
	assert_int_equal(sqlite3_exec(t->s.db, sql, NULL, NULL, NULL), SQLITE_OK);
}

static void load_ok(struct tu_store *t, const char *dir)
{
	struct wr_fixture_counts n;
	struct wr_err err;

	if (wr_fixtures_load(&t->s, dir, &n, &err) != WR_OK)
		fail_msg("%s: %s", dir, err.msg);
}

static void test_precinct_names_read_the_same(void **state)
{
	struct fx *f = *state;

	/* A tally for "Union Twp." by name would go to whichever row came
	 * first; the second row is refused, naming the first. */
	put(&f->c, "precincts.csv", PRECINCTS_HDR
	    "19141-001,19141,Primghar 1,19141-S001,2600\n"
	    "19141-002,19141,Union Township,19141-S001,2500\n"
	    "19153-001,19153,Des Moines 3-2,19153-S001,2000\n"
	    "19153-002,19153,Des Moines 3-3,19153-S001,2000\n"
	    "19153-005,19153,Union Township,19153-S002,1000\n"
	    "19153-003,19153,Des Moines 4-1,19153-S001,2000\n"
	    "19153-006,19153,Union Twp.,19153-S002,10\n"
	    "19153-004,19153,Des Moines 4-2,19153-S001,2000\n");
	refused(&f->t, &f->c, WR_EINVAL, "precincts.csv:8: column 3 (\"Union Twp.\"): reads"
	        " the same as 19153-005 \"Union Township\" (line 6) once normalised");
	/* A name with nothing to normalise could never be matched by name. */
	put(&f->c, "precincts.csv", MINI_PRECINCTS "19153-006,19153,---,19153-S002,10\n");
	refused(&f->t, &f->c, WR_EINVAL, "precincts.csv:9: column 3 (\"---\"): has no letters"
	        " or digits to match a tally by");
	/* Longer than a tally's code field: it could never be matched. */
	put(&f->c, "precincts.csv", MINI_PRECINCTS
	    "19153-0000000000000000000000000007,19153,Far,19153-S002,10\n");
	refused(&f->t, &f->c, WR_EINVAL, "precincts.csv:9: column 1 (\"19153-00000000000000"
	        "00000000000007\"): is longer than 32 bytes, more than a tally can carry");
}

static void test_county_names_read_the_same(void **state)
{
	struct fx *f = *state;

	put(&f->c, "counties.csv", COUNTIES_HDR OBRIEN POLK
	    "19143,OBRIEN,OBRI2,1,2,43.3,-95.6,10\n");
	refused(&f->t, &f->c, WR_EINVAL, "counties.csv:4: column 2 (\"OBRIEN\"): reads the"
	        " same as 19141 \"O'Brien\" (line 2) once normalised");
	put(&f->c, "counties.csv", COUNTIES_HDR OBRIEN POLK
	    "19143,Osceola,POLK,1,2,43.3,-95.6,10\n");
	refused(&f->t, &f->c, WR_EINVAL, "counties.csv:4: column 3 (\"POLK\"): is also the"
	        " short name of 19153 \"Polk\" (line 3)");
}

static void test_bad_coordinates(void **state)
{
	static const char *const bad[] = { "nan", "inf", "-inf", " 43.08", "43.08 ",
	                                   "0x1p5", "1e999", "43.08x", "+43", "-", "." };
	struct fx *f = *state;
	char content[256], want[96];

	/* strtod takes all of these; a coordinate is decimal text. */
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(content, sizeof content, COUNTIES_HDR
		         "19141,O'Brien,OBRIE,1,1,%s,-95.62,5100\n" POLK, bad[i]);
		put(&f->c, "counties.csv", content);
		snprintf(want, sizeof want, "counties.csv:2: column 6 (\"%s\"): is not a"
		         " decimal number", bad[i]);
		refused(&f->t, &f->c, WR_EINVAL, want);
	}
	put(&f->c, "counties.csv", COUNTIES_HDR OBRIEN "19153,Polk,POLK,5,5,41.68,-193.5,9000\n");
	refused(&f->t, &f->c, WR_EINVAL, "counties.csv:3: column 7 (\"-193.5\"): is outside"
	        " -180..180");
	/* Plain forms still load. */
	put(&f->c, "counties.csv", COUNTIES_HDR "19141,O'Brien,OBRIE,1,1,43,-95.62,5100\n"
	    "19153,Polk,POLK,5,5,.5,-9.3e1,9000\n");
	load_ok(&f->t, f->c.dir);
}

static void test_bad_text_in_fixture(void **state)
{
	struct fx *f = *state;

	/* A Latin-1 byte would load and later break every JSON document. */
	put(&f->c, "counties.csv", COUNTIES_HDR OBRIEN "19153,Po\xfflk,POLK,5,5,41.68,-93.57,"
	    "9000\n");
	refused(&f->t, &f->c, WR_EINVAL, "counties.csv:3: column 2 (name): byte 3 (0xFF) is"
	        " not UTF-8");
	put(&f->c, "counties.csv", COUNTIES_HDR OBRIEN POLK);
	put(&f->c, "sites.csv", "code,county_fips,name\n"
	    "19141-S001,19141,Primghar Community Center\n"
	    "19153-S001,19153,\"Hoover High\nSchool\"\n"
	    "19153-S002,19153,Union Township Hall\n");
	refused(&f->t, &f->c, WR_EINVAL, "sites.csv:3: column 3 (name): control character"
	        " U+000A");
}

static void test_alias_name_reads_as_current(void **state)
{
	struct fx *f = *state;

	/* Names are tried before old names: this alias could never match. */
	put(&f->c, "aliases.csv", MINI_ALIASES "19153-503,Des Moines #4-2,19153,19153-001\n");
	refused(&f->t, &f->c, WR_EINVAL, "aliases.csv:4: column 2 (\"Des Moines #4-2\"): reads"
	        " the same as 19153-004 \"Des Moines 4-2\" (precincts.csv line 7) once"
	        " normalised, so a tally by this name goes there, never to 19153-001");
	/* An old name that reads as its own precinct's name is harmless, and
	 * the same old name may alias a precinct of another county. */
	put(&f->c, "aliases.csv", MINI_ALIASES ",Union Twp,19153,19153-005\n"
	    ",Lincoln Twp,19141,19141-002\n");
	load_ok(&f->t, f->c.dir);
}

static void test_alias_references(void **state)
{
	static const struct {
		const char *row, *want;
	} cases[] = {
		{ "19153-003,,19153,19153-001\n", "aliases.csv:4: column 1 (\"19153-003\"): is the"
		  " code of a current precinct (precincts.csv line 6); a tally with it goes"
		  " there, never to 19153-001" },
		{ "19153-501,,19153,19153-002\n", "aliases.csv:4: column 1 (\"19153-501\"):"
		  " appears twice in the file (first on line 2)" },
		{ "19141-501,,19141,19153-001\n", "aliases.csv:4: column 3 (\"19141\"): precinct"
		  " 19153-001 is in county 19153 (precincts.csv line 4); an alias must name its"
		  " precinct's county" },
		/* Was "FOREIGN KEY constraint failed", with no column. */
		{ "19999-501,,19999,19153-001\n", "aliases.csv:4: column 3 (\"19999\"): no such"
		  " county in counties.csv" },
		{ "19153-503,Saylor,,19153-001\n", "aliases.csv:4: column 3 (\"\"): must not be"
		  " empty" },
	};
	struct fx *f = *state;
	char content[512];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(content, sizeof content, "%s%s", MINI_ALIASES, cases[i].row);
		put(&f->c, "aliases.csv", content);
		refused(&f->t, &f->c, WR_EINVAL, cases[i].want);
	}
}

static void test_alias_clashes_with_operator(void **state)
{
	struct fx *f = *state;

	assert_int_equal(sqlite3_exec(f->t.s.db,
	        "INSERT INTO precinct_aliases (county_fips, old_code, old_name, norm_old_name,"
	        " precinct_id, origin) VALUES ('19153', '19153-777', 'Hoover Gym', 'hoover gym',"
	        " (SELECT id FROM precincts WHERE code = '19153-003'), 'operator');",
	        NULL, NULL, NULL), SQLITE_OK);
	put(&f->c, "aliases.csv", MINI_ALIASES ",Hoover Gym.,19153,19153-003\n");
	refused(&f->t, &f->c, WR_EINVAL, "aliases.csv:4: column 2 (\"Hoover Gym.\"): an"
	        " operator already made this an alias of 19153-003");
	put(&f->c, "aliases.csv", MINI_ALIASES "19153-777,,19153,19153-004\n");
	refused(&f->t, &f->c, WR_EINVAL, "aliases.csv:4: column 1 (\"19153-777\"): an"
	        " operator already made this an alias of 19153-003");
}

static void test_reload_updates_baseline(void **state)
{
	struct fx *f = *state;

	put(&f->c, "baselines.csv",
	    "precinct,year,candidate,votes\n"
	    "19141-001,2016,cruz,300\n"
	    "19141-001,2016,trump,260\n"
	    "19141-001,2020,trump,150\n"
	    "19141-001,2020,weld,3\n"
	    "19153-001,2016,cruz,200\n"
	    "19153-001,2016,trump,180\n"
	    "19153-001,2020,trump,90\n"
	    "19153-001,2020,weld,4\n");
	load_ok(&f->t, f->c.dir);
	check_mini_counts(&f->t);
	assert_int_equal(tu_int(&f->t.s, "SELECT votes FROM baselines b JOIN precincts p ON"
	                                 " p.id = b.precinct_id WHERE p.code = '19141-001'"
	                                 " AND year = 2016 AND candidate = 'trump'"), 260);
}

static void test_dropped_candidate_with_votes(void **state)
{
	struct fx *f = *state;

	add_tally(&f->t, "19153-002", "desantis");
	put(&f->c, "contest.json",
	    "{\"id\": \"ia-gop-2024\", \"name\": \"2024 Iowa Republican Presidential"
	    " Caucuses\", \"state\": \"IA\", \"opens_at\": \"2024-01-15T19:00:00-06:00\","
	    " \"candidates\": [{\"id\": \"trump\", \"name\": \"Donald J. Trump\"},"
	    " {\"id\": \"haley\", \"name\": \"Nikki Haley\"}]}\n");
	refused(&f->t, &f->c, WR_ECONFLICT, "contest.json: candidates: leaves out"
	        " \"desantis\", but stored tallies have votes for them");
}

static void test_removed_rows_refused(void **state)
{
	static const struct {
		const char *file, *content, *want;
	} cases[] = {
		{ "precincts.csv", PRECINCTS_HDR
		  "19141-001,19141,Primghar 1,19141-S001,2600\n"
		  "19141-002,19141,Union Township,19141-S001,2500\n"
		  "19153-001,19153,Des Moines 3-2,19153-S001,2000\n"
		  "19153-002,19153,Des Moines 3-3,19153-S001,2000\n"
		  "19153-003,19153,Des Moines 4-1,19153-S001,2000\n"
		  "19153-005,19153,Union Township,19153-S002,1000\n",
		  "precincts.csv: precinct 19153-004 is in the store but not in precincts.csv;"
		  " removing precincts is not supported" },
		{ "sites.csv", "code,county_fips,name\n"
		  "19141-S001,19141,Primghar Community Center\n"
		  "19153-S001,19153,Hoover High School\n",
		  "sites.csv: site 19153-S002 is in the store but not in sites.csv; removing"
		  " sites is not supported" },
		{ "counties.csv", COUNTIES_HDR POLK,
		  "counties.csv: county 19141 is in the store but not in counties.csv; removing"
		  " counties is not supported" },
	};
	struct fx *f = *state;

	/* Deleting would orphan tallies; keeping it resolvable would take
	 * tallies for a precinct that no longer exists. */
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		rm_copy(&f->c);
		copy_mini(&f->c);
		put(&f->c, cases[i].file, cases[i].content);
		refused(&f->t, &f->c, WR_EINVAL, cases[i].want);
	}
}

static void test_shorter_list_into_empty_store(void **state)
{
	struct fx *f = *state;
	struct wr_fixture_counts n;
	struct wr_err err;

	/* Only a reload compares with the store: a first load has nothing
	 * to lose. */
	put(&f->c, "precincts.csv", PRECINCTS_HDR
	    "19141-001,19141,Primghar 1,19141-S001,2600\n"
	    "19153-001,19153,Des Moines 3-2,19153-S001,2000\n"
	    "19153-005,19153,Union Township,19153-S002,1000\n");
	if (wr_fixtures_load(&f->t.s, f->c.dir, &n, &err) != WR_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(n.precincts, 3);
}

static void test_reload_swaps_names(void **state)
{
	struct fx *f = *state;

	/* Two names corrected by swapping them, and two short names: the
	 * unique indexes must not refuse the reload half way. */
	put(&f->c, "precincts.csv", PRECINCTS_HDR
	    "19141-001,19141,Primghar 1,19141-S001,2600\n"
	    "19141-002,19141,Union Township,19141-S001,2500\n"
	    "19153-001,19153,Des Moines 3-2,19153-S001,2000\n"
	    "19153-002,19153,Des Moines 3-3,19153-S001,2000\n"
	    "19153-003,19153,Des Moines 4-2,19153-S001,2000\n"
	    "19153-004,19153,Des Moines 4-1,19153-S001,2000\n"
	    "19153-005,19153,Union Township,19153-S002,1000\n");
	put(&f->c, "counties.csv", COUNTIES_HDR "19141,O'Brien,POLK,1,1,43.08,-95.62,5100\n"
	    "19153,Polk,OBRIE,5,5,41.68,-93.57,9000\n");
	load_ok(&f->t, f->c.dir);
	assert_int_equal(tu_int(&f->t.s, "SELECT count(*) FROM precincts WHERE code ="
	                                 " '19153-003' AND norm_name = 'des moines 4 2'"), 1);
	assert_int_equal(tu_int(&f->t.s, "SELECT count(*) FROM counties WHERE fips = '19153'"
	                                 " AND short_name = 'OBRIE' AND norm_name = 'polk'"), 1);
}

#define LOADED(t) cmocka_unit_test_setup_teardown(t, setup_loaded, teardown)
#define EMPTY(t) cmocka_unit_test_setup_teardown(t, setup_empty, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		EMPTY(test_load_mini),
		LOADED(test_reload_idempotent),
		LOADED(test_reload_updates_in_place),
		LOADED(test_reload_dropped_candidate),
		LOADED(test_bad_files),
		LOADED(test_non_integer),
		LOADED(test_bad_contest),
		LOADED(test_missing_contest_file),
		LOADED(test_missing_required_file),
		LOADED(test_other_contest_refused),
		LOADED(test_late_error_rolls_back_early_tables),
		LOADED(test_duplicate_code_refused),
		EMPTY(test_broken_into_empty_store),
		EMPTY(test_optional_files),
		LOADED(test_roster_replaced_whole),
		LOADED(test_precinct_names_read_the_same),
		LOADED(test_county_names_read_the_same),
		LOADED(test_bad_coordinates),
		LOADED(test_bad_text_in_fixture),
		LOADED(test_alias_name_reads_as_current),
		LOADED(test_alias_references),
		LOADED(test_alias_clashes_with_operator),
		LOADED(test_reload_updates_baseline),
		LOADED(test_dropped_candidate_with_votes),
		LOADED(test_removed_rows_refused),
		EMPTY(test_shorter_list_into_empty_store),
		LOADED(test_reload_swaps_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
