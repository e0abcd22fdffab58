/* The anomaly rules on a plain struct wr_rule_ctx: for every rule in the
 * table a case just below, at and just above each threshold (which side is
 * inclusive is noted per rule, as coded in src/rules.c), the severity the
 * flag carries, its sentence with the numbers, and its value and threshold
 * fields. Then the rules file: a good one reaches wr_thresholds_load, a bad
 * one is refused naming the file, the rule, the parameter and what is
 * allowed, and a refused file rolled back leaves the thresholds in force. */
#include "testutil.h"

#include <math.h>
#include <sys/stat.h>

#include "warroom/rules.h"
#include "warroom/severity.h"

#define OPENS 1705366800  /* 2024-01-15T19:00:00-06:00 */

static struct wr_flag flags[64];
static size_t nflags;

static size_t idx(const char *id)
{
	size_t n;
	const struct wr_rule *r = wr_rule_find(id);

	if (!r)
		fail_msg("no rule %s in the table", id);
	return (size_t)(r - wr_rules_table(&n));
}

static int pidx(const char *id, const char *param)
{
	int k = wr_rule_param(wr_rule_find(id), param);

	if (k < 0)
		fail_msg("rule %s has no parameter %s", id, param);
	return k;
}

/* An ordinary tally: 60/30/10 of 100 in a one-precinct room, in line with
 * its baselines, an hour after opening. No rule fires on it. */
static struct wr_rule_ctx ctx(void)
{
	struct wr_rule_ctx c;

	memset(&c, 0, sizeof c);
	c.ncand = 3;
	c.cand[0] = "trump";
	c.cand[1] = "desantis";
	c.cand[2] = "haley";
	c.votes[0] = 60;
	c.votes[1] = 30;
	c.votes[2] = 10;
	c.total = 100;
	c.registered = 1000;
	c.base2016 = 100;
	c.base2020 = 100;
	c.leader2016_share = 0.6;
	c.opens_at = OPENS;
	c.reported_at = OPENS + 3600;
	c.reporter_sites = 1;
	c.device_sites = 1;
	c.site_precincts = 1;
	c.site_votes = 100;
	c.site_registered = 1000;
	c.site_base2016 = 100;
	c.window_device = 1;
	c.window_reporter = 1;
	c.window_county = 1;
	c.window_state = 1;
	return c;
}

static void set_votes(struct wr_rule_ctx *c, int64_t a, int64_t b, int64_t d)
{
	c->votes[0] = a;
	c->votes[1] = b;
	c->votes[2] = d;
	c->total = a + b + d;
}

/* Runs every rule with thresholds t; the flag of rule id, or NULL. */
static const struct wr_flag *run_t(const struct wr_thresholds *t, const struct wr_rule_ctx *c,
                                   const char *id)
{
	nflags = wr_rules_run(t, c, flags, sizeof flags / sizeof flags[0]);
	for (size_t i = 0; i < nflags; i++) {
		assert_non_null(flags[i].rule);
		if (strcmp(flags[i].rule, id) == 0)
			return &flags[i];
	}
	return NULL;
}

static const struct wr_flag *run(const struct wr_rule_ctx *c, const char *id)
{
	struct wr_thresholds t;

	wr_thresholds_default(&t);
	return run_t(&t, c, id);
}

static void assert_near(double got, double want)
{
	if (fabs(got - want) > 1e-9 * (fabs(want) > 1 ? fabs(want) : 1))
		fail_msg("got %.17g, want %.17g", got, want);
}

static void expect(const struct wr_flag *f, enum wr_severity sev, double value,
                   double threshold, const char *message)
{
	if (!f)
		fail_msg("the rule did not fire; expected \"%s\"", message);
	assert_string_equal(wr_severity_name(f->severity), wr_severity_name(sev));
	assert_near(f->value, value);
	assert_near(f->threshold, threshold);
	assert_string_equal(f->message, message);
}

/* --- the table ----------------------------------------------------------- */

/* Every rule in the table is one this file tests: a new rule without
 * boundary tests fails here. */
static const char *const tested[] = {
	"sum_mismatch", "absurd_count", "over_registered", "registered_share",
	"turnout_2016", "turnout_2020", "turnout_county", "leader_share", "county_outlier", "pooled_share",
	"conflicting_revision", "source_disagreement", "outside_site", "roster", "unlisted_reporter",
	"super_site", "pre_opening", "burst", "county_rate", "state_rate",
	"county_gate",  /* no check function: tested through wr_scorer_gate */
};

static void test_table(void **state)
{
	size_t n;
	const struct wr_rule *t = wr_rules_table(&n);
	struct wr_thresholds th;

	(void)state;
	assert_int_equal(n, sizeof tested / sizeof tested[0]);
	assert_true(n <= sizeof th.severity / sizeof th.severity[0]);
	wr_thresholds_default(&th);
	for (size_t i = 0; i < n; i++) {
		int found = 0;

		for (size_t j = 0; j < sizeof tested / sizeof tested[0]; j++)
			found |= strcmp(t[i].id, tested[j]) == 0;
		if (!found)
			fail_msg("rule %s has no tests in test_rules.c", t[i].id);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(t[i].id, t[j].id);
		assert_ptr_equal(wr_rule_find(t[i].id), &t[i]);
		assert_non_null(t[i].description);
		assert_int_equal(th.severity[i], t[i].severity);
		assert_true(t[i].severity >= WR_SEV_INFO && t[i].severity <= WR_SEV_HARD);
		assert_true(t[i].check != NULL || strcmp(t[i].id, "county_gate") == 0);
		for (int k = 0; k < WR_RULE_PARAMS && t[i].params[k].name; k++) {
			const struct wr_param *p = &t[i].params[k];

			if (!(p->min < p->max && p->def >= p->min && p->def <= p->max))
				fail_msg("%s.%s: default %g outside %g..%g", t[i].id, p->name,
				         p->def, p->min, p->max);
			assert_non_null(p->help);
			assert_int_equal(wr_rule_param(&t[i], p->name), k);
			assert_true(th.value[i][k] == p->def);
		}
		assert_int_equal(wr_rule_param(&t[i], "severity"), -1);
		assert_int_equal(wr_rule_param(&t[i], "nope"), -1);
	}
	assert_null(wr_rule_find("nope"));
	assert_null(wr_rule_find(""));
	/* Judged again with the county: its turnout, and the shares, which
	 * alone take a second look at approved tallies. */
	for (size_t i = 0; i < n; i++)
		assert_int_equal(t[i].rejudge,
		                 !strcmp(t[i].id, "turnout_county") ? WR_REJUDGE_PENDING :
		                 !strcmp(t[i].id, "county_outlier") ||
		                 !strcmp(t[i].id, "pooled_share") ? WR_REJUDGE_APPROVED
		                                                  : WR_REJUDGE_NEVER);
}

static void test_severity_names(void **state)
{
	enum wr_severity s = WR_SEV_NONE;

	(void)state;
	assert_string_equal(wr_severity_name(WR_SEV_INFO), "info");
	assert_string_equal(wr_severity_name(WR_SEV_WARN), "warn");
	assert_string_equal(wr_severity_name(WR_SEV_HARD), "hard");
	assert_string_equal(wr_severity_name(WR_SEV_OFF), "off");
	assert_string_equal(wr_severity_name((enum wr_severity)99), "?");
	assert_int_equal(wr_severity_parse("warn", &s), 0);
	assert_int_equal(s, WR_SEV_WARN);
	assert_int_equal(wr_severity_parse("off", &s), 0);
	assert_int_equal(s, WR_SEV_OFF);
	assert_int_equal(wr_severity_parse("none", &s), -1);
	assert_int_equal(wr_severity_parse("WARN", &s), -1);
	assert_int_equal(wr_severity_parse("", &s), -1);
	assert_int_equal(s, WR_SEV_OFF);
}

static void test_ordinary_tally_is_quiet(void **state)
{
	struct wr_rule_ctx c = ctx();
	struct wr_thresholds t;

	(void)state;
	wr_thresholds_default(&t);
	assert_int_equal(wr_rules_run(&t, &c, flags, 64), 0);
}

/* Severity from the thresholds, off disabling a rule, max respected. */
static void test_severity_carried_and_off(void **state)
{
	struct wr_rule_ctx c = ctx();
	struct wr_thresholds t;
	const struct wr_flag *f;

	(void)state;
	c.total = 99;                      /* sum_mismatch, hard by default */
	c.reported_at = OPENS - 30;        /* pre_opening, hard by default */
	wr_thresholds_default(&t);
	f = run_t(&t, &c, "sum_mismatch");
	assert_non_null(f);
	assert_int_equal(f->severity, WR_SEV_HARD);
	assert_int_equal(nflags, 2);
	assert_string_equal(flags[0].rule, "sum_mismatch");  /* in table order */
	assert_string_equal(flags[1].rule, "pre_opening");

	t.severity[idx("sum_mismatch")] = WR_SEV_INFO;
	f = run_t(&t, &c, "sum_mismatch");
	assert_non_null(f);
	assert_int_equal(f->severity, WR_SEV_INFO);

	t.severity[idx("sum_mismatch")] = WR_SEV_OFF;
	assert_null(run_t(&t, &c, "sum_mismatch"));
	assert_int_equal(nflags, 1);
	assert_non_null(run_t(&t, &c, "pre_opening"));

	/* Room for one flag: one is written, and nothing past it. */
	wr_thresholds_default(&t);
	memset(flags, 0xAB, sizeof flags);
	assert_int_equal(wr_rules_run(&t, &c, flags, 1), 1);
	assert_string_equal(flags[0].rule, "sum_mismatch");
	assert_int_equal(((unsigned char *)&flags[1])[0], 0xAB);
	assert_int_equal(wr_rules_run(&t, &c, flags, 0), 0);
}

