/* Hotline keying: a phoned-in tally from precinct search to read-back.
 * Home is the callback list (rejected tallies to call back). From there:
 * k keys a call (type-ahead precinct search, the caller's reporter id,
 * one field per candidate plus the total with the sum checked live, a
 * read-back before saving); d switches double entry, where a first keying
 * waits for a second user to key the same call blind (s lists those). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"
#include "warroom/contest.h"
#include "warroom/hotline.h"

#define HITS 50

enum step { HOME, AWAITING, SEARCH, FORM, READBACK };

struct hotline {
	enum step step;
	int double_entry;
	struct wr_contest contest;
	/* home: callbacks */
	struct wr_hotline_callback *cb;
	size_t ncb;
	struct tui_table cbt;
	/* second entries */
	struct wr_hotline_call *calls;
	size_t ncalls;
	struct tui_table callt;
	int64_t second_call;      /* keying this call blind, 0 when not */
	/* search */
	struct tui_field query;
	struct wr_hotline_hit hits[HITS];
	size_t nhits;
	struct tui_table hitt;
	/* form: field 0 reporter, 1..ncand candidates, ncand+1 total */
	struct wr_hotline_entry e;
	char place[256];          /* the precinct as chosen, for the screen */
	struct tui_field f[WR_MAX_CANDIDATES + 2];
	size_t nf, focus;
	char check[448];          /* the live check's message, "" when complete */
	char roster[WR_HOTLINE_ROSTER_MAX];  /* the caller against the roster, "" when fine */
};

static const struct tui_col cb_cols[] = {
	{ "Precinct", 10, 0 }, { "County", 11, 0 }, { "Reporter", 14, 0 },
	{ "Listed", 8, 0 }, { "Reason", 0, 0 },
};
static const struct tui_col call_cols[] = {
	{ "Call", 5, 1 }, { "Precinct", 10, 0 }, { "County", 11, 0 }, { "Reporter", 14, 0 },
	{ "Keyed by", 10, 0 }, { "At", 0, 0 },
};
static const struct tui_col hit_cols[] = {
	{ "Code", 10, 0 }, { "Precinct", 26, 0 }, { "County", 12, 0 }, { "Found by", 0, 0 },
};

static enum tui_role cb_cell(void *ctx, size_t r, size_t c, char *buf, size_t n)
{
	const struct wr_hotline_callback *x = &((struct hotline *)ctx)->cb[r];
	const char *at = strlen(x->rejected_at) > 11 ? x->rejected_at + 11 : x->rejected_at;
	const char *v[] = { x->precinct, x->county, x->reporter, at, x->reason };

	snprintf(buf, n, c == 3 ? "%.8s" : "%s", v[c]);
	return c == 4 ? C_WARN : C_NORMAL;
}

static enum tui_role call_cell(void *ctx, size_t r, size_t c, char *buf, size_t n)
{
	const struct wr_hotline_call *x = &((struct hotline *)ctx)->calls[r];

	if (c == 0)
		snprintf(buf, n, "%lld", (long long)x->id);
	else
		snprintf(buf, n, "%s", (const char *[]){ "", x->precinct, x->county, x->reporter,
		         x->keyed_by, x->keyed_at }[c]);
	return C_NORMAL;
}

static enum tui_role hit_cell(void *ctx, size_t r, size_t c, char *buf, size_t n)
{
	const struct wr_hotline_hit *x = &((struct hotline *)ctx)->hits[r];
	const char *v[] = { x->code, x->name, x->county, x->why };

	snprintf(buf, n, "%s", v[c]);
	return c == 3 ? C_DIM : C_NORMAL;
}

static void table(struct tui_table *tb, const struct tui_col *cols, size_t ncols,
                  enum tui_role (*cell)(void *, size_t, size_t, char *, size_t),
                  void *ctx, const char *empty)
{
	tb->cols = cols;
	tb->ncols = ncols;
	tb->cell = cell;
	tb->ctx = ctx;
	tb->empty = empty;
}

