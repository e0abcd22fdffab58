/* Terminal-facing helpers: colour roles, glyphs with an ASCII fallback,
 * and putting UTF-8 text into a fixed number of columns. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tui.h"

struct scheme {
	short fg, bg;
	attr_t color_attr;   /* added to the pair in colour */
	attr_t mono;         /* the whole look without colour */
};

/* Every role also carries a word or a symbol where it is used, so the
 * monochrome column is enough to tell states apart. */
static const struct scheme schemes[C_ROLES] = {
	[C_NORMAL] = { -1, -1, 0, 0 },
	[C_TITLE] = { COLOR_WHITE, COLOR_BLUE, A_BOLD, A_REVERSE | A_BOLD },
	[C_SELECT] = { COLOR_BLACK, COLOR_CYAN, 0, A_REVERSE },
	[C_FOOTER] = { COLOR_BLACK, COLOR_WHITE, 0, A_REVERSE },
	[C_KEY] = { COLOR_YELLOW, -1, A_BOLD, A_BOLD },
	[C_OK] = { COLOR_GREEN, -1, A_BOLD, A_BOLD },
	[C_ERROR] = { COLOR_WHITE, COLOR_RED, A_BOLD, A_REVERSE | A_BOLD },
	[C_DIM] = { -1, -1, A_DIM, A_DIM },
	[C_HARD] = { COLOR_RED, -1, A_BOLD, A_BOLD | A_UNDERLINE },
	[C_WARN] = { COLOR_YELLOW, -1, 0, A_BOLD },
	[C_INFO] = { COLOR_CYAN, -1, 0, 0 },
	[C_NONE_IN] = { -1, -1, A_DIM, A_DIM },
	[C_PARTIAL] = { COLOR_BLACK, COLOR_CYAN, 0, 0 },
	[C_HELD] = { COLOR_BLACK, COLOR_MAGENTA, 0, A_UNDERLINE },
	[C_FLAGGED] = { COLOR_WHITE, COLOR_RED, A_BOLD, A_BOLD | A_REVERSE },
	[C_APPROVED] = { COLOR_BLACK, COLOR_YELLOW, 0, A_BOLD },
	[C_PUBLISHED] = { COLOR_BLACK, COLOR_GREEN, 0, A_REVERSE },
};

void tui_colors_init(struct tui *t)
{
	if (t->mono)
		return;
	start_color();
	use_default_colors();
	for (int r = 1; r < C_ROLES; r++)
		init_pair((short)r, schemes[r].fg, schemes[r].bg);
}

attr_t tui_attr(const struct tui *t, enum tui_role r)
{
	if (t->mono)
		return schemes[r].mono;
	return r == C_NORMAL ? 0 : (COLOR_PAIR(r) | schemes[r].color_attr);
}

/* Decodes s into at most w columns of wide characters; *cut is set when s
 * did not fit. Undecodable bytes show as '?', so a bad byte never moves
 * the cursor elsewhere. */
static size_t fit(const char *s, int w, wchar_t *out, size_t max, int *used, int *cut)
{
	mbstate_t mb;
	size_t n = 0, len = strlen(s);
	int cols = 0;

	memset(&mb, 0, sizeof mb);
	*cut = 0;
	while (len > 0 && n + 1 < max) {
		wchar_t wc;
		size_t k = mbrtowc(&wc, s, len, &mb);
		int cw;

		if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
			wc = L'?';
			k = 1;
			memset(&mb, 0, sizeof mb);
		}
		cw = wcwidth(wc);
		/* controls and invisible format characters (which could reorder
		 * or hide what the operator reads) show as '?' */
		if (cw < 0 || (cw == 0 && ((wc >= 0x200B && wc <= 0x200F) ||
		                           (wc >= 0x202A && wc <= 0x202E) ||
		                           (wc >= 0x2060 && wc <= 0x206F) ||
		                           wc == 0x061C || wc == 0xFEFF)))
			wc = L'?', cw = 1;
		if (cols + cw > w) {
			*cut = 1;
			break;
		}
		out[n++] = wc;
		cols += cw;
		s += k;
		len -= k;
	}
	*used = cols;
	return n;
}

int tui_width(const char *s)
{
	wchar_t buf[512];
	int used, cut;

	fit(s, 10000, buf, sizeof buf / sizeof buf[0], &used, &cut);
	return used;
}

int tui_put(struct tui *t, int y, int x, int w, const char *s, enum tui_role r, int pad)
{
	wchar_t buf[512];
	int used, cut;
	size_t n;

	if (w <= 0 || y < 0 || y >= t->rows || x >= t->cols)
		return 0;
	if (x + w > t->cols)
		w = t->cols - x;
	n = fit(s ? s : "", w, buf, sizeof buf / sizeof buf[0], &used, &cut);
	if (cut && n > 0) {
		/* make room for the mark that says the text goes on */
		while (n > 0 && used + 1 > w) {
			int cw = wcwidth(buf[--n]);
			used -= cw > 0 ? cw : 1;
		}
		buf[n++] = L'~';
		used++;
	}
	attrset(tui_attr(t, r));
	mvaddnwstr(y, x, buf, (int)n);
	if (pad)
		for (int i = used; i < w; i++)
			addch(' ');
	attrset(A_NORMAL);
	return pad ? w : used;
}

int tui_printf(struct tui *t, int y, int x, int w, enum tui_role r, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return tui_put(t, y, x, w, buf, r, 0);
}

void tui_hline(struct tui *t, int y, int x, int w)
{
	if (y < 0 || y >= t->rows)
		return;
	if (t->ascii)
		mvhline(y, x, '-', w);
	else
		mvhline_set(y, x, WACS_HLINE, w);
}

void tui_bar(struct tui *t, int y, int x, int w, double share, enum tui_role r)
{
	int full = share <= 0 ? 0 : share >= 1 ? w : (int)(share * w + 0.5);

	for (int i = 0; i < w; i++)
		tui_put(t, y, x + i, 1, i < full ? (t->ascii ? "#" : "\u2588")
		        : (t->ascii ? "." : "\u2591"), i < full ? r : C_DIM, 0);
}

const char *tui_spark(const struct tui *t, int level)
{
	static const char *const blocks[8] = {
		"\u2581", "\u2582", "\u2583", "\u2584", "\u2585", "\u2586", "\u2587", "\u2588",
	};
	static const char *const ascii[8] = { "_", ".", "-", "~", "=", "+", "*", "#" };

	level = level < 0 ? 0 : level > 7 ? 7 : level;
	return t->ascii ? ascii[level] : blocks[level];
}

void tui_age(int64_t s, char *out, size_t n)
{
	if (s < 0)
		s = 0;
	if (s < 60)
		snprintf(out, n, "%llds", (long long)s);
	else if (s < 3600)
		snprintf(out, n, "%lldm", (long long)(s / 60));
	else
		snprintf(out, n, "%lldh%02lldm", (long long)(s / 3600),
		         (long long)(s % 3600 / 60));
}
