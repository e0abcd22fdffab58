/* Users, roles and sign-in: secrets are argon2id hashes, five wrong tries
 * lock an account for five minutes (the clock is WARROOM_NOW, moved forward
 * to end a lockout), a disabled user cannot sign in, and every attempt and
 * every user change leaves an audit record. argon2id takes tens of
 * milliseconds, so each test makes only the users it needs. */
#include "testutil.h"

#include <sodium.h>

#include "warroom/audit.h"
#include "warroom/auth.h"
#include "warroom/timefmt.h"

#define T0_TEXT "2024-01-16T03:00:00Z"
#define PIN "4711"

struct fx {
	struct tu_store t;
	int64_t t0;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);

	assert_non_null(f);
	assert_int_equal(setenv("WARROOM_NOW", T0_TEXT, 1), 0);
	assert_int_equal(wr_time_parse(T0_TEXT, &f->t0, NULL), WR_OK);
	tu_open_empty(&f->t);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	tu_audit_holds(&f->t.s);
	tu_close(&f->t);
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

static void add(struct fx *f, const char *name, enum wr_role role)
{
	struct wr_err err;

	if (wr_user_add(&f->t.s, "root", name, role, PIN, &err) != WR_OK)
		fail_msg("add %s: %s", name, err.msg);
}

static long long audit_n(struct fx *f)
{
	return q(f, "SELECT count(*) FROM audit");
}

/* The newest audit record, as "actor action subject details". */
static void last_audit(struct fx *f, char *out, size_t n)
{
	qtext(f, "SELECT actor || ' ' || action || ' ' || subject || ' ' || details FROM"
	         " audit ORDER BY id DESC LIMIT 1", out, n);
}

static long long failures(struct fx *f)
{
	return q(f, "SELECT failures FROM users WHERE name = 'alice'");
}

static long long locked_until(struct fx *f)
{
	return q(f, "SELECT locked_until FROM users WHERE name = 'alice'");
}

/* ------------------------------------------------------------------ */

static void test_roles(void **state)
{
	enum wr_role r = WR_ROLE_ADMIN;
	struct wr_err err;
	static const char *const bad[] = { "root", "", "Validator", "validator ", "super" };

	(void)state;
	assert_string_equal(wr_role_name(WR_ROLE_VALIDATOR), "validator");
	assert_string_equal(wr_role_name(WR_ROLE_HOTLINE), "hotline");
	assert_string_equal(wr_role_name(WR_ROLE_SUPERVISOR), "supervisor");
	assert_string_equal(wr_role_name(WR_ROLE_ADMIN), "admin");
	assert_string_equal(wr_role_name((enum wr_role)9), "?");
	assert_int_equal(wr_role_parse("validator", &r, &err), WR_OK);
	assert_int_equal(r, WR_ROLE_VALIDATOR);
	assert_int_equal(wr_role_parse("hotline", &r, &err), WR_OK);
	assert_int_equal(r, WR_ROLE_HOTLINE);
	assert_int_equal(wr_role_parse("supervisor", &r, &err), WR_OK);
	assert_int_equal(r, WR_ROLE_SUPERVISOR);
	assert_int_equal(wr_role_parse("admin", &r, &err), WR_OK);
	assert_int_equal(r, WR_ROLE_ADMIN);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		r = WR_ROLE_HOTLINE;
		assert_int_equal(wr_role_parse(bad[i], &r, &err), WR_EINVAL);
		assert_string_equal(err.field, "role");
		assert_int_equal(r, WR_ROLE_HOTLINE);
	}
}

