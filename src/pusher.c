#include <inttypes.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/alloc.h"
#include "warroom/pace.h"
#include "warroom/audit.h"
#include "warroom/publish.h"
#include "warroom/pusher.h"
#include "warroom/timefmt.h"

struct item {
	int64_t id, batch;
	char key[128], type[64], sha[65];
	void *body;
	size_t len;
};

struct pusher {
	struct wr_store *s;
	struct wr_target *t;
	const struct wr_push_opts *o;
	struct wr_push_stats *st;
	struct wr_audit *au;
	sqlite3_stmt *next;
	int frozen_logged;
};

static int stopped(const struct pusher *p)
{
	return p->o->stop && *p->o->stop;
}

/* 1 with the next item for the target, 0 when the outbox is drained. */
static int next_item(struct pusher *p, struct item *it, struct wr_err *err)
{
	sqlite3_stmt *st = p->next;
	int rc;

	free(it->body);
	memset(it, 0, sizeof *it);
	sqlite3_bind_text(st, 1, p->t->name, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		it->id = sqlite3_column_int64(st, 0);
		it->batch = sqlite3_column_int64(st, 1);
		wr_store_text(st, 2, it->key, sizeof it->key);
		wr_store_text(st, 3, it->type, sizeof it->type);
		it->len = (size_t)sqlite3_column_bytes(st, 4);
		it->body = wr_xmalloc(it->len + 1);
		if (it->len)
			memcpy(it->body, sqlite3_column_blob(st, 4), it->len);
		if (sqlite3_column_bytes(st, 5) == crypto_hash_sha256_BYTES)
			sodium_bin2hex(it->sha, sizeof it->sha, sqlite3_column_blob(st, 5),
			               crypto_hash_sha256_BYTES);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return wr_store_fail(p->s, err, "reading the outbox");
	return rc == SQLITE_ROW;
}

/* Binds the target, an id, a text and the time as ?1..?4; a statement that
 * names fewer leaves the rest unbound (SQLite ignores those binds). */
static int exec_bound(struct pusher *p, const char *sql, int64_t id, const char *text,
                      const char *now, int *changed, struct wr_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if (wr_store_prepare(p->s, &st, sql, err))
		return WR_ESTORE;
	sqlite3_bind_text(st, 1, p->t->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (changed)
		*changed = sqlite3_changes(p->s->db);
	return rc == SQLITE_DONE ? WR_OK : wr_store_fail(p->s, err, "moving the push cursor");
}

static int advance_txn(struct pusher *p, const struct item *it, const char *now,
                       struct wr_err *err)
{
	char subject[32];
	int changed = 0, rc;

	rc = exec_bound(p, "UPDATE push_cursors SET last_id = ?2, attempts = 0,"
	                   " last_ok_at = ?4, last_try_at = ?4, last_error = NULL"
	                   " WHERE target = ?1 AND last_id < ?2",
	                it->id, NULL, now, &changed, err);
	/* Another pusher on the same target got there first: nothing to add. */
	if (rc != WR_OK || !changed || strcmp(it->key, "latest.json"))
		return rc;
	snprintf(subject, sizeof subject, "batch %06" PRId64, it->batch);
	return wr_audit_append(p->au, p->o->actor, "push", subject,
	                       json_pack("{s:s}", "target", p->t->name), err);
}

static int advance(struct pusher *p, const struct item *it, struct wr_err *err)
{
	char now[32];
	int rc;

	wr_time_format_utc(wr_time_now(), now);
	if ((rc = wr_store_begin(p->s, err)) != WR_OK)
		return rc;
	rc = wr_store_finish(p->s, advance_txn(p, it, now, err), err);
	if (rc == WR_OK) {
		p->st->items++;
		if (!strcmp(it->key, "latest.json")) {
			p->st->batches++;
			p->st->last_batch = it->batch;
			if (p->o->log)
				fprintf(p->o->log, "%s push: batch %06" PRId64 " is out at %s\n", now,
				        it->batch, p->t->name);
		}
	}
	return rc;
}

static int record_failure(struct pusher *p, const char *why, struct wr_err *err)
{
	char now[32];
	int rc;

	wr_time_format_utc(wr_time_now(), now);
	if ((rc = wr_store_begin(p->s, err)) != WR_OK)
		return rc;
	rc = exec_bound(p, "UPDATE push_cursors SET attempts = attempts + 1,"
	                   " last_try_at = ?4, last_error = ?3 WHERE target = ?1",
	                0, why, now, NULL, err);
	return wr_store_finish(p->s, rc, err);
}

static int ensure_cursor(struct pusher *p, struct wr_err *err)
{
	int rc;

	if ((rc = wr_store_begin(p->s, err)) != WR_OK)
		return rc;
	rc = exec_bound(p, "INSERT INTO push_cursors (target) VALUES (?1)"
	                   " ON CONFLICT (target) DO NOTHING",
	                0, NULL, NULL, NULL, err);
	return wr_store_finish(p->s, rc, err);
}

/* How far the target's cursor is now: another pusher on the same target
 * may have moved it while this one waited to retry. */
static int64_t cursor_at(struct pusher *p)
{
	sqlite3_stmt *st;
	int64_t id = 0;

	if (sqlite3_prepare_v2(p->s->db, "SELECT last_id FROM push_cursors WHERE target = ?1",
	                       -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, p->t->name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return id;
}

/* One item until it is out, or until giving up is right. */
static int push_item(struct pusher *p, const struct item *it, struct wr_err *err)
{
	char why[320], now[32];
	enum wr_put r;
	int rc;

	for (int tries = 1;; tries++) {
		long wait;

		r = wr_target_put(p->t, it->key, it->type, it->body, it->len, it->sha, why,
		                  sizeof why);
		if (r == WR_PUT_OK)
			return advance(p, it, err);
		if ((rc = record_failure(p, why, err)) != WR_OK)
			return rc;
		p->st->retries++;
		wait = r == WR_PUT_RETRY
		       ? wr_backoff_ms(p->o->backoff_ms, p->o->backoff_max_ms, tries)
		       : p->o->backoff_max_ms;
		wr_time_format_utc(wr_time_now(), now);
		if (p->o->log)
			fprintf(p->o->log, "%s push: %s to %s: %s (try %d%s)\n", now, it->key,
			        p->t->name, why, tries,
			        r == WR_PUT_AUTH ? ", credentials refused"
			        : r == WR_PUT_FAIL ? ", refused" : "");
		if (!p->o->follow && (r != WR_PUT_RETRY || tries >= p->o->max_tries))
			return wr_errf(err, r == WR_PUT_AUTH ? WR_EAUTH : WR_EIO,
			               "%s not pushed to %s after %d %s: %s%s", it->key, p->t->name,
			               tries, tries == 1 ? "try" : "tries", why,
			               r == WR_PUT_AUTH ? " (the target refused the credentials)" : "");
		wr_pause_ms(p->o->stop, wait);
		/* Never put an older file back over what another pusher sent. */
		if (stopped(p) || cursor_at(p) >= it->id)
			return WR_OK;
	}
}

/* A supervisor's freeze holds what is queued too: it is how a bad number
 * already in a batch is kept from the public. 1 while frozen. */
static int held(struct pusher *p, struct wr_err *err)
{
	struct wr_freeze f;
	char now[32];

	if (wr_publish_frozen(p->s, &f, err) != WR_OK)
		return WR_ESTORE;
	if (f.frozen && !p->frozen_logged && p->o->log) {
		wr_time_format_utc(wr_time_now(), now);
		fprintf(p->o->log, "%s push: publishing is frozen by %s: %s; holding\n", now,
		        f.by, f.reason);
	}
	p->frozen_logged = f.frozen;
	if (f.frozen)
		wr_errf(err, WR_EPERM, "publishing is frozen by %s since %s: %s; nothing pushed",
		        f.by, f.at, f.reason);
	return f.frozen;
}

int wr_push(struct wr_store *s, struct wr_target *t, const struct wr_push_opts *o,
            struct wr_push_stats *st, struct wr_err *err)
{
	struct pusher p = { .s = s, .t = t, .o = o, .st = st };
	struct item it = { 0 };
	int rc, more;

	memset(st, 0, sizeof *st);
	if ((rc = wr_audit_open(&p.au, s, err)) != WR_OK)
		return rc;
	if ((rc = ensure_cursor(&p, err)) == WR_OK &&
	    (rc = wr_store_prepare(s, &p.next,
	        "SELECT id, batch, key, content_type, body, sha256 FROM outbox WHERE id >"
	        " coalesce((SELECT last_id FROM push_cursors WHERE target = ?1), 0)"
	        " ORDER BY id LIMIT 1", err)) == WR_OK) {
		while (!stopped(&p)) {
			if ((more = held(&p, err)) != 0) {
				if (more < 0 || !o->follow) {
					rc = more < 0 ? more : WR_EPERM;
					break;
				}
				wr_pause_ms(o->stop, o->poll_ms);
				continue;
			}
			if ((more = next_item(&p, &it, err)) < 0) {
				rc = more;
				break;
			}
			if (more && (rc = push_item(&p, &it, err)) != WR_OK)
				break;
			if (!more && !o->follow)
				break;
			if (!more)
				wr_pause_ms(o->stop, o->poll_ms);
		}
	}
	free(it.body);
	sqlite3_finalize(p.next);
	wr_audit_close(p.au);
	return rc;
}

int wr_push_state_read(struct wr_store *s, const char *target, struct wr_push_state *ps,
                       struct wr_err *err)
{
	sqlite3_stmt *st;
	int rc;

	memset(ps, 0, sizeof *ps);
	if (wr_store_prepare(s, &st,
	        "SELECT c.last_id, c.attempts, coalesce(c.last_ok_at, ''),"
	        " coalesce(c.last_try_at, ''), coalesce(c.last_error, ''),"
	        " (SELECT count(*) FROM outbox WHERE id > coalesce(c.last_id, 0)),"
	        " coalesce((SELECT max(batch) FROM outbox WHERE key = 'latest.json'"
	        "   AND id <= coalesce(c.last_id, 0)), 0)"
	        " FROM (SELECT 1) LEFT JOIN push_cursors c ON c.target = ?1", err))
		return WR_ESTORE;
	sqlite3_bind_text(st, 1, target, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ps->last_id = sqlite3_column_int64(st, 0);
		ps->attempts = sqlite3_column_int(st, 1);
		wr_store_text(st, 2, ps->last_ok_at, sizeof ps->last_ok_at);
		wr_store_text(st, 3, ps->last_try_at, sizeof ps->last_try_at);
		wr_store_text(st, 4, ps->last_error, sizeof ps->last_error);
		ps->backlog = sqlite3_column_int64(st, 5);
		ps->last_batch = sqlite3_column_int64(st, 6);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? WR_OK : wr_store_fail(s, err, "reading the push state");
}
