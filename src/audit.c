#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/alloc.h"
#include "warroom/audit.h"
#include "warroom/timefmt.h"

#define HASH_LEN crypto_hash_sha256_BYTES

enum { A_HEAD, A_INSERT, A_MOVE, A_COUNT };

static const char *const sql[A_COUNT] = {
	[A_HEAD] = "SELECT last_id, hash FROM audit_head",
	[A_INSERT] = "INSERT INTO audit (id, at, actor, action, subject, details,"
	             " prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[A_MOVE] = "INSERT INTO audit_head (one, last_id, hash) VALUES (1, ?1, ?2)"
	           " ON CONFLICT (one) DO UPDATE SET last_id = ?1, hash = ?2",
};

struct wr_audit {
	struct wr_store *s;
	sqlite3_stmt *st[A_COUNT];
	int batch;                      /* head cached, written at batch end */
	long long last;
	unsigned char head[HASH_LEN];
};

struct record {
	long long id;
	const char *at, *actor, *action, *subject, *details;
};

/* The hash covers the previous hash and every field, the id included, so a
 * record moved to another place in the chain no longer matches. */
static void hash_record(const unsigned char prev[HASH_LEN], const struct record *r,
                        unsigned char out[HASH_LEN])
{
	crypto_hash_sha256_state h;
	char id[32];
	const char *parts[] = { id, r->at, r->actor, r->action, r->subject, r->details };

	snprintf(id, sizeof id, "%lld", r->id);
	crypto_hash_sha256_init(&h);
	crypto_hash_sha256_update(&h, prev, HASH_LEN);
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
		crypto_hash_sha256_update(&h, (const unsigned char *)"\x1f", 1);
		crypto_hash_sha256_update(&h, (const unsigned char *)parts[i], strlen(parts[i]));
	}
	crypto_hash_sha256_final(&h, out);
}

int wr_audit_open(struct wr_audit **out, struct wr_store *s, struct wr_err *err)
{
	struct wr_audit *a = wr_xcalloc(1, sizeof *a);

	if (sodium_init() < 0) {
		free(a);
		return wr_errf(err, WR_EIO, "libsodium could not initialise");
	}
	a->s = s;
	for (int i = 0; i < A_COUNT; i++)
		if (wr_store_prepare(s, &a->st[i], sql[i], err) != WR_OK) {
			wr_audit_close(a);
			return WR_ESTORE;
		}
	*out = a;
	return WR_OK;
}

void wr_audit_close(struct wr_audit *a)
{
	if (!a)
		return;
	for (int i = 0; i < A_COUNT; i++)
		sqlite3_finalize(a->st[i]);
	free(a);
}

static int read_head(struct wr_audit *a, long long *last, unsigned char hash[HASH_LEN],
                     struct wr_err *err)
{
	sqlite3_stmt *st = a->st[A_HEAD];
	int rc = sqlite3_step(st);

	*last = 0;
	memset(hash, 0, HASH_LEN);
	if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 1) == HASH_LEN) {
		*last = sqlite3_column_int64(st, 0);
		memcpy(hash, sqlite3_column_blob(st, 1), HASH_LEN);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return wr_store_fail(a->s, err, "reading the audit head");
	return WR_OK;
}

static int move_head(struct wr_audit *a, long long id, const unsigned char hash[HASH_LEN],
                     struct wr_err *err)
{
	sqlite3_stmt *mv = a->st[A_MOVE];
	int rc;

	sqlite3_bind_int64(mv, 1, id);
	sqlite3_bind_blob(mv, 2, hash, HASH_LEN, SQLITE_STATIC);
	rc = sqlite3_step(mv);
	sqlite3_reset(mv);
	return rc == SQLITE_DONE ? WR_OK : wr_store_fail(a->s, err, "moving the audit head");
}

