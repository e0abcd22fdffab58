/* Users, roles and sign-in. Secrets are argon2id hashes (libsodium); five
 * wrong tries lock an account for five minutes; every attempt is audited.
 * Roles are checked by the core functions that act, never only by a view. */
#ifndef WARROOM_AUTH_H
#define WARROOM_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "warroom/err.h"
#include "warroom/store.h"

#define WR_LOCK_TRIES 5
#define WR_LOCK_SECONDS 300

enum wr_role { WR_ROLE_VALIDATOR, WR_ROLE_HOTLINE, WR_ROLE_SUPERVISOR, WR_ROLE_ADMIN };

struct wr_user {
	int64_t id;
	char name[33];
	enum wr_role role;
	int disabled;
	int64_t locked_until;
};

const char *wr_role_name(enum wr_role r);
/* WR_EINVAL when name is not a role. */
int wr_role_parse(const char *name, enum wr_role *out, struct wr_err *err);

/* actor is who made the change, for the audit trail. */
int wr_user_add(struct wr_store *s, const char *actor, const char *name,
                enum wr_role role, const char *secret, struct wr_err *err);
int wr_user_disable(struct wr_store *s, const char *actor, const char *name,
                    struct wr_err *err);
/* *out is allocated; free it with free(). */
int wr_user_list(struct wr_store *s, struct wr_user **out, size_t *n, struct wr_err *err);

/* Signs in. WR_EAUTH for an unknown or disabled user, a wrong secret or a
 * locked account (the message says which, and until when). */
int wr_auth_login(struct wr_store *s, const char *name, const char *secret,
                  struct wr_user *out, struct wr_err *err);

/* The user as the store has them now (role, disabled), so a console that
 * signed in before its user was disabled or re-roled stops acting.
 * WR_EAUTH when the user is disabled or gone. */
int wr_auth_refresh(struct wr_store *s, const struct wr_user *u, struct wr_user *now_u,
                    struct wr_err *err);

#endif
