#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/audit.h"
#include "warroom/auth.h"
#include "warroom/timefmt.h"

static const char *const roles[] = { "validator", "hotline", "supervisor", "admin" };

const char *wr_role_name(enum wr_role r)
{
	return (size_t)r < sizeof roles / sizeof roles[0] ? roles[r] : "?";
}

int wr_role_parse(const char *name, enum wr_role *out, struct wr_err *err)
{
	for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
		if (strcmp(name, roles[i]) == 0) {
			*out = (enum wr_role)i;
			return WR_OK;
		}
	return wr_err_field(err, WR_EINVAL, "role", "\"%s\" is not one of validator, "
	                    "hotline, supervisor, admin", name);
}

static int valid_name(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 32)
		return 0;
	for (; *name; name++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789._-", *name))
			return 0;
	return 1;
}

/* Runs fn inside one write transaction with an audit handle. */
static int in_txn(struct wr_store *s, struct wr_err *err,
                  int (*fn)(struct wr_store *, struct wr_audit *, void *, struct wr_err *),
                  void *arg)
{
	struct wr_audit *a;
	int rc;

	if (wr_audit_open(&a, s, err) != WR_OK)
		return WR_ESTORE;
	rc = wr_store_begin(s, err);
	if (rc == WR_OK)
		rc = fn(s, a, arg, err);
	rc = wr_store_finish(s, rc, err);
	wr_audit_close(a);
	return rc;
}

/* Runs sql with the NULL-terminated text parameters; the SQLite step code. */
static int run_text(struct wr_store *s, const char *sql, ...)
{
	sqlite3_stmt *st;
	const char *v;
	va_list ap;
	int rc, i = 1;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return SQLITE_ERROR;
	va_start(ap, sql);
	while ((v = va_arg(ap, const char *)) != NULL)
		sqlite3_bind_text(st, i++, v, -1, SQLITE_TRANSIENT);
	va_end(ap);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc;
}

struct add_args {
	const char *actor, *name, *hash;
	enum wr_role role;
};

static int add_txn(struct wr_store *s, struct wr_audit *a, void *arg, struct wr_err *err)
{
	struct add_args *x = arg;
	char now[32];
	int rc;

	wr_time_format_utc(wr_time_now(), now);
	rc = run_text(s, "INSERT INTO users (name, role, secret, created_at)"
	                 " VALUES (?1, ?2, ?3, ?4)",
	              x->name, wr_role_name(x->role), x->hash, now, (char *)NULL);
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		return wr_err_field(err, WR_ECONFLICT, "name", "user \"%s\" exists already",
		                    x->name);
	if (rc != SQLITE_DONE)
		return wr_store_fail(s, err, "adding a user");
	return wr_audit_append(a, x->actor, "user_add", x->name,
	                       json_pack("{s:s}", "role", wr_role_name(x->role)), err);
}

int wr_user_add(struct wr_store *s, const char *actor, const char *name,
                enum wr_role role, const char *secret, struct wr_err *err)
{
	char hash[crypto_pwhash_STRBYTES];
	struct add_args x = { actor, name, hash, role };
	size_t len = strlen(secret);

