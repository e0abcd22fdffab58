#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/alloc.h"
#include "warroom/audit.h"
#include "warroom/publish.h"
#include "warroom/render.h"
#include "warroom/results.h"
#include "warroom/scoring.h"
#include "warroom/timefmt.h"

struct change {
	int64_t submission, precinct;
};

struct pub {
	struct wr_store *s;
	const struct wr_publish_opts *o;
	struct wr_publish_result *r;
	struct wr_contest c;
	struct wr_results *res;
	struct wr_scorer *sc;
	struct wr_audit *au;
	size_t ncounties;
	const char (*fips)[8];
	const char (*names)[64];
	unsigned char *dirty;        /* per county: its tallies changed */
	signed char *gate;           /* per county: -1 not asked yet, 0 closed, 1 open */
	struct change *ch;
	size_t nch, capch;
	struct wr_county_parts *parts;
	int64_t batch;
	char now[32];
	struct wr_buf doc, manifest;
};

void wr_publish_result_free(struct wr_publish_result *r)
{
	free(r->held);
	r->held = NULL;
	r->nheld = 0;
}

static int step_done(struct wr_store *s, sqlite3_stmt *st, const char *doing,
                     struct wr_err *err)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE ? WR_OK : wr_store_fail(s, err, doing);
}

int wr_publish_frozen(struct wr_store *s, struct wr_freeze *f, struct wr_err *err)
{
	sqlite3_stmt *st;
	int rc;

	memset(f, 0, sizeof *f);
	if (wr_store_prepare(s, &st, "SELECT frozen, by_user, reason, at FROM publish_freeze",
	                     err))
		return WR_ESTORE;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		f->frozen = sqlite3_column_int(st, 0);
		wr_store_text(st, 1, f->by, sizeof f->by);
		wr_store_text(st, 2, f->reason, sizeof f->reason);
		wr_store_text(st, 3, f->at, sizeof f->at);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return wr_store_fail(s, err, "reading the publishing freeze");
	return WR_OK;
}

static int freeze_txn(struct wr_store *s, struct wr_audit *au, const struct wr_user *u,
                      int frozen, const char *reason, struct wr_err *err)
{
	struct wr_user now_u;
	sqlite3_stmt *st;
	char at[32];
	int rc;

	if ((rc = wr_auth_refresh(s, u, &now_u, err)) != WR_OK)
		return rc;
	if (now_u.role != WR_ROLE_SUPERVISOR && now_u.role != WR_ROLE_ADMIN)
		return wr_errf(err, WR_EPERM, "%s is a %s: only a supervisor may %s publishing",
		               now_u.name, wr_role_name(now_u.role), frozen ? "freeze" : "unfreeze");
	wr_time_format_utc(wr_time_now(), at);
	if (wr_store_prepare(s, &st, "INSERT INTO publish_freeze VALUES (1, ?1, ?2, ?3, ?4)"
	                             " ON CONFLICT (one) DO UPDATE SET frozen = ?1,"
	                             " by_user = ?2, reason = ?3, at = ?4", err))
		return WR_ESTORE;
	sqlite3_bind_int(st, 1, frozen);
	sqlite3_bind_text(st, 2, now_u.name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, reason ? reason : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, at, -1, SQLITE_STATIC);
	rc = step_done(s, st, "recording the publishing freeze", err);
	sqlite3_finalize(st);
	if (rc == WR_OK)
		rc = wr_audit_append(au, now_u.name, frozen ? "publish_freeze" : "publish_unfreeze",
		                     "publishing", json_pack("{s:s}", "reason", reason ? reason : ""),
		                     err);
	return rc;
}

