/* The console without a terminal: newterm on /dev/null, keys from a
 * script, screens dumped to a file (wr_console_run's headless mode). Each
 * test drives a whole job through the views and checks both what the
 * screen said and what the store holds afterwards. The clock is pinned so
 * the screens compared with the files in tests/data/console are the same on
 * every run. */
#include "testutil.h"

#include "warroom/console.h"
#include "warroom/intake.h"

#define NOW "2024-01-16T03:00:00Z"
#define EXPECTED "tests/data/console"

static char seed_dir[64], seed_path[128];

struct fx {
	char dir[64];
	char db[128];
	char dump[160];
	char *screens;     /* everything dumped by the last run */
};

static void ingest(struct wr_store *s, const char *const *recs, size_t n)
{
	struct wr_intake *in;
	struct wr_err err;
	enum wr_outcome o;

	if (wr_intake_open(&in, s, NULL, &err) != WR_OK)
		fail_msg("intake: %s", err.msg);
	for (size_t i = 0; i < n; i++)
		if (wr_intake_record(in, "feed.ndjson", (long)i + 1, recs[i], strlen(recs[i]),
		                     strlen(recs[i]), &o, &err) != WR_OK)
			fail_msg("ingest: %s", err.msg);
	if (wr_intake_close(in, &err) != WR_OK)
		fail_msg("intake close: %s", err.msg);
}

/* Three tallies, one with votes that do not add up (hard flag) and one
 * naming a precinct nobody knows (unmatched). */
static int group_setup(void **state)
{
	static const struct tu_user users[] = {
		{ "val1", WR_ROLE_VALIDATOR }, { "hot1", WR_ROLE_HOTLINE },
		{ "hot2", WR_ROLE_HOTLINE }, { "sup1", WR_ROLE_SUPERVISOR },
	};
	const char *recs[] = {
		"{\"submission_id\":\"t-1\",\"source\":\"app\",\"precinct\":\"19141-001\","
		"\"reported_at\":\"2024-01-16T02:01:00Z\",\"reporter\":\"chair-1\",\"votes\":"
		"{\"trump\":180,\"desantis\":110,\"haley\":60},\"total\":350}",
		"{\"submission_id\":\"t-2\",\"source\":\"app\",\"precinct\":\"19153-001\","
		"\"reported_at\":\"2024-01-16T02:05:00Z\",\"reporter\":\"chair-2\",\"votes\":"
		"{\"trump\":40,\"desantis\":25,\"haley\":12},\"total\":78}",
		"{\"submission_id\":\"t-3\",\"source\":\"app\",\"county\":\"Polk\","
		"\"precinct_name\":\"Nowhere Heights\",\"reported_at\":\"2024-01-16T02:07:00Z\","
		"\"reporter\":\"chair-3\",\"votes\":{\"trump\":30,\"desantis\":20,\"haley\":10},"
		"\"total\":60}",
	};
	struct tu_store t;

	(void)state;
	setenv("WARROOM_NOW", NOW, 1);
	setenv("LC_ALL", "C.UTF-8", 1);
	unsetenv("NO_COLOR");
	tu_open(&t);
	tu_add_users(&t, users, sizeof users / sizeof users[0]);
	ingest(&t.s, recs, sizeof recs / sizeof recs[0]);
	tu_seed_save(&t, seed_dir, seed_path);
	tu_close(&t);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	return tu_seed_remove(seed_dir);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);

	snprintf(f->dir, sizeof f->dir, "/tmp/wrcon.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof f->db, "%s/c.db", f->dir);
	snprintf(f->dump, sizeof f->dump, "%s/screens.txt", f->dir);
	tu_copy_file(seed_path, f->db);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	free(f->screens);
	tu_seed_remove(f->dir);
	free(f);
	return 0;
}

static char *slurp(const char *path)
{
	FILE *in = fopen(path, "r");
	char *buf;
	long n;

	if (!in)
		return calloc(1, 1);
	fseek(in, 0, SEEK_END);
	n = ftell(in);
	rewind(in);
	buf = calloc(1, (size_t)n + 1);
	if (fread(buf, 1, (size_t)n, in) != (size_t)n)
		fail_msg("short read of %s", path);
	fclose(in);
	return buf;
}

/* Runs the console on script at cols x rows; keeps the screens dumped. */
static void run(struct fx *f, const char *user, const char *script, int cols, int rows)
{
	struct wr_console_opts o = { f->db, user, script, f->dump, rows, cols };
	struct wr_err err;

	remove(f->dump);
	if (wr_console_run(&o, &err) != WR_OK)
		fail_msg("console: %s", err.msg);
	free(f->screens);
	f->screens = slurp(f->dump);
}

/* The n-th screen dumped (0 first), copied out so that several can be
 * looked at together. */