static int load_hotline(struct tui *t, void *st)
{
	struct hotline *h = st;
	struct wr_err err;

	free(h->cb);
	free(h->calls);
	h->cb = NULL;
	h->calls = NULL;
	h->ncb = h->ncalls = 0;
	if (wr_hotline_callbacks(t->s, &h->cb, &h->ncb, &err) != WR_OK ||
	    wr_hotline_awaiting(t->s, &h->calls, &h->ncalls, &err) != WR_OK)
		tui_fail(t, &err);
	h->cbt.nrows = h->ncb;
	h->callt.nrows = h->ncalls;
	tui_table_clamp(&h->cbt);
	tui_table_clamp(&h->callt);
	return TUI_REDRAW;
}

static void *open_hotline(struct tui *t, const char *arg)
{
	struct hotline *h = calloc(1, sizeof *h);
	struct wr_err err;

	(void)arg;
	if (!h)
		return NULL;
	if (wr_contest_load(t->s, &h->contest, &err) != WR_OK) {
		free(h);
		tui_fail(t, &err);
		return NULL;
	}
	table(&h->cbt, cb_cols, 5, cb_cell, h, "No callbacks waiting: no rejected tally to call "
	      "back.");
	table(&h->callt, call_cols, 6, call_cell, h, "No call is waiting for a second entry.");
	table(&h->hitt, hit_cols, 4, hit_cell, h, "Type a precinct code, name, old name or county.");
	load_hotline(t, h);
	return h;
}

static void close_hotline(struct tui *t, void *st)
{
	struct hotline *h = st;

	(void)t;
	free(h->cb);
	free(h->calls);
	free(h);
}

/* ---- the form ---- */

static void sync_entry(struct hotline *h);

static void start_form(struct hotline *h, const char *code, const char *place)
{
	wr_hotline_entry_init(&h->e);
	snprintf(h->e.precinct, sizeof h->e.precinct, "%s", code);
	snprintf(h->place, sizeof h->place, "%s", place);
	h->nf = h->contest.ncand + 2;
	memset(h->f, 0, sizeof h->f);
	h->f[0].max = sizeof h->e.reporter - 1;
	for (size_t i = 1; i < h->nf; i++) {
		h->f[i].digits = 1;
		h->f[i].max = 10;   /* WR_HOTLINE_COUNT_MAX has ten digits */
	}
	h->focus = 0;
	h->step = FORM;
	sync_entry(h);
}

/* The fields into the entry, then the core's check: the same check the
 * save makes, run on every keystroke. */
static void sync_entry(struct hotline *h)
{
	struct wr_err err;

	memcpy(h->e.reporter, h->f[0].buf, h->f[0].len + 1);   /* max keeps it in */
	for (size_t i = 0; i < h->contest.ncand; i++)
		h->e.votes[i] = h->f[i + 1].len ? strtoll(h->f[i + 1].buf, NULL, 10)
		                                : WR_HOTLINE_UNSET;
	h->e.total = h->f[h->nf - 1].len ? strtoll(h->f[h->nf - 1].buf, NULL, 10)
	                                 : WR_HOTLINE_UNSET;
	h->check[0] = '\0';
	if (wr_hotline_check(&h->contest, &h->e, &err) != WR_OK)
		snprintf(h->check, sizeof h->check, "%s", err.msg);
}

static const char *field_label(const struct hotline *h, size_t i)
{
	if (i == 0)
		return "Caller's reporter id";
	if (i == h->nf - 1)
		return "Total";
	return h->contest.cand[i - 1].name;
}