	if ((unsigned)role > WR_ROLE_ADMIN)
		return wr_err_field(err, WR_EINVAL, "role", "%d is not a role", (int)role);
	if (!valid_name(name))
		return wr_err_field(err, WR_EINVAL, "name", "\"%s\": use 1 to 32 lower-case "
		                    "letters, digits and ._-", name);
	if (len < 4 || len > 128)
		return wr_err_field(err, WR_EINVAL, "pin", "must be 4 to 128 characters");
	if (sodium_init() < 0 ||
	    crypto_pwhash_str(hash, secret, len, crypto_pwhash_OPSLIMIT_INTERACTIVE,
	                      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return wr_errf(err, WR_EIO, "could not hash the PIN (out of memory?)");
	return in_txn(s, err, add_txn, &x);
}

struct disable_args {
	const char *actor, *name;
};

static int disable_txn(struct wr_store *s, struct wr_audit *a, void *arg,
                       struct wr_err *err)
{
	struct disable_args *x = arg;

	if (run_text(s, "UPDATE users SET disabled = 1 WHERE name = ?1", x->name,
	             (char *)NULL) != SQLITE_DONE)
		return wr_store_fail(s, err, "disabling a user");
	if (sqlite3_changes(s->db) == 0)
		return wr_err_field(err, WR_ENOTFOUND, "name", "no user \"%s\"", x->name);
	/* A disabled user's claims go back to the queue at once. */
	if (run_text(s, "DELETE FROM claims WHERE user_id = (SELECT id FROM users"
	                " WHERE name = ?1)", x->name, (char *)NULL) != SQLITE_DONE)
		return wr_store_fail(s, err, "releasing claims");
	return wr_audit_append(a, x->actor, "user_disable", x->name, NULL, err);
}

int wr_user_disable(struct wr_store *s, const char *actor, const char *name,
                    struct wr_err *err)
{
	struct disable_args x = { actor, name };

	return in_txn(s, err, disable_txn, &x);
}

static void read_user(sqlite3_stmt *st, void *row)
{
	enum wr_role r = WR_ROLE_VALIDATOR;
	struct wr_user *u = row;

	memset(u, 0, sizeof *u);
	u->id = sqlite3_column_int64(st, 0);
	wr_store_text(st, 1, u->name, sizeof u->name);
	wr_role_parse((const char *)sqlite3_column_text(st, 2), &r, NULL);
	u->role = r;
	u->disabled = sqlite3_column_int(st, 3);
	u->locked_until = sqlite3_column_int64(st, 4);
}

int wr_user_list(struct wr_store *s, struct wr_user **out, size_t *n, struct wr_err *err)
{
	sqlite3_stmt *st;

	*out = NULL;
	*n = 0;
	if (wr_store_prepare(s, &st, "SELECT id, name, role, disabled, locked_until"
	                             " FROM users ORDER BY name", err))
		return WR_ESTORE;
	return wr_store_rows(s, st, sizeof **out, read_user, (void **)out, n, "listing users",
	                     err);
}

enum verdict { V_OK, V_UNKNOWN, V_DISABLED, V_LOCKED, V_WRONG };

struct login {
	const char *name;
	enum verdict v;
	int64_t now;
	struct wr_user user;
	int locked_now;      /* this failure locked the account */
};

/* An unknown name costs the same argon2id work as a known one, so the
 * time a refusal takes does not tell which user names exist. */
static void burn_time(const char *secret)
{
	static char dummy[crypto_pwhash_STRBYTES];

	if (!dummy[0] && crypto_pwhash_str(dummy, "warroom", 7,
	                                   crypto_pwhash_OPSLIMIT_INTERACTIVE,
	                                   crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return;
	if (crypto_pwhash_str_verify(dummy, secret, strlen(secret)) == 0)
		return;  /* the outcome is meaningless; only the time spent counts */
}

/* Reads the user and checks the secret outside any transaction: argon2id
 * takes tens of milliseconds, too long to hold the store's write lock. */
static int judge(struct wr_store *s, const char *secret, struct login *l, struct wr_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if (wr_store_prepare(s, &st, "SELECT id, name, role, disabled, locked_until,"
	                             " secret FROM users WHERE name = ?1", err))
		return WR_ESTORE;
	sqlite3_bind_text(st, 1, l->name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		read_user(st, &l->user);
		if (l->user.disabled)
			l->v = V_DISABLED;
		else if (l->user.locked_until > l->now)
			l->v = V_LOCKED;
		else
			l->v = crypto_pwhash_str_verify((const char *)sqlite3_column_text(st, 5),
			                                secret, strlen(secret)) == 0
			       ? V_OK : V_WRONG;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return wr_store_fail(s, err, "reading a user");
	if (rc == SQLITE_DONE)
		burn_time(secret);
	return WR_OK;
}

static int count_failure(struct wr_store *s, struct login *l, struct wr_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if (wr_store_prepare(s, &st, "UPDATE users SET failures = failures + 1,"
	        " locked_until = CASE WHEN failures + 1 >= ?2 THEN ?3 ELSE locked_until END"
	        " WHERE id = ?1 RETURNING failures, locked_until", err))
		return WR_ESTORE;
	sqlite3_bind_int64(st, 1, l->user.id);
	sqlite3_bind_int(st, 2, WR_LOCK_TRIES);
	sqlite3_bind_int64(st, 3, l->now + WR_LOCK_SECONDS);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_int64(st, 1) > l->now) {
		l->locked_now = 1;
		l->user.locked_until = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return wr_store_fail(s, err, "counting a failed sign-in");
	if (l->locked_now && run_text(s, "UPDATE users SET failures = 0 WHERE name = ?1",
	                              l->name, (char *)NULL) != SQLITE_DONE)
		return wr_store_fail(s, err, "locking an account");
	return WR_OK;
}

static int locked_now(struct wr_store *s, struct wr_user *u, int64_t now)
{
	sqlite3_stmt *st;
	int locked = 0;

	if (sqlite3_prepare_v2(s->db, "SELECT locked_until FROM users WHERE id = ?1", -1, &st,
	                       NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_int64(st, 1, u->id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		u->locked_until = sqlite3_column_int64(st, 0);
		locked = u->locked_until > now;
	}
	sqlite3_finalize(st);
	return locked;
}

static int record_txn(struct wr_store *s, struct wr_audit *a, void *arg, struct wr_err *err)
{
	static const char *const why[] = { "ok", "unknown user", "disabled", "locked",
	                                   "wrong secret" };
	struct login *l = arg;
	struct wr_user now_u;

	/* Attempts made in parallel were judged before any of them was
	 * recorded: a lock one of them set must still hold for the others. */
	if (l->v == V_OK && wr_auth_refresh(s, &l->user, &now_u, NULL) != WR_OK)
		l->v = V_DISABLED;
	else if (l->v == V_OK && locked_now(s, &l->user, l->now))
		l->v = V_LOCKED;
	if (l->v == V_OK && run_text(s, "UPDATE users SET failures = 0 WHERE name = ?1",
	                             l->name, (char *)NULL) != SQLITE_DONE)
		return wr_store_fail(s, err, "recording a sign-in");
	if (l->v == V_WRONG && count_failure(s, l, err) != WR_OK)
		return WR_ESTORE;
	return wr_audit_append(a, l->name, l->v == V_OK ? "login" : "login_failed", l->name,
	                       l->v == V_OK ? NULL
	                       : json_pack("{s:s, s:b}", "reason", why[l->v],
	                                   "locked", l->locked_now), err);
}

static int refuse(const struct login *l, struct wr_err *err)
{
	char until[32];

	switch (l->v) {
	case V_DISABLED:
		return wr_errf(err, WR_EAUTH, "user %s is disabled", l->name);
	case V_LOCKED:
		wr_time_format_utc(l->user.locked_until, until);
		return wr_errf(err, WR_EAUTH, "user %s is locked until %s after %d wrong "
		               "tries", l->name, until, WR_LOCK_TRIES);
	default:
		if (l->locked_now) {
			wr_time_format_utc(l->user.locked_until, until);
			return wr_errf(err, WR_EAUTH, "wrong PIN; %s is now locked until %s",
			               l->name, until);
		}
		return wr_errf(err, WR_EAUTH, "wrong user name or PIN");
	}
}

int wr_auth_login(struct wr_store *s, const char *name, const char *secret,
                  struct wr_user *out, struct wr_err *err)
{
	struct login l = { .name = name, .v = V_UNKNOWN, .now = wr_time_now() };

	if (sodium_init() < 0)
		return wr_errf(err, WR_EIO, "libsodium could not initialise");
	if (judge(s, secret, &l, err) != WR_OK || in_txn(s, err, record_txn, &l) != WR_OK)
		return WR_ESTORE;
	if (l.v != V_OK)
		return refuse(&l, err);
	*out = l.user;
	return WR_OK;
}

int wr_auth_refresh(struct wr_store *s, const struct wr_user *u, struct wr_user *now_u,
                    struct wr_err *err)
{
	sqlite3_stmt *st;
	enum wr_role role = u->role;
	int rc;

	if (wr_store_prepare(s, &st, "SELECT role, disabled FROM users WHERE id = ?1",
	                     err))
		return WR_ESTORE;
	sqlite3_bind_int64(st, 1, u->id);
	rc = sqlite3_step(st);
	*now_u = *u;
	if (rc == SQLITE_ROW && wr_role_parse((const char *)sqlite3_column_text(st, 0),
	                                      &role, NULL) == WR_OK)
		now_u->role = role;
	if (rc == SQLITE_ROW)
		now_u->disabled = sqlite3_column_int(st, 1);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return wr_store_fail(s, err, "reading a user");
	if (rc == SQLITE_DONE || now_u->disabled)
		return wr_errf(err, WR_EAUTH, "user %s is disabled or removed", u->name);
	return WR_OK;
}