static void test_user_add(void **state)
{
	struct fx *f = *state;
	struct wr_user *list;
	struct wr_err err;
	char text[512];
	size_t n;

	assert_int_equal(wr_user_add(&f->t.s, "root", "alice", WR_ROLE_VALIDATOR, PIN, &err),
	                 WR_OK);
	assert_int_equal(q(f, "SELECT count(*) FROM users WHERE name = 'alice' AND role ="
	                      " 'validator' AND disabled = 0 AND failures = 0 AND"
	                      " locked_until = 0 AND created_at = '" T0_TEXT "'"), 1);
	/* An argon2id hash, never the PIN. */
	qtext(f, "SELECT secret FROM users WHERE name = 'alice'", text, sizeof text);
	assert_true(strncmp(text, "$argon2id$", 10) == 0);
	assert_null(strstr(text, PIN));
	assert_int_equal(crypto_pwhash_str_verify(text, PIN, strlen(PIN)), 0);
	assert_int_not_equal(crypto_pwhash_str_verify(text, "4712", 4), 0);
	/* The change is audited, with who made it. */
	assert_int_equal(audit_n(f), 1);
	last_audit(f, text, sizeof text);
	assert_string_equal(text, "root user_add alice {\"role\":\"validator\"}");

	/* Names at the edges of what is allowed; listed by name. */
	assert_int_equal(wr_user_add(&f->t.s, "alice", "z.9_x-1", WR_ROLE_SUPERVISOR, "1234",
	                             &err), WR_OK);
	assert_int_equal(wr_user_add(&f->t.s, "alice", "abcdefghijklmnopqrstuvwxyz012345",
	                             WR_ROLE_ADMIN, PIN, &err), WR_OK);
	assert_int_equal(wr_user_list(&f->t.s, &list, &n, &err), WR_OK);
	assert_int_equal(n, 3);
	assert_string_equal(list[0].name, "abcdefghijklmnopqrstuvwxyz012345");
	assert_int_equal(list[0].role, WR_ROLE_ADMIN);
	assert_string_equal(list[1].name, "alice");
	assert_int_equal(list[1].role, WR_ROLE_VALIDATOR);
	assert_int_equal(list[1].disabled, 0);
	assert_int_equal(list[1].locked_until, 0);
	assert_true(list[1].id > 0);
	assert_string_equal(list[2].name, "z.9_x-1");
	assert_int_equal(list[2].role, WR_ROLE_SUPERVISOR);
	free(list);
	assert_int_equal(audit_n(f), 3);
}

static void test_user_add_invalid(void **state)
{
	struct fx *f = *state;
	struct wr_err err;
	char longpin[130];
	static const char *const bad_names[] = {
		"", "Alice", "al ice", "a/b", "a'b", "\xc3\xa5lice",
		"abcdefghijklmnopqrstuvwxyz0123456",  /* 33 */
	};

	for (size_t i = 0; i < sizeof bad_names / sizeof bad_names[0]; i++) {
		memset(&err, 0, sizeof err);
		assert_int_equal(wr_user_add(&f->t.s, "root", bad_names[i], WR_ROLE_VALIDATOR,
		                             PIN, &err), WR_EINVAL);
		assert_string_equal(err.field, "name");
	}
	assert_int_equal(wr_user_add(&f->t.s, "root", "alice", WR_ROLE_VALIDATOR, "123", &err),
	                 WR_EINVAL);
	assert_string_equal(err.field, "pin");
	assert_int_equal(wr_user_add(&f->t.s, "root", "alice", WR_ROLE_VALIDATOR, "", &err),
	                 WR_EINVAL);
	memset(longpin, '7', sizeof longpin - 1);
	longpin[sizeof longpin - 1] = '\0';
	assert_int_equal(wr_user_add(&f->t.s, "root", "alice", WR_ROLE_VALIDATOR, longpin,
	                             &err), WR_EINVAL);
	assert_string_equal(err.field, "pin");
	/* Nothing stored, nothing audited. */
	assert_int_equal(q(f, "SELECT count(*) FROM users"), 0);
	assert_int_equal(audit_n(f), 0);
}

static void test_user_add_unknown_role(void **state)
{
	struct fx *f = *state;
	struct wr_err err;

	memset(&err, 0, sizeof err);
	assert_int_equal(wr_user_add(&f->t.s, "root", "alice", (enum wr_role)7, PIN, &err),
	                 WR_EINVAL);
	assert_string_equal(err.field, "role");
	assert_int_equal(q(f, "SELECT count(*) FROM users"), 0);
	assert_int_equal(audit_n(f), 0);
}

static void test_user_add_duplicate(void **state)
{
	struct fx *f = *state;
	struct wr_err err;

	add(f, "alice", WR_ROLE_VALIDATOR);
	memset(&err, 0, sizeof err);
	assert_int_equal(wr_user_add(&f->t.s, "root", "alice", WR_ROLE_ADMIN, "9999", &err),
	                 WR_ECONFLICT);
	assert_string_equal(err.field, "name");
	assert_non_null(strstr(err.msg, "alice"));
	/* The first alice is untouched. */
	assert_int_equal(q(f, "SELECT count(*) FROM users"), 1);
	assert_int_equal(q(f, "SELECT count(*) FROM users WHERE role = 'validator'"), 1);
	assert_int_equal(audit_n(f), 1);
}