static void draw_form(struct tui *t, struct hotline *h, int y, int rows)
{
	int64_t sum = wr_hotline_sum(&h->contest, &h->e);

	tui_printf(t, y, 1, t->cols - 2, C_KEY, "%s: %s", h->second_call
	           ? "Second entry, keyed blind" : h->double_entry ? "First entry (double)"
	           : "Hotline tally", h->place);
	for (size_t i = 0; i < h->nf && (int)i < rows - 4; i++) {
		tui_put(t, y + 2 + (int)i, 2, 28, field_label(h, i), i == h->focus ? C_KEY
		        : C_NORMAL, 1);
		tui_field_draw(t, &h->f[i], y + 2 + (int)i, 31, i == 0 ? 30 : 10, 0);
	}
	tui_printf(t, y + 3 + (int)h->nf, 2, t->cols - 4, h->check[0] ? C_WARN : C_OK,
	           "Candidates add up to %lld. %s", (long long)sum,
	           h->check[0] ? h->check : "Complete: Enter reads it back.");
	tui_field_draw(t, &h->f[h->focus], y + 2 + (int)h->focus, 31, h->focus == 0 ? 30 : 10, 1);
	t->cursor = 1;
}

static void draw_readback(struct tui *t, struct hotline *h, int y, int rows)
{
	char lines[WR_MAX_CANDIDATES + 2][WR_HOTLINE_LINE];
	size_t n = wr_hotline_readback(&h->contest, &h->e, lines, WR_MAX_CANDIDATES + 2);

	tui_printf(t, y, 1, t->cols - 2, C_KEY, "Read back to the caller: %s", h->place);
	tui_printf(t, y + 1, 1, t->cols - 2, C_KEY, "Reporter %s", h->e.reporter);
	if (h->roster[0])
		tui_printf(t, y + 2, 1, t->cols - 2, C_WARN, "! %s", h->roster);
	for (size_t i = 0; i < n && (int)i < rows - 4; i++)
		tui_put(t, y + 3 + (int)i, 4, t->cols - 6, lines[i], C_NORMAL, 0);
	tui_put(t, y + 4 + (int)n, 2, t->cols - 4, "Caller confirms? Enter or y saves; e or Esc "
	        "goes back to edit", C_WARN, 0);
}

static void report(struct tui *t, const struct wr_hotline_result *r, int held)
{
	if (held)
		tui_status(t, 0, "Held as call %lld: a second hotline user must key it blind (s).",
		           (long long)r->call);
	else if (r->outcome == WR_QUARANTINED || r->outcome == WR_UNMATCHED)
		tui_status(t, 1, "%s %s: %s", r->submission_id, wr_outcome_name(r->outcome),
		           r->reason);
	else if (r->reason[0])
		tui_status(t, 1, "Saved, flagged: the two entries differ: %s", r->reason);
	else
		tui_status(t, 0, "Saved (%s) to the queue: %s", wr_outcome_name(r->outcome),
		           r->submission_id);
}

static int save(struct tui *t, struct hotline *h)
{
	struct wr_hotline_result r;
	struct wr_err err;
	int rc, held = 0;

	memset(&r, 0, sizeof r);
	if (h->second_call)
		rc = wr_hotline_second(t->s, &t->user, h->second_call, &h->e, &r, &err);
	else if (h->double_entry)
		rc = wr_hotline_first(t->s, &t->user, &h->e, &r, &err), held = 1;
	else
		rc = wr_hotline_save(t->s, &t->user, &h->e, &r, &err);
	if (rc != WR_OK)
		return tui_fail(t, &err);
	report(t, &r, held);
	h->second_call = 0;
	h->step = HOME;
	return TUI_RELOAD;
}

/* The roster is checked before the read-back, while the caller is still
 * on the line: a tally keyed under the wrong precinct is a real room's
 * numbers, and nothing else about it would look wrong. */
static int to_readback(struct tui *t, struct hotline *h)
{
	struct wr_err err;

	if (wr_hotline_roster(t->s, h->e.reporter, h->e.precinct, h->roster,
	                      sizeof h->roster, &err) != WR_OK)
		return tui_fail(t, &err);
	h->step = READBACK;
	if (h->roster[0])
		tui_status(t, 1, "Check with the caller: %s.", h->roster);
	else
		tui_status(t, 0, "Read it back; save only when the caller confirms.");
	return TUI_REDRAW;
}

