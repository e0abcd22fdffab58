/* Where published files go, and one libcurl path that puts them there:
 * file://DIR (the default), http(s):// PUT with a bearer token, and
 * s3://BUCKET/PREFIX signed with SigV4. Credentials come from the
 * environment only and never appear in the target's name, which is what
 * the store, the audit trail and the log see. */
#ifndef WARROOM_TARGET_H
#define WARROOM_TARGET_H

#include <signal.h>
#include <stddef.h>

#include "warroom/err.h"

enum wr_target_kind { WR_TARGET_FILE, WR_TARGET_HTTP, WR_TARGET_S3 };

struct wr_target {
	enum wr_target_kind kind;
	char name[600];     /* shown and stored: no credentials */
	char base[600];     /* URL (or directory for file://) that keys are appended to */
	char auth[1100];    /* "Authorization: Bearer ..." for http(s), "" when none */
	char access[256], secret[256], session[2048], region[64];  /* s3 */
	long connect_timeout_ms, timeout_ms;
	volatile sig_atomic_t *stop;  /* when set and raised, a transfer ends early */
	void *curl;         /* one handle, so connections are reused */
};

/* Parses url. For s3:// the endpoint is `endpoint`, else $AWS_ENDPOINT_URL_S3,
 * $AWS_ENDPOINT_URL, else AWS's regional endpoint. Reads $WARROOM_PUSH_TOKEN
 * (http), $AWS_ACCESS_KEY_ID, $AWS_SECRET_ACCESS_KEY, $AWS_SESSION_TOKEN and
 * $AWS_REGION / $AWS_DEFAULT_REGION (s3). WR_EINVAL names what is wrong. */
int wr_target_open(struct wr_target *t, const char *url, const char *endpoint,
                   struct wr_err *err);
/* The same without credentials or a connection: the name a target is
 * stored under, for views of how far it got. */
int wr_target_parse(struct wr_target *t, const char *url, const char *endpoint,
                    struct wr_err *err);
void wr_target_close(struct wr_target *t);

/* The target every process of one night agrees on: given, else
 * $WARROOM_PUSH_TO, else file:// public/ beside the store at db_path.
 * WR_EIO when the store's directory cannot be found. */
int wr_target_default(const char *db_path, const char *given, char *out, size_t n,
                      struct wr_err *err);

enum wr_put {
	WR_PUT_OK,
	WR_PUT_RETRY,   /* connection failed, timed out, 5xx, 429: try again later */
	WR_PUT_AUTH,    /* 401/403: the credentials are wrong */
	WR_PUT_FAIL,    /* any other refusal: this item stops until someone acts */
};

/* Puts body at key (same key, same bytes: a repeat is harmless). why says
 * what went wrong in a line fit for the log (status, the server's error
 * code), never holding a credential. */
enum wr_put wr_target_put(struct wr_target *t, const char *key, const char *type,
                          const void *body, size_t len, const char *sha256_hex,
                          char *why, size_t whylen);

#endif
