/* Review: the state machine every tally goes through before it can be
 * published. Each rule is tested both ways: the allowed transition and the
 * refused one, with its exact return code, and a refusal must change nothing
 * (states, claims, approvals, decisions, callbacks and the audit trail are
 * compared before and after). The clock is WARROOM_NOW, moved forward to
 * lapse a lease. Users are made once (argon2id is slow) in a seed store that
 * every test copies. */
#include "testutil.h"

#include "warroom/audit.h"
#include "warroom/auth.h"
#include "warroom/intake.h"
#include "warroom/review.h"
#include "warroom/timefmt.h"

#define T0_TEXT "2024-01-16T03:00:00Z"

/* The seed store: fixtures plus users, made once for the whole file. */
static char seed_dir[64];
static char seed_path[128];

struct fx {
	struct tu_store t;
	struct wr_review *r;
	struct wr_intake *in;
	int64_t t0;
	struct wr_user alice, bob, sam, hank, ada; /* validator x2, supervisor, hotline, admin */
	int rules_fire;  /* the test means the rules to flag some of its tallies */
};

static void exec_sql(struct wr_store *s, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "%s: %s\n", sql, msg ? msg : "?");
		sqlite3_free(msg);
		fail();
	}
}

static int group_setup(void **state)
{
	static const struct tu_user users[] = {
		{ "alice", WR_ROLE_VALIDATOR }, { "bob", WR_ROLE_VALIDATOR },
		{ "sam", WR_ROLE_SUPERVISOR },  { "hank", WR_ROLE_HOTLINE },
		{ "ada", WR_ROLE_ADMIN },
	};

	(void)state;
	assert_int_equal(setenv("WARROOM_NOW", T0_TEXT, 1), 0);
	tu_seed_users(users, sizeof users / sizeof users[0], seed_dir, seed_path);
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

	assert_non_null(f);
	tu_desk_open(&f->t, &f->r, &f->in, seed_path, T0_TEXT, &f->t0);
	tu_users(&f->t.s, "alice", &f->alice, "bob", &f->bob, "sam", &f->sam,
	         "hank", &f->hank, "ada", &f->ada, NULL);
	assert_int_equal(f->alice.role, WR_ROLE_VALIDATOR);
	assert_int_equal(f->sam.role, WR_ROLE_SUPERVISOR);
	assert_int_equal(f->hank.role, WR_ROLE_HOTLINE);
	assert_int_equal(f->ada.role, WR_ROLE_ADMIN);
	*state = f;
	return 0;
}

static void qtext(struct fx *f, const char *sql, char *out, size_t n);

static int teardown(void **state)
{
	struct fx *f = *state;

	tu_audit_holds(&f->t.s);
	/* The tallies are realistic: no rule flagged one by accident, so every
	 * severity a test sees is the one it planted. */
	if (!f->rules_fire) {
		char text[512];

		qtext(f, "SELECT group_concat(s.submission_id || ':' || g.rule, ', ')"
		         " FROM flags g JOIN submissions s ON s.id = g.submission"
		         " WHERE g.rule <> 'test_rule'", text, sizeof text);
		if (text[0])
			fail_msg("rules flagged tallies the test meant to be clean: %s", text);
	}
	tu_desk_close(&f->t, f->r, f->in);
	free(f);
	return 0;
}

static long long q(struct fx *f, const char *sql)
{
	return tu_int(&f->t.s, sql);
}

static void qtext(struct fx *f, const char *sql, char *out, size_t n)
{
	tu_text(&f->t.s, sql, out, n);
}

/* Votes in line with tests/data/mini, so the rules see nothing wrong: near
 * the 2016 and 2020 caucuses where the precinct has them (19153-001: 380 and
 * 94; 19141-001: 550 and 153), a modest share of registered Republicans
 * elsewhere, the leader's share close to the 2016 leader's, and the room
 * 19153-S001 within 2.5x of its 2016 caucus however many of its four
 * precincts report (super_site sets the votes of all of them against the
 * 2016 caucus of 19153-001 alone, the only one with a baseline). */
static void votes_for(const char *pct, int *trump, int *desantis, int *haley)
{
	if (!strcmp(pct, "19153-001")) {
		*trump = 120, *desantis = 80, *haley = 40;     /* 240 */
	} else if (!strcmp(pct, "19141-001")) {
		*trump = 180, *desantis = 110, *haley = 60;    /* 350 */
	} else {
		*trump = 40, *desantis = 25, *haley = 12;      /* 77 */
	}
}

/* A tally from reporter for precinct pct, ingested at the current clock,
 * with the given votes. */
static enum wr_outcome tally_votes(struct fx *f, const char *sid, const char *pct,
                                   const char *reporter, int trump, int desantis,
                                   int haley)
{
	char rec[512];
	enum wr_outcome o = WR_OUTCOMES;
	struct wr_err err;

	snprintf(rec, sizeof rec, "{\"submission_id\":\"%s\",\"source\":\"app\","
	         "\"precinct\":\"%s\",\"reported_at\":\"2024-01-16T02:01:00Z\","
	         "\"reporter\":\"%s\",\"votes\":{\"trump\":%d,\"desantis\":%d,"
	         "\"haley\":%d},\"total\":%d}", sid, pct, reporter, trump, desantis, haley,
	         trump + desantis + haley);
	if (wr_intake_record(f->in, "feed.ndjson", 1, rec, strlen(rec), strlen(rec), &o,
	                     &err) != WR_OK || wr_intake_flush(f->in, &err) != WR_OK)
		fail_msg("ingest %s: %s", sid, err.msg);
	return o;
}

/* A tally with realistic votes (votes_for) from reporter. */
static enum wr_outcome tally_by(struct fx *f, const char *sid, const char *pct,
                                const char *reporter)
{
	int t, d, h;

	votes_for(pct, &t, &d, &h);
	return tally_votes(f, sid, pct, reporter, t, d, h);
}

/* A tally from the precinct's own chair: one reporter per room, so neither
 * outside_site nor burst sees one person tallying all over the county. */
static enum wr_outcome tally(struct fx *f, const char *sid, const char *pct)
{
	char reporter[64];

	snprintf(reporter, sizeof reporter, "chair-%s", pct);
	return tally_by(f, sid, pct, reporter);
}

/* What the rules engine does with a flag of severity sev on sid: the flag,
 * and a pending tally with a warn or hard flag is 'flagged'. No test here
 * approves five tallies of one county, so no re-scoring (which rewrites a
 * tally's flags) wipes a planted flag; test_rules_set_the_queue is the one
 * that re-scores, and plants nothing. */
static void flag(struct fx *f, const char *sid, const char *sev)
{
	char sql[512];

	snprintf(sql, sizeof sql, "INSERT INTO flags (submission, rule, severity, message,"
	         " created_at) SELECT id, 'test_rule', '%s', 'a test flag', '" T0_TEXT "'"
	         " FROM submissions WHERE submission_id = '%s'", sev, sid);
	exec_sql(&f->t.s, sql);
	assert_int_equal(sqlite3_changes(f->t.s.db), 1);
	if (strcmp(sev, "info") != 0) {
		snprintf(sql, sizeof sql, "UPDATE submissions SET state = 'flagged' WHERE"
		         " submission_id = '%s' AND state IN ('received', 'clean')", sid);
		exec_sql(&f->t.s, sql);
	}
}

/* What hotline keying will do: user keyed sid. */
static void keyed(struct fx *f, const char *sid, const char *user)
{
	char sql[256];

	snprintf(sql, sizeof sql, "UPDATE submissions SET keyed_by = '%s', source = 'hotline'"
	         " WHERE submission_id = '%s'", user, sid);
	exec_sql(&f->t.s, sql);
	assert_int_equal(sqlite3_changes(f->t.s.db), 1);
}

static void state_of(struct fx *f, const char *sid, char *out, size_t n)
{
	char sql[256];

	snprintf(sql, sizeof sql, "SELECT state FROM submissions WHERE submission_id = '%s'",
	         sid);
	qtext(f, sql, out, n);
}