static int form_input(struct tui *t, struct hotline *h, struct tui_in in)
{
	if (!in.is_key && in.ch == 27) {
		h->step = h->second_call ? AWAITING : SEARCH;
		h->second_call = 0;
		return TUI_REDRAW;
	}
	if ((in.is_key && in.ch == KEY_UP) || (in.is_key && in.ch == KEY_BTAB)) {
		h->focus = h->focus ? h->focus - 1 : h->nf - 1;
		return TUI_REDRAW;
	}
	if ((in.is_key && in.ch == KEY_DOWN) || (!in.is_key && in.ch == '\t')) {
		h->focus = (h->focus + 1) % h->nf;
		return TUI_REDRAW;
	}
	if (!in.is_key && in.ch == '\n') {
		sync_entry(h);
		if (h->focus + 1 < h->nf && h->check[0]) {
			h->focus++;
			return TUI_REDRAW;
		}
		if (h->check[0]) {
			tui_status(t, 1, "%s", h->check);
			return TUI_REDRAW;
		}
		return to_readback(t, h);
	}
	if (tui_field_key(&h->f[h->focus], in))
		sync_entry(h);
	return TUI_REDRAW;
}

/* ---- search ---- */

static void search(struct tui *t, struct hotline *h)
{
	struct wr_err err;

	h->nhits = 0;
	if (wr_hotline_search(t->s, h->query.buf, h->hits, HITS, &h->nhits, &err) != WR_OK)
		tui_fail(t, &err);
	h->hitt.nrows = h->nhits;
	h->hitt.sel = h->hitt.top = 0;
}

static int search_input(struct tui *t, struct hotline *h, struct tui_in in)
{
	if (!in.is_key && in.ch == 27) {
		h->step = HOME;
		return TUI_REDRAW;
	}
	if (!in.is_key && in.ch == '\n') {
		char place[256];
		const struct wr_hotline_hit *x;
		if (!h->nhits)
			return TUI_NONE;
		x = &h->hits[h->hitt.sel];
		snprintf(place, sizeof place, "%s %s, %s County", x->code, x->name, x->county);
		start_form(h, x->code, place);
		return TUI_REDRAW;
	}
	if (in.is_key && tui_table_key(&h->hitt, in, t->rows - 8) >= 0)
		return TUI_REDRAW;
	if (tui_field_key(&h->query, in))
		search(t, h);
	return TUI_REDRAW;
}

static void draw_search(struct tui *t, struct hotline *h, int y, int rows)
{
	tui_put(t, y, 1, t->cols - 2, "Precinct: code, name, old name or county. Enter "
	        "picks, Esc back", C_KEY, 0);
	tui_table_draw(t, &h->hitt, y + 2, 1, rows - 3, t->cols - 2);
	tui_field_draw(t, &h->query, y + 1, 1, 40, 1);
	t->cursor = 1;
}

/* ---- home and awaiting ---- */

static void draw_home(struct tui *t, struct hotline *h, int y, int rows)
{
	tui_printf(t, y, 1, t->cols - 2, C_KEY, "Hotline: double entry %s; %zu awaiting a 2nd "
	           "entry; %zu callback%s", h->double_entry ? "ON" : "off", h->ncalls, h->ncb,
	           h->ncb == 1 ? "" : "s");
	tui_put(t, y + 1, 1, t->cols - 2, "Callbacks: rejected tallies to call back, oldest first",
	        C_DIM, 0);
	tui_table_draw(t, &h->cbt, y + 2, 1, rows - 2, t->cols - 2);
}

static void draw_awaiting(struct tui *t, struct hotline *h, int y, int rows)
{
	tui_put(t, y, 1, t->cols - 2, "Calls awaiting a second entry: Enter keys one blind; "
	        "w withdraws; Esc back", C_KEY, 0);
	tui_table_draw(t, &h->callt, y + 1, 1, rows - 1, t->cols - 2);
}

static void draw_hotline(struct tui *t, void *st, int y, int rows)
{
	struct hotline *h = st;

	switch (h->step) {
	case HOME: draw_home(t, h, y, rows); break;
	case AWAITING: draw_awaiting(t, h, y, rows); break;
	case SEARCH: draw_search(t, h, y, rows); break;
	case FORM: draw_form(t, h, y, rows); break;
	case READBACK: draw_readback(t, h, y, rows); break;
	}
}

