/* Tallies whose precinct could not be resolved, with the closest precincts
 * as suggestions. Choosing one resolves the tally and, when it named its
 * precinct by an unknown name, teaches the store that name as an alias. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"
#include "warroom/unmatched.h"

struct unmatched {
	struct wr_unmatched_row *rows;
	size_t n;
	struct tui_table tb;
	char asked[129];   /* the tally c was pressed on: rows may move meanwhile */
};

static const struct tui_col cols[] = {
	{ "Precinct as given", 0, 0 }, { "County", 12, 0 }, { "Source", 7, 0 },
	{ "Reporter", 14, 0 }, { "Received", 8, 0 }, { "Best guess", 10, 0 },
};

static enum tui_role cell(void *ctx, size_t r, size_t c, char *buf, size_t n)
{
	const struct wr_unmatched_row *row = &((struct unmatched *)ctx)->rows[r];

	switch (c) {
	case 0: snprintf(buf, n, "%s", row->name); break;
	case 1: snprintf(buf, n, "%s", row->county[0] ? row->county : "(unknown)"); break;
	case 2: snprintf(buf, n, "%s", row->source); break;
	case 3: snprintf(buf, n, "%s", row->reporter); break;
	case 4: snprintf(buf, n, "%.8s", row->received_at + (strlen(row->received_at) > 11 ? 11 : 0)); break;
	default: snprintf(buf, n, "%s", row->nsugg ? row->sugg_code[0] : "none"); break;
	}
	return c == 5 && !row->nsugg ? C_WARN : C_NORMAL;
}

static int load_unmatched(struct tui *t, void *st)
{
	struct unmatched *u = st;
	struct wr_err err;
	char keep[129] = "";

	if (u->n)
		snprintf(keep, sizeof keep, "%s", u->rows[u->tb.sel].submission_id);
	free(u->rows);
	u->rows = NULL;
	u->n = 0;
	if (wr_unmatched_list(t->s, &u->rows, &u->n, &err) != WR_OK)
		tui_fail(t, &err);
	u->tb.nrows = u->n;
	tui_table_clamp(&u->tb);
	/* the selection stays on the same tally when others come and go */
	for (size_t i = 0; i < u->n && keep[0]; i++)
		if (!strcmp(u->rows[i].submission_id, keep))
			u->tb.sel = i;
	return TUI_REDRAW;
}

static void *open_unmatched(struct tui *t, const char *arg)
{
	struct unmatched *u = calloc(1, sizeof *u);

	(void)arg;
	if (!u)
		return NULL;
	u->tb.cols = cols;
	u->tb.ncols = sizeof cols / sizeof cols[0];
	u->tb.cell = cell;
	u->tb.ctx = u;
	u->tb.empty = "No unmatched tallies: every precinct was recognised.";
	load_unmatched(t, u);
	return u;
}

static void close_unmatched(struct tui *t, void *st)
{
	struct unmatched *u = st;

	(void)t;
	free(u->rows);
	free(u);
}

static void draw_unmatched(struct tui *t, void *st, int y, int rows)
{
	struct unmatched *u = st;
	const struct wr_unmatched_row *r;
	int h = rows - 5;

	tui_printf(t, y, 1, t->cols - 2, C_KEY, "Unmatched tallies: %zu waiting for a precinct",
	           u->n);
	tui_table_draw(t, &u->tb, y + 1, 1, h, t->cols - 2);
	if (!u->n)
		return;
	r = &u->rows[u->tb.sel];
	tui_hline(t, y + h + 1, 1, t->cols - 2);
	tui_printf(t, y + h + 2, 1, t->cols - 2, C_NORMAL, "%s: \"%s\" in %s, total %lld",
	           r->submission_id, r->name, r->county[0] ? r->county : "an unknown county",
	           r->total);
	for (size_t i = 0; i < WR_UNMATCHED_SUGG && i < 2; i++)
		if (i < r->nsugg)
			tui_printf(t, y + h + 3 + (int)i / 2, 1 + (int)(i % 2) * (t->cols / 2),
			           t->cols / 2 - 2, C_NORMAL, "%zu) %s %s", i + 1, r->sugg_code[i],
			           r->sugg_name[i]);
	if (r->nsugg > 2)
		tui_printf(t, y + h + 4, 1, t->cols / 2 - 2, C_NORMAL, "3) %s %s",
		           r->sugg_code[2], r->sugg_name[2]);
	tui_put(t, y + h + 4, t->cols / 2 + 1, t->cols / 2 - 2,
	        "c) type a precinct code", C_DIM, 0);
}

static int resolve(struct tui *t, const char *sid, const char *code)
{
	struct wr_err err;
	int alias = 0;

	if (wr_unmatched_resolve(t->s, &t->user, sid, code, &alias, &err) != WR_OK)
		return tui_fail(t, &err);
	tui_status(t, 0, "%s resolved to %s%s", sid, code,
	           alias ? "; its name is now an alias, so later tallies resolve on their own"
	                 : ".");
	return TUI_RELOAD;
}

static int pick(struct tui *t, struct unmatched *u, size_t i)
{
	if (!u->n)
		return TUI_NONE;
	if (i >= u->rows[u->tb.sel].nsugg) {
		tui_status(t, 1, "There is no suggestion %zu for this tally; c types a code.", i + 1);
		return TUI_REDRAW;
	}
	char code[33], sid[129];
	snprintf(code, sizeof code, "%s", u->rows[u->tb.sel].sugg_code[i]);
	snprintf(sid, sizeof sid, "%s", u->rows[u->tb.sel].submission_id);
	return resolve(t, sid, code);
}

static int pick1(struct tui *t, void *st) { return pick(t, st, 0); }
static int pick2(struct tui *t, void *st) { return pick(t, st, 1); }
static int pick3(struct tui *t, void *st) { return pick(t, st, 2); }

static int typed(struct tui *t, void *st, const char *code)
{
	if (!code || !*code)
		return TUI_REDRAW;
	return resolve(t, ((struct unmatched *)st)->asked, code);
}

static int do_type(struct tui *t, void *st)
{
	struct unmatched *u = st;

	if (!u->n)
		return TUI_NONE;
	snprintf(u->asked, sizeof u->asked, "%s", u->rows[u->tb.sel].submission_id);
	tui_ask(t, "Precinct code for the selected tally:", typed);
	return TUI_REDRAW;
}

static int do_open(struct tui *t, void *st)
{
	struct unmatched *u = st;

	if (!u->n)
		return TUI_NONE;
	return tui_push(t, &tui_view_detail, u->rows[u->tb.sel].submission_id);
}

static int input_unmatched(struct tui *t, void *st, struct tui_in in)
{
	return tui_table_key(&((struct unmatched *)st)->tb, in, t->rows - 9);
}

static const struct tui_key unmatched_keys[] = {
	{ '1', "1", "1st", "resolve to the first suggestion", R_REVIEW, pick1 },
	{ '2', "2", "2nd", "resolve to the second suggestion", R_REVIEW, pick2 },
	{ '3', "3", NULL, "resolve to the third suggestion", R_REVIEW, pick3 },
	{ 'c', "c", "code", "choose a precinct by typing its code", R_REVIEW, do_type },
	{ '\n', "Enter", "open", "open the tally (raw payload with v)", 0, do_open },
	{ 0, NULL, NULL, 0, 0, NULL },
};

const struct view tui_view_unmatched = {
	"Unmatched", R_REVIEW, open_unmatched, close_unmatched, load_unmatched,
	draw_unmatched, input_unmatched, NULL, unmatched_keys,
};