#define assert_state(f, sid, want) do { \
	char st_[32]; \
	state_of((f), (sid), st_, sizeof st_); \
	assert_string_equal(st_, (want)); \
} while (0)

static long long audit_n(struct fx *f)
{
	return q(f, "SELECT count(*) FROM audit");
}

/* The newest audit record is action on subject by actor. */
static void assert_last_audit(struct fx *f, const char *actor, const char *action,
                              const char *subject)
{
	char text[512], want[512];

	qtext(f, "SELECT actor || ' ' || action || ' ' || subject FROM audit ORDER BY id"
	         " DESC LIMIT 1", text, sizeof text);
	snprintf(want, sizeof want, "%s %s %s", actor, action, subject);
	assert_string_equal(text, want);
}

/* Everything a refused action must leave alone, as one string. */
static void snapshot(struct fx *f, char *out, size_t n)
{
	qtext(f, "SELECT"
	         " (SELECT coalesce(group_concat(x, ','), '') FROM (SELECT submission_id"
	         "   || ':' || state || ':' || coalesce(keyed_by, '') AS x FROM submissions"
	         "   ORDER BY id))"
	         " || '|' || (SELECT coalesce(group_concat(x, ','), '') FROM (SELECT"
	         "   submission || ':' || user_id || ':' || claimed_at || ':' || expires_at"
	         "   AS x FROM claims ORDER BY submission))"
	         " || '|' || (SELECT coalesce(group_concat(x, ','), '') FROM (SELECT"
	         "   submission || ':' || user_id AS x FROM approvals ORDER BY submission,"
	         "   user_id))"
	         " || '|' || (SELECT coalesce(group_concat(x, ','), '') FROM (SELECT"
	         "   submission || ':' || decision || ':' || user_id || ':' || override"
	         "   || ':' || coalesce(reason, '') AS x FROM decisions ORDER BY submission))"
	         " || '|' || (SELECT coalesce(group_concat(x, ','), '') FROM (SELECT"
	         "   submission || ':' || reason AS x FROM callbacks ORDER BY submission))"
	         " || '|' || (SELECT count(*) FROM audit)"
	         " || '|' || (SELECT coalesce(group_concat(x, ','), '') FROM (SELECT"
	         "   name || ':' || disabled || ':' || failures || ':' || locked_until AS x"
	         "   FROM users ORDER BY id))", out, n);
	assert_true(out[0] != '\0');
}

/* call must return want and change nothing. */
#define assert_refused(f, want, call) do { \
	char before_[8192], after_[8192]; \
	snapshot((f), before_, sizeof before_); \
	assert_int_equal((call), (want)); \
	snapshot((f), after_, sizeof after_); \
	assert_string_equal(before_, after_); \
} while (0)

/* ------------------------------------------------------------------ */

static void test_severity_names(void **state)
{
	(void)state;
	assert_string_equal(wr_severity_name(WR_SEV_NONE), "none");
	assert_string_equal(wr_severity_name(WR_SEV_INFO), "info");
	assert_string_equal(wr_severity_name(WR_SEV_WARN), "warn");
	assert_string_equal(wr_severity_name(WR_SEV_HARD), "hard");
}

static void test_claim_then_other_claim(void **state)
{
	struct fx *f = *state;
	struct wr_review_item it;
	struct wr_err err;
	long long n;

	assert_int_equal(tally(f, "a1", "19153-002"), WR_ACCEPTED);
	n = audit_n(f);
	memset(&it, 0x55, sizeof it);
	assert_int_equal(wr_review_claim(f->r, &f->alice, "a1", &it, &err), WR_OK);
	assert_string_equal(it.submission_id, "a1");
	assert_string_equal(it.precinct, "19153-002");
	assert_string_equal(it.county_fips, "19153");
	/* Intake scored it and no rule fired. */
	assert_string_equal(it.state, "clean");
	assert_int_equal(it.severity, WR_SEV_NONE);
	assert_int_equal(it.approvals, 0);
	assert_int_equal(it.claim_expires, f->t0 + WR_LEASE_SECONDS);
	assert_int_equal(q(f, "SELECT count(*) FROM claims c JOIN users u ON u.id = c.user_id"
	                      " WHERE u.name = 'alice' AND c.expires_at = claimed_at + 300"),
	                 1);
	assert_int_equal(audit_n(f), n + 1);
	assert_last_audit(f, "alice", "claim", "a1");

	/* Two validators never hold the same item. */
	assert_refused(f, WR_ECLAIMED, wr_review_claim(f->r, &f->bob, "a1", &it, &err));
	assert_non_null(strstr(err.msg, "alice"));
	assert_refused(f, WR_ECLAIMED, wr_review_claim(f->r, &f->sam, "a1", NULL, &err));
	/* Nor can the other approve, reject or override it. */
	assert_refused(f, WR_ECLAIMED, wr_review_approve(f->r, &f->bob, "a1", NULL, &err));
	assert_refused(f, WR_ECLAIMED, wr_review_reject(f->r, &f->bob, "a1", "bad", &err));
	assert_refused(f, WR_ECLAIMED, wr_review_override(f->r, &f->sam, "a1", "sure", &err));
	/* Nor renew or release it. */
	assert_refused(f, WR_EPERM, wr_review_renew(f->r, &f->bob, "a1", &err));
	assert_refused(f, WR_EPERM, wr_review_release(f->r, &f->bob, "a1", &err));
	assert_int_equal(q(f, "SELECT count(*) FROM claims"), 1);
}

static void test_custom_lease(void **state)
{
	struct fx *f = *state;
	struct wr_review *r;
	struct wr_review_item it;
	struct wr_err err;

	tally(f, "a1", "19153-002");
	assert_int_equal(wr_review_open(&r, &f->t.s, 60, &err), WR_OK);
	assert_int_equal(wr_review_claim(r, &f->alice, "a1", &it, &err), WR_OK);
	assert_int_equal(it.claim_expires, f->t0 + 60);
	tu_clock_at(f->t0, 60);
	assert_int_equal(wr_review_claim(r, &f->bob, "a1", &it, &err), WR_OK);
	wr_review_close(r);
}

static void test_lease_lapses(void **state)
{
	struct fx *f = *state;
	struct wr_review_item it;
	struct wr_err err;

	tally(f, "a1", "19153-002");
	assert_int_equal(wr_review_claim(f->r, &f->alice, "a1", &it, &err), WR_OK);
	tu_clock_at(f->t0, WR_LEASE_SECONDS - 1);
	assert_refused(f, WR_ECLAIMED, wr_review_claim(f->r, &f->bob, "a1", &it, &err));
	assert_refused(f, WR_ENOTFOUND, wr_review_next(f->r, &f->bob, &it, &err));

	/* The lease ran out: the item is back in the queue, for anyone. */
	tu_clock_at(f->t0, WR_LEASE_SECONDS);
	memset(&it, 0, sizeof it);
	assert_int_equal(wr_review_next(f->r, &f->bob, &it, &err), WR_OK);
	assert_string_equal(it.submission_id, "a1");
	assert_int_equal(it.claim_expires, f->t0 + 2 * WR_LEASE_SECONDS);
	assert_last_audit(f, "bob", "claim", "a1");
	assert_int_equal(q(f, "SELECT count(*) FROM claims c JOIN users u ON u.id = c.user_id"
	                      " WHERE u.name = 'bob'"), 1);
	assert_int_equal(q(f, "SELECT count(*) FROM claims"), 1);

	/* Alice lost it: she can neither act on it nor renew it. */
	assert_refused(f, WR_ECLAIMED, wr_review_approve(f->r, &f->alice, "a1", NULL, &err));
	assert_refused(f, WR_ECLAIMED, wr_review_claim(f->r, &f->alice, "a1", NULL, &err));
	assert_refused(f, WR_EPERM, wr_review_renew(f->r, &f->alice, "a1", &err));
	assert_refused(f, WR_EPERM, wr_review_release(f->r, &f->alice, "a1", &err));

	/* A lapsed claim with nobody else on it: still not alice's to decide. */
	tu_clock_at(f->t0, 3 * WR_LEASE_SECONDS);
	assert_refused(f, WR_EPERM, wr_review_approve(f->r, &f->bob, "a1", NULL, &err));
	assert_refused(f, WR_EPERM, wr_review_reject(f->r, &f->bob, "a1", "x", &err));
	/* ...but claiming it again is fine. */
	assert_int_equal(wr_review_claim(f->r, &f->alice, "a1", &it, &err), WR_OK);
	assert_int_equal(it.claim_expires, f->t0 + 4 * WR_LEASE_SECONDS);
}