/* Every rule with a check can be switched off, and then fires on nothing. */
static void test_every_rule_off(void **state)
{
	struct wr_rule_ctx c = ctx();
	struct wr_thresholds t;
	size_t n;

	(void)state;
	/* A context where most rules fire at once. */
	c.votes[0] = 4000;
	c.total = 3900;
	c.registered = 1000;
	c.reported_at = OPENS - 600;
	c.has_prev = 1;
	c.has_other = 1;
	snprintf(c.other_source, sizeof c.other_source, "hotline");
	c.reporter_sites = 3;
	c.site_precincts = 4;
	c.site_votes = 5000;
	c.site_registered = 4000;
	c.window_device = 50;
	c.window_county = 500;
	c.window_state = 5000;
	c.county_approved = 10;
	wr_thresholds_default(&t);
	wr_rules_table(&n);
	assert_true(wr_rules_run(&t, &c, flags, 64) >= 10);
	for (size_t i = 0; i < n; i++)
		t.severity[i] = WR_SEV_OFF;
	assert_int_equal(wr_rules_run(&t, &c, flags, 64), 0);
}

/* --- integrity ------------------------------------------------------------ */

/* sum_mismatch: fires whenever the candidates' sum differs from the total. */
static void test_sum_mismatch(void **state)
{
	struct wr_rule_ctx c = ctx();

	(void)state;
	c.total = 99;
	expect(run(&c, "sum_mismatch"), WR_SEV_HARD, 100, 99,
	       "candidate votes add up to 100 but the total says 99 (off by +1)");
	c.total = 100;
	assert_null(run(&c, "sum_mismatch"));
	c.total = 101;
	expect(run(&c, "sum_mismatch"), WR_SEV_HARD, 100, 101,
	       "candidate votes add up to 100 but the total says 101 (off by -1)");
	/* A tally of zeros adds up. */
	set_votes(&c, 0, 0, 0);
	assert_null(run(&c, "sum_mismatch"));
}

/* absurd_count: max_votes 3000, strict (3000 passes, 3001 fires), on the
 * larger of the total and the candidates' sum. */
static void test_absurd_count(void **state)
{
	struct wr_rule_ctx c = ctx();

	(void)state;
	c.registered = 10000;
	set_votes(&c, 2999, 0, 0);
	assert_null(run(&c, "absurd_count"));
	set_votes(&c, 3000, 0, 0);
	assert_null(run(&c, "absurd_count"));
	set_votes(&c, 3001, 0, 0);
	expect(run(&c, "absurd_count"), WR_SEV_HARD, 3001, 3000,
	       "3001 votes in one precinct is beyond any caucus room (limit 3000)");
	/* The candidates' sum counts when the total understates it ... */
	set_votes(&c, 3001, 0, 0);
	c.total = 100;
	expect(run(&c, "absurd_count"), WR_SEV_HARD, 3001, 3000,
	       "3001 votes in one precinct is beyond any caucus room (limit 3000)");
	/* ... and the total when it overstates. */
	set_votes(&c, 60, 30, 10);
	c.total = 5000;
	expect(run(&c, "absurd_count"), WR_SEV_HARD, 5000, 3000,
	       "5000 votes in one precinct is beyond any caucus room (limit 3000)");
}

/* over_registered: strict, turnout above registered (equal passes); no
 * registration known (0) never fires. */
static void test_over_registered(void **state)
{
	struct wr_rule_ctx c = ctx();

	(void)state;
	set_votes(&c, 999, 0, 0);
	assert_null(run(&c, "over_registered"));
	set_votes(&c, 1000, 0, 0);
	assert_null(run(&c, "over_registered"));
	set_votes(&c, 1001, 0, 0);
	expect(run(&c, "over_registered"), WR_SEV_HARD, 1001, 1000,
	       "turnout 1001 is more than the 1000 Republicans registered in the "
	       "precinct (100%)");
	set_votes(&c, 1500, 0, 0);
	expect(run(&c, "over_registered"), WR_SEV_HARD, 1500, 1000,
	       "turnout 1500 is more than the 1000 Republicans registered in the "
	       "precinct (150%)");
	c.registered = 0;
	assert_null(run(&c, "over_registered"));
}

/* registered_share: share 0.7, strict (0.7 passes); above 100% is left to
 * over_registered; no registration known never fires. */
static void test_registered_share(void **state)
{
	struct wr_rule_ctx c = ctx();
	struct wr_thresholds t;
	double v;

	(void)state;
	set_votes(&c, 699, 0, 0);
	assert_null(run(&c, "registered_share"));
	set_votes(&c, 700, 0, 0);
	assert_null(run(&c, "registered_share"));
	set_votes(&c, 701, 0, 0);
	assert_non_null(run(&c, "registered_share"));
	assert_near(run(&c, "registered_share")->value, 0.701);
	set_votes(&c, 750, 0, 0);
	expect(run(&c, "registered_share"), WR_SEV_WARN, 0.75, 0.7,
	       "turnout 750 is 75% of the 1000 registered Republicans; above 70% is "
	       "implausible for a caucus");
	set_votes(&c, 1000, 0, 0);
	expect(run(&c, "registered_share"), WR_SEV_WARN, 1.0, 0.7,
	       "turnout 1000 is 100% of the 1000 registered Republicans; above 70% is "
	       "implausible for a caucus");
	set_votes(&c, 1001, 0, 0);
	assert_null(run(&c, "registered_share"));
	assert_non_null(run(&c, "over_registered"));
	c.registered = 0;
	set_votes(&c, 900, 0, 0);
	assert_null(run(&c, "registered_share"));

	/* Exactly at a configured threshold, and one ulp either side. */
	c.registered = 1000;
	set_votes(&c, 701, 0, 0);
	v = 701.0 / 1000.0;
	wr_thresholds_default(&t);
	t.value[idx("registered_share")][0] = v;
	assert_null(run_t(&t, &c, "registered_share"));
	t.value[idx("registered_share")][0] = nextafter(v, 0);
	assert_non_null(run_t(&t, &c, "registered_share"));
	t.value[idx("registered_share")][0] = nextafter(v, 2);
	assert_null(run_t(&t, &c, "registered_share"));
}

/* conflicting_revision: fires when a revision differs from the tally it
 * supersedes in any number. */
static void test_conflicting_revision(void **state)
{
	struct wr_rule_ctx c = ctx();

	(void)state;
	assert_null(run(&c, "conflicting_revision"));  /* no previous revision */
	c.has_prev = 1;
	memcpy(c.prev_votes, c.votes, sizeof c.votes);
	c.prev_total = 100;
	assert_null(run(&c, "conflicting_revision"));  /* the same numbers again */
	c.prev_total = 101;
	c.prev_votes[0] = 61;
	expect(run(&c, "conflicting_revision"), WR_SEV_WARN, 100, 101,
	       "a revision changes the precinct's tally: total 100, before 101");
	c.prev_total = 99;
	c.prev_votes[0] = 59;
	expect(run(&c, "conflicting_revision"), WR_SEV_WARN, 100, 99,
	       "a revision changes the precinct's tally: total 100, before 99");
	/* One vote moved between candidates, the total unchanged. */
	c.prev_total = 100;
	c.prev_votes[0] = 59;
	c.prev_votes[1] = 31;
	assert_non_null(run(&c, "conflicting_revision"));
	/* Only the total differs. */
	memcpy(c.prev_votes, c.votes, sizeof c.votes);
	c.prev_total = 101;
	assert_non_null(run(&c, "conflicting_revision"));
}

/* source_disagreement: fires when the other source's latest tally differs;
 * the message names the first candidate that differs, or the totals. */
static void test_source_disagreement(void **state)
{
	struct wr_rule_ctx c = ctx();

	(void)state;
	assert_null(run(&c, "source_disagreement"));  /* no other source */
	c.has_other = 1;
	snprintf(c.other_source, sizeof c.other_source, "hotline");
	memcpy(c.other_votes, c.votes, sizeof c.votes);
	c.other_total = 100;
	assert_null(run(&c, "source_disagreement"));
	c.other_votes[1] = 31;
	c.other_total = 101;
	expect(run(&c, "source_disagreement"), WR_SEV_HARD, 30, 31,
	       "the hotline tally gives desantis 31, this one 30");
	c.other_votes[1] = 29;
	c.other_votes[2] = 11;
	c.other_total = 100;
	expect(run(&c, "source_disagreement"), WR_SEV_HARD, 30, 29,
	       "the hotline tally gives desantis 29, this one 30");
	memcpy(c.other_votes, c.votes, sizeof c.votes);
	c.other_total = 101;
	snprintf(c.other_source, sizeof c.other_source, "app");
	expect(run(&c, "source_disagreement"), WR_SEV_HARD, 100, 101,
	       "the app tally gives total 101, this one 100");
}

/* outside_site: sites 1, strict (one site passes, two fire), the larger of
 * the reporter's and the device's counts; the message says which. */
