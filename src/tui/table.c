/* The one list widget: a header row and a scrolling window of rows with a
 * selection. Rows are produced on demand by the view's cell callback, so
 * drawing costs the visible rows only, whatever the list's length. */
#include <string.h>

#include "tui.h"

static int col_width(const struct tui_table *tb, size_t c, int w)
{
	int fixed = 0;

	if (tb->cols[c].width > 0)
		return tb->cols[c].width;
	for (size_t i = 0; i < tb->ncols; i++)
		fixed += tb->cols[i].width > 0 ? tb->cols[i].width + 1 : 0;
	return w - fixed > 1 ? w - fixed : 1;
}

static void draw_row(struct tui *t, struct tui_table *tb, size_t r, int y, int x, int w)
{
	int selected = r == tb->sel;
	int at = x;
	char buf[512];

	for (size_t c = 0; c < tb->ncols && at < x + w; c++) {
		int cw = col_width(tb, c, w);
		enum tui_role role;

		buf[0] = '\0';
		role = tb->cell(tb->ctx, r, c, buf, sizeof buf);
		if (cw > x + w - at)
			cw = x + w - at;
		if (tb->cols[c].right) {
			int tw = tui_width(buf);
			if (tw < cw)
				tui_put(t, y, at, cw - tw, "", selected ? C_SELECT : C_NORMAL, 1);
			tui_put(t, y, at + (tw < cw ? cw - tw : 0), tw < cw ? tw : cw, buf,
			        selected ? C_SELECT : role, 1);
		} else {
			tui_put(t, y, at, cw, buf, selected ? C_SELECT : role, 1);
		}
		at += cw;
		if (at < x + w)
			tui_put(t, y, at++, 1, " ", selected ? C_SELECT : C_NORMAL, 1);
	}
}

void tui_table_draw(struct tui *t, struct tui_table *tb, int y, int x, int h, int w)
{
	int at = x;

	for (size_t c = 0; c < tb->ncols && at < x + w; c++) {
		int cw = col_width(tb, c, w);
		tui_put(t, y, at, cw + 1, tb->cols[c].title, C_KEY, 1);
		at += cw + 1;
	}
	h--;
	y++;
	if (tb->nrows == 0) {
		tui_put(t, y, x, w, tb->empty ? tb->empty : "(nothing)", C_DIM, 1);
		return;
	}
	tui_table_clamp(tb);
	if (tb->sel < tb->top)
		tb->top = tb->sel;
	if (h > 0 && tb->sel >= tb->top + (size_t)h)
		tb->top = tb->sel - (size_t)h + 1;
	for (int i = 0; i < h && tb->top + (size_t)i < tb->nrows; i++)
		draw_row(t, tb, tb->top + (size_t)i, y + i, x, w);
}

void tui_table_clamp(struct tui_table *tb)
{
	if (tb->nrows == 0)
		tb->sel = tb->top = 0;
	else if (tb->sel >= tb->nrows)
		tb->sel = tb->nrows - 1;
	if (tb->top > tb->sel)
		tb->top = tb->sel;
}

int tui_table_key(struct tui_table *tb, struct tui_in in, int page)
{
	size_t step = page > 1 ? (size_t)page - 1 : 1;

	if (tb->nrows == 0)
		return -1;
	if ((in.is_key && in.ch == KEY_DOWN) || (!in.is_key && in.ch == 'j'))
		tb->sel += tb->sel + 1 < tb->nrows;
	else if ((in.is_key && in.ch == KEY_UP) || (!in.is_key && in.ch == 'k'))
		tb->sel -= tb->sel > 0;
	else if (in.is_key && in.ch == KEY_NPAGE)
		tb->sel = tb->sel + step < tb->nrows ? tb->sel + step : tb->nrows - 1;
	else if (in.is_key && in.ch == KEY_PPAGE)
		tb->sel = tb->sel > step ? tb->sel - step : 0;
	else if (in.is_key && in.ch == KEY_HOME)
		tb->sel = 0;
	else if (in.is_key && in.ch == KEY_END)
		tb->sel = tb->nrows - 1;
	else
		return -1;
	return TUI_REDRAW;
}