static const char *screen(struct fx *f, int n)
{
	static char copies[4][32768];
	static int next;
	char *p = f->screens, *end, *out = copies[next++ % 4];

	for (int i = 0; p && i <= n; i++) {
		p = strstr(i ? p + 1 : p, "----- ");
		if (!p)
			fail_msg("no screen %d in:\n%s", n, f->screens);
	}
	if (!p)
		return "";
	end = strstr(p + 1, "\n----- ");
	snprintf(out, sizeof copies[0], "%.*s", end ? (int)(end + 1 - p) : (int)strlen(p), p);
	return out;
}
static void assert_shows(const char *screen, const char *text)
{
	/* cmocka cuts long messages: the screen goes to stderr whole */
	if (!strstr(screen, text)) {
		fprintf(stderr, "%s", screen);
		fail_msg("expected \"%s\" on the screen above", text);
	}
}

static long long count(struct fx *f, const char *sql)
{
	struct wr_store s;
	struct wr_err err;
	long long n;

	if (wr_store_open(&s, f->db, &err) != WR_OK)
		fail_msg("%s", err.msg);
	n = tu_int(&s, sql);
	wr_store_close(&s);
	return n;
}

static void test_signin_wrong_then_right(void **state)
{
	struct fx *f = *state;

	run(f, NULL, "text:val1 <Enter> text:9999 <Enter> <dump> text:1234 <Enter> <dump>", 80, 24);
	assert_shows(screen(f, 0), "wrong user name or PIN");
	assert_shows(screen(f, 0), "User");
	run(f, NULL, "text:val1 <Enter> text:1234 <Enter> <dump>", 80, 24);
	assert_shows(screen(f, 0), "[Queue]");
	assert_shows(screen(f, 0), "val1 (validator)");
	assert_shows(screen(f, 0), "Review queue: 2 waiting (1 hard, 0 warn)");
}

/* The hard-flagged tally comes first; Enter claims it. Its votes do not
 * add up, so the core refuses the approval and the console says why: the
 * console adds no rule of its own and bends none. The clean one is
 * approved. */
static void test_approve_from_queue(void **state)
{
	struct fx *f = *state;

	run(f, "val1", "text:1234 <Enter> <Enter> <dump> a <dump>", 80, 24);
	assert_shows(screen(f, 0), "Tally t-2");
	assert_shows(screen(f, 0), "Claimed by you until 03:05:00");
	assert_shows(screen(f, 0), "!! HARD sum_mismatch");
	assert_shows(screen(f, 1), "t-2: candidate votes add up to 77 but the total says 78");
	assert_int_equal(count(f, "SELECT count(*) FROM decisions"), 0);
	run(f, "val1", "text:1234 <Enter> <Down> <Enter> a <dump>", 80, 24);
	assert_int_equal(count(f, "SELECT count(*) FROM decisions d JOIN submissions s ON"
	                          " s.id = d.submission WHERE s.submission_id = 't-1'"
	                          " AND d.decision = 'approved'"), 1);
	assert_shows(screen(f, 0), "t-1 approved.");
	assert_shows(screen(f, 0), "Review queue: 1 waiting (1 hard, 0 warn)");
}

