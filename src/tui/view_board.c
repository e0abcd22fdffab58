/* The county board: Iowa as a tile map of its 99 counties, each tile a
 * symbol and a colour for its state, then statewide progress bars, the
 * intake's pace per 15 minutes, the queue and each validator's pace.
 * Arrows move over the tiles; Enter opens the queue on one county. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"
#include "warroom/board.h"

#define RELOAD_EVERY 10   /* seconds: the 15-minute windows move with time */

struct board {
	struct wr_board b;
	int loaded;
	int64_t loaded_at;
	int rows, cols;       /* the tile grid */
	int sel_row, sel_col;
};

static enum tui_role state_role(enum wr_county_state s)
{
	static const enum tui_role roles[] = {
		[WR_COUNTY_NONE] = C_NONE_IN, [WR_COUNTY_PARTIAL] = C_PARTIAL,
		[WR_COUNTY_APPROVED] = C_APPROVED, [WR_COUNTY_PUBLISHED] = C_PUBLISHED,
		[WR_COUNTY_HELD] = C_HELD, [WR_COUNTY_FLAGGED] = C_FLAGGED,
	};
	return roles[s];
}

static const struct wr_board_county *at(const struct board *v, int row, int col);

static int load_board(struct tui *t, void *st)
{
	struct board *v = st;
	struct wr_err err;

	if (v->loaded)
		wr_board_free(&v->b);
	v->loaded = 0;
	v->loaded_at = t->now;
	if (wr_board_read(t->s, t->now, &v->b, &err) != WR_OK)
		return tui_fail(t, &err);
	v->loaded = 1;
	v->rows = v->cols = 0;
	if (v->b.ncounties && !at(v, v->sel_row, v->sel_col)) {
		v->sel_row = v->b.counties[0].tile_row;
		v->sel_col = v->b.counties[0].tile_col;
	}
	for (size_t i = 0; i < v->b.ncounties; i++) {
		const struct wr_board_county *c = &v->b.counties[i];
		if (c->tile_row + 1 > v->rows)
			v->rows = c->tile_row + 1;
		if (c->tile_col + 1 > v->cols)
			v->cols = c->tile_col + 1;
	}
	return TUI_REDRAW;
}

static void *open_board(struct tui *t, const char *arg)
{
	struct board *v = calloc(1, sizeof *v);

	(void)arg;
	if (!v)
		return NULL;
	load_board(t, v);
	return v;
}

static void close_board(struct tui *t, void *st)
{
	struct board *v = st;

	(void)t;
	if (v->loaded)
		wr_board_free(&v->b);
	free(v);
}

static const struct wr_board_county *at(const struct board *v, int row, int col)
{
	for (size_t i = 0; i < v->b.ncounties; i++)
		if (v->b.counties[i].tile_row == row && v->b.counties[i].tile_col == col)
			return &v->b.counties[i];
	return NULL;
}

static void draw_map(struct tui *t, struct board *v, int y, int tw)
{
	for (size_t i = 0; i < v->b.ncounties; i++) {
		const struct wr_board_county *c = &v->b.counties[i];
		char tile[32];
		int sel = c->tile_row == v->sel_row && c->tile_col == v->sel_col;

		if (c->tile_row < 0 || c->tile_col < 0)
			continue;
		snprintf(tile, sizeof tile, "%c%s", wr_county_state_symbol(c->state),
		         c->short_name);
		tui_put(t, y + c->tile_row, 1 + c->tile_col * tw, tw - (tw > 6), tile,
		        sel ? C_SELECT : state_role(c->state), 1);
	}
}

static void draw_legend(struct tui *t, int y)
{
	static const enum wr_county_state order[] = {
		WR_COUNTY_NONE, WR_COUNTY_PARTIAL, WR_COUNTY_HELD, WR_COUNTY_FLAGGED,
		WR_COUNTY_APPROVED, WR_COUNTY_PUBLISHED,
	};
	int x = 1;

	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
		char item[32];
		snprintf(item, sizeof item, "%c %s", wr_county_state_symbol(order[i]),
		         wr_county_state_name(order[i]));
		x += tui_put(t, y, x, t->cols - x, item, state_role(order[i]), 0) + 2;
	}
}

static void draw_progress(struct tui *t, const struct wr_board *b, int y)
{
	const char *names[] = { "Reported", "Approved", "Published" };
	long counts[] = { b->reported, b->approved, b->published };
	int w = t->cols - 34;

	for (int i = 0; i < 3; i++) {
		double share = b->total ? (double)counts[i] / (double)b->total : 0;
		tui_put(t, y + i, 1, 10, names[i], C_KEY, 1);
		tui_bar(t, y + i, 11, w, share, i == 2 ? C_OK : C_INFO);
		/* floored: 1,685 of 1,687 is not 100% */
		tui_printf(t, y + i, 12 + w, 22, C_NORMAL, "%5ld/%ld %3ld%%", counts[i], b->total,
		           b->total ? 100 * counts[i] / b->total : 0);
	}
}