static void test_renew(void **state)
{
	struct fx *f = *state;
	struct wr_review_item it;
	struct wr_err err;
	long long n;

	tally(f, "a1", "19153-002");
	assert_int_equal(wr_review_claim(f->r, &f->alice, "a1", &it, &err), WR_OK);
	tu_clock_at(f->t0, 200);
	n = audit_n(f);
	assert_int_equal(wr_review_renew(f->r, &f->alice, "a1", &err), WR_OK);
	assert_int_equal(q(f, "SELECT expires_at FROM claims"), f->t0 + 200 + WR_LEASE_SECONDS);
	/* A renewal is not a state change. */
	assert_int_equal(audit_n(f), n);
	/* Past the first expiry the claim still holds. */
	tu_clock_at(f->t0, 400);
	assert_refused(f, WR_ECLAIMED, wr_review_claim(f->r, &f->bob, "a1", NULL, &err));
	assert_int_equal(wr_review_claim(f->r, &f->alice, "a1", &it, &err), WR_OK);
	assert_int_equal(it.claim_expires, f->t0 + 400 + WR_LEASE_SECONDS);
	/* Once lapsed it cannot be renewed. */
	tu_clock_at(f->t0, 400 + WR_LEASE_SECONDS);
	assert_refused(f, WR_EPERM, wr_review_renew(f->r, &f->alice, "a1", &err));
	/* Never claimed, unknown. */
	tally(f, "a2", "19153-003");
	assert_refused(f, WR_EPERM, wr_review_renew(f->r, &f->alice, "a2", &err));
	assert_refused(f, WR_ENOTFOUND, wr_review_renew(f->r, &f->alice, "nope", &err));
}

static void test_release(void **state)
{
	struct fx *f = *state;
	struct wr_err err;
	long long n;

	tally(f, "a1", "19153-002");
	assert_int_equal(wr_review_claim(f->r, &f->alice, "a1", NULL, &err), WR_OK);
	assert_refused(f, WR_EPERM, wr_review_release(f->r, &f->bob, "a1", &err));
	n = audit_n(f);
	assert_int_equal(wr_review_release(f->r, &f->alice, "a1", &err), WR_OK);
	assert_int_equal(q(f, "SELECT count(*) FROM claims"), 0);
	assert_int_equal(audit_n(f), n + 1);
	assert_last_audit(f, "alice", "release", "a1");
	assert_state(f, "a1", "clean");
	/* Released: back in the queue. */
	assert_int_equal(wr_review_claim(f->r, &f->bob, "a1", NULL, &err), WR_OK);
	assert_refused(f, WR_EPERM, wr_review_release(f->r, &f->alice, "a1", &err));
	assert_refused(f, WR_ENOTFOUND, wr_review_release(f->r, &f->alice, "nope", &err));
}

static void test_release_all(void **state)
{
	struct fx *f = *state;
	struct wr_err err;
	long n;
	long long before;

	tally(f, "a1", "19153-001");
	tally(f, "a2", "19153-002");
	tally(f, "a3", "19153-003");
	tally(f, "a4", "19153-004");
	assert_int_equal(wr_review_claim(f->r, &f->alice, "a1", NULL, &err), WR_OK);
	assert_int_equal(wr_review_claim(f->r, &f->alice, "a2", NULL, &err), WR_OK);
	assert_int_equal(wr_review_claim(f->r, &f->bob, "a3", NULL, &err), WR_OK);
	before = audit_n(f);
	n = -1;
	assert_int_equal(wr_review_release_all(f->r, &f->alice, &n, &err), WR_OK);
	assert_int_equal(n, 2);
	assert_int_equal(audit_n(f), before + 2);
	assert_int_equal(q(f, "SELECT count(*) FROM audit WHERE action = 'release' AND"
	                      " actor = 'alice' AND subject IN ('a1', 'a2')"), 2);
	assert_int_equal(q(f, "SELECT count(*) FROM claims"), 1);
	assert_int_equal(q(f, "SELECT count(*) FROM claims c JOIN users u ON u.id = c.user_id"
	                      " WHERE u.name = 'bob'"), 1);
	/* Nothing left: nothing done. */
	n = -1;
	assert_refused(f, WR_OK, wr_review_release_all(f->r, &f->alice, &n, &err));
	assert_int_equal(n, 0);
	/* A lapsed claim is not alice's any more. */
	assert_int_equal(wr_review_claim(f->r, &f->alice, "a4", NULL, &err), WR_OK);
	tu_clock_at(f->t0, WR_LEASE_SECONDS);
	n = -1;
	assert_int_equal(wr_review_release_all(f->r, &f->alice, &n, &err), WR_OK);
	assert_int_equal(n, 0);
}

static void test_next_order(void **state)
{
	struct fx *f = *state;
	struct wr_review_item it;
	enum wr_approval res;
	struct wr_err err;

	/* Received out of id order, so age is not mistaken for insertion. */
	tu_clock_at(f->t0, 100);
	tally(f, "h-new", "19153-001");
	flag(f, "h-new", "hard");
	tu_clock_at(f->t0, 50);
	tally(f, "h-old", "19153-002");
	flag(f, "h-old", "warn");
	flag(f, "h-old", "hard");
	tu_clock_at(f->t0, 10);
	tally(f, "w-1", "19153-003");
	flag(f, "w-1", "info");
	flag(f, "w-1", "warn");
	tu_clock_at(f->t0, 0);
	tally(f, "n-1", "19153-004");
	tu_clock_at(f->t0, 5);
	tally(f, "i-1", "19153-005");
	flag(f, "i-1", "info");
	tu_clock_at(f->t0, 200);

	/* Hard first, the older of the two... */
	assert_int_equal(wr_review_next(f->r, &f->alice, &it, &err), WR_OK);
	assert_string_equal(it.submission_id, "h-old");
	assert_int_equal(it.severity, WR_SEV_HARD);
	assert_int_equal(it.claim_expires, f->t0 + 200 + WR_LEASE_SECONDS);
	assert_last_audit(f, "alice", "claim", "h-old");
	assert_int_equal(wr_review_approve(f->r, &f->alice, "h-old", &res, &err), WR_OK);
	assert_int_equal(res, WR_NEEDS_SECOND);
	/* ...then the newer (alice approved h-old, so it is not hers again)... */
	assert_int_equal(wr_review_next(f->r, &f->alice, &it, &err), WR_OK);
	assert_string_equal(it.submission_id, "h-new");
	assert_int_equal(wr_review_approve(f->r, &f->alice, "h-new", &res, &err), WR_OK);
	assert_int_equal(res, WR_NEEDS_SECOND);
	/* ...then warn, then info, then unflagged. */
	assert_int_equal(wr_review_next(f->r, &f->alice, &it, &err), WR_OK);
	assert_string_equal(it.submission_id, "w-1");
	assert_int_equal(it.severity, WR_SEV_WARN);
	assert_int_equal(wr_review_approve(f->r, &f->alice, "w-1", &res, &err), WR_OK);
	assert_int_equal(res, WR_APPROVED);
	assert_int_equal(wr_review_next(f->r, &f->alice, &it, &err), WR_OK);
	assert_string_equal(it.submission_id, "i-1");
	assert_int_equal(it.severity, WR_SEV_INFO);
	assert_int_equal(wr_review_approve(f->r, &f->alice, "i-1", &res, &err), WR_OK);
	assert_int_equal(wr_review_next(f->r, &f->alice, &it, &err), WR_OK);
	assert_string_equal(it.submission_id, "n-1");
	assert_int_equal(it.severity, WR_SEV_NONE);
	assert_int_equal(wr_review_approve(f->r, &f->alice, "n-1", &res, &err), WR_OK);
	/* Only the two hard items alice approved are left: none for her. */
	assert_refused(f, WR_ENOTFOUND, wr_review_next(f->r, &f->alice, &it, &err));
	/* Bob gets them, oldest first, each with its first approval. */
	assert_int_equal(wr_review_next(f->r, &f->bob, &it, &err), WR_OK);
	assert_string_equal(it.submission_id, "h-old");
	assert_int_equal(it.approvals, 1);
	assert_int_equal(wr_review_approve(f->r, &f->bob, "h-old", &res, &err), WR_OK);
	assert_int_equal(res, WR_APPROVED);
	assert_int_equal(wr_review_next(f->r, &f->bob, &it, &err), WR_OK);
	assert_string_equal(it.submission_id, "h-new");
}

