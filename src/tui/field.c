/* A one-line text editor for PINs, reasons, filters and tallies: appends
 * characters, Backspace removes the last whole character. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"

static int is_backspace(struct tui_in in)
{
	return (in.is_key && in.ch == KEY_BACKSPACE) ||
	       (!in.is_key && (in.ch == 127 || in.ch == 8));
}

int tui_field_key(struct tui_field *f, struct tui_in in)
{
	char mb[MB_LEN_MAX];
	mbstate_t st;
	size_t k;

	if (is_backspace(in)) {
		/* step back over UTF-8 continuation bytes */
		while (f->len > 0 && ((unsigned char)f->buf[f->len - 1] & 0xC0) == 0x80)
			f->len--;
		if (f->len > 0)
			f->len--;
		f->buf[f->len] = '\0';
		return 1;
	}
	if (in.is_key || in.ch < 32 || in.ch == 127 || (in.ch >= 0x80 && in.ch < 0xA0))
		return 0;
	if (f->digits && (in.ch < '0' || in.ch > '9'))
		return 0;
	/* no invisible characters (bidi overrides, zero-width joiners) in
	 * what someone else's console will show */
	if (wcwidth((wchar_t)in.ch) <= 0)
		return 1;
	memset(&st, 0, sizeof st);
	k = wcrtomb(mb, (wchar_t)in.ch, &st);
	if (k == (size_t)-1 || f->len + k >= sizeof f->buf || (f->max && f->len + k > f->max))
		return 1;   /* taken but not stored: the field is full */
	memcpy(f->buf + f->len, mb, k);
	f->len += k;
	f->buf[f->len] = '\0';
	return 1;
}

void tui_field_set(struct tui_field *f, const char *s)
{
	size_t n = strlen(s);

	if (n >= sizeof f->buf)
		n = sizeof f->buf - 1;
	memcpy(f->buf, s, n);
	f->buf[n] = '\0';
	f->len = n;
}

void tui_field_draw(struct tui *t, const struct tui_field *f, int y, int x, int w,
                    int focus)
{
	char shown[sizeof f->buf + 2];
	const char *text = f->buf;
	int tw;

	if (f->masked) {
		size_t n = strlen(f->buf);
		memset(shown, '*', n);
		shown[n] = '\0';
		text = shown;
	}
	/* keep the end, where the cursor is, in view */
	tw = tui_width(text);
	while (tw > w - 1 && *text) {
		text++;
		while ((*text & 0xC0) == 0x80)
			text++;
		tw = tui_width(text);
	}
	tui_put(t, y, x, w, text, focus ? C_SELECT : C_DIM, 1);
	if (focus)
		move(y, x + tw);
}