static void test_disable(void **state)
{
	struct fx *f = *state;
	struct wr_user u;
	struct wr_err err;
	char text[512];

	add(f, "alice", WR_ROLE_VALIDATOR);
	assert_int_equal(wr_user_disable(&f->t.s, "sam", "alice", &err), WR_OK);
	assert_int_equal(q(f, "SELECT disabled FROM users WHERE name = 'alice'"), 1);
	assert_int_equal(audit_n(f), 2);
	last_audit(f, text, sizeof text);
	assert_string_equal(text, "sam user_disable alice {}");
	/* Unknown user: nothing changes. */
	assert_int_equal(wr_user_disable(&f->t.s, "sam", "nobody", &err), WR_ENOTFOUND);
	assert_string_equal(err.field, "name");
	assert_int_equal(audit_n(f), 2);

	/* Signing in is refused even with the right PIN, and audited. */
	memset(&u, 0, sizeof u);
	assert_int_equal(wr_auth_login(&f->t.s, "alice", PIN, &u, &err), WR_EAUTH);
	assert_non_null(strstr(err.msg, "disabled"));
	assert_int_equal(u.id, 0);
	assert_int_equal(audit_n(f), 3);
	last_audit(f, text, sizeof text);
	assert_string_equal(text, "alice login_failed alice {\"locked\":false,\"reason\":"
	                          "\"disabled\"}");
	/* Listed as disabled. */
	{
		struct wr_user *list;
		size_t n;

		assert_int_equal(wr_user_list(&f->t.s, &list, &n, &err), WR_OK);
		assert_int_equal(n, 1);
		assert_int_equal(list[0].disabled, 1);
		free(list);
	}
}

static void test_login(void **state)
{
	struct fx *f = *state;
	struct wr_user u;
	struct wr_err err;
	char text[512], wrong_msg[448];

	add(f, "alice", WR_ROLE_VALIDATOR);
	add(f, "sam", WR_ROLE_SUPERVISOR);

	memset(&u, 0, sizeof u);
	assert_int_equal(wr_auth_login(&f->t.s, "sam", PIN, &u, &err), WR_OK);
	assert_string_equal(u.name, "sam");
	assert_int_equal(u.role, WR_ROLE_SUPERVISOR);
	assert_int_equal(u.disabled, 0);
	assert_int_equal(u.id, q(f, "SELECT id FROM users WHERE name = 'sam'"));
	last_audit(f, text, sizeof text);
	assert_string_equal(text, "sam login sam {}");

	/* Wrong PIN: refused, counted, audited. */
	memset(&u, 0, sizeof u);
	assert_int_equal(wr_auth_login(&f->t.s, "alice", "0000", &u, &err), WR_EAUTH);
	assert_int_equal(u.id, 0);
	snprintf(wrong_msg, sizeof wrong_msg, "%s", err.msg);
	assert_int_equal(failures(f), 1);
	assert_int_equal(locked_until(f), 0);
	last_audit(f, text, sizeof text);
	assert_string_equal(text, "alice login_failed alice {\"locked\":false,\"reason\":"
	                          "\"wrong secret\"}");
	assert_int_equal(wr_auth_login(&f->t.s, "alice", "47110", &u, &err), WR_EAUTH);
	assert_int_equal(failures(f), 2);
	/* sam's count is his own. */
	assert_int_equal(q(f, "SELECT failures FROM users WHERE name = 'sam'"), 0);

	/* Unknown user: the same answer as a wrong PIN (no probing for names). */
	assert_int_equal(wr_auth_login(&f->t.s, "mallory", PIN, &u, &err), WR_EAUTH);
	assert_string_equal(err.msg, wrong_msg);
	last_audit(f, text, sizeof text);
	assert_string_equal(text, "mallory login_failed mallory {\"locked\":false,"
	                          "\"reason\":\"unknown user\"}");

	/* Right PIN: in, and the count starts over. */
	assert_int_equal(wr_auth_login(&f->t.s, "alice", PIN, &u, &err), WR_OK);
	assert_string_equal(u.name, "alice");
	assert_int_equal(u.role, WR_ROLE_VALIDATOR);
	assert_int_equal(failures(f), 0);

	/* Every attempt, one record. */
	assert_int_equal(q(f, "SELECT count(*) FROM audit WHERE action = 'login'"), 2);
	assert_int_equal(q(f, "SELECT count(*) FROM audit WHERE action = 'login_failed'"), 3);
	assert_int_equal(audit_n(f), 2 + 5);
}