static void test_reject_needs_reason(void **state)
{
	struct fx *f = *state;

	run(f, "val1", "text:1234 <Enter> <Enter> r <dump> text:Total<Space>is<Space>wrong "
	    "<Enter> <dump>", 80, 24);
	assert_shows(screen(f, 0), "Reason for rejecting");
	assert_shows(screen(f, 1), "t-2 rejected");
	assert_int_equal(count(f, "SELECT count(*) FROM decisions WHERE decision = 'rejected'"
	                          " AND reason = 'Total is wrong'"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM callbacks"), 1);
	/* Esc at the question rejects nothing */
	run(f, "val1", "text:1234 <Enter> <Enter> r <Esc> <dump>", 80, 24);
	assert_int_equal(count(f, "SELECT count(*) FROM decisions"), 1);
}

static void test_claims_given_back_at_exit(void **state)
{
	struct fx *f = *state;

	run(f, "val1", "text:1234 <Enter> <Enter> <dump>", 80, 24);
	assert_shows(screen(f, 0), "Claimed by you");
	assert_int_equal(count(f, "SELECT count(*) FROM claims"), 0);
}

static void test_filter(void **state)
{
	struct fx *f = *state;

	run(f, "val1", "text:1234 <Enter> / text:OBRIE <Enter> <dump> / text:nomatch <Enter> "
	    "<dump>", 80, 24);
	assert_shows(screen(f, 0), "filter \"OBRIE\"");
	assert_shows(screen(f, 0), "19141-001");
	assert_null(strstr(screen(f, 0), "19153-001"));
	assert_shows(screen(f, 1), "Nothing matches the filter");
}

static void test_help_comes_from_key_table(void **state)
{
	struct fx *f = *state;

	run(f, "val1", "text:1234 <Enter> ? <dump> x <dump>", 80, 24);
	assert_shows(screen(f, 0), "next: claim the most urgent tally you may decide");
	assert_shows(screen(f, 0), "redraw the screen");
	assert_null(strstr(screen(f, 1), "redraw the screen"));
}

static void test_too_small_then_back(void **state)
{
	struct fx *f = *state;

	run(f, "val1", "text:1234 <Enter> <resize:70x20> <dump> <resize:120x40> <dump>", 80, 24);
	assert_shows(screen(f, 0), "needs a terminal of at least 80x24");
	assert_shows(screen(f, 0), "this one is 70x20");
	assert_shows(screen(f, 1), "----- 120x40");
	assert_shows(screen(f, 1), "Review queue: 2 waiting");
}

static void test_unmatched_resolve(void **state)
{
	struct fx *f = *state;

	run(f, "val1", "text:1234 <Enter> <Tab> <dump> c text:19153-002 <Enter> <dump>", 80, 24);
	assert_shows(screen(f, 0), "Nowhere Heights");
	assert_shows(screen(f, 1), "t-3 resolved to 19153-002");
	assert_int_equal(count(f, "SELECT count(*) FROM precinct_aliases WHERE origin ="
	                          " 'operator'"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM submissions WHERE submission_id ="
	                          " 't-3' AND state <> 'unmatched'"), 1);
}

static void test_hotline_keying_with_readback(void **state)
{
	struct fx *f = *state;

	run(f, "hot1", "text:1234 <Enter> k text:19141-002 <Enter> text:caller-7 <Enter> "
	    "text:50 <Enter> text:30 <Enter> text:20 <Enter> text:99 <Enter> <dump> <BS> <BS> "
	    "text:100 <Enter> <dump> <Enter> <dump>", 80, 24);
	assert_shows(screen(f, 0), "add up to 100 but the total says 99");
	assert_shows(screen(f, 1), "Read back to the caller: 19141-002");
	assert_shows(screen(f, 2), "Saved (accepted) to the queue: hotline-hot1-");
	assert_int_equal(count(f, "SELECT count(*) FROM submissions WHERE source = 'hotline'"
	                          " AND keyed_by = 'hot1' AND total = 100"), 1);
}

/* Double entry: hot1 keys a call, it waits blind; hot2 keys it from the
 * awaiting list with other numbers and the tally arrives flagged. */
static void test_hotline_double_entry(void **state)
{
	struct fx *f = *state;

	run(f, "hot1", "text:1234 <Enter> d k text:19141-002 <Enter> text:caller-7 <Enter> "
	    "text:50 <Enter> text:30 <Enter> text:20 <Enter> text:100 <Enter> <Enter> <dump>",
	    80, 24);
	assert_shows(screen(f, 0), "Held as call 1");
	assert_int_equal(count(f, "SELECT count(*) FROM submissions WHERE source = 'hotline'"), 0);
	run(f, "hot2", "text:1234 <Enter> s <dump> <Enter> <dump> text:caller-7 <Enter> text:50 "
	    "<Enter> text:20 <Enter> text:30 <Enter> text:100 <Enter> <Enter> <dump>", 80, 24);
	assert_shows(screen(f, 0), "19141-002");
	assert_null(strstr(screen(f, 0), "caller-7 50"));
	assert_shows(screen(f, 1), "Second entry, keyed blind");
	assert_shows(screen(f, 2), "Saved, flagged: the two entries differ");
	assert_int_equal(count(f, "SELECT count(*) FROM flags WHERE rule = 'double_entry'"
	                          " AND severity = 'hard'"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM submissions WHERE keyed_by = 'hot1'"
	                          " AND state = 'flagged'"), 1);
}

/* Tab inside the form moves between fields; Tab elsewhere switches views
 * and coming back finds the half-keyed call and double entry as left. */
static void test_hotline_form_survives_tab(void **state)
{
	struct fx *f = *state;

	run(f, "hot1", "text:1234 <Enter> d k text:19141-002 <Enter> text:caller-7 <Tab> "
	    "text:50 <Tab> <dump> <Esc> <Esc> <Tab> <BTab> <dump> s q <dump>", 80, 24);
	assert_shows(screen(f, 0), "Donald J. Trump              50");
	assert_shows(screen(f, 0), "[Hotline]");
	assert_shows(screen(f, 1), "[Hotline]");
	assert_shows(screen(f, 1), "double entry ON");
	/* q in the awaiting list goes home, it does not quit */
	assert_shows(screen(f, 2), "double entry ON");
}

/* A terminal narrower than any line: the detail must not spin laying out
 * its text, and comes back whole. */
static void test_tiny_terminal_on_detail(void **state)
{
	struct fx *f = *state;

	run(f, "val1", "text:1234 <Enter> <Enter> <resize:12x24> <dump> <resize:3x2> "
	    "<resize:80x24> <dump>", 80, 24);
	assert_shows(screen(f, 0), "warroom need");
	assert_shows(screen(f, 1), "!! HARD sum_mismatch");
}

/* A rejected tally reaches the hotline's callback list; x marks it done. */
static void test_callback_list(void **state)
{
	struct fx *f = *state;

	run(f, "val1", "text:1234 <Enter> <Enter> r text:Call<Space>the<Space>chair <Enter>",
	    80, 24);
	run(f, "hot1", "text:1234 <Enter> <dump> x <dump>", 80, 24);
	assert_shows(screen(f, 0), "Call the chair");
	assert_shows(screen(f, 0), "0 awaiting a 2nd entry; 1 callback");
	assert_shows(screen(f, 1), "Callback for 19153-001 marked done");
	assert_int_equal(count(f, "SELECT count(*) FROM callbacks WHERE done_at IS NOT NULL"), 1);
}

static void test_freeze_from_publish_view(void **state)
{
	struct fx *f = *state;

	run(f, "sup1", "text:1234 <Enter> <Tab> f text:AP<Space>asked<Space>us<Space>to<Space>"
	    "hold <Enter> <dump>", 80, 24);
	assert_shows(screen(f, 0), "Publishing FROZEN by sup1");
	assert_shows(screen(f, 0), "AP asked us to hold");
	assert_int_equal(count(f, "SELECT count(*) FROM publish_freeze WHERE frozen = 1"), 1);
	/* a validator sees the state but has no freeze key */
	run(f, "val1", "text:1234 <Enter> <Tab> <Tab> <Tab> u <dump>", 80, 24);
	assert_shows(screen(f, 0), "FROZEN");
	assert_int_equal(count(f, "SELECT count(*) FROM publish_freeze WHERE frozen = 1"), 1);
	/* unfreezing and publishing ask for "yes": a stray key does neither */
	run(f, "sup1", "text:1234 <Enter> <Tab> u text:y <Enter> p <Enter> <dump>", 80, 24);
	assert_shows(screen(f, 0), "FROZEN");
	assert_int_equal(count(f, "SELECT count(*) FROM batches"), 0);
	run(f, "sup1", "text:1234 <Enter> <Tab> u text:yes <Enter> <dump>", 80, 24);
	assert_shows(screen(f, 0), "Publishing LIVE");
}

/* Without colour or UTF-8 the same words and symbols are on the screen;
 * only the bars fall back to ASCII. */
static void test_monochrome_ascii(void **state)
{
	struct fx *f = *state;

	setenv("NO_COLOR", "1", 1);
	setenv("WARROOM_ASCII", "1", 1);
	run(f, "sup1", "text:1234 <Enter> <dump>", 80, 24);
	unsetenv("NO_COLOR");
	unsetenv("WARROOM_ASCII");
	assert_shows(screen(f, 0), "!POLK");
	assert_shows(screen(f, 0), ".OBRIE");
	assert_shows(screen(f, 0), "H held  ! flagged");
	assert_shows(screen(f, 0), "Reported  #############.......");
	assert_null(strstr(screen(f, 0), "\u2588"));
}

/* The whole screen, compared with what a reviewer checked by eye. */
static void compare(struct fx *f, int n, const char *file)
{
	char path[128];
	char *want;

	snprintf(path, sizeof path, EXPECTED "/%s", file);
	want = slurp(path);
	if (strcmp(screen(f, n), want) != 0) {
		fprintf(stderr, "%s", screen(f, n));
		fail_msg("the screen above differs from %s", path);
	}
	free(want);
}

static void test_screens_as_expected(void **state)
{
	struct fx *f = *state;

	run(f, "sup1", "text:1234 <Enter> <dump> <Tab> <Tab> <Enter> <dump>", 80, 24);
	compare(f, 0, "board_80x24.txt");
	compare(f, 1, "detail_80x24.txt");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_signin_wrong_then_right, setup, teardown),
		cmocka_unit_test_setup_teardown(test_approve_from_queue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reject_needs_reason, setup, teardown),
		cmocka_unit_test_setup_teardown(test_claims_given_back_at_exit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_help_comes_from_key_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_small_then_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmatched_resolve, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hotline_keying_with_readback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hotline_double_entry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hotline_form_survives_tab, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tiny_terminal_on_detail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_callback_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_freeze_from_publish_view, setup, teardown),
		cmocka_unit_test_setup_teardown(test_monochrome_ascii, setup, teardown),
		cmocka_unit_test_setup_teardown(test_screens_as_expected, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