static void draw_pace(struct tui *t, const struct wr_board *b, int y)
{
	long max = 0;
	int x;
	char age[16], line[256];
	size_t used = 0;

	for (int i = 0; i < WR_BOARD_WINDOWS; i++)
		max = b->windows[i] > max ? b->windows[i] : max;
	x = tui_put(t, y, 1, 24, "Tallies per 15 min", C_KEY, 1) + 1;
	for (int i = 0; i < WR_BOARD_WINDOWS; i++)
		x += tui_put(t, y, x, 1, b->windows[i] == 0 ? " "
		             : tui_spark(t, max ? (int)(7 * b->windows[i] / max) : 0), C_INFO, 1);
	tui_printf(t, y, x + 1, t->cols - x - 2, C_DIM, "last 4h, peak %ld, now %ld", max,
	           b->windows[WR_BOARD_WINDOWS - 1]);
	tui_age(b->oldest_age, age, sizeof age);
	tui_printf(t, y + 1, 1, t->cols - 2, b->queue ? C_WARN : C_OK,
	           "Queue %ld waiting%s%s%s%s", b->queue, b->queue ? "; oldest " : "",
	           b->queue ? age : "", b->queue ? " " : "", b->oldest_sid);
	line[0] = '\0';
	for (size_t i = 0; i < b->nrates && used < sizeof line; i++)
		used += (size_t)snprintf(line + used, sizeof line - used, "%s%s %ld",
		                         i ? ", " : "", b->rates[i].user, b->rates[i].items);
	tui_printf(t, y + 2, 1, t->cols - 2, C_NORMAL, "Per validator, last hour: %s",
	           b->nrates ? line : "no decisions yet");
}

static void draw_selected(struct tui *t, const struct board *v, int y)
{
	const struct wr_board_county *c = at(v, v->sel_row, v->sel_col);

	if (!c)
		return;
	tui_printf(t, y, 1, t->cols - 2, state_role(c->state),
	           "%s: %s; %ld of %ld precincts in, %ld flagged, %ld approved, %ld published",
	           c->name, wr_county_state_name(c->state), c->reported, c->total, c->flagged,
	           c->approved, c->published);
}

static void draw_board(struct tui *t, void *st, int y, int rows)
{
	struct board *v = st;
	int tw = v->cols ? (t->cols - 2) / v->cols : 6;

	if (!v->loaded)
		return;
	tw = tw > 12 ? 12 : tw;
	tui_printf(t, y, 1, t->cols - 2, C_KEY, "County board: %zu counties, %ld of %ld "
	           "precincts in", v->b.ncounties, v->b.reported, v->b.total);
	draw_map(t, v, y + 1, tw);
	y += v->rows + 1;
	draw_legend(t, y);
	draw_selected(t, v, y + 1);
	if (rows >= v->rows + 9) {
		draw_progress(t, &v->b, y + 2);
		draw_pace(t, &v->b, y + 5);
	}
}

/* Arrows jump over holes in the map to the next tile in that direction. */
static int move_sel(struct board *v, int dr, int dc)
{
	for (int r = v->sel_row + dr, c = v->sel_col + dc;
	     r >= 0 && c >= 0 && r < v->rows && c < v->cols; r += dr, c += dc)
		if (at(v, r, c)) {
			v->sel_row = r;
			v->sel_col = c;
			return TUI_REDRAW;
		}
	return TUI_REDRAW;
}

static int input_board(struct tui *t, void *st, struct tui_in in)
{
	struct board *v = st;

	(void)t;
	if (in.is_key) {
		switch (in.ch) {
		case KEY_UP: return move_sel(v, -1, 0);
		case KEY_DOWN: return move_sel(v, 1, 0);
		case KEY_LEFT: return move_sel(v, 0, -1);
		case KEY_RIGHT: return move_sel(v, 0, 1);
		}
		return -1;
	}
	switch (in.ch) {
	case 'k': return move_sel(v, -1, 0);
	case 'j': return move_sel(v, 1, 0);
	case 'h': return move_sel(v, 0, -1);
	case 'l': return move_sel(v, 0, 1);
	}
	return -1;
}

static int tick_board(struct tui *t, void *st)
{
	struct board *v = st;

	return t->now - v->loaded_at >= RELOAD_EVERY ? load_board(t, v) : TUI_NONE;
}

static int do_county(struct tui *t, void *st)
{
	const struct wr_board_county *c = at(st, ((struct board *)st)->sel_row,
	                                     ((struct board *)st)->sel_col);

	if (!c)
		return TUI_NONE;
	if (!tui_has_role(t, tui_view_queue.roles)) {
		tui_status(t, 1, "Only validators and supervisors open the review queue.");
		return TUI_REDRAW;
	}
	return tui_push(t, &tui_view_queue, c->fips);
}

static const struct tui_key board_keys[] = {
	{ 'h', "arrows", NULL, "move over the map (h j k l too)", 0, NULL },
	{ '\n', "Enter", "county queue", "open the review queue on the selected county", R_REVIEW, do_county },
	{ 0, NULL, NULL, 0, 0, NULL },
};

const struct view tui_view_board = {
	"Board", R_ALL, open_board, close_board, load_board, draw_board, input_board,
	tick_board, board_keys,
};