int wr_publish_freeze(struct wr_store *s, const struct wr_user *u, int frozen,
                      const char *reason, struct wr_err *err)
{
	struct wr_audit *au;
	int rc;

	if (frozen && (!reason || !*reason))
		return wr_err_field(err, WR_EINVAL, "reason",
		                    "freezing publishing needs a reason the room can read");
	if ((rc = wr_audit_open(&au, s, err)) != WR_OK)
		return rc;
	if ((rc = wr_store_begin(s, err)) == WR_OK)
		rc = wr_store_finish(s, freeze_txn(s, au, u, frozen, reason, err), err);
	wr_audit_close(au);
	return rc;
}

int wr_publish_as(struct wr_store *s, const struct wr_user *u, const struct wr_publish_opts *o,
                  struct wr_publish_result *r, struct wr_err *err)
{
	struct wr_publish_opts mine = *o;
	struct wr_user now_u;
	int rc;

	memset(r, 0, sizeof *r);
	if ((rc = wr_auth_refresh(s, u, &now_u, err)) != WR_OK)
		return rc;
	if (now_u.role != WR_ROLE_SUPERVISOR && now_u.role != WR_ROLE_ADMIN)
		return wr_errf(err, WR_EPERM, "%s is a %s: only a supervisor may publish",
		               now_u.name, wr_role_name(now_u.role));
	mine.actor = now_u.name;
	return wr_publish(s, &mine, r, err);
}