static void test_lockout(void **state)
{
	struct fx *f = *state;
	struct wr_user u;
	struct wr_err err;
	char text[512];
	long long attempts = 0;

	add(f, "alice", WR_ROLE_VALIDATOR);
	for (int i = 1; i < WR_LOCK_TRIES; i++) {
		tu_clock_at(f->t0, i);
		assert_int_equal(wr_auth_login(&f->t.s, "alice", "0000", &u, &err), WR_EAUTH);
		attempts++;
		assert_int_equal(failures(f), i);
		assert_int_equal(locked_until(f), 0);
	}
	/* The fifth wrong try locks the account for five minutes from now. */
	tu_clock_at(f->t0, 10);
	assert_int_equal(wr_auth_login(&f->t.s, "alice", "0000", &u, &err), WR_EAUTH);
	attempts++;
	assert_non_null(strstr(err.msg, "locked until 2024-01-16T03:05:10Z"));
	assert_int_equal(locked_until(f), f->t0 + 10 + WR_LOCK_SECONDS);
	last_audit(f, text, sizeof text);
	assert_string_equal(text, "alice login_failed alice {\"locked\":true,\"reason\":"
	                          "\"wrong secret\"}");

	/* Locked: even the right PIN is refused, and that is audited too. */
	tu_clock_at(f->t0, 11);
	memset(&u, 0, sizeof u);
	assert_int_equal(wr_auth_login(&f->t.s, "alice", PIN, &u, &err), WR_EAUTH);
	attempts++;
	assert_int_equal(u.id, 0);
	assert_non_null(strstr(err.msg, "locked until 2024-01-16T03:05:10Z"));
	last_audit(f, text, sizeof text);
	assert_string_equal(text, "alice login_failed alice {\"locked\":false,\"reason\":"
	                          "\"locked\"}");
	/* More wrong tries while locked do not stretch the lock. */
	tu_clock_at(f->t0, 100);
	assert_int_equal(wr_auth_login(&f->t.s, "alice", "0000", &u, &err), WR_EAUTH);
	attempts++;
	assert_int_equal(locked_until(f), f->t0 + 10 + WR_LOCK_SECONDS);
	/* One second before the five minutes are up: still locked. */
	tu_clock_at(f->t0, 10 + WR_LOCK_SECONDS - 1);
	assert_int_equal(wr_auth_login(&f->t.s, "alice", PIN, &u, &err), WR_EAUTH);
	attempts++;
	assert_non_null(strstr(err.msg, "locked"));
	/* Five minutes on: the right PIN works, and the count is clear. */
	tu_clock_at(f->t0, 10 + WR_LOCK_SECONDS);
	assert_int_equal(wr_auth_login(&f->t.s, "alice", PIN, &u, &err), WR_OK);
	attempts++;
	assert_string_equal(u.name, "alice");
	assert_int_equal(failures(f), 0);

	/* The count restarts: four wrong tries do not lock, a right one clears. */
	for (int i = 1; i < WR_LOCK_TRIES; i++) {
		assert_int_equal(wr_auth_login(&f->t.s, "alice", "0000", &u, &err), WR_EAUTH);
		attempts++;
		assert_int_equal(failures(f), i);
	}
	assert_int_equal(wr_auth_login(&f->t.s, "alice", PIN, &u, &err), WR_OK);
	attempts++;
	assert_int_equal(failures(f), 0);
	for (int i = 1; i < WR_LOCK_TRIES; i++) {
		assert_int_equal(wr_auth_login(&f->t.s, "alice", "0000", &u, &err), WR_EAUTH);
		attempts++;
	}
	assert_int_equal(failures(f), WR_LOCK_TRIES - 1);
	assert_int_equal(wr_auth_login(&f->t.s, "alice", PIN, &u, &err), WR_OK);
	attempts++;

	/* Every attempt left exactly one record. */
	assert_int_equal(q(f, "SELECT count(*) FROM audit WHERE action IN ('login',"
	                      " 'login_failed') AND actor = 'alice' AND subject = 'alice'"),
	                 attempts);
	assert_int_equal(q(f, "SELECT count(*) FROM audit WHERE action = 'login'"), 3);
}

static void test_lock_is_per_user(void **state)
{
	struct fx *f = *state;
	struct wr_user u;
	struct wr_err err;

	add(f, "alice", WR_ROLE_VALIDATOR);
	add(f, "bob", WR_ROLE_VALIDATOR);
	/* Tries against an unknown name lock nobody. */
	for (int i = 0; i < WR_LOCK_TRIES + 1; i++)
		assert_int_equal(wr_auth_login(&f->t.s, "carol", "0000", &u, &err), WR_EAUTH);
	assert_int_equal(q(f, "SELECT count(*) FROM users WHERE failures > 0 OR"
	                      " locked_until > 0"), 0);
	assert_int_equal(q(f, "SELECT count(*) FROM users"), 2);
	for (int i = 0; i < WR_LOCK_TRIES; i++)
		assert_int_equal(wr_auth_login(&f->t.s, "alice", "0000", &u, &err), WR_EAUTH);
	assert_true(locked_until(f) > f->t0);
	assert_int_equal(wr_auth_login(&f->t.s, "bob", PIN, &u, &err), WR_OK);
	assert_string_equal(u.name, "bob");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roles),
		cmocka_unit_test_setup_teardown(test_user_add, setup, teardown),
		cmocka_unit_test_setup_teardown(test_user_add_invalid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_user_add_unknown_role, setup, teardown),
		cmocka_unit_test_setup_teardown(test_user_add_duplicate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_login, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lockout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_is_per_user, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