/* Flags the rules write, not planted ones, order the queue: intake scores a
 * tally as it is stored, and the approval that brings a county to the
 * outlier rule's minimum re-scores the county's pending tallies. */
static void test_rules_set_the_queue(void **state)
{
	struct fx *f = *state;
	struct wr_review_item it;
	enum wr_approval res;
	struct wr_err err;

	f->rules_fire = 1;
	/* county_outlier judges a county once 2 of its tallies are approved
	 * rather than 5 (Polk has five precincts in tests/data/mini); the
	 * pooled rule, which would judge "odd" on arrival against the tallies
	 * sent so far, is off, so this is the outlier rule's re-scoring. The
	 * thresholds are read when review and intake open. */
	exec_sql(&f->t.s, "INSERT INTO rule_params VALUES ('county_outlier',"
	                  " 'min_precincts', 2)");
	exec_sql(&f->t.s, "INSERT INTO rule_severity VALUES ('pooled_share', 'off')");
	wr_review_close(f->r);
	wr_intake_close(f->in, &err);
	if (wr_review_open(&f->r, &f->t.s, 0, &err) != WR_OK ||
	    wr_intake_open(&f->in, &f->t.s, NULL, &err) != WR_OK)
		fail_msg("reopen: %s", err.msg);

	tu_clock_at(f->t0, 0);
	tally(f, "n-old", "19153-005");
	tu_clock_at(f->t0, 10);
	tally(f, "a-1", "19153-002");
	tally(f, "a-2", "19153-003");
	/* Haley at 83% where Polk's other tallies give her 16%: nothing is
	 * approved in Polk yet to compare with, so it is clean for now. */
	tu_clock_at(f->t0, 20);
	tally_votes(f, "odd", "19153-004", "chair-19153-004", 8, 8, 80);
	assert_state(f, "odd", "clean");
	/* 2,600 votes where 2,500 Republicans are registered: a hard flag as
	 * it is stored. */
	tu_clock_at(f->t0, 30);
	tally_votes(f, "over", "19141-002", "chair-19141-002", 1300, 800, 500);
	assert_state(f, "over", "flagged");
	assert_int_equal(q(f, "SELECT count(*) FROM flags g JOIN submissions s ON s.id ="
	                      " g.submission WHERE s.submission_id = 'over' AND g.rule ="
	                      " 'over_registered' AND g.severity = 'hard'"), 1);
	assert_int_equal(q(f, "SELECT count(*) FROM flags"), 1);

	/* The hard flag first, though it is the newest tally. */
	tu_clock_at(f->t0, 40);
	assert_int_equal(wr_review_next(f->r, &f->alice, &it, &err), WR_OK);
	assert_string_equal(it.submission_id, "over");
	assert_int_equal(it.severity, WR_SEV_HARD);
	assert_int_equal(wr_review_approve(f->r, &f->alice, "over", &res, &err), WR_OK);
	assert_int_equal(res, WR_NEEDS_SECOND);

	/* Polk's first approval: below the minimum, nothing is re-scored. */
	assert_int_equal(wr_review_claim(f->r, &f->alice, "a-1", NULL, &err), WR_OK);
	assert_int_equal(wr_review_approve(f->r, &f->alice, "a-1", &res, &err), WR_OK);
	assert_int_equal(res, WR_APPROVED);
	assert_state(f, "odd", "clean");
	/* The second reaches it: odd is out of line with a-1 and a-2 now. */
	assert_int_equal(wr_review_claim(f->r, &f->alice, "a-2", NULL, &err), WR_OK);
	assert_int_equal(wr_review_approve(f->r, &f->alice, "a-2", &res, &err), WR_OK);
	assert_state(f, "odd", "flagged");
	assert_int_equal(q(f, "SELECT count(*) FROM flags g JOIN submissions s ON s.id ="
	                      " g.submission WHERE s.submission_id = 'odd' AND g.rule ="
	                      " 'county_outlier' AND g.severity = 'warn'"), 1);
	/* n-old is in line with them and stays clean; the hard flag stays. */
	assert_state(f, "n-old", "clean");
	assert_int_equal(q(f, "SELECT count(*) FROM flags"), 2);

	/* Bob: the hard one (alice's approval in), then odd ahead of the older
	 * clean n-old. */
	assert_int_equal(wr_review_next(f->r, &f->bob, &it, &err), WR_OK);
	assert_string_equal(it.submission_id, "over");
	assert_int_equal(it.approvals, 1);
	assert_int_equal(wr_review_approve(f->r, &f->bob, "over", &res, &err), WR_OK);
	assert_int_equal(res, WR_APPROVED);
	assert_int_equal(wr_review_next(f->r, &f->bob, &it, &err), WR_OK);
	assert_string_equal(it.submission_id, "odd");
	assert_int_equal(it.severity, WR_SEV_WARN);
	assert_int_equal(wr_review_reject(f->r, &f->bob, "odd", "haley's count is wrong",
	                                  &err), WR_OK);
	assert_int_equal(wr_review_next(f->r, &f->bob, &it, &err), WR_OK);
	assert_string_equal(it.submission_id, "n-old");
	assert_int_equal(it.severity, WR_SEV_NONE);
}

static void test_next_skips(void **state)
{
	struct fx *f = *state;
	struct wr_review_item it;
	struct wr_err err;

	tally(f, "k1", "19153-001");
	flag(f, "k1", "hard");
	keyed(f, "k1", "alice");
	tally_by(f, "r1", "19153-002", "alice");
	flag(f, "r1", "hard");
	tally(f, "c1", "19153-003");
	flag(f, "c1", "warn");
	assert_int_equal(tally(f, "u1", "19153-999"), WR_UNMATCHED);
	tally(f, "v1", "19153-005");
	assert_int_equal(tally(f, "v2", "19153-005"), WR_REVISED);
	flag(f, "v1", "hard");           /* superseded: never offered */
	tu_clock_at(f->t0, 10);
	tally(f, "n1", "19153-004");
	assert_int_equal(wr_review_claim(f->r, &f->bob, "c1", NULL, &err), WR_OK);

	/* Hotline and admin have no queue. */
	assert_refused(f, WR_EPERM, wr_review_next(f->r, &f->hank, &it, &err));
	assert_refused(f, WR_EPERM, wr_review_next(f->r, &f->ada, &it, &err));

	/* Alice keyed k1, reported r1; bob holds c1; v1 is superseded. */
	assert_int_equal(wr_review_next(f->r, &f->alice, &it, &err), WR_OK);
	assert_string_equal(it.submission_id, "v2");
	assert_int_equal(wr_review_approve(f->r, &f->alice, "v2", NULL, &err), WR_OK);
	assert_int_equal(wr_review_next(f->r, &f->alice, &it, &err), WR_OK);
	assert_string_equal(it.submission_id, "n1");
	assert_int_equal(wr_review_approve(f->r, &f->alice, "n1", NULL, &err), WR_OK);
	assert_refused(f, WR_ENOTFOUND, wr_review_next(f->r, &f->alice, &it, &err));
	assert_int_equal(err.msg[0] != '\0', 1);

	/* Bob's claim lapses: c1 is alice's to take. */
	tu_clock_at(f->t0, 10 + WR_LEASE_SECONDS);
	assert_int_equal(wr_review_next(f->r, &f->alice, &it, &err), WR_OK);
	assert_string_equal(it.submission_id, "c1");
	/* Bob may take what alice keyed or reported, worst and oldest first. */
	assert_int_equal(wr_review_next(f->r, &f->bob, &it, &err), WR_OK);
	assert_string_equal(it.submission_id, "k1");
	assert_state(f, "u1", "unmatched");
	assert_int_equal(q(f, "SELECT count(*) FROM claims c JOIN submissions s ON"
	                      " s.id = c.submission WHERE s.submission_id IN ('u1', 'v1')"), 0);
}