static int county_index(const struct pub *p, const char *fips)
{
	size_t lo = 0, hi = p->ncounties;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(p->fips[mid], fips);

		if (!c)
			return (int)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static void hold(struct pub *p, const char *fips, const char *why)
{
	struct wr_held_county *h;

	p->r->held = wr_xrealloc(p->r->held, (p->r->nheld + 1) * sizeof *h);
	h = &p->r->held[p->r->nheld++];
	snprintf(h->fips, sizeof h->fips, "%s", fips);
	snprintf(h->why, sizeof h->why, "%s", why);
}

/* Whether a county's tallies may go out now; a closed gate is reported once. */
static int gate_open(struct pub *p, int k, struct wr_err *err)
{
	struct wr_gate g;

	if (p->gate[k] < 0) {
		if (wr_scorer_gate(p->sc, p->fips[k], &g, err) != WR_OK)
			return -1;
		p->gate[k] = (signed char)g.open;
		if (!g.open)
			hold(p, p->fips[k], g.why);
	}
	return p->gate[k];
}

static int add_change(struct pub *p, sqlite3_stmt *st, struct wr_err *err)
{
	const char *fips = (const char *)sqlite3_column_text(st, 2);
	int k = county_index(p, fips), open;
	char why[200];

	if (k < 0)
		return wr_errf(err, WR_ESTORE, "precinct %lld is in county %s, which the store "
		               "does not list", (long long)sqlite3_column_int64(st, 1), fips);
	if (!sqlite3_column_int(st, 3)) {
		/* Review never approves such a tally; if one got here anyway, it
		 * must not reach the public. */
		snprintf(why, sizeof why, "submission %s: votes do not add up to its total; "
		         "not published", sqlite3_column_text(st, 4));
		hold(p, fips, why);
		return WR_OK;
	}
	if ((open = gate_open(p, k, err)) <= 0)
		return open < 0 ? WR_ESTORE : WR_OK;
	if (p->nch == p->capch)
		p->ch = wr_xrealloc(p->ch, (p->capch = p->capch ? p->capch * 2 : 256) *
		                           sizeof *p->ch);
	p->ch[p->nch].submission = sqlite3_column_int64(st, 0);
	p->ch[p->nch++].precinct = sqlite3_column_int64(st, 1);
	p->dirty[k] = 1;
	return WR_OK;
}

/* Approved tallies that are not yet their precinct's public number. */
static int collect_changes(struct pub *p, struct wr_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if (wr_store_prepare(p->s, &st,
	        "SELECT s.id, s.precinct_id, pr.county_fips, s.total = coalesce("
	        "  (SELECT sum(v.votes) FROM votes v WHERE v.submission = s.id), 0),"
	        "  s.submission_id"
	        " FROM submissions s JOIN precincts pr ON pr.id = s.precinct_id"
	        " JOIN decisions d ON d.submission = s.id AND d.decision = 'approved'"
	        " LEFT JOIN publications pub ON pub.precinct_id = s.precinct_id"
	        " WHERE s.state = 'approved' AND s.reported_at_s >= ?1"
	        "   AND (pub.submission IS NULL OR pub.submission <> s.id)"
	        " ORDER BY pr.county_fips, pr.code", err))
		return WR_ESTORE;
	sqlite3_bind_int64(st, 1, p->c.opens_at);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (add_change(p, st, err) != WR_OK)
			break;
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return WR_ESTORE;
	return rc == SQLITE_DONE ? WR_OK : wr_store_fail(p->s, err, "finding approved tallies");
}

static int zeroes_allowed(struct pub *p, struct wr_err *err)
{
	sqlite3_stmt *st;
	int64_t real = 0;
	int rc;

	if (wr_store_prepare(p->s, &st, "SELECT max(id) FROM batches WHERE zeroes = 0", err))
		return WR_ESTORE;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		real = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return wr_store_fail(p->s, err, "reading batches");
	if (real)
		return wr_errf(err, WR_EPERM, "batch %06" PRId64 " already published results; "
		               "a zeroes batch would replace them with nothing", real);
	if (wr_time_now() >= p->c.opens_at)
		return wr_errf(err, WR_EPERM, "the caucus has opened: zeroes are for before "
		               "the opening; publish the approved results instead");
	return WR_OK;
}

static int insert_batch(struct pub *p, struct wr_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if (wr_store_prepare(p->s, &st,
	        "INSERT INTO batches (created_at, actor, zeroes, test, precincts, counties,"
	        " reporting, manifest) VALUES (?1, ?2, ?3, ?4, ?5, 0, 0, x'')", err))
		return WR_ESTORE;
	sqlite3_bind_text(st, 1, p->now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, p->o->actor, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, p->o->zeroes);
	sqlite3_bind_int(st, 4, p->o->test || p->o->zeroes);
	sqlite3_bind_int64(st, 5, (int64_t)p->nch);
	rc = step_done(p->s, st, "numbering the batch", err);
	sqlite3_finalize(st);
	p->batch = sqlite3_last_insert_rowid(p->s->db);
	return rc;
}

static int mark_published(struct pub *p, struct wr_err *err)
{
	sqlite3_stmt *pubst = NULL, *item = NULL;
	int rc = WR_OK;

	if (wr_store_prepare(p->s, &pubst,
	        "INSERT INTO publications (precinct_id, submission, batch) VALUES (?1, ?2, ?3)"
	        " ON CONFLICT (precinct_id) DO UPDATE SET submission = ?2, batch = ?3", err) ||
	    wr_store_prepare(p->s, &item, "INSERT INTO batch_items VALUES (?1, ?2)", err))
		rc = WR_ESTORE;
	for (size_t i = 0; rc == WR_OK && i < p->nch; i++) {
		sqlite3_bind_int64(pubst, 1, p->ch[i].precinct);
		sqlite3_bind_int64(pubst, 2, p->ch[i].submission);
		sqlite3_bind_int64(pubst, 3, p->batch);
		sqlite3_bind_int64(item, 1, p->batch);
		sqlite3_bind_int64(item, 2, p->ch[i].submission);
		rc = step_done(p->s, pubst, "marking a tally published", err);
		if (rc == WR_OK)
			rc = step_done(p->s, item, "listing the batch's tallies", err);
	}
	sqlite3_finalize(pubst);
	sqlite3_finalize(item);
	return rc;
}

static void set_text(struct wr_buf *b, sqlite3_stmt *st, int col)
{
	wr_buf_reset(b);
	wr_buf_put(b, sqlite3_column_text(st, col), (size_t)sqlite3_column_bytes(st, col));
}

static void parse_votes(const struct wr_contest *c, const char *s, int64_t *votes)
{
	char *end;

	for (size_t i = 0; i < c->ncand && *s; i++) {
		votes[i] = strtoll(s, &end, 10);
		s = *end == ',' ? end + 1 : end;
	}
}

/* The county's parts as its last re-render left them; 1 when there are none. */
static int cache_load(struct pub *p, sqlite3_stmt *st, size_t k, struct wr_err *err)
{
	struct wr_county_parts *parts = &p->parts[k];
	int rc;

	sqlite3_bind_text(st, 1, p->fips[k], -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		parts->reporting = sqlite3_column_int64(st, 0);
		parts->total = sqlite3_column_int64(st, 1);
		parse_votes(&p->c, (const char *)sqlite3_column_text(st, 2), parts->votes);
		set_text(&parts->json_county, st, 3);
		set_text(&parts->json_precincts, st, 4);
		set_text(&parts->csv_county, st, 5);
		set_text(&parts->csv_precincts, st, 6);
		set_text(&parts->cdf_units, st, 7);
		set_text(&parts->cdf_counts, st, 8);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return wr_store_fail(p->s, err, "reading a county's rendered results");
	return rc == SQLITE_ROW ? WR_OK : 1;
}

static void bind_buf(sqlite3_stmt *st, int col, const struct wr_buf *b)
{
	sqlite3_bind_text(st, col, b->p ? b->p : "", (int)b->len, SQLITE_STATIC);
}

static int cache_store(struct pub *p, sqlite3_stmt *st, size_t k, struct wr_err *err)
{
	const struct wr_county_parts *parts = &p->parts[k];
	struct wr_buf votes = { 0 };
	int rc;

	for (size_t i = 0; i < p->c.ncand; i++) {
		if (i)
			wr_buf_puts(&votes, ",");
		wr_buf_int(&votes, parts->votes[i]);
	}
	sqlite3_bind_text(st, 1, p->fips[k], -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, p->batch);
	sqlite3_bind_int64(st, 3, parts->reporting);
	sqlite3_bind_int64(st, 4, parts->total);
	bind_buf(st, 5, &votes);
	bind_buf(st, 6, &parts->json_county);
	bind_buf(st, 7, &parts->json_precincts);
	bind_buf(st, 8, &parts->csv_county);
	bind_buf(st, 9, &parts->csv_precincts);
	bind_buf(st, 10, &parts->cdf_units);
	bind_buf(st, 11, &parts->cdf_counts);
	rc = step_done(p->s, st, "keeping a county's rendered results", err);
	wr_buf_free(&votes);
	return rc;
}

static int render_one(struct pub *p, sqlite3_stmt *put, size_t k, struct wr_err *err)
{
	struct wr_rcounty county;
	int rc = wr_results_county(p->res, k, p->o->zeroes, &county, err);

	if (rc != WR_OK)
		return rc;
	wr_county_parts_free(&p->parts[k]);
	wr_render_county(&p->c, &county, &p->parts[k]);
	p->r->counties++;
	/* The zeroes batch is no county's state: later batches must not reuse it. */
	return p->o->zeroes ? WR_OK : cache_store(p, put, k, err);
}

/* Every county's parts: re-rendered where its tallies changed (or nothing
 * is kept for it), else as kept. */
static int render_counties(struct pub *p, struct wr_err *err)
{
	sqlite3_stmt *get = NULL, *put = NULL;
	int rc = WR_OK;

	if (wr_store_prepare(p->s, &get,
	        "SELECT reporting, total, votes, json_county, json_precincts, csv_county,"
	        " csv_precincts, cdf_units, cdf_counts FROM render_cache WHERE county_fips = ?1",
	        err) ||
	    wr_store_prepare(p->s, &put,
	        "INSERT OR REPLACE INTO render_cache VALUES"
	        " (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)", err))
		rc = WR_ESTORE;
	p->parts = wr_xcalloc(p->ncounties ? p->ncounties : 1, sizeof *p->parts);
	for (size_t k = 0; rc == WR_OK && k < p->ncounties; k++) {
		int fresh = p->dirty[k] || p->o->full || p->o->zeroes;

		if (!fresh && (rc = cache_load(p, get, k, err)) < 0)
			break;
		if (fresh || rc == 1)
			rc = render_one(p, put, k, err);
	}
	sqlite3_finalize(get);
	sqlite3_finalize(put);
	for (size_t k = 0; k < p->ncounties; k++) {
		p->r->reporting += p->parts[k].reporting;
		p->r->total += p->parts[k].total;
	}
	return rc;
}

static void hex(const unsigned char *h, size_t n, char *out)
{
	sodium_bin2hex(out, 2 * n + 1, h, n);
}

static int put_file(struct pub *p, sqlite3_stmt *st, const char *name, const char *type,
                    const struct wr_buf *body, struct wr_err *err)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	char key[64], hx[2 * sizeof h + 1];
	int rc;

	if (strcmp(name, "latest.json"))
		snprintf(key, sizeof key, "batches/%06" PRId64 "/%s", p->batch, name);
	else
		snprintf(key, sizeof key, "%s", name);
	crypto_hash_sha256(h, (const unsigned char *)body->p, body->len);
	sqlite3_bind_int64(st, 1, p->batch);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, type, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, body->p ? body->p : "", (int)body->len, SQLITE_STATIC);
	sqlite3_bind_blob(st, 5, h, sizeof h, SQLITE_TRANSIENT);
	if ((rc = step_done(p->s, st, "writing a file to the outbox", err)) != WR_OK)
		return rc;
	p->r->files++;
	p->r->bytes += body->len;
	if (strcmp(name, "latest.json") && strcmp(name, "manifest.json")) {
		hex(h, sizeof h, hx);
		wr_buf_printf(&p->manifest, "%s{\"path\":\"%s\",\"bytes\":%zu,\"sha256\":\"%s\"}",
		              p->r->files > 1 ? "," : "", name, body->len, hx);
	}
	return WR_OK;
}

