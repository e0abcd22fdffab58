/* The validators' queue: every tally waiting for a decision, most urgent
 * first, with its first flag's sentence. Enter claims and opens one; n
 * takes the most urgent one the user may decide; / filters. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"
#include "warroom/queue.h"

struct queue {
	struct wr_queue_row *rows;
	size_t n;
	size_t *shown;        /* indexes of rows the filter lets through */
	size_t nshown;
	long hard, warn;
	char filter[256];
	int64_t now;
	struct tui_table tb;
};

static const struct tui_col cols[] = {
	{ "Sev", 7, 0 }, { "Precinct", 10, 0 }, { "County", 7, 0 }, { "Source", 7, 0 },
	{ "Age", 6, 1 }, { "State", 10, 0 }, { "First flag", 0, 0 },
};

static enum tui_role sev_role(enum wr_severity s)
{
	return s == WR_SEV_HARD ? C_HARD : s == WR_SEV_WARN ? C_WARN
	       : s == WR_SEV_INFO ? C_INFO : C_NORMAL;
}

static void state_text(const struct wr_queue_row *r, char *buf, size_t n)
{
	if (r->holder[0])
		snprintf(buf, n, "@%s", r->holder);
	else if (r->approvals > 0)
		snprintf(buf, n, "1 of 2 ok");
	else
		snprintf(buf, n, "%s", r->state);
}

static enum tui_role cell(void *ctx, size_t i, size_t c, char *buf, size_t n)
{
	const struct queue *q = ctx;
	const struct wr_queue_row *r = &q->rows[q->shown[i]];

	switch (c) {
	case 0:
		snprintf(buf, n, "%s", r->severity == WR_SEV_HARD ? "!! hard"
		         : r->severity == WR_SEV_WARN ? " ! warn"
		         : r->severity == WR_SEV_INFO ? " i info" : "   -");
		return sev_role(r->severity);
	case 1: snprintf(buf, n, "%s", r->precinct); break;
	case 2: snprintf(buf, n, "%s", r->county_short); break;
	case 3: snprintf(buf, n, "%s", r->source); break;
	case 4: tui_age(q->now - r->received_at, buf, n); break;
	case 5: state_text(r, buf, n); return r->holder[0] ? C_DIM : C_NORMAL;
	default:
		snprintf(buf, n, "%s", r->message[0] ? r->message : "no flag");
		return r->message[0] ? sev_role(r->severity) : C_DIM;
	}
	return C_NORMAL;
}

static void apply_filter(struct queue *q)
{
	q->nshown = 0;
	q->hard = q->warn = 0;
	for (size_t i = 0; i < q->n; i++) {
		q->hard += q->rows[i].severity == WR_SEV_HARD;
		q->warn += q->rows[i].severity == WR_SEV_WARN;
		if (wr_queue_match(&q->rows[i], q->filter))
			q->shown[q->nshown++] = i;
	}
	q->tb.nrows = q->nshown;
	tui_table_clamp(&q->tb);
}

/* Keeps the selection on the same tally when rows come and go. */
static int load_queue(struct tui *t, void *st)
{
	struct queue *q = st;
	struct wr_err err;
	char keep[129] = "";

	if (q->nshown)
		snprintf(keep, sizeof keep, "%s", q->rows[q->shown[q->tb.sel]].submission_id);
	free(q->rows);
	free(q->shown);
	q->rows = NULL;
	q->shown = NULL;
	q->n = q->nshown = 0;
	if (wr_queue_load(t->s, &q->rows, &q->n, &err) != WR_OK)
		tui_fail(t, &err);
	q->shown = calloc(q->n ? q->n : 1, sizeof *q->shown);
	if (!q->shown)
		q->n = 0;
	apply_filter(q);
	for (size_t i = 0; i < q->nshown && keep[0]; i++)
		if (!strcmp(q->rows[q->shown[i]].submission_id, keep))
			q->tb.sel = i;
	return TUI_REDRAW;
}

static void *open_queue(struct tui *t, const char *arg)
{
	struct queue *q = calloc(1, sizeof *q);

	if (!q)
		return NULL;
	/* the board opens the queue on one county */
	snprintf(q->filter, sizeof q->filter, "%s", arg ? arg : "");
	q->tb.cols = cols;
	q->tb.ncols = sizeof cols / sizeof cols[0];
	q->tb.cell = cell;
	q->tb.ctx = q;
	q->tb.empty = "The queue is empty: every tally in has been decided.";
	load_queue(t, q);
	return q;
}

static void close_queue(struct tui *t, void *st)
{
	struct queue *q = st;

	(void)t;
	free(q->rows);
	free(q->shown);
	free(q);
}

static void draw_queue(struct tui *t, void *st, int y, int rows)
{
	struct queue *q = st;

	q->now = t->now;
	tui_printf(t, y, 1, t->cols - 2, C_KEY, "Review queue: %zu waiting (%ld hard, %ld warn)%s%s%s",
	           q->n, q->hard, q->warn, q->filter[0] ? "; filter \"" : "", q->filter,
	           q->filter[0] ? "\"" : "");
	if (q->filter[0] && q->nshown == 0)
		q->tb.empty = "Nothing matches the filter: / and an empty line clears it.";
	else
		q->tb.empty = "The queue is empty: every tally in has been decided.";
	tui_table_draw(t, &q->tb, y + 1, 1, rows - 1, t->cols - 2);
}

static int input_queue(struct tui *t, void *st, struct tui_in in)
{
	return tui_table_key(&((struct queue *)st)->tb, in, t->rows - 5);
}

static int do_open(struct tui *t, void *st)
{
	struct queue *q = st;

	if (!q->nshown)
		return TUI_NONE;
	return tui_push(t, &tui_view_detail, q->rows[q->shown[q->tb.sel]].submission_id);
}

static int do_next(struct tui *t, void *st)
{
	struct wr_review_item item;
	struct wr_err err;

	(void)st;
	if (wr_review_next(t->review, &t->user, &item, &err) != WR_OK)
		return tui_fail(t, &err);
	return tui_push(t, &tui_view_detail, item.submission_id);
}

static int filtered(struct tui *t, void *st, const char *text)
{
	struct queue *q = st;

	(void)t;
	if (!text)
		return TUI_REDRAW;
	snprintf(q->filter, sizeof q->filter, "%s", text);
	q->tb.sel = q->tb.top = 0;
	apply_filter(q);
	return TUI_REDRAW;
}

static int do_filter(struct tui *t, void *st)
{
	struct queue *q = st;

	tui_ask(t, "Filter (county, precinct, rule, state; empty clears):", filtered);
	tui_field_set(&t->prompt.f, q->filter);
	return TUI_REDRAW;
}

static const struct tui_key queue_keys[] = {
	{ '\n', "Enter", "open", "claim and open the selected tally", R_REVIEW, do_open },
	{ 'n', "n", "next", "next: claim the most urgent tally you may decide", R_REVIEW, do_next },
	{ '/', "/", "filter", "filter by county, precinct, rule or state", 0, do_filter },
	{ 0, NULL, NULL, 0, 0, NULL },
};

const struct view tui_view_queue = {
	"Queue", R_REVIEW, open_queue, close_queue, load_queue, draw_queue, input_queue,
	NULL, queue_keys,
};