static void test_approve_clean(void **state)
{
	struct fx *f = *state;
	enum wr_approval res = WR_NEEDS_SECOND;
	struct wr_err err;
	char text[256];
	long long n;

	tally(f, "a1", "19153-002");
	assert_int_equal(wr_review_claim(f->r, &f->alice, "a1", NULL, &err), WR_OK);
	n = audit_n(f);
	assert_int_equal(wr_review_approve(f->r, &f->alice, "a1", &res, &err), WR_OK);
	assert_int_equal(res, WR_APPROVED);
	assert_state(f, "a1", "approved");
	assert_int_equal(q(f, "SELECT count(*) FROM decisions d JOIN users u ON u.id ="
	                      " d.user_id JOIN submissions s ON s.id = d.submission WHERE"
	                      " s.submission_id = 'a1' AND d.decision = 'approved' AND"
	                      " u.name = 'alice' AND d.override = 0 AND d.reason IS NULL AND"
	                      " d.at = '" T0_TEXT "'"), 1);
	assert_int_equal(q(f, "SELECT count(*) FROM approvals"), 1);
	assert_int_equal(q(f, "SELECT count(*) FROM claims"), 0);
	assert_int_equal(q(f, "SELECT count(*) FROM callbacks"), 0);
	assert_int_equal(audit_n(f), n + 1);
	assert_last_audit(f, "alice", "approve", "a1");
	qtext(f, "SELECT details FROM audit ORDER BY id DESC LIMIT 1", text, sizeof text);
	assert_non_null(strstr(text, "\"approvals\":1"));
	assert_non_null(strstr(text, "\"needed\":1"));

	/* Decided: nobody can claim, approve, reject or override it again. */
	assert_refused(f, WR_EPERM, wr_review_claim(f->r, &f->bob, "a1", NULL, &err));
	assert_refused(f, WR_EPERM, wr_review_approve(f->r, &f->alice, "a1", NULL, &err));
	assert_refused(f, WR_EPERM, wr_review_reject(f->r, &f->bob, "a1", "no", &err));
	assert_refused(f, WR_EPERM, wr_review_override(f->r, &f->sam, "a1", "yes", &err));
	assert_refused(f, WR_ENOTFOUND, wr_review_next(f->r, &f->bob, NULL, &err));

	/* A warn flag needs one approval too; the result pointer is optional. */
	tally(f, "w1", "19153-003");
	flag(f, "w1", "warn");
	assert_int_equal(wr_review_claim(f->r, &f->bob, "w1", NULL, &err), WR_OK);
	assert_int_equal(wr_review_approve(f->r, &f->bob, "w1", NULL, &err), WR_OK);
	assert_state(f, "w1", "approved");
}

static void test_approve_needs_claim(void **state)
{
	struct fx *f = *state;
	struct wr_err err;

	tally(f, "a1", "19153-002");
	/* Never claimed. */
	assert_refused(f, WR_EPERM, wr_review_approve(f->r, &f->alice, "a1", NULL, &err));
	assert_refused(f, WR_EPERM, wr_review_reject(f->r, &f->alice, "a1", "bad", &err));
	/* Claimed by another. */
	assert_int_equal(wr_review_claim(f->r, &f->bob, "a1", NULL, &err), WR_OK);
	assert_refused(f, WR_ECLAIMED, wr_review_approve(f->r, &f->alice, "a1", NULL, &err));
	/* Own claim lapsed. */
	assert_int_equal(wr_review_release(f->r, &f->bob, "a1", &err), WR_OK);
	assert_int_equal(wr_review_claim(f->r, &f->alice, "a1", NULL, &err), WR_OK);
	tu_clock_at(f->t0, WR_LEASE_SECONDS);
	assert_refused(f, WR_EPERM, wr_review_approve(f->r, &f->alice, "a1", NULL, &err));
	/* Unknown. */
	assert_refused(f, WR_ENOTFOUND, wr_review_approve(f->r, &f->alice, "nope", NULL, &err));
	assert_refused(f, WR_ENOTFOUND, wr_review_claim(f->r, &f->alice, "nope", NULL, &err));
	assert_refused(f, WR_ENOTFOUND, wr_review_reject(f->r, &f->alice, "nope", "x", &err));
	assert_refused(f, WR_ENOTFOUND, wr_review_override(f->r, &f->sam, "nope", "x", &err));
}

static void test_hard_needs_two(void **state)
{
	struct fx *f = *state;
	struct wr_review_item it;
	enum wr_approval res = WR_APPROVED;
	struct wr_err err;
	char text[256];
	long long n;

	tally(f, "h1", "19153-002");
	flag(f, "h1", "hard");
	assert_int_equal(wr_review_claim(f->r, &f->alice, "h1", &it, &err), WR_OK);
	assert_int_equal(it.severity, WR_SEV_HARD);
	n = audit_n(f);
	assert_int_equal(wr_review_approve(f->r, &f->alice, "h1", &res, &err), WR_OK);
	assert_int_equal(res, WR_NEEDS_SECOND);
	/* Not decided yet: no decision row, still pending (flagged, as the hard
	 * flag made it), back in the queue. */
	assert_state(f, "h1", "flagged");
	assert_int_equal(q(f, "SELECT count(*) FROM decisions"), 0);
	assert_int_equal(q(f, "SELECT count(*) FROM approvals"), 1);
	assert_int_equal(q(f, "SELECT count(*) FROM claims"), 0);
	assert_int_equal(audit_n(f), n + 1);
	assert_last_audit(f, "alice", "approve", "h1");
	qtext(f, "SELECT details FROM audit ORDER BY id DESC LIMIT 1", text, sizeof text);
	assert_non_null(strstr(text, "\"approvals\":1"));
	assert_non_null(strstr(text, "\"needed\":2"));

	/* The same validator cannot be the second. */
	assert_refused(f, WR_EPERM, wr_review_claim(f->r, &f->alice, "h1", NULL, &err));
	assert_refused(f, WR_EPERM, wr_review_approve(f->r, &f->alice, "h1", NULL, &err));
	assert_refused(f, WR_ENOTFOUND, wr_review_next(f->r, &f->alice, NULL, &err));

	/* A different validator is. */
	assert_int_equal(wr_review_claim(f->r, &f->bob, "h1", &it, &err), WR_OK);
	assert_int_equal(it.approvals, 1);
	/* While bob holds it, alice cannot sneak in a second approval either. */
	assert_refused(f, WR_ECLAIMED, wr_review_approve(f->r, &f->alice, "h1", NULL, &err));
	assert_int_equal(wr_review_approve(f->r, &f->bob, "h1", &res, &err), WR_OK);
	assert_int_equal(res, WR_APPROVED);
	assert_state(f, "h1", "approved");
	assert_int_equal(q(f, "SELECT count(*) FROM decisions d JOIN users u ON u.id ="
	                      " d.user_id WHERE u.name = 'bob' AND d.decision = 'approved'"
	                      " AND d.override = 0"), 1);
	assert_int_equal(q(f, "SELECT count(DISTINCT user_id) FROM approvals"), 2);
	assert_last_audit(f, "bob", "approve", "h1");
	qtext(f, "SELECT details FROM audit ORDER BY id DESC LIMIT 1", text, sizeof text);
	assert_non_null(strstr(text, "\"approvals\":2"));
}