static int write_documents(struct pub *p, sqlite3_stmt *st, struct wr_err *err)
{
	static const char json[] = "application/json", csv[] = "text/csv; charset=utf-8";
	struct wr_batch_info bi = { p->batch, "", p->o->test || p->o->zeroes,
	                            p->c.issuer, p->c.issuer_abbrev, "warroom" };
	size_t n = p->ncounties;
	int rc;

	snprintf(bi.generated, sizeof bi.generated, "%s", p->now);
	wr_buf_printf(&p->manifest, "{\"batch\":%" PRId64 ",\"last_updated\":\"%s\","
	              "\"test\":%s,\"files\":[", p->batch, p->now, bi.test ? "true" : "false");
	wr_render_results(&p->c, &bi, p->parts, n, &p->doc);
	if ((rc = put_file(p, st, "results.json", json, &p->doc, err)) != WR_OK)
		return rc;
	wr_buf_reset(&p->doc);
	wr_render_cdf(&p->c, &bi, p->parts, p->fips, n, &p->doc);
	if ((rc = put_file(p, st, "cdf.json", json, &p->doc, err)) != WR_OK)
		return rc;
	wr_buf_reset(&p->doc);
	wr_render_counties_csv(&p->c, p->parts, n, &p->doc);
	if ((rc = put_file(p, st, "counties.csv", csv, &p->doc, err)) != WR_OK)
		return rc;
	wr_buf_reset(&p->doc);
	wr_render_precincts_csv(&p->c, p->parts, n, &p->doc);
	if ((rc = put_file(p, st, "precincts.csv", csv, &p->doc, err)) != WR_OK)
		return rc;
	wr_buf_puts(&p->manifest, "]}\n");
	return put_file(p, st, "manifest.json", json, &p->manifest, err);
}