static int write_record(struct wr_audit *a, const struct record *r,
                        const unsigned char prev[HASH_LEN],
                        const unsigned char hash[HASH_LEN], struct wr_err *err)
{
	sqlite3_stmt *ins = a->st[A_INSERT];
	int rc;

	sqlite3_bind_int64(ins, 1, r->id);
	sqlite3_bind_text(ins, 2, r->at, -1, SQLITE_STATIC);
	sqlite3_bind_text(ins, 3, r->actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(ins, 4, r->action, -1, SQLITE_STATIC);
	sqlite3_bind_text(ins, 5, r->subject, -1, SQLITE_STATIC);
	sqlite3_bind_text(ins, 6, r->details, -1, SQLITE_STATIC);
	sqlite3_bind_blob(ins, 7, prev, HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_blob(ins, 8, hash, HASH_LEN, SQLITE_STATIC);
	rc = sqlite3_step(ins);
	sqlite3_reset(ins);
	if (rc != SQLITE_DONE)
		return wr_store_fail(a->s, err, "appending to the audit trail");
	if (a->batch) {
		a->last = r->id;
		memcpy(a->head, hash, HASH_LEN);
		return WR_OK;
	}
	return move_head(a, r->id, hash, err);
}

int wr_audit_append(struct wr_audit *a, const char *actor, const char *action,
                    const char *subject, json_t *details, struct wr_err *err)
{
	unsigned char prev[HASH_LEN], hash[HASH_LEN];
	char at[32], *text;
	struct record r = { 0, at, actor, action, subject, NULL };
	int rc;

	if (!details)
		details = json_object();
	text = json_dumps(details, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(details);
	if (!text)
		return wr_errf(err, WR_EINVAL, "audit %s %s: details are not JSON", action, subject);
	r.details = text;
	wr_time_format_utc(wr_time_now(), at);
	if (a->batch) {
		r.id = a->last;
		memcpy(prev, a->head, HASH_LEN);
		rc = WR_OK;
	} else {
		rc = read_head(a, &r.id, prev, err);
	}
	if (rc == WR_OK) {
		r.id++;
		hash_record(prev, &r, hash);
		rc = write_record(a, &r, prev, hash, err);
	}
	free(text);
	return rc;
}

int wr_audit_batch_begin(struct wr_audit *a, struct wr_err *err)
{
	if (read_head(a, &a->last, a->head, err) != WR_OK)
		return WR_ESTORE;
	a->batch = 1;
	return WR_OK;
}

int wr_audit_batch_end(struct wr_audit *a, struct wr_err *err)
{
	int rc = a->batch ? move_head(a, a->last, a->head, err) : WR_OK;

	a->batch = 0;
	return rc;
}

void wr_audit_batch_abort(struct wr_audit *a)
{
	a->batch = 0;
}

static const char *col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? (const char *)t : "";
}

/* Checks one row against the chain so far; fills out->why on a break. */
static int check_row(sqlite3_stmt *st, long long want_id, unsigned char prev[HASH_LEN],
                     struct wr_audit_check *out)
{
	struct record r = { sqlite3_column_int64(st, 0), col(st, 1), col(st, 2),
	                    col(st, 3), col(st, 4), col(st, 5) };
	unsigned char hash[HASH_LEN];

	if (r.id != want_id) {
		out->bad_id = want_id;
		snprintf(out->why, sizeof out->why, "record %lld is missing (the next "
		         "record is %lld): records were deleted", want_id, r.id);
		return 0;
	}
	if (sqlite3_column_bytes(st, 6) != HASH_LEN ||
	    memcmp(sqlite3_column_blob(st, 6), prev, HASH_LEN) != 0) {
		out->bad_id = r.id;
		snprintf(out->why, sizeof out->why, "record %lld (%s %s by %s) does not "
		         "follow record %lld: records were removed, inserted or reordered",
		         r.id, r.action, r.subject, r.actor, r.id - 1);
		return 0;
	}
	hash_record(prev, &r, hash);
	if (sqlite3_column_bytes(st, 7) != HASH_LEN ||
	    memcmp(sqlite3_column_blob(st, 7), hash, HASH_LEN) != 0) {
		out->bad_id = r.id;
		snprintf(out->why, sizeof out->why, "record %lld (%s %s by %s at %s) was "
		         "edited: its hash does not match its contents", r.id, r.action,
		         r.subject, r.actor, r.at);
		return 0;
	}
	memcpy(prev, hash, HASH_LEN);
	return 1;
}

static int check_head(struct wr_store *s, long long last, const unsigned char hash[HASH_LEN],
                      struct wr_audit_check *out, struct wr_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if (wr_store_prepare(s, &st, "SELECT last_id, hash FROM audit_head", err))
		return WR_ESTORE;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_int64(st, 0) > last) {
		out->bad_id = last + 1;
		snprintf(out->why, sizeof out->why, "the trail ends at record %lld but its "
		         "head says %lld: the newest records were removed", last,
		         sqlite3_column_int64(st, 0));
	} else if (rc == SQLITE_ROW && sqlite3_column_int64(st, 0) < last) {
		out->bad_id = sqlite3_column_int64(st, 0) + 1;
		snprintf(out->why, sizeof out->why, "records after %lld are past the chain's "
		         "head: they were added outside warroom, or the head was edited",
		         sqlite3_column_int64(st, 0));
	} else if (rc == SQLITE_ROW && (sqlite3_column_bytes(st, 1) != HASH_LEN ||
	                                memcmp(sqlite3_column_blob(st, 1), hash, HASH_LEN))) {
		out->bad_id = last;
		snprintf(out->why, sizeof out->why, "the head's hash does not match record "
		         "%lld: the head or the newest record was edited", last);
	} else if (rc == SQLITE_DONE && last > 0) {
		out->bad_id = last;
		snprintf(out->why, sizeof out->why, "the audit head is missing");
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? WR_OK
	       : wr_store_fail(s, err, "reading the audit head");
}

int wr_audit_verify(struct wr_store *s, struct wr_audit_check *out, struct wr_err *err)
{
	unsigned char prev[HASH_LEN] = { 0 };
	sqlite3_stmt *st;
	long long want = 1;
	int rc, ok = 1;

	memset(out, 0, sizeof *out);
	/* One read transaction: the chain and its head from the same moment. */
	if (sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return wr_store_fail(s, err, "starting a read");
	if (wr_store_prepare(s, &st, "SELECT id, at, actor, action, subject, details,"
	                             " prev_hash, hash FROM audit ORDER BY id", err)) {
		sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
		return WR_ESTORE;
	}
	while (ok && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		out->records++;
		ok = check_row(st, want++, prev, out);
	}
	sqlite3_finalize(st);
	if (ok && rc != SQLITE_DONE)
		rc = wr_store_fail(s, err, "reading the audit trail");
	else
		rc = ok ? check_head(s, want - 1, prev, out, err) : WR_OK;
	sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	return rc;
}

int wr_audit_export(struct wr_store *s, FILE *out, struct wr_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if (wr_store_prepare(s, &st, "SELECT json_object('id', id, 'at', at, 'actor',"
	                             " actor, 'action', action, 'subject', subject,"
	                             " 'details', CASE WHEN json_valid(details) THEN json(details)"
	                             " ELSE details END, 'prev_hash',"
	                             " lower(hex(prev_hash)), 'hash', lower(hex(hash)))"
	                             " FROM audit ORDER BY id", err))
		return WR_ESTORE;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		fprintf(out, "%s\n", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return wr_store_fail(s, err, "exporting the audit trail");
	return fflush(out) == 0 ? WR_OK : wr_errf(err, WR_EIO, "writing the export failed");
}