static void test_hard_first_then_reject(void **state)
{
	struct fx *f = *state;
	struct wr_err err;

	tally(f, "h1", "19153-002");
	flag(f, "h1", "hard");
	assert_int_equal(wr_review_claim(f->r, &f->alice, "h1", NULL, &err), WR_OK);
	assert_int_equal(wr_review_approve(f->r, &f->alice, "h1", NULL, &err), WR_OK);
	/* The second validator disagrees: a rejection stands on its own. */
	assert_int_equal(wr_review_claim(f->r, &f->bob, "h1", NULL, &err), WR_OK);
	assert_int_equal(wr_review_reject(f->r, &f->bob, "h1", "shares implausible", &err),
	                 WR_OK);
	assert_state(f, "h1", "rejected");
	assert_int_equal(q(f, "SELECT count(*) FROM callbacks"), 1);
}

static void test_override(void **state)
{
	struct fx *f = *state;
	struct wr_err err;
	char text[512];
	long long n;

	tally(f, "h1", "19153-002");
	flag(f, "h1", "hard");
	/* Only a supervisor, and only with a written reason. */
	assert_refused(f, WR_EPERM, wr_review_override(f->r, &f->alice, "h1",
	                                               "looks fine to me", &err));
	assert_refused(f, WR_EPERM, wr_review_override(f->r, &f->hank, "h1", "ok", &err));
	assert_refused(f, WR_EPERM, wr_review_override(f->r, &f->ada, "h1", "ok", &err));
	assert_refused(f, WR_EINVAL, wr_review_override(f->r, &f->sam, "h1", NULL, &err));
	assert_refused(f, WR_EINVAL, wr_review_override(f->r, &f->sam, "h1", "", &err));
	assert_refused(f, WR_EINVAL, wr_review_override(f->r, &f->sam, "h1", "  \t ", &err));
	assert_string_equal(err.field, "reason");
	/* Not over another's claim. */
	assert_int_equal(wr_review_claim(f->r, &f->bob, "h1", NULL, &err), WR_OK);
	assert_refused(f, WR_ECLAIMED, wr_review_override(f->r, &f->sam, "h1", "ok", &err));
	assert_int_equal(wr_review_release(f->r, &f->bob, "h1", &err), WR_OK);

	n = audit_n(f);
	assert_int_equal(wr_review_override(f->r, &f->sam, "h1", "called the chair: "
	                                    "the count is right", &err), WR_OK);
	assert_state(f, "h1", "approved");
	assert_int_equal(q(f, "SELECT count(*) FROM decisions d JOIN users u ON u.id ="
	                      " d.user_id WHERE u.name = 'sam' AND d.decision = 'approved'"
	                      " AND d.override = 1 AND d.reason = 'called the chair: the"
	                      " count is right'"), 1);
	assert_int_equal(audit_n(f), n + 1);
	assert_last_audit(f, "sam", "override", "h1");
	qtext(f, "SELECT json_extract(details, '$.reason') FROM audit ORDER BY id DESC"
	         " LIMIT 1", text, sizeof text);
	assert_string_equal(text, "called the chair: the count is right");
	/* Decided. */
	assert_refused(f, WR_EPERM, wr_review_override(f->r, &f->sam, "h1", "again", &err));

	/* After one validator's approval the supervisor may still override. */
	tally(f, "h2", "19153-003");
	flag(f, "h2", "hard");
	assert_int_equal(wr_review_claim(f->r, &f->alice, "h2", NULL, &err), WR_OK);
	assert_int_equal(wr_review_approve(f->r, &f->alice, "h2", NULL, &err), WR_OK);
	assert_int_equal(wr_review_override(f->r, &f->sam, "h2", "second validator is "
	                                    "on a call", &err), WR_OK);
	assert_state(f, "h2", "approved");
	/* Nor on a tally the supervisor keyed. */
	tally(f, "h3", "19153-004");
	flag(f, "h3", "hard");
	keyed(f, "h3", "sam");
	assert_refused(f, WR_EPERM, wr_review_override(f->r, &f->sam, "h3", "mine", &err));
}

static void test_reject(void **state)
{
	struct fx *f = *state;
	struct wr_err err;
	char text[512], longer[600];
	long long n;

	tally(f, "a1", "19153-002");
	assert_int_equal(wr_review_claim(f->r, &f->alice, "a1", NULL, &err), WR_OK);
	assert_refused(f, WR_EINVAL, wr_review_reject(f->r, &f->alice, "a1", NULL, &err));
	assert_refused(f, WR_EINVAL, wr_review_reject(f->r, &f->alice, "a1", "", &err));
	assert_refused(f, WR_EINVAL, wr_review_reject(f->r, &f->alice, "a1", "   ", &err));
	assert_string_equal(err.field, "reason");
	memset(longer, 'x', sizeof longer - 1);
	longer[sizeof longer - 1] = '\0';
	assert_refused(f, WR_EINVAL, wr_review_reject(f->r, &f->alice, "a1", longer, &err));

	n = audit_n(f);
	assert_int_equal(wr_review_reject(f->r, &f->alice, "a1", "votes do not add up",
	                                  &err), WR_OK);
	assert_state(f, "a1", "rejected");
	assert_int_equal(q(f, "SELECT count(*) FROM decisions d JOIN users u ON u.id ="
	                      " d.user_id WHERE u.name = 'alice' AND d.decision = 'rejected'"
	                      " AND d.reason = 'votes do not add up' AND d.override = 0"), 1);
	assert_int_equal(q(f, "SELECT count(*) FROM callbacks c JOIN submissions s ON s.id ="
	                      " c.submission WHERE s.submission_id = 'a1' AND c.reason ="
	                      " 'votes do not add up' AND c.done_at IS NULL AND c.created_at"
	                      " = '" T0_TEXT "'"), 1);
	assert_int_equal(q(f, "SELECT count(*) FROM claims"), 0);
	assert_int_equal(q(f, "SELECT count(*) FROM approvals"), 0);
	assert_int_equal(audit_n(f), n + 1);
	assert_last_audit(f, "alice", "reject", "a1");
	qtext(f, "SELECT json_extract(details, '$.reason') FROM audit ORDER BY id DESC"
	         " LIMIT 1", text, sizeof text);
	assert_string_equal(text, "votes do not add up");

	/* Decided. */
	assert_refused(f, WR_EPERM, wr_review_reject(f->r, &f->alice, "a1", "again", &err));
	assert_refused(f, WR_EPERM, wr_review_claim(f->r, &f->bob, "a1", NULL, &err));
	assert_refused(f, WR_EPERM, wr_review_approve(f->r, &f->alice, "a1", NULL, &err));
	assert_refused(f, WR_EPERM, wr_review_override(f->r, &f->sam, "a1", "ok", &err));
	assert_refused(f, WR_ENOTFOUND, wr_review_next(f->r, &f->bob, NULL, &err));

	/* The corrected tally that comes back is an ordinary item. */
	assert_int_equal(tally(f, "a1b", "19153-002"), WR_REVISED);
	assert_int_equal(wr_review_claim(f->r, &f->bob, "a1b", NULL, &err), WR_OK);
	assert_int_equal(wr_review_approve(f->r, &f->bob, "a1b", NULL, &err), WR_OK);
	assert_state(f, "a1b", "approved");
}