/* The pointer readers follow: the batch's last outbox row, so it is pushed
 * only after every file it names. */
static int write_latest(struct pub *p, sqlite3_stmt *st, struct wr_err *err)
{
	wr_buf_reset(&p->doc);
	wr_buf_printf(&p->doc, "{\"batch\":%" PRId64 ",\"path\":\"batches/%06" PRId64 "/\","
	              "\"last_updated\":\"%s\"}\n", p->batch, p->batch, p->now);
	return put_file(p, st, "latest.json", "application/json", &p->doc, err);
}

static int finish_batch(struct pub *p, struct wr_err *err)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	char hx[2 * sizeof h + 1], subject[32];
	sqlite3_stmt *st;
	int rc;

	crypto_hash_sha256(h, (const unsigned char *)p->manifest.p, p->manifest.len);
	if (wr_store_prepare(p->s, &st, "UPDATE batches SET counties = ?2, reporting = ?3,"
	                                " manifest = ?4 WHERE id = ?1", err))
		return WR_ESTORE;
	sqlite3_bind_int64(st, 1, p->batch);
	sqlite3_bind_int64(st, 2, p->r->counties);
	sqlite3_bind_int64(st, 3, p->r->reporting);
	sqlite3_bind_blob(st, 4, h, sizeof h, SQLITE_STATIC);
	rc = step_done(p->s, st, "closing the batch", err);
	sqlite3_finalize(st);
	if (rc != WR_OK)
		return rc;
	hex(h, sizeof h, hx);
	snprintf(subject, sizeof subject, "batch %06" PRId64, p->batch);
	return wr_audit_append(p->au, p->o->actor, "publish", subject,
	        json_pack("{s:I, s:I, s:I, s:I, s:s, s:b, s:b}",
	                  "precincts", (json_int_t)p->nch,
	                  "counties", (json_int_t)p->r->counties,
	                  "reporting", (json_int_t)p->r->reporting,
	                  "total", (json_int_t)p->r->total, "manifest_sha256", hx,
	                  "zeroes", p->o->zeroes, "test", p->o->test || p->o->zeroes),
	        err);
}