static void test_outside_site(void **state)
{
	struct wr_rule_ctx c = ctx();
	struct wr_thresholds t;

	(void)state;
	c.reporter_sites = 0;
	c.device_sites = 0;
	assert_null(run(&c, "outside_site"));  /* hotline: not counted */
	c.reporter_sites = 1;
	assert_null(run(&c, "outside_site"));
	c.reporter_sites = 2;
	expect(run(&c, "outside_site"), WR_SEV_WARN, 2, 1,
	       "the reporter has tallied for precincts in 2 caucus sites; a reporter "
	       "works in one room");
	c.reporter_sites = 1;
	c.device_sites = 3;
	expect(run(&c, "outside_site"), WR_SEV_WARN, 3, 1,
	       "the device has tallied for precincts in 3 caucus sites; a reporter "
	       "works in one room");
	wr_thresholds_default(&t);
	t.value[idx("outside_site")][pidx("outside_site", "sites")] = 3;
	assert_null(run_t(&t, &c, "outside_site"));
	c.device_sites = 4;
	assert_non_null(run_t(&t, &c, "outside_site"));
}

/* roster: only a reporter the roster lists, for other precincts only; the
 * message names the first of them, and a long name is cut on a character. */
static void test_roster(void **state)
{
	struct wr_rule_ctx c = ctx();
	char name[200];

	(void)state;
	assert_null(run(&c, "roster"));              /* no reporter, no roster */
	c.reporter = "rep-19153-042";
	assert_null(run(&c, "roster"));              /* not on the roster */
	c.roster_listed = 1;
	c.roster_here = 1;
	assert_null(run(&c, "roster"));
	c.roster_here = 0;
	snprintf(c.roster_first, sizeof c.roster_first, "19153-042");
	expect(run(&c, "roster"), WR_SEV_WARN, 0, 1,
	       "reporter rep-19153-042 is on the roster for precinct 19153-042, not this one");
	c.roster_listed = 5;
	expect(run(&c, "roster"), WR_SEV_WARN, 0, 1, "reporter rep-19153-042 is on the "
	       "roster for 5 precincts from 19153-042 on, not this one");
	c.roster_here = 1;
	assert_null(run(&c, "roster"));
	c.roster_here = 0;
	/* 59 bytes of 'a', then a two-byte letter across the 60-byte cut */
	memset(name, 'a', 59);
	snprintf(name + 59, sizeof name - 59, "\xc3\xa9%s", "and-then-some-more");
	c.reporter = name;
	c.roster_listed = 1;
	expect(run(&c, "roster"), WR_SEV_WARN, 0, 1, "reporter aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	       "aaaaaaaaaaaaaaaaaaaaaaaa... is on the roster for precinct 19153-042, not this one");
}

/* unlisted_reporter: only while a roster is loaded, only a reporter it
 * lists nowhere; the roster rule speaks for one listed elsewhere. */
static void test_unlisted_reporter(void **state)
{
	struct wr_rule_ctx c = ctx();

	(void)state;
	c.reporter = "stand-in-anna";
	assert_null(run(&c, "unlisted_reporter"));   /* no roster loaded */
	c.roster_loaded = 1;
	expect(run(&c, "unlisted_reporter"), WR_SEV_WARN, 0, 1, "reporter stand-in-anna is "
	       "not on the roster: confirm who reported this tally");
	c.roster_listed = 1;
	c.roster_here = 1;
	assert_null(run(&c, "unlisted_reporter"));
	c.roster_here = 0;                            /* listed, for another precinct */
	assert_null(run(&c, "unlisted_reporter"));
	assert_non_null(run(&c, "roster"));
}

/* super_site: only rooms of 4+ precincts. Votes above the room's
 * registered fire first; otherwise the ratio to the room's 2016 caucus is
 * strict (2.5x passes) and the change inclusive (+100 fires). */
static void test_super_site(void **state)
{
	struct wr_rule_ctx c = ctx();
	struct wr_thresholds t;
	double v;

	(void)state;
	c.site_precincts = 4;
	c.site_registered = 4000;
	c.site_base2016 = 100;
	c.site_votes = c.site_votes_based = 250;   /* ratio 2.5, +150 */
	assert_null(run(&c, "super_site"));
	c.site_votes = c.site_votes_based = 249;
	assert_null(run(&c, "super_site"));
	c.site_votes = c.site_votes_based = 251;
	expect(run(&c, "super_site"), WR_SEV_WARN, 2.51, 2.5,
	       "the 4 precincts of this room report 251 votes, 2.5x their 2016 caucus "
	       "(100)");
	c.site_precincts = 3;                       /* not a super site */
	assert_null(run(&c, "super_site"));
	c.site_precincts = 4;
	/* The change, with the ratio well above. */
	c.site_base2016 = 60;
	c.site_votes = c.site_votes_based = 159;   /* 2.65x, +99 */
	assert_null(run(&c, "super_site"));
	c.site_votes = c.site_votes_based = 160;   /* +100 */
	expect(run(&c, "super_site"), WR_SEV_WARN, 160.0 / 60.0, 2.5,
	       "the 4 precincts of this room report 160 votes, 2.7x their 2016 caucus "
	       "(60)");
	c.site_votes = c.site_votes_based = 161;
	assert_non_null(run(&c, "super_site"));
	/* Only precincts with a 2016 caucus are compared with it: a new
	 * precinct's votes do not make the room look swollen. */
	c.site_votes = 400;
	c.site_votes_based = 159;
	assert_null(run(&c, "super_site"));
	c.site_votes_based = 161;
	/* Against the room's registered Republicans, strict. */
	c.site_base2016 = 3000;
	c.site_votes = 4000;
	assert_null(run(&c, "super_site"));
	c.site_votes = 4001;
	expect(run(&c, "super_site"), WR_SEV_WARN, 4001, 4000,
	       "the 4 precincts of this room report 4001 votes, more than their 4000 "
	       "registered Republicans");
	/* No 2016 caucus for the room's reported precincts: only the
	 * registered check applies. */
	c.site_base2016 = 0;
	c.site_votes = 3000;
	assert_null(run(&c, "super_site"));
	c.site_votes = 4001;
	assert_non_null(run(&c, "super_site"));
	/* No registration known: nothing to say. */
	c.site_registered = 0;
	c.site_base2016 = 100;
	c.site_votes = 1000;
	assert_null(run(&c, "super_site"));

	/* The ratio at a configured threshold and one ulp either side. */
	c.site_registered = 4000;
	c.site_base2016 = 100;
	c.site_votes = c.site_votes_based = 300;
	v = 300.0 / 100.0;
	wr_thresholds_default(&t);
	t.value[idx("super_site")][pidx("super_site", "ratio")] = v;
	assert_null(run_t(&t, &c, "super_site"));
	t.value[idx("super_site")][pidx("super_site", "ratio")] = nextafter(v, 0);
	assert_non_null(run_t(&t, &c, "super_site"));
	t.value[idx("super_site")][pidx("super_site", "ratio")] = nextafter(v, 100);
	assert_null(run_t(&t, &c, "super_site"));
}

/* pre_opening: strict, reported before the opening (at it passes). */
static void test_pre_opening(void **state)
{
	struct wr_rule_ctx c = ctx();

	(void)state;
	c.reported_at = OPENS + 1;
	assert_null(run(&c, "pre_opening"));
	c.reported_at = OPENS;
	assert_null(run(&c, "pre_opening"));
	c.reported_at = OPENS - 1;
	expect(run(&c, "pre_opening"), WR_SEV_HARD, 1, 0,
	       "reported 1 minutes before the caucus opened: test data, not a result");
	c.reported_at = OPENS - 61;
	expect(run(&c, "pre_opening"), WR_SEV_HARD, 61, 0,
	       "reported 2 minutes before the caucus opened: test data, not a result");
	c.reported_at = OPENS - 3600;
	expect(run(&c, "pre_opening"), WR_SEV_HARD, 3600, 0,
	       "reported 60 minutes before the caucus opened: test data, not a result");
	c.opens_at = 0;  /* no opening known */
	assert_null(run(&c, "pre_opening"));
}

/* --- against the baselines -------------------------------------------------- */

/* turnout_2016: ratio 2.5 and change 40, both inclusive and both needed;
 * low 0.25 inclusive with the same change downwards. */
static void test_turnout_2016(void **state)
{
	struct wr_rule_ctx c = ctx();
	struct wr_thresholds t;
	double v;

	(void)state;
	c.base2020 = -1;
	/* The ratio, with the change well past 40. */
	c.base2016 = 40;
	set_votes(&c, 99, 0, 0);                       /* 2.475x, +59 */
	assert_null(run(&c, "turnout_2016"));
	set_votes(&c, 100, 0, 0);                      /* 2.5x, +60 */
	expect(run(&c, "turnout_2016"), WR_SEV_WARN, 2.5, 2.5,
	       "turnout 100 is 2.5x the 2016 caucus (40) and +60 votes");
	set_votes(&c, 101, 0, 0);
	assert_non_null(run(&c, "turnout_2016"));
	/* The change, with the ratio past 2.5. */
	c.base2016 = 20;
	set_votes(&c, 59, 0, 0);                       /* 2.95x, +39 */
	assert_null(run(&c, "turnout_2016"));
	set_votes(&c, 60, 0, 0);                       /* 3x, +40 */
	expect(run(&c, "turnout_2016"), WR_SEV_WARN, 3.0, 2.5,
	       "turnout 60 is 3.0x the 2016 caucus (20) and +40 votes");
	set_votes(&c, 61, 0, 0);
	assert_non_null(run(&c, "turnout_2016"));
	/* 8 -> 16 is +100% but only +8: not flagged. */
	c.base2016 = 8;
	set_votes(&c, 16, 0, 0);
	assert_null(run(&c, "turnout_2016"));
	/* At the ratio but a vote short of the change. */
	c.base2016 = 26;
	set_votes(&c, 65, 0, 0);                       /* 2.5x, +39 */
	assert_null(run(&c, "turnout_2016"));
	set_votes(&c, 66, 0, 0);                       /* 2.54x, +40 */
	assert_non_null(run(&c, "turnout_2016"));
	/* The example. */
	c.base2016 = 133;
	set_votes(&c, 412, 0, 0);
	expect(run(&c, "turnout_2016"), WR_SEV_WARN, 412.0 / 133.0, 2.5,
	       "turnout 412 is 3.1x the 2016 caucus (133) and +279 votes");

	/* Low: the ratio, with the change well past 40. */
	c.base2016 = 160;
	set_votes(&c, 41, 0, 0);                       /* 0.256x, -119 */
	assert_null(run(&c, "turnout_2016"));
	set_votes(&c, 40, 0, 0);                       /* 0.25x, -120 */
	expect(run(&c, "turnout_2016"), WR_SEV_WARN, 0.25, 0.25,
	       "turnout 40 is 25% of the 2016 caucus (160), -120 votes");
	set_votes(&c, 39, 0, 0);
	assert_non_null(run(&c, "turnout_2016"));
	/* Low: the change, with the ratio below 0.25. */
	c.base2016 = 49;
	set_votes(&c, 10, 0, 0);                       /* 0.20x, -39 */
	assert_null(run(&c, "turnout_2016"));
	c.base2016 = 50;                               /* 0.2x, -40 */
	expect(run(&c, "turnout_2016"), WR_SEV_WARN, 0.2, 0.25,
	       "turnout 10 is 20% of the 2016 caucus (50), -40 votes");
	c.base2016 = 51;
	assert_non_null(run(&c, "turnout_2016"));
	/* Nobody came. */
	c.base2016 = 100;
	set_votes(&c, 0, 0, 0);
	expect(run(&c, "turnout_2016"), WR_SEV_WARN, 0, 0.25,
	       "turnout 0 is 0% of the 2016 caucus (100), -100 votes");

	/* No baseline (-1) or an empty one: never fires. */
	c.base2016 = -1;
	set_votes(&c, 2000, 0, 0);
	assert_null(run(&c, "turnout_2016"));
	set_votes(&c, 0, 0, 0);
	assert_null(run(&c, "turnout_2016"));
	c.base2016 = 0;
	set_votes(&c, 500, 0, 0);
	assert_null(run(&c, "turnout_2016"));

	/* The ratios at configured thresholds and one ulp either side. */
	wr_thresholds_default(&t);
	c.base2016 = 100;
	set_votes(&c, 300, 0, 0);
	v = 300.0 / 100.0;
	t.value[idx("turnout_2016")][pidx("turnout_2016", "ratio")] = v;
	assert_non_null(run_t(&t, &c, "turnout_2016"));
	t.value[idx("turnout_2016")][pidx("turnout_2016", "ratio")] = nextafter(v, 0);
	assert_non_null(run_t(&t, &c, "turnout_2016"));
	t.value[idx("turnout_2016")][pidx("turnout_2016", "ratio")] = nextafter(v, 100);
	assert_null(run_t(&t, &c, "turnout_2016"));
	set_votes(&c, 30, 0, 0);
	v = 30.0 / 100.0;
	t.value[idx("turnout_2016")][pidx("turnout_2016", "low")] = v;
	assert_non_null(run_t(&t, &c, "turnout_2016"));
	t.value[idx("turnout_2016")][pidx("turnout_2016", "low")] = nextafter(v, 1);
	assert_non_null(run_t(&t, &c, "turnout_2016"));
	t.value[idx("turnout_2016")][pidx("turnout_2016", "low")] = nextafter(v, 0);
	assert_null(run_t(&t, &c, "turnout_2016"));
	/* A configured change: 70 needed, -70 given. */
	t.value[idx("turnout_2016")][pidx("turnout_2016", "low")] = 0.3;
	t.value[idx("turnout_2016")][pidx("turnout_2016", "change")] = 70;
	assert_non_null(run_t(&t, &c, "turnout_2016"));
	t.value[idx("turnout_2016")][pidx("turnout_2016", "change")] = 71;
	assert_null(run_t(&t, &c, "turnout_2016"));
}

/* turnout_2020: ratio 12 and change 60, low 0.6; the same shape. */
static void test_turnout_2020(void **state)
{
	struct wr_rule_ctx c = ctx();

	(void)state;
	c.base2016 = -1;
	c.base2020 = 10;
	set_votes(&c, 119, 0, 0);                      /* 11.9x, +109 */
	assert_null(run(&c, "turnout_2020"));
	set_votes(&c, 120, 0, 0);                      /* 12x, +110 */
	expect(run(&c, "turnout_2020"), WR_SEV_WARN, 12, 12,
	       "turnout 120 is 12.0x the 2020 caucus (10) and +110 votes");
	set_votes(&c, 121, 0, 0);
	assert_non_null(run(&c, "turnout_2020"));
	c.base2020 = 5;
	set_votes(&c, 64, 0, 0);                       /* 12.8x, +59 */
	assert_null(run(&c, "turnout_2020"));
	set_votes(&c, 65, 0, 0);                       /* 13x, +60 */
	expect(run(&c, "turnout_2020"), WR_SEV_WARN, 13, 12,
	       "turnout 65 is 13.0x the 2020 caucus (5) and +60 votes");
	/* 133 -> 412 is 3.1x: far from 12x, no flag against 2020. */
	c.base2020 = 133;
	set_votes(&c, 412, 0, 0);
	assert_null(run(&c, "turnout_2020"));
	/* Low. */
	c.base2020 = 200;
	set_votes(&c, 121, 0, 0);                      /* 0.605x, -79 */
	assert_null(run(&c, "turnout_2020"));
	set_votes(&c, 120, 0, 0);                      /* 0.6x, -80 */
	expect(run(&c, "turnout_2020"), WR_SEV_WARN, 0.6, 0.6,
	       "turnout 120 is 60% of the 2020 caucus (200), -80 votes");
	set_votes(&c, 119, 0, 0);
	assert_non_null(run(&c, "turnout_2020"));
	c.base2020 = 139;
	set_votes(&c, 80, 0, 0);                       /* 0.58x, -59 */
	assert_null(run(&c, "turnout_2020"));
	c.base2020 = 140;                              /* 0.57x, -60 */
	expect(run(&c, "turnout_2020"), WR_SEV_WARN, 80.0 / 140.0, 0.6,
	       "turnout 80 is 57% of the 2020 caucus (140), -60 votes");
	c.base2020 = -1;
	set_votes(&c, 2000, 0, 0);
	assert_null(run(&c, "turnout_2020"));
	c.base2020 = 0;
	assert_null(run(&c, "turnout_2020"));
}

/* leader_share: points 50 inclusive either way, only precincts of
 * min_votes 20 or more (inclusive); no 2016 leader share never fires. */
static void test_leader_share(void **state)
{
	struct wr_rule_ctx c = ctx();
	struct wr_thresholds t;

	(void)state;
	c.base2016 = c.base2020 = -1;
	c.leader2016_share = 0.25;
	set_votes(&c, 74, 26, 0);                      /* +49 */
	assert_null(run(&c, "leader_share"));
	set_votes(&c, 75, 25, 0);                      /* +50 */
	expect(run(&c, "leader_share"), WR_SEV_WARN, 50, 50,
	       "the leader, trump, has 75% here; the 2016 leader had 25% (+50 points)");
	set_votes(&c, 76, 24, 0);
	expect(run(&c, "leader_share"), WR_SEV_WARN, 51, 50,
	       "the leader, trump, has 76% here; the 2016 leader had 25% (+51 points)");
	/* Downwards; the leader is whoever leads tonight. */
	c.leader2016_share = 0.9;
	set_votes(&c, 35, 41, 24);                     /* -49 */
	assert_null(run(&c, "leader_share"));
	set_votes(&c, 35, 40, 25);                     /* -50 */
	expect(run(&c, "leader_share"), WR_SEV_WARN, -50, 50,
	       "the leader, desantis, has 40% here; the 2016 leader had 90% (-50 points)");
	set_votes(&c, 35, 39, 26);
	assert_non_null(run(&c, "leader_share"));
	/* min_votes: 19 votes is too small a room, 20 is not. */
	c.leader2016_share = 0.1;
	set_votes(&c, 19, 0, 0);
	assert_null(run(&c, "leader_share"));
	set_votes(&c, 20, 0, 0);
	expect(run(&c, "leader_share"), WR_SEV_WARN, 90, 50,
	       "the leader, trump, has 100% here; the 2016 leader had 10% (+90 points)");
	set_votes(&c, 21, 0, 0);
	assert_non_null(run(&c, "leader_share"));
	/* No 2016 result in the precinct; or nobody came. */
	c.leader2016_share = -1;
	assert_null(run(&c, "leader_share"));
	c.leader2016_share = 0.1;
	set_votes(&c, 0, 0, 0);
	assert_null(run(&c, "leader_share"));
	/* Configured: points 30, min_votes 0. */
	wr_thresholds_default(&t);
	t.value[idx("leader_share")][pidx("leader_share", "points")] = 30;
	t.value[idx("leader_share")][pidx("leader_share", "min_votes")] = 0;
	c.leader2016_share = 0.5;
	set_votes(&c, 8, 2, 0);                        /* 80%: +30 */
	assert_non_null(run_t(&t, &c, "leader_share"));
	set_votes(&c, 79, 21, 0);                      /* +29 */
	assert_null(run_t(&t, &c, "leader_share"));
}

/* county_outlier: robust z (share - median) / (1.4826 * max(MAD, floor)),
 * z 4 inclusive either way; only once min_precincts 5 are approved
 * (inclusive) and in precincts of min_votes 20 or more (inclusive). */
/* The county runs at 0.5x of 2016 tonight, so a precinct with 100 in 2016
 * is expected at 50: 68 (1.36x) is out, 67 is not; 35 (0.7x) is out, 36
 * is not; a small precinct needs a change of 8 votes. While the county has
 * too few approved, scoring gives the state's ratio and wider bounds hold. */
static void test_turnout_county(void **state)
{
	struct wr_rule_ctx c = ctx();

	(void)state;
	c.base2016 = 100;
	c.turnout_votes = 500;
	c.turnout_base = 1000;
	c.total = 67;
	assert_null(run(&c, "turnout_county"));
	c.total = 68;
	expect(run(&c, "turnout_county"), WR_SEV_WARN, 68.0 / 50.0, 1.35,
	       "turnout 68 is 1.36x what the county's approved precincts predict (50: "
	       "0.50x its 2016 caucus of 100)");
	c.total = 36;
	assert_null(run(&c, "turnout_county"));
	c.total = 35;
	expect(run(&c, "turnout_county"), WR_SEV_WARN, 0.7, 0.7,
	       "turnout 35 is 0.70x what the county's approved precincts predict (50: "
	       "0.50x its 2016 caucus of 100)");
	c.base2016 = 10;                           /* expected 5: 9 is +4 votes */
	c.total = 9;
	assert_null(run(&c, "turnout_county"));
	c.total = 13;                              /* +8 */
	assert_non_null(run(&c, "turnout_county"));
	c.turnout_base = 299;                       /* too little approved yet */
	assert_null(run(&c, "turnout_county"));
	c.turnout_base = 1000;
	c.base2016 = -1;                           /* no 2016 caucus here */
	assert_null(run(&c, "turnout_county"));

	/* Against the state's ratio the bounds are 1.6x and 0.6x: 80 and 30. */
	c.base2016 = 100;
	c.turnout_statewide = 1;
	c.total = 79;
	assert_null(run(&c, "turnout_county"));
	c.total = 80;
	expect(run(&c, "turnout_county"), WR_SEV_WARN, 1.6, 1.6,
	       "turnout 80 is 1.60x what the state's approved precincts predict (50: "
	       "0.50x its 2016 caucus of 100)");
	c.total = 31;
	assert_null(run(&c, "turnout_county"));
	c.total = 30;
	expect(run(&c, "turnout_county"), WR_SEV_WARN, 0.6, 0.6,
	       "turnout 30 is 0.60x what the state's approved precincts predict (50: "
	       "0.50x its 2016 caucus of 100)");
}

/* The beta-binomial two-sided tail summed term by term from lgamma, the
 * long way round, to check the rule's outward walk against. */
static double tail_long_way(int64_t k, int64_t n, double q, double conc)
{
	double al = conc * q, be = conc * (1 - q), lo = 0, hi = 0;

	for (int64_t j = 0; j <= n; j++) {
		double t = exp(lgamma(n + 1.0) - lgamma(j + 1.0) - lgamma(n - j + 1.0) +
		               lgamma(j + al) + lgamma(n - j + be) - lgamma(n + al + be) +
		               lgamma(al + be) - lgamma(al) - lgamma(be));

		lo += j <= k ? t : 0;
		hi += j >= k ? t : 0;
	}
	return fmin(1, 2 * ((double)k >= (double)n * q ? hi : lo));
}

/* The smallest count of candidate 0 (of n, the rest to candidate 1) at or
 * over half that the rule flags. */
static int64_t first_flagged(struct wr_rule_ctx *c, int64_t n)
{
	c->total = n;
	for (int64_t k = n / 2; k <= n; k++) {
		c->votes[0] = k;
		c->votes[1] = n - k;
		if (run(c, "pooled_share"))
			return k;
	}
	return -1;
}

/* pooled_share: flags a count a clean room of that size shows less than 1
 * time in odds (40), on a beta-binomial around the state's share with
 * concentration 40 while the county has approved nothing. */
static void test_pooled_share(void **state)
{
	struct wr_rule_ctx c = ctx();
	struct wr_thresholds t;
	char want[240];
	int64_t k;

	(void)state;
	c.ncand = 2;
	c.state_votes = 1000;
	c.state_share[0] = c.state_share[1] = 0.5;
	k = first_flagged(&c, 100);
	assert_in_range(k, 66, 85);
	assert_true(tail_long_way(k, 100, 0.5, 40) <= 1 / 40.0);      /* at the bar */
	assert_true(tail_long_way(k - 1, 100, 0.5, 40) > 1 / 40.0);   /* just inside it */
	snprintf(want, sizeof want, "trump has %lld of 100 here (%lld%%); the other "
	         "counties' approved votes give 50%%, about 50; a room this size shows that "
	         "about 1 time in %.0f", (long long)k,
	         (long long)k, 1 / tail_long_way(k, 100, 0.5, 40));
	expect(run(&c, "pooled_share"), WR_SEV_WARN, 1 / tail_long_way(k, 100, 0.5, 40), 40,
	       want);
	/* The walk down agrees with the long way too. */
	c.votes[0] = 100 - k;
	c.votes[1] = k;
	assert_near(run(&c, "pooled_share")->value, 1 / tail_long_way(100 - k, 100, 0.5, 40));
	c.state_sent = 1;
	assert_non_null(strstr(run(&c, "pooled_share")->message, "; every tally sent so far "
	                       "(too few approved yet) give 50%"));
	c.state_sent = 0;

	/* A small room: 8 of 12 for a 1% candidate is no noise; 8 of 12 for a
	 * 50% one is. */
	c.total = 12;
	c.votes[0] = 4;
	c.votes[1] = 8;
	assert_null(run(&c, "pooled_share"));
	c.state_share[0] = 0.99;
	c.state_share[1] = 0.01;
	assert_non_null(strstr(run(&c, "pooled_share")->message, " of 12 here"));

	/* Votes above the total (sum_mismatch's to flag): 7 of 12 counted is
	 * ordinary, not 7 of a total of 6. */
	c.votes[0] = 7;
	c.votes[1] = 5;
	c.state_share[0] = c.state_share[1] = 0.5;
	c.total = 6;
	assert_null(run(&c, "pooled_share"));

	/* A big room far out stays finite. */
	c.total = 3000;
	c.votes[0] = 0;
	c.votes[1] = 3000;
	assert_true(run(&c, "pooled_share")->value <= 1e12);

	/* Too few of the state's votes to compare: inclusive at 300; with a
	 * minimum of 0, still none while there are none. */
	c.state_votes = 299;
	assert_null(run(&c, "pooled_share"));
	c.state_votes = 300;
	assert_non_null(run(&c, "pooled_share"));
	wr_thresholds_default(&t);
	t.value[idx("pooled_share")][pidx("pooled_share", "min_pooled")] = 0;
	c.state_votes = 0;
	c.state_share[0] = c.state_share[1] = 0;
	assert_null(run_t(&t, &c, "pooled_share"));

	/* A long candidate id is cut, so the odds at the end still fit. */
	c.state_votes = 300;
	c.state_share[0] = c.state_share[1] = 0.5;
	c.cand[0] = "a-candidate-id-of-sixty-three-characters-which-no-party-would-use";
	assert_non_null(strstr(run(&c, "pooled_share")->message, "a-candidate-id-of-sixty-three-ch"
	                       "... has 0 of 3000 here"));
	assert_non_null(strstr(run(&c, "pooled_share")->message, "about 1 time in "));
}

/* Each vote the county approves pulls the expectation toward its shares
 * and narrows the spread toward a room's alone. With the defaults
 * (concentration 100, state 40) the county's prior weight is 40 x 101 / 60
 * = 202/3; 400 votes in 4 rooms of 100 weigh 400 x 101 / 200 = 202, so
 * 70% in the county against 50% in the state expects (101 + 141.4) / (808/3)
 * = 65%, and the spread is (811/3 x 101) / (808/3 + 101) - 1 = 80800/1111. */
static void test_pooled_share_county_pull(void **state)
{
	struct wr_rule_ctx c = ctx();
	struct wr_thresholds t;
	char want[240];
	double one_room;
	int64_t k;

	(void)state;
	c.ncand = 2;
	c.state_votes = 1000;
	c.state_share[0] = c.state_share[1] = 0.5;
	c.county_share[0] = 0.7;
	c.county_share[1] = 0.3;
	c.county_votes = 400;
	c.county_rooms = 4;
	c.total = 100;
	c.votes[0] = 30;
	c.votes[1] = 70;
	snprintf(want, sizeof want, "trump has 30 of 100 here (30%%); the other counties' "
	         "approved votes and the county's 400 in 4 approved precincts give 65%%, "
	         "about 65; a room this size shows that about 1 time in %.0f",
	         1 / tail_long_way(30, 100, 0.65, 80800.0 / 1111));
	expect(run(&c, "pooled_share"), WR_SEV_WARN,
	       1 / tail_long_way(30, 100, 0.65, 80800.0 / 1111), 40, want);

	/* A great many county votes: the county's share with a room's spread. */
	c.county_votes = 100000000;
	c.county_rooms = 1000000;
	assert_true(fabs(run(&c, "pooled_share")->value /
	                 (1 / tail_long_way(30, 100, 0.7, 100)) - 1) < 1e-3);

	/* One room of 100 (weight 100 x 101 / 200 = 50.5): 70% expects
	 * (202/3 x 0.5 + 50.5 x 0.7) / (202/3 + 50.5) = 59%, 43% of the way. */
	c.county_votes = 100;
	c.county_rooms = 1;
	one_room = run(&c, "pooled_share")->value;
	assert_non_null(strstr(run(&c, "pooled_share")->message, "in 1 approved precinct give "
	                       "59%"));
	k = first_flagged(&c, 100);
	c.county_votes = 0;
	c.county_rooms = 0;
	assert_true(first_flagged(&c, 100) < k);  /* 70% for trump looks less odd now */
	/* ... and 30% for trump, odd beside one room of 70%, is not against
	 * the state alone. */
	c.votes[0] = 30;
	c.votes[1] = 70;
	assert_true(one_room >= 40);
	assert_true(1 / tail_long_way(30, 100, 0.5, 40) < 40);
	assert_null(run(&c, "pooled_share"));

	/* Votes but no rooms (aggregates out of step): the county is left out. */
	c.county_votes = 400;
	c.votes[0] = 20;
	c.votes[1] = 80;
	assert_near(run(&c, "pooled_share")->value, 1 / tail_long_way(20, 100, 0.5, 40));

	/* State spread at or above a room's: the county never moves it, and
	 * the message does not say it did. */
	wr_thresholds_default(&t);
	t.value[idx("pooled_share")][pidx("pooled_share", "state_concentration")] = 100;
	c.county_rooms = 4;
	assert_near(run_t(&t, &c, "pooled_share")->value, 1 / tail_long_way(20, 100, 0.5, 100));
	assert_non_null(strstr(run_t(&t, &c, "pooled_share")->message, "; the other counties' "
	                       "approved votes give 50%"));
}

static void test_county_outlier(void **state)
{
	struct wr_rule_ctx c = ctx();
	struct wr_thresholds t;
	double z;

	(void)state;
	c.county_approved = 5;
	c.county_median[0] = 0.6;
	c.county_median[1] = 0.3;
	c.county_median[2] = 0.1;
	c.county_mad[0] = 0.04;
	c.county_mad[1] = 0.04;
	c.county_mad[2] = 0.02;  /* under the 0.03 floor */
	assert_null(run(&c, "county_outlier"));
	set_votes(&c, 89, 6, 5);                       /* trump z +4.9 */
	assert_null(run(&c, "county_outlier"));
	set_votes(&c, 90, 5, 5);                       /* trump z +5.06 */
	expect(run(&c, "county_outlier"), WR_SEV_WARN, (0.9 - 0.6) / (1.4826 * 0.04), 5,
	       "trump has 90% here against a median of 60% in the county's 5 approved "
	       "precincts (z +5.1)");
	set_votes(&c, 30, 60, 10);                     /* trump -5.06, desantis +5.06 */
	assert_non_null(run(&c, "county_outlier"));
	set_votes(&c, 30, 55, 15);                     /* trump -5.06 is the worst */
	expect(run(&c, "county_outlier"), WR_SEV_WARN, (0.3 - 0.6) / (1.4826 * 0.04), 5,
	       "trump has 30% here against a median of 60% in the county's 5 approved "
	       "precincts (z -5.1)");
	/* The MAD floor: haley's MAD 0.02 counts as 0.03. */
	set_votes(&c, 45, 23, 32);                     /* haley (0.32-0.1)/0.0445 = 4.95 */
	assert_null(run(&c, "county_outlier"));
	set_votes(&c, 45, 22, 33);                     /* haley 5.17 */
	expect(run(&c, "county_outlier"), WR_SEV_WARN, (0.33 - 0.1) / (1.4826 * 0.03), 5,
	       "haley has 33% here against a median of 10% in the county's 5 approved "
	       "precincts (z +5.2)");
	/* min_precincts: 4 approved is too few. */
	set_votes(&c, 90, 5, 5);
	c.county_approved = 4;
	assert_null(run(&c, "county_outlier"));
	c.county_approved = 6;
	assert_non_null(run(&c, "county_outlier"));
	/* min_votes: a room of 19 is too small, 20 is not. */
	c.county_approved = 5;
	set_votes(&c, 19, 0, 0);
	assert_null(run(&c, "county_outlier"));
	set_votes(&c, 20, 0, 0);
	assert_non_null(run(&c, "county_outlier"));
	set_votes(&c, 0, 0, 0);
	assert_null(run(&c, "county_outlier"));

	/* z at a configured threshold and one ulp either side. */
	set_votes(&c, 80, 15, 5);
	z = (0.8 - 0.6) / (1.4826 * 0.04);
	wr_thresholds_default(&t);
	t.value[idx("county_outlier")][pidx("county_outlier", "z")] = z;
	assert_non_null(run_t(&t, &c, "county_outlier"));
	t.value[idx("county_outlier")][pidx("county_outlier", "z")] = nextafter(z, 0);
	assert_non_null(run_t(&t, &c, "county_outlier"));
	t.value[idx("county_outlier")][pidx("county_outlier", "z")] = nextafter(z, 100);
	assert_null(run_t(&t, &c, "county_outlier"));
	/* A configured floor of 0.1: trump's MAD 0.04 counts as 0.1. */
	t.value[idx("county_outlier")][pidx("county_outlier", "z")] = 4;
	t.value[idx("county_outlier")][pidx("county_outlier", "mad_floor")] = 0.1;
	set_votes(&c, 90, 5, 5);                       /* z now +2.0 */
	assert_null(run_t(&t, &c, "county_outlier"));
	set_votes(&c, 100, 0, 0);                      /* 0.4/0.148 = +2.7 */
	assert_null(run_t(&t, &c, "county_outlier"));
	t.value[idx("county_outlier")][pidx("county_outlier", "z")] = 2.5;
	assert_non_null(run_t(&t, &c, "county_outlier"));
	/* Configured min_precincts and min_votes. */
	t.value[idx("county_outlier")][pidx("county_outlier", "min_precincts")] = 6;
	assert_null(run_t(&t, &c, "county_outlier"));
	c.county_approved = 6;
	t.value[idx("county_outlier")][pidx("county_outlier", "min_votes")] = 101;
	assert_null(run_t(&t, &c, "county_outlier"));
	t.value[idx("county_outlier")][pidx("county_outlier", "min_votes")] = 100;
	assert_non_null(run_t(&t, &c, "county_outlier"));
}

/* --- rates ------------------------------------------------------------------- */

/* burst: strict, more tallies this 15 minutes from one device or reporter
 * than per_window 4 or the room's precincts, whichever is more. */
static void test_burst(void **state)
{
	struct wr_rule_ctx c = ctx();
	struct wr_thresholds t;

	(void)state;
	c.window_device = 4;
	assert_null(run(&c, "burst"));
	c.window_device = 3;
	assert_null(run(&c, "burst"));
	c.window_device = 5;
	expect(run(&c, "burst"), WR_SEV_WARN, 5, 4,
	       "5 tallies in 15 minutes from one device, more than its room holds "
	       "precincts");
	c.window_device = 0;
	c.window_reporter = 5;
	expect(run(&c, "burst"), WR_SEV_WARN, 5, 4,
	       "5 tallies in 15 minutes from one reporter, more than its room holds "
	       "precincts");
	/* A room of 6 precincts allows 6. */
	c.site_precincts = 6;
	c.window_reporter = 6;
	assert_null(run(&c, "burst"));
	c.window_reporter = 7;
	expect(run(&c, "burst"), WR_SEV_WARN, 7, 6,
	       "7 tallies in 15 minutes from one reporter, more than its room holds "
	       "precincts");
	wr_thresholds_default(&t);
	t.value[idx("burst")][0] = 8;
	assert_null(run_t(&t, &c, "burst"));
	c.window_reporter = 9;
	assert_non_null(run_t(&t, &c, "burst"));
	assert_near(run_t(&t, &c, "burst")->threshold, 8);
}

/* county_rate (60) and state_rate (700): strict, and info only. */
static void test_rates(void **state)
{
	struct wr_rule_ctx c = ctx();

	(void)state;
	c.window_county = 59;
	assert_null(run(&c, "county_rate"));
	c.window_county = 60;
	assert_null(run(&c, "county_rate"));
	c.window_county = 61;
	expect(run(&c, "county_rate"), WR_SEV_INFO, 61, 60,
	       "61 tallies from this county in 15 minutes");
	c.window_state = 699;
	assert_null(run(&c, "state_rate"));
	c.window_state = 700;
	assert_null(run(&c, "state_rate"));
	c.window_state = 701;
	expect(run(&c, "state_rate"), WR_SEV_INFO, 701, 700,
	       "701 tallies statewide in 15 minutes");
}

/* county_gate has no check of its own: wr_rules_run never reports it. */
static void test_gate_is_not_a_tally_rule(void **state)
{
	struct wr_rule_ctx c = ctx();

	(void)state;
	c.total = 0;
	memset(c.votes, 0, sizeof c.votes);
	assert_null(run(&c, "county_gate"));
	assert_int_equal(pidx("county_gate", "min_share"), 0);
	assert_int_equal(pidx("county_gate", "low"), 1);
	assert_int_equal(pidx("county_gate", "high"), 2);
}

/* --- the rules file ---------------------------------------------------------- */

struct rf {
	struct tu_store t;
	char path[160];
	struct wr_err err;
};

static int rf_setup(void **state)
{
	struct rf *r = calloc(1, sizeof *r);

	assert_non_null(r);
	tu_open_empty(&r->t);
	snprintf(r->path, sizeof r->path, "%s/rules.json", r->t.dir);
	*state = r;
	return 0;
}

static int rf_teardown(void **state)
{
	struct rf *r = *state;

	tu_close(&r->t);
	free(r);
	return 0;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* Loads path in a transaction that commits on success, rolls back when
 * refused. Returns the rc. */
static int load_path(struct rf *r, const char *path)
{
	struct wr_err err;
	int rc;

	if (wr_store_begin(&r->t.s, &err) != WR_OK)
		fail_msg("begin: %s", err.msg);
	wr_err_clear(&r->err);
	rc = wr_rules_file_load(&r->t.s, path, &r->err);
	if (rc == WR_OK) {
		if (wr_store_commit(&r->t.s, &err) != WR_OK)
			fail_msg("commit: %s", err.msg);
	} else {
		wr_store_rollback(&r->t.s);
	}
	return rc;
}

static int load_text(struct rf *r, const char *text)
{
	write_file(r->path, text);
	return load_path(r, r->path);
}

static void thresholds(struct rf *r, struct wr_thresholds *t)
{
	struct wr_err err;

	if (wr_thresholds_load(&r->t.s, t, &err) != WR_OK)
		fail_msg("thresholds: %s", err.msg);
}

/* Equal for every rule in the table (the arrays have room for more). */
static void assert_same_thresholds(const struct wr_thresholds *a, const struct wr_thresholds *b)
{
	size_t n;
	const struct wr_rule *r = wr_rules_table(&n);

	for (size_t i = 0; i < n; i++) {
		if (a->severity[i] != b->severity[i])
			fail_msg("%s: severity %s, want %s", r[i].id, wr_severity_name(a->severity[i]),
			         wr_severity_name(b->severity[i]));
		for (int k = 0; k < WR_RULE_PARAMS && r[i].params[k].name; k++)
			if (a->value[i][k] != b->value[i][k])
				fail_msg("%s.%s: %g, want %g", r[i].id, r[i].params[k].name,
				         a->value[i][k], b->value[i][k]);
	}
}

static double tval(const struct wr_thresholds *t, const char *id, const char *param)
{
	return t->value[idx(id)][pidx(id, param)];
}

/* The message starts with the file's path and holds each of the parts. */
static void refused(struct rf *r, const char *text, const char *parts[])
{
	if (load_text(r, text) != WR_EINVAL)
		fail_msg("accepted: %s", text);
	if (strncmp(r->err.msg, r->path, strlen(r->path)) != 0)
		fail_msg("message does not start with the file: %s", r->err.msg);
	for (size_t i = 0; parts[i]; i++)
		if (!strstr(r->err.msg, parts[i]))
			fail_msg("for %s\nmessage lacks \"%s\": %s", text, parts[i], r->err.msg);
}

static void test_rules_file_iowa(void **state)
{
	struct rf *r = *state;
	struct wr_thresholds t, d;

	assert_int_equal(load_path(r, "fixtures/iowa/rules.json"), WR_OK);
	thresholds(r, &t);
	wr_thresholds_default(&d);
	assert_true(tval(&t, "absurd_count", "max_votes") == 3000);
	assert_true(tval(&t, "registered_share", "share") == 0.7);
	assert_true(tval(&t, "county_outlier", "mad_floor") == 0.03);
	assert_true(tval(&t, "county_gate", "min_share") == 0.10);
	assert_int_equal(t.severity[idx("county_rate")], WR_SEV_INFO);
	assert_int_equal(t.severity[idx("source_disagreement")], WR_SEV_HARD);
	/* The Iowa file restates the defaults. */
	assert_same_thresholds(&t, &d);
	assert_true(tu_int(&r->t.s, "SELECT count(*) FROM rule_severity") >= 16);
}

static void test_rules_file_good(void **state)
{
	struct rf *r = *state;
	struct wr_thresholds t;

	assert_int_equal(load_path(r, "tests/data/rules/good.json"), WR_OK);
	thresholds(r, &t);
	assert_true(tval(&t, "absurd_count", "max_votes") == 2500);
	assert_true(tval(&t, "turnout_2016", "ratio") == 3);
	assert_true(tval(&t, "turnout_2016", "low") == 0.25);     /* left out: default */
	assert_true(tval(&t, "turnout_2016", "change") == 25);
	assert_true(tval(&t, "county_outlier", "z") == 3.5);
	assert_true(tval(&t, "county_gate", "min_share") == 0.2);
	assert_true(tval(&t, "burst", "per_window") == 4);       /* default */
	assert_int_equal(t.severity[idx("county_rate")], WR_SEV_WARN);
	assert_int_equal(t.severity[idx("burst")], WR_SEV_OFF);
	assert_int_equal(t.severity[idx("outside_site")], WR_SEV_INFO);
	assert_int_equal(t.severity[idx("sum_mismatch")], WR_SEV_HARD);  /* default */

	/* A second file replaces the first whole: what it leaves out is the
	 * default again. */
	assert_int_equal(load_text(r, "{\"rules\": {\"burst\": {\"per_window\": 6}}}"), WR_OK);
	thresholds(r, &t);
	assert_true(tval(&t, "burst", "per_window") == 6);
	assert_true(tval(&t, "absurd_count", "max_votes") == 3000);
	assert_int_equal(t.severity[idx("burst")], WR_SEV_WARN);
	assert_int_equal(t.severity[idx("county_rate")], WR_SEV_INFO);

	/* An empty rules object is every default. */
	assert_int_equal(load_text(r, "{\"description\": \"none\", \"rules\": {}}"), WR_OK);
	assert_int_equal(tu_int(&r->t.s, "SELECT count(*) FROM rule_params"), 0);
	assert_int_equal(tu_int(&r->t.s, "SELECT count(*) FROM rule_severity"), 0);
}

/* Bounds are inclusive: the min and the max themselves load. */
static void test_rules_file_bounds_inclusive(void **state)
{
	struct rf *r = *state;
	struct wr_thresholds t;

	assert_int_equal(load_text(r, "{\"rules\": {"
	        "\"absurd_count\": {\"max_votes\": 100},"
	        "\"registered_share\": {\"share\": 1.0},"
	        "\"county_gate\": {\"min_share\": 0, \"low\": 1, \"high\": 1},"
	        "\"county_outlier\": {\"z\": 1.5, \"min_precincts\": 10000},"
	        "\"turnout_2016\": {\"change\": 0}}}"), WR_OK);
	thresholds(r, &t);
	assert_true(tval(&t, "absurd_count", "max_votes") == 100);
	assert_true(tval(&t, "registered_share", "share") == 1.0);
	assert_true(tval(&t, "county_gate", "min_share") == 0);
	assert_true(tval(&t, "county_gate", "high") == 1);
	assert_true(tval(&t, "county_outlier", "z") == 1.5);
	assert_true(tval(&t, "county_outlier", "min_precincts") == 10000);
	assert_true(tval(&t, "turnout_2016", "change") == 0);
}

static void test_rules_file_unknown_rule(void **state)
{
	struct rf *r = *state;

	refused(r, "{\"rules\": {\"burst\": {\"per_window\": 5}, \"no_such_rule\": {}}}",
	        (const char *[]){ "rules.no_such_rule", "unknown rule", NULL });
}

static void test_rules_file_unknown_param(void **state)
{
	struct rf *r = *state;

	refused(r, "{\"rules\": {\"burst\": {\"per_windw\": 5}}}",
	        (const char *[]){ "rules.burst.per_windw", "unknown parameter",
	                          "severity, per_window", NULL });
	refused(r, "{\"rules\": {\"county_outlier\": {\"zz\": 5}}}",
	        (const char *[]){ "rules.county_outlier.zz", "unknown parameter",
	                          "severity, z, min_precincts, mad_floor, min_votes", NULL });
	/* A rule with no parameters has only its severity. */
	refused(r, "{\"rules\": {\"sum_mismatch\": {\"tolerance\": 1}}}",
	        (const char *[]){ "rules.sum_mismatch.tolerance", "unknown parameter",
	                          "sum_mismatch has severity", NULL });
	assert_null(strstr(r->err.msg, "severity,"));
}

static void test_rules_file_out_of_range(void **state)
{
	struct rf *r = *state;

	refused(r, "{\"rules\": {\"absurd_count\": {\"max_votes\": 99}}}",
	        (const char *[]){ "rules.absurd_count.max_votes", "99", "100..100000",
	                          NULL });
	refused(r, "{\"rules\": {\"absurd_count\": {\"max_votes\": 100001}}}",
	        (const char *[]){ "rules.absurd_count.max_votes", "100001", "100..100000",
	                          NULL });
	refused(r, "{\"rules\": {\"registered_share\": {\"share\": 1.01}}}",
	        (const char *[]){ "rules.registered_share.share", "1.01", "0.05..1", NULL });
	refused(r, "{\"rules\": {\"registered_share\": {\"share\": 0.049}}}",
	        (const char *[]){ "rules.registered_share.share", "0.049", "0.05..1", NULL });
	refused(r, "{\"rules\": {\"turnout_2016\": {\"change\": -1}}}",
	        (const char *[]){ "rules.turnout_2016.change", "-1", "0..100000", NULL });
	refused(r, "{\"rules\": {\"county_gate\": {\"min_share\": 1.5}}}",
	        (const char *[]){ "rules.county_gate.min_share", "1.5", "0..1", NULL });
	refused(r, "{\"rules\": {\"county_outlier\": {\"z\": 1.4999}}}",
	        (const char *[]){ "rules.county_outlier.z", "1.4999", "1.5..50", NULL });
}

/* A value that is not a number is refused naming the parameter and, like
 * every other refusal (rules.h), the allowed range. */
static void test_rules_file_not_a_number(void **state)
{
	struct rf *r = *state;

	refused(r, "{\"rules\": {\"burst\": {\"per_window\": \"4\"}}}",
	        (const char *[]){ "rules.burst.per_window", "expected a number", NULL });
	refused(r, "{\"rules\": {\"burst\": {\"per_window\": true}}}",
	        (const char *[]){ "rules.burst.per_window", "expected a number", NULL });
	refused(r, "{\"rules\": {\"burst\": {\"per_window\": null}}}",
	        (const char *[]){ "rules.burst.per_window", "expected a number", NULL });
	refused(r, "{\"rules\": {\"absurd_count\": {\"max_votes\": [3000]}}}",
	        (const char *[]){ "rules.absurd_count.max_votes", "expected a number",
	                          "100..100000", NULL });
}

static void test_rules_file_bad_severity(void **state)
{
	struct rf *r = *state;

	refused(r, "{\"rules\": {\"burst\": {\"severity\": \"loud\"}}}",
	        (const char *[]){ "rules.burst.severity", "info, warn, hard or off", NULL });
	refused(r, "{\"rules\": {\"burst\": {\"severity\": \"none\"}}}",
	        (const char *[]){ "rules.burst.severity", "info, warn, hard or off", NULL });
	refused(r, "{\"rules\": {\"burst\": {\"severity\": 2}}}",
	        (const char *[]){ "rules.burst.severity", "info, warn, hard or off", NULL });
	refused(r, "{\"rules\": {\"burst\": {\"severity\": \"Warn\"}}}",
	        (const char *[]){ "rules.burst.severity", NULL });
	/* Integrity rules cannot be lowered or switched off. */
	refused(r, "{\"rules\": {\"sum_mismatch\": {\"severity\": \"off\"}}}",
	        (const char *[]){ "rules.sum_mismatch.severity", "stays hard", NULL });
	refused(r, "{\"rules\": {\"over_registered\": {\"severity\": \"warn\"}}}",
	        (const char *[]){ "rules.over_registered.severity", "stays hard", NULL });
	refused(r, "{\"rules\": {\"pre_opening\": {\"severity\": \"info\"}}}",
	        (const char *[]){ "rules.pre_opening.severity", "stays hard", NULL });
}

static void test_rules_file_not_an_object(void **state)
{
	struct rf *r = *state;

	refused(r, "{\"rules\": {\"burst\": 4}}",
	        (const char *[]){ "rules.burst", "expected an object", NULL });
	refused(r, "{\"rules\": {\"burst\": [\"warn\"]}}",
	        (const char *[]){ "rules.burst", "expected an object", NULL });
	refused(r, "{\"rules\": [{\"burst\": {}}]}",
	        (const char *[]){ "expected {\"rules\": {RULE: {...}}}", NULL });
	refused(r, "{\"description\": \"no rules\"}",
	        (const char *[]){ "expected {\"rules\": {RULE: {...}}}", NULL });
	refused(r, "[1, 2]", (const char *[]){ NULL });
}

static void test_rules_file_unknown_key(void **state)
{
	struct rf *r = *state;

	refused(r, "{\"rules\": {}, \"rulez\": {\"burst\": {}}}",
	        (const char *[]){ "rulez", "unknown key", "\"rules\"", "\"description\"",
	                          NULL });
	refused(r, "{\"version\": 2, \"rules\": {\"burst\": {\"per_window\": 5}}}",
	        (const char *[]){ "version", "unknown key", NULL });
}

static void test_rules_file_malformed(void **state)
{
	struct rf *r = *state;
	char want[256];

	/* A trailing comma on line 3. */
	assert_int_equal(load_text(r, "{\n  \"rules\": {\n    \"burst\": { \"per_window\": 4, }\n"
	                              "  }\n}\n"), WR_EINVAL);
	snprintf(want, sizeof want, "%s:3:33: ", r->path);
	if (strncmp(r->err.msg, want, strlen(want)) != 0)
		fail_msg("want \"%s...\", got %s", want, r->err.msg);
	/* A repeated rule is refused, not the last one silently winning. */
	assert_int_equal(load_text(r, "{\"rules\": {\"burst\": {\"per_window\": 4},\n"
	                              "\"burst\": {\"per_window\": 9}}}"), WR_EINVAL);
	snprintf(want, sizeof want, "%s:2:", r->path);
	if (strncmp(r->err.msg, want, strlen(want)) != 0 || !strstr(r->err.msg, "duplicate"))
		fail_msg("want \"%s... duplicate\", got %s", want, r->err.msg);
	/* Empty, and missing. */
	assert_int_equal(load_text(r, ""), WR_EINVAL);
	assert_int_equal(strncmp(r->err.msg, r->path, strlen(r->path)), 0);
	assert_int_equal(load_path(r, "tests/data/rules/no-such-file.json"), WR_EINVAL);
	assert_non_null(strstr(r->err.msg, "tests/data/rules/no-such-file.json"));
}

/* A refused file, loaded in a transaction the caller rolls back, leaves the
 * thresholds in force as they were, even when rules before the bad one
 * had been stored. */
static void test_rules_file_refused_keeps_thresholds(void **state)
{
	struct rf *r = *state;
	struct wr_thresholds before, after;
	const char *bad[] = {
		"{\"rules\": {\"burst\": {\"per_window\": 9, \"severity\": \"hard\"},"
		" \"absurd_count\": {\"max_votes\": 5}}}",
		"{\"rules\": {\"burst\": {\"per_window\": 9}, \"nope\": {}}}",
		"{\"rules\": {\"burst\": {\"per_window\": 9}}, \"extra\": 1}",
		"{\"rules\": {\"burst\": {\"per_window\": 9}}",
	};

	assert_int_equal(load_path(r, "tests/data/rules/good.json"), WR_OK);
	thresholds(r, &before);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(load_text(r, bad[i]), WR_EINVAL);
		thresholds(r, &after);
		assert_same_thresholds(&after, &before);
	}
	assert_true(tval(&after, "absurd_count", "max_votes") == 2500);
	assert_int_equal(after.severity[idx("burst")], WR_SEV_OFF);
}

/* Stored thresholds for a rule or parameter this build no longer has are
 * skipped, not an error. */
static void test_thresholds_load_ignores_unknown(void **state)
{
	struct rf *r = *state;
	struct wr_thresholds t, d;
	struct wr_err err;

	assert_int_equal(wr_store_exec(&r->t.s, "INSERT INTO rule_params VALUES"
	                 " ('gone', 'x', 1), ('burst', 'gone', 2), ('burst', 'per_window', 7);"
	                 " INSERT INTO rule_severity VALUES ('gone', 'hard')", &err), WR_OK);
	thresholds(r, &t);
	wr_thresholds_default(&d);
	d.value[idx("burst")][0] = 7;
	assert_same_thresholds(&t, &d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_severity_names),
		cmocka_unit_test(test_ordinary_tally_is_quiet),
		cmocka_unit_test(test_severity_carried_and_off),
		cmocka_unit_test(test_every_rule_off),
		cmocka_unit_test(test_sum_mismatch),
		cmocka_unit_test(test_absurd_count),
		cmocka_unit_test(test_over_registered),
		cmocka_unit_test(test_registered_share),
		cmocka_unit_test(test_conflicting_revision),
		cmocka_unit_test(test_source_disagreement),
		cmocka_unit_test(test_outside_site),
		cmocka_unit_test(test_roster),
		cmocka_unit_test(test_unlisted_reporter),
		cmocka_unit_test(test_super_site),
		cmocka_unit_test(test_pre_opening),
		cmocka_unit_test(test_turnout_2016),
		cmocka_unit_test(test_turnout_2020),
		cmocka_unit_test(test_leader_share),
		cmocka_unit_test(test_county_outlier),
		cmocka_unit_test(test_pooled_share),
		cmocka_unit_test(test_pooled_share_county_pull),
		cmocka_unit_test(test_turnout_county),
		cmocka_unit_test(test_burst),
		cmocka_unit_test(test_rates),
		cmocka_unit_test(test_gate_is_not_a_tally_rule),
		cmocka_unit_test_setup_teardown(test_rules_file_iowa, rf_setup, rf_teardown),
		cmocka_unit_test_setup_teardown(test_rules_file_good, rf_setup, rf_teardown),
		cmocka_unit_test_setup_teardown(test_rules_file_bounds_inclusive, rf_setup,
		                                rf_teardown),
		cmocka_unit_test_setup_teardown(test_rules_file_unknown_rule, rf_setup,
		                                rf_teardown),
		cmocka_unit_test_setup_teardown(test_rules_file_unknown_param, rf_setup,
		                                rf_teardown),
		cmocka_unit_test_setup_teardown(test_rules_file_out_of_range, rf_setup,
		                                rf_teardown),
		cmocka_unit_test_setup_teardown(test_rules_file_not_a_number, rf_setup,
		                                rf_teardown),
		cmocka_unit_test_setup_teardown(test_rules_file_bad_severity, rf_setup,
		                                rf_teardown),
		cmocka_unit_test_setup_teardown(test_rules_file_not_an_object, rf_setup,
		                                rf_teardown),
		cmocka_unit_test_setup_teardown(test_rules_file_unknown_key, rf_setup,
		                                rf_teardown),
		cmocka_unit_test_setup_teardown(test_rules_file_malformed, rf_setup, rf_teardown),
		cmocka_unit_test_setup_teardown(test_rules_file_refused_keeps_thresholds,
		                                rf_setup, rf_teardown),
		cmocka_unit_test_setup_teardown(test_thresholds_load_ignores_unknown, rf_setup,
		                                rf_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
