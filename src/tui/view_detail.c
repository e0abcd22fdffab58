/* One tally in front of a validator: its numbers beside the precinct's
 * 2016 and 2020 caucus and the county's running shares, each flag in its
 * sentence, the revision history with what changed, the raw payload on a
 * key. Opening it claims the tally; leaving gives the claim back. */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"
#include "warroom/detail.h"
#include "warroom/timefmt.h"

#define RENEW_EVERY 60
#define IDLE_LAPSE 600   /* seconds without a key before renewing stops */

struct line {
	char text[240];
	enum tui_role role;
};

struct detail {
	char sid[129];
	struct wr_review_item item;
	int claimed;
	int64_t renewed_at;
	int raw;              /* showing the payload as it arrived */
	size_t nlines, cap, scroll;
	struct line *lines;
};

static void add(struct detail *d, enum tui_role r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void add(struct detail *d, enum tui_role r, const char *fmt, ...)
{
	va_list ap;

	if (d->nlines == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 64;
		struct line *l = realloc(d->lines, cap * sizeof *l);
		if (!l)
			return;
		d->lines = l;
		d->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(d->lines[d->nlines].text, sizeof d->lines[0].text, fmt, ap);
	va_end(ap);
	d->lines[d->nlines++].role = r;
}

/* Long sentences (flags, the heading) wrap at the screen's width rather
 * than lose their end: the numbers are usually there. */
static void add_wrapped(struct detail *d, enum tui_role r, int width, const char *indent,
                        const char *text)
{
	int first = 1;

	while (*text) {
		int w = width - 3 - (first ? 0 : (int)strlen(indent));
		int cut = 0, cols = 0, last_space = -1;

		if (w < 8)
			w = 8;   /* never a width that cannot move on */
		while (text[cut] && cols < w) {
			if (text[cut] == ' ')
				last_space = cut;
			cut++;
			while ((text[cut] & 0xC0) == 0x80)
				cut++;
			cols++;
		}
		if (text[cut] && last_space > 0)
			cut = last_space;
		add(d, r, "%s%.*s", first ? "" : indent, cut, text);
		text += cut;
		while (*text == ' ')
			text++;
		first = 0;
	}
}

static const char *str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

static long long num(json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

static void pct(char *out, size_t n, long long part, long long whole)
{
	if (whole > 0)
		snprintf(out, n, "%5.1f%%", 100.0 * (double)part / (double)whole);
	else
		snprintf(out, n, "     -");
}

static void heading(struct tui *t, struct detail *d, json_t *j)
{
	json_t *p = json_object_get(j, "precinct");
	char until[32];

	add(d, C_KEY, "Tally %s   %s   revision %lld   from %s", d->sid, str(j, "state"),
	    num(j, "revision"), str(j, "source"));
	if (json_is_object(p)) {
		char line[600];
		snprintf(line, sizeof line, "Precinct %s %s, %s County (site %s: %lld "
		         "precinct%s, %lld registered Republicans)", str(p, "code"), str(p, "name"),
		         str(p, "county"), str(p, "site"), num(p, "site_precincts"),
		         num(p, "site_precincts") == 1 ? "" : "s", num(p, "registered_rep"));
		add_wrapped(d, C_NORMAL, t->cols, "  ", line);
	}
	else
		add(d, C_WARN, "Precinct not resolved: the tally named \"%s\"",
		    str(j, "precinct_ref"));
	{
		char line[600];
		snprintf(line, sizeof line, "Reported %s by %s%s%s%s%s; received %s",
		         str(j, "reported_at"), str(j, "reporter"), *str(j, "device") ? ", device "
		         : "", str(j, "device"), *str(j, "keyed_by") ? ", keyed by " : "",
		         str(j, "keyed_by"), str(j, "received_at"));
		add_wrapped(d, C_NORMAL, t->cols, "  ", line);
	}
	wr_time_format_utc(d->item.claim_expires, until);
	if (d->claimed)
		add(d, C_OK, "Claimed by you until %.8s; approvals so far %d", until + 11,
		    d->item.approvals);
	else
		add(d, C_DIM, "Not claimed by you: read only");
}

static long long base_votes(json_t *j, const char *year, const char *cand)
{
	return (long long)json_integer_value(
		json_object_get(json_object_get(json_object_get(j, "baselines"), year), cand));
}

static void tally_table(struct detail *d, json_t *j)
{
	json_t *votes = json_object_get(j, "votes"), *v, *shares = json_object_get(j, "county_shares");
	json_t *bt = json_object_get(j, "baseline_totals");
	long long total = num(j, "total"), sum = 0;
	long long b16 = json_integer_value(json_object_get(bt, "2016"));
	long long b20 = json_integer_value(json_object_get(bt, "2020"));
	size_t i;

	add(d, C_NORMAL, "%s", "");
	add(d, C_KEY, "%-22s %8s %6s %8s %6s %8s %6s %7s", "Candidate", "Tonight", "share",
	    "2016", "share", "2020", "share", "County");
	json_array_foreach(votes, i, v) {
		const char *id = str(v, "id");
		long long n = num(v, "votes"), x16 = base_votes(j, "2016", id),
		          x20 = base_votes(j, "2020", id);
		json_t *cs = json_object_get(shares, id);
		char s0[16], s16[16], s20[16], sc[16];
		pct(s0, sizeof s0, n, total);
		pct(s16, sizeof s16, x16, b16);
		pct(s20, sizeof s20, x20, b20);
		if (json_is_number(cs))
			snprintf(sc, sizeof sc, "%6.1f%%", 100.0 * json_number_value(cs));
		else
			snprintf(sc, sizeof sc, "%7s", "-");
		add(d, C_NORMAL, "%-22.22s %8lld %6s %8lld %6s %8lld %6s %7s", str(v, "name"), n,
		    s0, x16, s16, x20, s20, sc);
		sum += n;
	}
	add(d, sum == total ? C_NORMAL : C_HARD, "%-22s %8lld %6s %8lld %6s %8lld", "Total",
	    total, "", b16, "", b20);
	if (sum != total)
		add(d, C_HARD, "!! the candidates add up to %lld, not the total %lld", sum, total);
}

static void flags(struct detail *d, json_t *j, int width)
{
	json_t *fl = json_object_get(j, "flags"), *f;
	size_t i;

	add(d, C_NORMAL, "%s", "");
	add(d, C_KEY, "Flags (%zu)", json_array_size(fl));
	if (json_array_size(fl) == 0)
		add(d, C_OK, "  none: no rule fired on this tally");
	json_array_foreach(fl, i, f) {
		const char *sev = str(f, "severity");
		int hard = !strcmp(sev, "hard"), warn = !strcmp(sev, "warn");
		char line[600];
		snprintf(line, sizeof line, " %s %s %s: %s%s", hard ? "!!" : warn ? " !" : " i",
		         hard ? "HARD" : warn ? "WARN" : "info", str(f, "rule"),
		         wr_detail_flag_note(f), str(f, "message"));
		add_wrapped(d, hard ? C_HARD : warn ? C_WARN : C_INFO, width, "         ", line);
	}
}

/* "Trump 190->200, total 400->412": what a revision changed. */
static void changes(json_t *prev, json_t *cur, json_t *names, char *out, size_t n)
{
	json_t *pv = json_object_get(prev, "votes"), *cv = json_object_get(cur, "votes");
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < json_array_size(cv) && used < n; i++) {
		long long a = json_integer_value(json_array_get(pv, i));
		long long b = json_integer_value(json_array_get(cv, i));
		if (a != b)
			used += (size_t)snprintf(out + used, n - used, "%s%s %lld->%lld",
			        used ? ", " : "", str(json_array_get(names, i), "name"), a, b);
	}
	if (used < n && num(prev, "total") != num(cur, "total"))
		snprintf(out + used, n - used, "%stotal %lld->%lld", used ? ", " : "",
		         num(prev, "total"), num(cur, "total"));
	if (!out[0])
		snprintf(out, n, "same numbers");
}

static void revisions(struct detail *d, json_t *j)
{
	json_t *revs = json_object_get(j, "revisions"), *r, *prev = NULL;
	size_t i;

	add(d, C_NORMAL, "%s", "");
	add(d, C_KEY, "Revisions (%zu)", json_array_size(revs));
	json_array_foreach(revs, i, r) {
		char what[160] = "first tally";
		if (prev)
			changes(prev, r, json_object_get(j, "votes"), what, sizeof what);
		add(d, strcmp(str(r, "submission_id"), d->sid) ? C_NORMAL : C_KEY,
		    " r%lld %-7s %.19s total %-5lld %-10s %s", num(r, "revision"),
		    str(r, "source"), str(r, "reported_at"), num(r, "total"), str(r, "state"),
		    what);
		prev = r;
	}
}

/* The payload as it arrived, cut into screen-wide pieces. */
static void raw_payload(struct detail *d, json_t *j, int width)
{
	const char *p = str(j, "raw");
	/* drawn from column 1 in cols - 2, after a leading space */
	int w = width > 8 && width < (int)sizeof d->lines[0].text ? width - 3 : 76;

	add(d, C_KEY, "Raw payload of %s, as received:", d->sid);
	while (*p) {
		int k = 0, bytes = 0;
		/* a piece fits its line's bytes as well as the screen */
		while (p[bytes] && k < w && bytes < (int)sizeof d->lines[0].text - 8) {
			bytes++;
			while ((p[bytes] & 0xC0) == 0x80)
				bytes++;
			k++;
		}
		add(d, C_NORMAL, " %.*s", bytes, p);
		p += bytes;
	}
}

static int load_detail(struct tui *t, void *st)
{
	struct detail *d = st;
	struct wr_err err;
	json_t *j;

	d->nlines = 0;
	if (wr_detail_tally(t->s, d->sid, &j, &err) != WR_OK) {
		add(d, C_ERROR, "%s", err.msg);
		return TUI_REDRAW;
	}
	heading(t, d, j);
	if (d->raw) {
		raw_payload(d, j, t->cols);
	} else {
		tally_table(d, j);
		flags(d, j, t->cols);
		revisions(d, j);
	}
	json_decref(j);
	return TUI_REDRAW;
}

static void *open_detail(struct tui *t, const char *sid)
{
	struct detail *d = calloc(1, sizeof *d);
	struct wr_err err;

	if (!d)
		return NULL;
	snprintf(d->sid, sizeof d->sid, "%s", sid ? sid : "");
	d->renewed_at = t->now;
	if (tui_has_role(t, R_REVIEW)) {
		if (wr_review_claim(t->review, &t->user, d->sid, &d->item, &err) == WR_OK)
			d->claimed = 1;
		else
			tui_status(t, 1, "%s", err.msg);
	}
	load_detail(t, d);
	return d;
}

static void release(struct tui *t, struct detail *d)
{
	struct wr_err err;

	if (d->claimed)
		wr_review_release(t->review, &t->user, d->sid, &err);
	d->claimed = 0;
}

static void close_detail(struct tui *t, void *st)
{
	struct detail *d = st;

	release(t, d);
	free(d->lines);
	free(d);
}

static void draw_detail(struct tui *t, void *st, int y, int rows)
{
	struct detail *d = st;

	if (d->scroll + (size_t)rows > d->nlines)
		d->scroll = d->nlines > (size_t)rows ? d->nlines - (size_t)rows : 0;
	for (int i = 0; i < rows && d->scroll + (size_t)i < d->nlines; i++) {
		struct line *l = &d->lines[d->scroll + (size_t)i];
		tui_put(t, y + i, 1, t->cols - 2, l->text, l->role, 0);
	}
}

static int input_detail(struct tui *t, void *st, struct tui_in in)
{
	struct detail *d = st;
	struct tui_table scroll = { NULL, 0, d->nlines, d->scroll, d->scroll, NULL, NULL, NULL };

	(void)t;
	if (tui_table_key(&scroll, in, t->rows - 4) < 0)
		return -1;
	d->scroll = scroll.sel;
	return TUI_REDRAW;
}

static int tick_detail(struct tui *t, void *st)
{
	struct detail *d = st;
	struct wr_err err;

	if (!d->claimed || t->now - d->renewed_at < RENEW_EVERY)
		return TUI_NONE;
	/* Nobody at the keyboard: let the lease lapse so another validator
	 * gets the tally, as the lease is meant to. */
	if (t->now - t->last_key > IDLE_LAPSE) {
		d->claimed = 0;
		tui_status(t, 1, "No key for %d minutes: your claim on %s lapses; reopen it to "
		           "decide.", IDLE_LAPSE / 60, d->sid);
		return TUI_RELOAD;
	}
	d->renewed_at = t->now;
	if (wr_review_renew(t->review, &t->user, d->sid, &err) != WR_OK) {
		d->claimed = 0;
		return tui_fail(t, &err);
	}
	return TUI_NONE;
}

static int decided(struct tui *t, struct detail *d, const char *what)
{
	d->claimed = 0;
	tui_status(t, 0, "%s %s.", d->sid, what);   /* the id first: it may be cut */
	return TUI_BACK | TUI_RELOAD;
}

static int do_approve(struct tui *t, void *st)
{
	struct detail *d = st;
	enum wr_approval res;
	struct wr_err err;

	if (wr_review_approve(t->review, &t->user, d->sid, &res, &err) != WR_OK)
		return tui_fail(t, &err);
	return decided(t, d, res == WR_APPROVED ? "approved"
	               : "has 1 of 2 approvals; a second validator must approve it");
}

static int rejected(struct tui *t, void *st, const char *reason)
{
	struct detail *d = st;
	struct wr_err err;

	if (!reason)
		return TUI_REDRAW;
	if (wr_review_reject(t->review, &t->user, d->sid, reason, &err) != WR_OK)
		return tui_fail(t, &err);
	return decided(t, d, "rejected; it is on the hotline's callback list");
}

static int overridden(struct tui *t, void *st, const char *reason)
{
	struct detail *d = st;
	struct wr_err err;

	if (!reason)
		return TUI_REDRAW;
	if (wr_review_override(t->review, &t->user, d->sid, reason, &err) != WR_OK)
		return tui_fail(t, &err);
	return decided(t, d, "approved by your override");
}

static int do_reject(struct tui *t, void *st)
{
	(void)st;
	tui_ask(t, "Reason for rejecting (the hotline reads it to the caller):", rejected);
	return TUI_REDRAW;
}

static int do_override(struct tui *t, void *st)
{
	(void)st;
	tui_ask(t, "Reason for the override (goes in the audit trail):", overridden);
	return TUI_REDRAW;
}

static int do_release(struct tui *t, void *st)
{
	struct detail *d = st;

	release(t, d);
	tui_status(t, 0, "%s released back to the queue.", d->sid);
	return TUI_BACK;
}

static int do_raw(struct tui *t, void *st)
{
	struct detail *d = st;

	d->raw = !d->raw;
	d->scroll = 0;
	return load_detail(t, d);
}

static const struct tui_key detail_keys[] = {
	{ 'a', "a", "approve", "approve this tally", R_REVIEW, do_approve },
	{ 'r', "r", "reject", "reject it, with a reason for the callback", R_REVIEW, do_reject },
	{ 'l', "l", "release", "release the claim and go back to the queue", R_REVIEW, do_release },
	{ 'o', "o", "override", "override: approve a hard-flagged or revised tally, with a reason",
	  R_SUPERVISOR, do_override },
	{ 'v', "v", "raw", "view the raw payload as received (again: the tally)", 0, do_raw },
	{ 0, NULL, NULL, 0, 0, NULL },
};

const struct view tui_view_detail = {
	"Detail", R_ALL, open_detail, close_detail, load_detail, draw_detail, input_detail,
	tick_detail, detail_keys,
};