static int outbox_batch(struct pub *p, struct wr_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if (wr_store_prepare(p->s, &st, "INSERT INTO outbox (batch, key, content_type, body,"
	                                " sha256) VALUES (?1, ?2, ?3, ?4, ?5)", err))
		return WR_ESTORE;
	rc = write_documents(p, st, err);
	if (rc == WR_OK)
		rc = write_latest(p, st, err);
	sqlite3_finalize(st);
	return rc;
}

static int published_any(struct pub *p)
{
	sqlite3_stmt *st;
	int any = 0;

	if (sqlite3_prepare_v2(p->s->db, "SELECT 1 FROM publications LIMIT 1", -1, &st,
	                       NULL) != SQLITE_OK)
		return 0;
	any = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return any;
}

static int publish_txn(struct pub *p, struct wr_err *err)
{
	struct wr_freeze f;
	int rc;

	if ((rc = wr_publish_frozen(p->s, &f, err)) != WR_OK)
		return rc;
	if (f.frozen)
		return wr_errf(err, WR_EPERM, "publishing is frozen by %s since %s: %s", f.by,
		               f.at, f.reason);
	rc = p->o->zeroes ? zeroes_allowed(p, err) : collect_changes(p, err);
	if (rc != WR_OK)
		return rc;
	/* Nothing new: no batch. A full re-render of nothing published would
	 * be a batch of zeroes that is not marked as test data. */
	if (!p->nch && !p->o->zeroes && (!p->o->full || !published_any(p)))
		return WR_OK;
	if ((rc = insert_batch(p, err)) != WR_OK || (rc = mark_published(p, err)) != WR_OK ||
	    (rc = render_counties(p, err)) != WR_OK || (rc = outbox_batch(p, err)) != WR_OK)
		return rc;
	p->r->batch = p->batch;
	p->r->precincts = (long)p->nch;
	return finish_batch(p, err);
}

