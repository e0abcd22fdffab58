/* Publishing as the room needs to see it: live or frozen, how far the
 * pusher got and its last error, the batches with their time and size.
 * Supervisors freeze, unfreeze and publish from here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"
#include "warroom/publish.h"
#include "warroom/pusher.h"
#include "warroom/target.h"

#define MAX_BATCHES 200

struct publish {
	struct wr_freeze freeze;
	struct wr_push_state push;
	char target[600];
	char target_err[sizeof ((struct wr_err *)0)->msg];
	struct wr_batch_row batches[MAX_BATCHES];
	size_t n;
	struct tui_table tb;
};

static const struct tui_col cols[] = {
	{ "Batch", 6, 1 }, { "Made (UTC)", 10, 0 }, { "By", 12, 0 }, { "Tallies", 7, 1 },
	{ "Counties", 8, 1 }, { "Reporting", 9, 1 }, { "Size", 7, 1 }, { "Kind", 0, 0 },
};

static void size_text(long long b, char *out, size_t n)
{
	if (b >= 10 * 1024 * 1024)
		snprintf(out, n, "%lld MB", b / (1024 * 1024));
	else if (b >= 10 * 1024)
		snprintf(out, n, "%lld kB", b / 1024);
	else
		snprintf(out, n, "%lld B", b);
}

static enum tui_role cell(void *ctx, size_t r, size_t c, char *buf, size_t n)
{
	const struct publish *p = ctx;
	const struct wr_batch_row *b = &p->batches[r];

	switch (c) {
	case 0: snprintf(buf, n, "%lld", (long long)b->id); break;
	case 1: snprintf(buf, n, "%.8s", strlen(b->created_at) > 11 ? b->created_at + 11 : ""); break;
	case 2: snprintf(buf, n, "%s", b->actor); break;
	case 3: snprintf(buf, n, "%ld", b->precincts); break;
	case 4: snprintf(buf, n, "%ld", b->counties); break;
	case 5: snprintf(buf, n, "%ld", b->reporting); break;
	case 6: size_text(b->bytes, buf, n); break;
	default:
		snprintf(buf, n, "%s%s%s", b->zeroes ? "zeroes " : "", b->test ? "test " : "",
		         b->id <= p->push.last_batch ? "pushed" : "waiting");
		return b->id <= p->push.last_batch ? C_OK : C_WARN;
	}
	return C_NORMAL;
}

static int load_publish(struct tui *t, void *st)
{
	struct publish *p = st;
	struct wr_target tg;
	struct wr_err err;

	p->target_err[0] = '\0';
	memset(&p->push, 0, sizeof p->push);
	if (wr_publish_frozen(t->s, &p->freeze, &err) != WR_OK ||
	    wr_publish_batches(t->s, p->batches, MAX_BATCHES, &p->n, &err) != WR_OK)
		return tui_fail(t, &err);
	if (wr_target_default(t->db_path, NULL, p->target, sizeof p->target, &err) != WR_OK ||
	    wr_target_parse(&tg, p->target, NULL, &err) != WR_OK ||
	    wr_push_state_read(t->s, tg.name, &p->push, &err) != WR_OK)
		snprintf(p->target_err, sizeof p->target_err, "%s", err.msg);
	else
		snprintf(p->target, sizeof p->target, "%s", tg.name);
	p->tb.nrows = p->n;
	tui_table_clamp(&p->tb);
	return TUI_REDRAW;
}

static void *open_publish(struct tui *t, const char *arg)
{
	struct publish *p = calloc(1, sizeof *p);

	(void)arg;
	if (!p)
		return NULL;
	p->tb.cols = cols;
	p->tb.ncols = sizeof cols / sizeof cols[0];
	p->tb.cell = cell;
	p->tb.ctx = p;
	p->tb.empty = "No batch yet: approved tallies of open counties go out with p.";
	load_publish(t, p);
	return p;
}

static void close_publish(struct tui *t, void *st)
{
	(void)t;
	free(st);
}

static void draw_state(struct tui *t, const struct publish *p, int y)
{
	int w = t->cols - 2;

	if (p->freeze.frozen)
		tui_printf(t, y, 1, w, C_ERROR, "Publishing FROZEN by %s at %.19s: %s",
		           p->freeze.by, p->freeze.at, p->freeze.reason);
	else
		tui_put(t, y, 1, w, "Publishing LIVE: approved tallies of open counties go out "
		        "in the next batch", C_OK, 0);
	tui_printf(t, y + 1, 1, w, C_NORMAL, "Target %s", p->target);
	if (p->target_err[0]) {
		tui_printf(t, y + 2, 1, w, C_ERROR, "Cannot read the push state: %s",
		           p->target_err);
		return;
	}
	tui_printf(t, y + 2, 1, w, p->push.backlog ? C_WARN : C_OK,
	           "Pushed through batch %lld; outbox backlog %lld file%s; last success %s",
	           (long long)p->push.last_batch, (long long)p->push.backlog,
	           p->push.backlog == 1 ? "" : "s",
	           p->push.last_ok_at[0] ? p->push.last_ok_at : "never");
	if (p->push.last_error[0])
		tui_printf(t, y + 3, 1, w, C_ERROR, "Last push error (%ld tries, %s): %s",
		           p->push.attempts, p->push.last_try_at, p->push.last_error);
	else
		tui_put(t, y + 3, 1, w, "Last push: no error", C_DIM, 0);
}

static void draw_publish(struct tui *t, void *st, int y, int rows)
{
	struct publish *p = st;

	draw_state(t, p, y);
	tui_hline(t, y + 4, 1, t->cols - 2);
	tui_table_draw(t, &p->tb, y + 5, 1, rows - 5, t->cols - 2);
}

static int input_publish(struct tui *t, void *st, struct tui_in in)
{
	return tui_table_key(&((struct publish *)st)->tb, in, t->rows - 9);
}

static int frozen(struct tui *t, void *st, const char *reason)
{
	struct wr_err err;

	(void)st;
	if (!reason)
		return TUI_REDRAW;
	if (wr_publish_freeze(t->s, &t->user, 1, reason, &err) != WR_OK)
		return tui_fail(t, &err);
	tui_status(t, 0, "Publishing frozen: no batch is made or pushed until you unfreeze.");
	return TUI_RELOAD;
}

static int do_freeze(struct tui *t, void *st)
{
	(void)st;
	tui_ask(t, "Reason for freezing publication:", frozen);
	return TUI_REDRAW;
}

/* Unfreezing and publishing send numbers to the public: one stray key
 * must not do either, so each asks for "yes" first. */