static int awaiting_input(struct tui *t, struct hotline *h, struct tui_in in)
{
	const struct wr_hotline_call *c;
	struct wr_err err;
	char place[256];

	/* q here goes home like Esc rather than quitting the console */
	if (!in.is_key && (in.ch == 27 || in.ch == 'q')) {
		h->step = HOME;
		return TUI_REDRAW;
	}
	if (tui_table_key(&h->callt, in, t->rows - 6) >= 0)
		return TUI_REDRAW;
	if (!h->ncalls || in.is_key)
		return -1;
	c = &h->calls[h->callt.sel];
	if (in.ch == 'w') {
		if (wr_hotline_withdraw(t->s, &t->user, c->id, &err) != WR_OK)
			return tui_fail(t, &err);
		tui_status(t, 0, "Call %lld withdrawn.", (long long)c->id);
		return TUI_RELOAD;
	}
	if (in.ch != '\n')
		return -1;
	snprintf(place, sizeof place, "%s %s, %s County (call %lld)", c->precinct,
	         c->precinct_name, c->county, (long long)c->id);
	h->second_call = c->id;
	start_form(h, c->precinct, place);
	return TUI_REDRAW;
}

static int home_input(struct tui *t, struct hotline *h, struct tui_in in)
{
	struct wr_err err;

	if (tui_table_key(&h->cbt, in, t->rows - 6) >= 0)
		return TUI_REDRAW;
	if (in.is_key)
		return -1;
	switch (in.ch) {
	case 'k':
		h->step = SEARCH;
		memset(&h->query, 0, sizeof h->query);
		search(t, h);
		return TUI_REDRAW;
	case 'd':
		h->double_entry = !h->double_entry;
		tui_status(t, 0, "Double entry %s.", h->double_entry ? "on: each call waits for a "
		           "second keying" : "off");
		return TUI_REDRAW;
	case 's':
		h->step = AWAITING;
		return TUI_REDRAW;
	case 'x':
		if (!h->ncb)
			return TUI_NONE;
		if (wr_hotline_callback_done(t->s, &t->user, h->cb[h->cbt.sel].submission_id,
		                             &err) != WR_OK)
			return tui_fail(t, &err);
		tui_status(t, 0, "Callback for %s marked done.", h->cb[h->cbt.sel].precinct);
		return TUI_RELOAD;
	}
	return -1;
}

static int input_hotline(struct tui *t, void *st, struct tui_in in)
{
	struct hotline *h = st;

	switch (h->step) {
	case HOME: return home_input(t, h, in);
	case AWAITING: return awaiting_input(t, h, in);
	case SEARCH: return search_input(t, h, in);
	case FORM: return form_input(t, h, in);
	case READBACK:
		if (!in.is_key && (in.ch == '\n' || in.ch == 'y'))
			return save(t, h);
		if (!in.is_key && (in.ch == 'e' || in.ch == 27))
			h->step = FORM;
		return TUI_REDRAW;
	}
	return -1;
}

/* The steps take their keys in input_hotline; this table is what the
 * footer and help show. */
static const struct tui_key hotline_keys[] = {
	{ 'k', "k", "key a call", "key a phoned-in tally: find the precinct, type the numbers",
	  R_KEYING, NULL },
	{ 'd', "d", "double", "double entry on or off", R_KEYING, NULL },
	{ 's', "s", "2nd entry", "second entry: calls awaiting a blind second keying", R_KEYING, NULL },
	{ 'x', "x", "called back", "mark the selected callback done", R_KEYING, NULL },
	{ '\n', "Enter", NULL, "in a form: next field; read back; save", R_KEYING, NULL },
	{ 27, "Esc", NULL, "in a form: one step back", R_KEYING, NULL },
	{ 0, NULL, NULL, 0, 0, NULL },
};

const struct view tui_view_hotline = {
	"Hotline", R_KEYING, open_hotline, close_hotline, load_hotline, draw_hotline,
	input_hotline, NULL, hotline_keys,
};