static int publish_open(struct pub *p, struct wr_err *err)
{
	int rc;

	if ((rc = wr_contest_load(p->s, &p->c, err)) != WR_OK ||
	    (rc = wr_results_open(&p->res, p->s, &p->c, err)) != WR_OK ||
	    (rc = wr_results_counties(p->res, &p->ncounties, &p->fips, &p->names, err))
	        != WR_OK ||
	    (rc = wr_scorer_open(&p->sc, p->s, err)) != WR_OK)
		return rc;
	if ((rc = wr_audit_open(&p->au, p->s, err)) != WR_OK)
		return rc;
	p->dirty = wr_xcalloc(p->ncounties + 1, 1);
	p->gate = wr_xcalloc(p->ncounties + 1, 1);
	memset(p->gate, -1, p->ncounties);
	wr_time_format_utc(wr_time_now(), p->now);
	return WR_OK;
}

static void publish_close(struct pub *p)
{
	for (size_t k = 0; p->parts && k < p->ncounties; k++)
		wr_county_parts_free(&p->parts[k]);
	free(p->parts);
	free(p->dirty);
	free(p->gate);
	free(p->ch);
	wr_buf_free(&p->doc);
	wr_buf_free(&p->manifest);
	wr_audit_close(p->au);
	wr_scorer_close(p->sc);
	wr_results_close(p->res);
}

int wr_publish(struct wr_store *s, const struct wr_publish_opts *o,
               struct wr_publish_result *r, struct wr_err *err)
{
	struct pub p = { .s = s, .o = o, .r = r };
	int rc;

	memset(r, 0, sizeof *r);
	if ((rc = publish_open(&p, err)) == WR_OK && (rc = wr_store_begin(s, err)) == WR_OK) {
		rc = publish_txn(&p, err);
		if (rc == WR_OK && !r->batch)
			wr_store_rollback(s);  /* nothing new: the store stays as it was */
		else
			rc = wr_store_finish(s, rc, err);
	}
	if (rc != WR_OK)
		r->batch = 0;
	publish_close(&p);
	return rc;
}

static void read_batch(sqlite3_stmt *st, struct wr_batch_row *b)
{
	b->id = sqlite3_column_int64(st, 0);
	wr_store_text(st, 1, b->created_at, sizeof b->created_at);
	wr_store_text(st, 2, b->actor, sizeof b->actor);
	b->zeroes = sqlite3_column_int(st, 3);
	b->test = sqlite3_column_int(st, 4);
	b->precincts = (long)sqlite3_column_int64(st, 5);
	b->counties = (long)sqlite3_column_int64(st, 6);
	b->reporting = (long)sqlite3_column_int64(st, 7);
	b->files = sqlite3_column_int(st, 8);
	b->bytes = sqlite3_column_int64(st, 9);
}

int wr_publish_batches(struct wr_store *s, struct wr_batch_row *out, size_t max,
                       size_t *n, struct wr_err *err)
{
	sqlite3_stmt *st;
	int rc;

	*n = 0;
	if (wr_store_prepare(s, &st, "SELECT b.id, b.created_at, b.actor, b.zeroes, b.test,"
	                     " b.precincts, b.counties, b.reporting, count(o.id),"
	                     " coalesce(sum(length(o.body)), 0) FROM batches b LEFT JOIN"
	                     " outbox o ON o.batch = b.id GROUP BY b.id ORDER BY b.id DESC"
	                     " LIMIT ?1", err))
		return WR_ESTORE;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		read_batch(st, &out[(*n)++]);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? WR_OK : wr_store_fail(s, err, "listing batches");
}