static int confirmed(struct tui *t, const char *text)
{
	if (text && !strcmp(text, "yes"))
		return 1;
	tui_status(t, 0, "Nothing done (type yes to go ahead).");
	return 0;
}

static int unfrozen(struct tui *t, void *st, const char *text)
{
	struct wr_err err;

	(void)st;
	if (!confirmed(t, text))
		return TUI_REDRAW;
	if (wr_publish_freeze(t->s, &t->user, 0, NULL, &err) != WR_OK)
		return tui_fail(t, &err);
	tui_status(t, 0, "Publishing is live again.");
	return TUI_RELOAD;
}

static int do_unfreeze(struct tui *t, void *st)
{
	(void)st;
	tui_ask(t, "Unfreeze publication? Type yes:", unfrozen);
	return TUI_REDRAW;
}

static int published(struct tui *t, void *st, const char *text)
{
	struct wr_publish_opts o = { NULL, 0, 0, 0 };
	struct wr_publish_result r;
	struct wr_err err;

	(void)st;
	if (!confirmed(t, text))
		return TUI_REDRAW;
	if (wr_publish_as(t->s, &t->user, &o, &r, &err) != WR_OK)
		return tui_fail(t, &err);
	if (r.batch)
		tui_status(t, 0, "Batch %lld: %ld tallies, %ld of %ld precincts reporting; "
		           "%zu counties held by the gate.", (long long)r.batch, r.precincts,
		           r.reporting, r.total, r.nheld);
	else
		tui_status(t, 0, "Nothing new to publish (%zu counties held by the gate).", r.nheld);
	wr_publish_result_free(&r);
	return TUI_RELOAD;
}

static int do_publish(struct tui *t, void *st)
{
	(void)st;
	tui_ask(t, "Publish a batch of the approved tallies now? Type yes:", published);
	return TUI_REDRAW;
}

static const struct tui_key publish_keys[] = {
	{ 'p', "p", "publish", "publish now: a batch of the newly approved tallies", R_LEAD, do_publish },
	{ 'f', "f", "freeze", "freeze publication (a reason is required)", R_LEAD, do_freeze },
	{ 'u', "u", "unfreeze", "unfreeze publication", R_LEAD, do_unfreeze },
	{ 0, NULL, NULL, 0, 0, NULL },
};

const struct view tui_view_publish = {
	"Publish", R_ALL, open_publish, close_publish, load_publish, draw_publish,
	input_publish, NULL, publish_keys,
};
