/* Sign-in: a user name and a PIN. The role the store gives the user
 * decides which views and keys exist from then on. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"

struct signin {
	struct tui_field name, pin;
	int focus;   /* 0 name, 1 PIN */
};

static void *open_signin(struct tui *t, const char *user)
{
	struct signin *v = calloc(1, sizeof *v);

	if (!v)
		return NULL;
	v->pin.masked = 1;
	if (user && *user) {
		tui_field_set(&v->name, user);
		v->focus = 1;
	}
	tui_status(t, 0, "Sign in with your user name and PIN.");
	return v;
}

static void close_signin(struct tui *t, void *st)
{
	(void)t;
	struct signin *v = st;
	sodium_memzero(v->pin.buf, sizeof v->pin.buf);
	free(v);
}

static void draw_signin(struct tui *t, void *st, int y, int rows)
{
	struct signin *v = st;
	int x = t->cols / 2 - 20;

	y += rows / 2 - 4;
	tui_put(t, y, x, 40, "Caucus night war room", C_TITLE, 1);
	tui_put(t, y + 2, x, 10, "User", v->focus == 0 ? C_KEY : C_NORMAL, 1);
	tui_put(t, y + 3, x, 10, "PIN", v->focus == 1 ? C_KEY : C_NORMAL, 1);
	tui_put(t, y + 5, x, 40, "Enter: next / sign in   Esc: quit", C_DIM, 1);
	/* the focused field last: the cursor stays where it moved */
	tui_field_draw(t, v->focus ? &v->name : &v->pin, y + 2 + !v->focus, x + 10, 30, 0);
	tui_field_draw(t, v->focus ? &v->pin : &v->name, y + 2 + v->focus, x + 10, 30, 1);
	t->cursor = 1;
}

static int sign_in(struct tui *t, struct signin *v)
{
	struct wr_err err;
	int rc = wr_auth_login(t->s, v->name.buf, v->pin.buf, &t->user, &err);

	sodium_memzero(v->pin.buf, sizeof v->pin.buf);
	v->pin.len = 0;
	if (rc != WR_OK)
		return tui_fail(t, &err);
	t->signed_in = 1;
	tui_status(t, 0, "Signed in as %s (%s). ? shows the keys.", t->user.name,
	           wr_role_name(t->user.role));
	return tui_enter(t);
}

static int input_signin(struct tui *t, void *st, struct tui_in in)
{
	struct signin *v = st;

	if (!in.is_key && in.ch == '\n') {
		if (v->focus == 0) {
			v->focus = 1;
			return TUI_REDRAW;
		}
		return sign_in(t, v);
	}
	if ((!in.is_key && in.ch == '\t') ||
	    (in.is_key && (in.ch == KEY_UP || in.ch == KEY_DOWN || in.ch == KEY_BTAB))) {
		v->focus = !v->focus;
		return TUI_REDRAW;
	}
	if (!in.is_key && in.ch == 27)
		return TUI_QUIT;
	return tui_field_key(v->focus ? &v->pin : &v->name, in) ? TUI_REDRAW : TUI_NONE;
}

static const struct tui_key signin_keys[] = {
	{ '\n', "Enter", "sign in", "next field, then sign in", 0, NULL },
	{ 0, NULL, NULL, 0, 0, NULL },
};

const struct view tui_view_signin = {
	"Sign in", 0, open_signin, close_signin, NULL, draw_signin, input_signin, NULL,
	signin_keys,
};