static void test_roles(void **state)
{
	struct fx *f = *state;
	struct wr_review_item it;
	struct wr_err err;
	long n;
	const struct wr_user *who[2];

	tally(f, "a1", "19153-002");
	who[0] = &f->hank;
	who[1] = &f->ada;
	for (int i = 0; i < 2; i++) {
		const struct wr_user *u = who[i];

		assert_refused(f, WR_EPERM, wr_review_claim(f->r, u, "a1", &it, &err));
		assert_non_null(strstr(err.msg, wr_role_name(u->role)));
		assert_refused(f, WR_EPERM, wr_review_next(f->r, u, &it, &err));
		assert_refused(f, WR_EPERM, wr_review_approve(f->r, u, "a1", NULL, &err));
		assert_refused(f, WR_EPERM, wr_review_reject(f->r, u, "a1", "bad", &err));
		assert_refused(f, WR_EPERM, wr_review_override(f->r, u, "a1", "ok", &err));
		assert_refused(f, WR_EPERM, wr_review_bulk_approve(f->r, u, "19153", &n, &err));
		assert_int_equal(n, 0);
	}
	/* A supervisor reviews like a validator. */
	assert_int_equal(wr_review_claim(f->r, &f->sam, "a1", NULL, &err), WR_OK);
	assert_int_equal(wr_review_approve(f->r, &f->sam, "a1", NULL, &err), WR_OK);
	assert_state(f, "a1", "approved");
}

static void test_refused_states(void **state)
{
	struct fx *f = *state;
	struct wr_review_item it;
	struct wr_err err;

	tally(f, "v1", "19153-002");
	assert_int_equal(wr_review_claim(f->r, &f->alice, "v1", NULL, &err), WR_OK);
	/* A newer revision arrives while alice is looking at v1. */
	assert_int_equal(tally(f, "v2", "19153-002"), WR_REVISED);
	assert_state(f, "v1", "superseded");
	assert_refused(f, WR_EPERM, wr_review_approve(f->r, &f->alice, "v1", NULL, &err));
	assert_non_null(strstr(err.msg, "superseded"));
	assert_refused(f, WR_EPERM, wr_review_reject(f->r, &f->alice, "v1", "bad", &err));
	assert_refused(f, WR_EPERM, wr_review_claim(f->r, &f->bob, "v1", NULL, &err));
	assert_refused(f, WR_EPERM, wr_review_override(f->r, &f->sam, "v1", "ok", &err));
	/* The queue offers v2 only. */
	assert_int_equal(wr_review_next(f->r, &f->bob, &it, &err), WR_OK);
	assert_string_equal(it.submission_id, "v2");
	assert_refused(f, WR_ENOTFOUND, wr_review_next(f->r, &f->sam, &it, &err));

	/* Unmatched: resolve the precinct first. */
	assert_int_equal(tally(f, "u1", "19153-999"), WR_UNMATCHED);
	assert_refused(f, WR_EPERM, wr_review_claim(f->r, &f->alice, "u1", NULL, &err));
	assert_non_null(strstr(err.msg, "unmatched"));
	assert_refused(f, WR_EPERM, wr_review_approve(f->r, &f->alice, "u1", NULL, &err));
	assert_refused(f, WR_EPERM, wr_review_override(f->r, &f->sam, "u1", "ok", &err));
	assert_refused(f, WR_ENOTFOUND, wr_review_next(f->r, &f->sam, &it, &err));
}

static void test_own_tally(void **state)
{
	struct fx *f = *state;
	struct wr_err err;
	long n;

	/* Alice keyed k1 at the hotline; bob is the reporter of r1. */
	tally(f, "k1", "19153-002");
	keyed(f, "k1", "alice");
	tally_by(f, "r1", "19153-003", "bob");
	assert_refused(f, WR_EPERM, wr_review_claim(f->r, &f->alice, "k1", NULL, &err));
	assert_non_null(strstr(err.msg, "keyed"));
	assert_refused(f, WR_EPERM, wr_review_claim(f->r, &f->bob, "r1", NULL, &err));
	assert_int_equal(wr_review_bulk_approve(f->r, &f->bob, "19153", &n, &err), WR_OK);
	assert_int_equal(n, 1);
	/* bulk by bob approved k1 (keyed by alice) but not r1 (his own). */
	assert_state(f, "k1", "approved");
	assert_state(f, "r1", "clean");
	/* The other validator is fine. */
	assert_int_equal(wr_review_claim(f->r, &f->alice, "r1", NULL, &err), WR_OK);
	assert_int_equal(wr_review_approve(f->r, &f->alice, "r1", NULL, &err), WR_OK);
	assert_state(f, "r1", "approved");

	/* A supervisor is bound by it too. */
	tally(f, "k2", "19153-004");
	keyed(f, "k2", "sam");
	assert_refused(f, WR_EPERM, wr_review_claim(f->r, &f->sam, "k2", NULL, &err));
	assert_refused(f, WR_ENOTFOUND, wr_review_next(f->r, &f->sam, NULL, &err));
}

static void test_revision_of_approved(void **state)
{
	struct fx *f = *state;
	struct wr_review_item it;
	struct wr_err err;
	long n;

	tally(f, "p1", "19153-002");
	assert_int_equal(wr_review_claim(f->r, &f->alice, "p1", NULL, &err), WR_OK);
	assert_int_equal(wr_review_approve(f->r, &f->alice, "p1", NULL, &err), WR_OK);
	assert_int_equal(tally(f, "p2", "19153-002"), WR_REVISED);
	/* Until the revision is decided, the approved tally stays the number. */
	assert_state(f, "p1", "approved");

	/* A validator may not decide it, nor get it from the queue or in bulk. */
	assert_refused(f, WR_EPERM, wr_review_claim(f->r, &f->bob, "p2", NULL, &err));
	assert_non_null(strstr(err.msg, "supervisor"));
	assert_refused(f, WR_EPERM, wr_review_claim(f->r, &f->alice, "p2", NULL, &err));
	assert_refused(f, WR_ENOTFOUND, wr_review_next(f->r, &f->bob, &it, &err));
	n = -1;
	assert_refused(f, WR_OK, wr_review_bulk_approve(f->r, &f->bob, "19153", &n, &err));
	assert_int_equal(n, 0);

	/* A supervisor does. */
	assert_int_equal(wr_review_next(f->r, &f->sam, &it, &err), WR_OK);
	assert_string_equal(it.submission_id, "p2");
	/* Even if the supervisor let the claim lapse, a validator cannot. */
	tu_clock_at(f->t0, WR_LEASE_SECONDS);
	assert_refused(f, WR_EPERM, wr_review_claim(f->r, &f->bob, "p2", NULL, &err));
	assert_int_equal(wr_review_claim(f->r, &f->sam, "p2", NULL, &err), WR_OK);
	assert_int_equal(wr_review_approve(f->r, &f->sam, "p2", NULL, &err), WR_OK);
	assert_state(f, "p2", "approved");
	assert_state(f, "p1", "superseded");

	/* A precinct whose earlier tally was only rejected needs no supervisor. */
	tally(f, "q1", "19153-003");
	assert_int_equal(wr_review_claim(f->r, &f->alice, "q1", NULL, &err), WR_OK);
	assert_int_equal(wr_review_reject(f->r, &f->alice, "q1", "wrong precinct", &err),
	                 WR_OK);
	assert_int_equal(tally(f, "q2", "19153-003"), WR_REVISED);
	assert_int_equal(wr_review_claim(f->r, &f->bob, "q2", NULL, &err), WR_OK);
	assert_int_equal(wr_review_approve(f->r, &f->bob, "q2", NULL, &err), WR_OK);
}

/* Numbers that do not add up never go public: not by two approvals, not by
 * a supervisor's override, not in bulk; a rejection sends them back. */
static void test_sum_mismatch_never_approved(void **state)
{
	struct fx *f = *state;
	struct wr_err err;
	long n = -1;

	tally(f, "s1", "19153-002");
	exec_sql(&f->t.s, "UPDATE submissions SET total = total + 5 WHERE submission_id = 's1'");
	assert_int_equal(wr_review_claim(f->r, &f->alice, "s1", NULL, &err), WR_OK);
	assert_refused(f, WR_EPERM, wr_review_approve(f->r, &f->alice, "s1", NULL, &err));
	assert_non_null(strstr(err.msg, "add up to"));
	assert_int_equal(wr_review_release(f->r, &f->alice, "s1", &err), WR_OK);
	assert_refused(f, WR_EPERM, wr_review_override(f->r, &f->sam, "s1", "looks fine", &err));
	assert_int_equal(wr_review_bulk_approve(f->r, &f->bob, "19153", &n, &err), WR_OK);
	assert_int_equal(n, 0);
	assert_int_equal(wr_review_claim(f->r, &f->alice, "s1", NULL, &err), WR_OK);
	assert_int_equal(wr_review_reject(f->r, &f->alice, "s1", "total off by 5", &err), WR_OK);
	assert_state(f, "s1", "rejected");
}

static void test_bulk_approve(void **state)
{
	struct fx *f = *state;
	struct wr_err err;
	long n;
	long long before;
	char text[256];

	tally(f, "c1", "19153-001");
	tally(f, "c2", "19153-002");
	flag(f, "c2", "info");                    /* info is shown, not a warning */
	tally(f, "w3", "19153-003");
	flag(f, "w3", "warn");
	tally(f, "h4", "19153-004");
	flag(f, "h4", "hard");
	tally(f, "b5", "19153-005");
	assert_int_equal(wr_review_claim(f->r, &f->bob, "b5", NULL, &err), WR_OK);
	tally(f, "o1", "19141-001");              /* another county */
	tally(f, "k2", "19141-002");
	keyed(f, "k2", "alice");
	assert_int_equal(tally(f, "u1", "19153-999"), WR_UNMATCHED);

	before = audit_n(f);
	n = -1;
	assert_int_equal(wr_review_bulk_approve(f->r, &f->alice, "19153", &n, &err), WR_OK);
	assert_int_equal(n, 2);
	assert_state(f, "c1", "approved");
	assert_state(f, "c2", "approved");
	assert_state(f, "w3", "flagged");
	assert_state(f, "h4", "flagged");
	assert_state(f, "b5", "clean");
	assert_state(f, "o1", "clean");
	assert_state(f, "u1", "unmatched");
	/* One decision, one approval and one audit record per item. */
	assert_int_equal(q(f, "SELECT count(*) FROM decisions d JOIN users u ON u.id ="
	                      " d.user_id JOIN submissions s ON s.id = d.submission WHERE"
	                      " u.name = 'alice' AND d.decision = 'approved' AND"
	                      " d.override = 0 AND s.submission_id IN ('c1', 'c2')"), 2);
	assert_int_equal(q(f, "SELECT count(*) FROM decisions"), 2);
	assert_int_equal(q(f, "SELECT count(*) FROM approvals"), 2);
	assert_int_equal(audit_n(f), before + 2);
	assert_int_equal(q(f, "SELECT count(*) FROM audit WHERE actor = 'alice' AND action ="
	                      " 'approve' AND subject IN ('c1', 'c2') AND"
	                      " json_extract(details, '$.bulk') = 1"), 2);
	qtext(f, "SELECT group_concat(subject, ',') FROM (SELECT subject FROM audit WHERE"
	         " action = 'approve' ORDER BY id)", text, sizeof text);
	/* In queue order: the info-flagged tally sorts before the unflagged one. */
	assert_string_equal(text, "c2,c1");
	/* Bob's claim on b5 is untouched. */
	assert_int_equal(q(f, "SELECT count(*) FROM claims c JOIN submissions s ON s.id ="
	                      " c.submission JOIN users u ON u.id = c.user_id WHERE"
	                      " s.submission_id = 'b5' AND u.name = 'bob'"), 1);

	/* Again: nothing left, nothing recorded. */
	n = -1;
	assert_refused(f, WR_OK, wr_review_bulk_approve(f->r, &f->alice, "19153", &n, &err));
	assert_int_equal(n, 0);
	/* An unknown county has nothing. */
	assert_refused(f, WR_OK, wr_review_bulk_approve(f->r, &f->alice, "19999", &n, &err));
	assert_int_equal(n, 0);
	/* O'Brien: o1 only, since alice keyed k2. */
	assert_int_equal(wr_review_bulk_approve(f->r, &f->alice, "19141", &n, &err), WR_OK);
	assert_int_equal(n, 1);
	assert_state(f, "o1", "approved");
	assert_state(f, "k2", "clean");
	/* Bob's lease lapses: b5 is clean and unclaimed now. */
	tu_clock_at(f->t0, WR_LEASE_SECONDS);
	assert_int_equal(wr_review_bulk_approve(f->r, &f->sam, "19153", &n, &err), WR_OK);
	assert_int_equal(n, 1);
	assert_state(f, "b5", "approved");
	assert_int_equal(q(f, "SELECT count(*) FROM claims"), 0);
}

static void test_disable_releases_claims(void **state)
{
	struct fx *f = *state;
	struct wr_err err;
	long long before;

	tally(f, "a1", "19153-001");
	tally(f, "a2", "19153-002");
	assert_int_equal(wr_review_claim(f->r, &f->alice, "a1", NULL, &err), WR_OK);
	assert_int_equal(wr_review_claim(f->r, &f->alice, "a2", NULL, &err), WR_OK);
	assert_int_equal(wr_review_claim(f->r, &f->bob, "a1", NULL, &err), WR_ECLAIMED);
	before = audit_n(f);
	assert_int_equal(wr_user_disable(&f->t.s, "ada", "alice", &err), WR_OK);
	assert_int_equal(audit_n(f), before + 1);
	assert_last_audit(f, "ada", "user_disable", "alice");
	assert_int_equal(q(f, "SELECT count(*) FROM claims"), 0);
	/* At once, not after the lease. */
	assert_int_equal(wr_review_claim(f->r, &f->bob, "a1", NULL, &err), WR_OK);
}

static void test_disabled_user_cannot_review(void **state)
{
	struct fx *f = *state;
	struct wr_err err;
	long n;

	tally(f, "a1", "19153-001");
	tally(f, "a2", "19153-002");
	assert_int_equal(wr_user_disable(&f->t.s, "ada", "alice", &err), WR_OK);
	/* A console still open with alice's signed-in user must not keep
	 * deciding tallies: the core checks the store, not the caller's copy. */
	assert_refused(f, WR_EAUTH, wr_review_claim(f->r, &f->alice, "a1", NULL, &err));
	assert_refused(f, WR_EAUTH, wr_review_next(f->r, &f->alice, NULL, &err));
	assert_refused(f, WR_EAUTH, wr_review_bulk_approve(f->r, &f->alice, "19153", &n, &err));
}

static void test_blank_reason_variants(void **state)
{
	struct fx *f = *state;
	struct wr_err err;

	tally(f, "a1", "19153-002");
	flag(f, "a1", "hard");
	/* Whitespace of any kind is not a written reason. */
	assert_refused(f, WR_EINVAL, wr_review_override(f->r, &f->sam, "a1", "\n", &err));
	assert_refused(f, WR_EINVAL, wr_review_override(f->r, &f->sam, "a1", " \r\n\t", &err));
	assert_int_equal(wr_review_claim(f->r, &f->alice, "a1", NULL, &err), WR_OK);
	assert_refused(f, WR_EINVAL, wr_review_reject(f->r, &f->alice, "a1", "\n\n", &err));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_severity_names),
		cmocka_unit_test_setup_teardown(test_claim_then_other_claim, setup, teardown),
		cmocka_unit_test_setup_teardown(test_custom_lease, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lease_lapses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_renew, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_next_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rules_set_the_queue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_next_skips, setup, teardown),
		cmocka_unit_test_setup_teardown(test_approve_clean, setup, teardown),
		cmocka_unit_test_setup_teardown(test_approve_needs_claim, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hard_needs_two, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hard_first_then_reject, setup, teardown),
		cmocka_unit_test_setup_teardown(test_override, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reject, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blank_reason_variants, setup, teardown),
		cmocka_unit_test_setup_teardown(test_roles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_states, setup, teardown),
		cmocka_unit_test_setup_teardown(test_own_tally, setup, teardown),
		cmocka_unit_test_setup_teardown(test_revision_of_approved, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sum_mismatch_never_approved, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bulk_approve, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disable_releases_claims, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disabled_user_cannot_review, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
