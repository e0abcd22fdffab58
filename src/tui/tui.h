/* The console's insides, shared by its views (src/tui/view_*.c) and its
 * widgets. Layers, as in htop: screen.c (terminal, colour roles, glyphs,
 * text that fits) -> table.c and field.c (widgets) -> console.c (the one
 * loop, the view stack, global keys, help, status line) -> one file per
 * view. Views read the store only through core modules and never draw
 * outside their draw callback: a key handler returns flags, the loop
 * paints once per pass. */
#ifndef WARROOM_TUI_H
#define WARROOM_TUI_H

#include <curses.h>
#include <stddef.h>
#include <stdint.h>
#include <wchar.h>

#include "warroom/auth.h"
#include "warroom/err.h"
#include "warroom/review.h"
#include "warroom/store.h"

/* What a handler asks of the loop. */
enum {
	TUI_NONE = 0,
	TUI_REDRAW = 1,
	TUI_RELOAD = 2,   /* the view's data changed: load it again */
	TUI_QUIT = 4,
	TUI_BACK = 8,     /* pop the view stack */
};

/* Named colour roles; the monochrome scheme maps each to attributes. */
enum tui_role {
	C_NORMAL, C_TITLE, C_SELECT, C_FOOTER, C_KEY, C_OK, C_ERROR, C_DIM,
	C_HARD, C_WARN, C_INFO,
	C_NONE_IN, C_PARTIAL, C_HELD, C_FLAGGED, C_APPROVED, C_PUBLISHED,
	C_ROLES
};

/* Role bits for keys and views: who may see them. */
#define R_VALIDATOR (1u << WR_ROLE_VALIDATOR)
#define R_HOTLINE (1u << WR_ROLE_HOTLINE)
#define R_SUPERVISOR (1u << WR_ROLE_SUPERVISOR)
#define R_ADMIN (1u << WR_ROLE_ADMIN)
/* as review.c and unmatched.c allow: admins manage, they do not review */
#define R_REVIEW (R_VALIDATOR | R_SUPERVISOR)
#define R_KEYING (R_HOTLINE | R_SUPERVISOR | R_ADMIN)
#define R_LEAD (R_SUPERVISOR | R_ADMIN)
#define R_ALL (R_REVIEW | R_HOTLINE)

/* A key the console reads: a character or a curses KEY_* code. */
struct tui_in {
	wint_t ch;
	int is_key;   /* ch is a KEY_* code */
};

struct tui;

struct tui_key {
	int key;             /* a character or KEY_* code */
	const char *label;   /* as the footer and help show it */
	const char *hint;    /* a word for the footer; NULL: only in help */
	const char *help;
	unsigned roles;      /* who has the key; 0: everyone */
	int (*fn)(struct tui *t, void *st);
};

struct view {
	const char *name;          /* tab title */
	unsigned roles;            /* who may open it */
	void *(*open)(struct tui *t, const char *arg);   /* NULL: could not */
	void (*close)(struct tui *t, void *st);
	int (*load)(struct tui *t, void *st);            /* re-read the store */
	void (*draw)(struct tui *t, void *st, int y, int rows);
	/* Text entry: offered every key before the key table; returns -1 when
	 * the key is not the view's to take. May be NULL. */
	int (*input)(struct tui *t, void *st, struct tui_in in);
	/* Called on every timer tick (about 4 a second). May be NULL. */
	int (*tick)(struct tui *t, void *st);
	const struct tui_key *keys;   /* ends with a zero key */
};

/* A one-line question in the status line (a reason, a filter, a code);
 * done gets the text, or NULL when the user pressed Esc. */
typedef int (*tui_prompt_fn)(struct tui *t, void *st, const char *text);

struct tui_field {
	char buf[256];     /* UTF-8 */
	size_t len;
	int masked;        /* a PIN: shown as stars */
	int digits;        /* accepts 0-9 only */
	size_t max;        /* bytes it may hold, 0: the buffer's size */
};

#define TUI_STACK 8

struct tui {
	struct wr_store *s;
	struct wr_review *review;
	struct wr_user user;
	int signed_in;
	int rows, cols;
	int mono, ascii;
	int too_small;
	long long data_version;
	int64_t now;                    /* wall clock at this loop pass */
	char status[256];
	int status_err;
	/* the view stack; [0] is a top view reached by Tab */
	const struct view *stack[TUI_STACK];
	void *state[TUI_STACK];
	int depth;
	int help;                       /* the help overlay is up */
	struct {
		int active;
		char label[64];
		struct tui_field f;
		tui_prompt_fn done;
	} prompt;
	const char *db_path;
	int cursor;                     /* a field has focus: show the cursor */
	int64_t last_key;               /* when a key was last pressed */
	/* the main views keep their state (a filter, double entry) while
	 * another is shown; NULL until first opened */
	void *top_state[8];
	int main_kept;                  /* state[0] is one of top_state */
};

/* screen.c */
void tui_colors_init(struct tui *t);
attr_t tui_attr(const struct tui *t, enum tui_role r);
/* Puts UTF-8 text at y,x in at most w columns, padding with spaces when
 * pad; returns the columns used. Text wider than w is cut between
 * characters and ends in "~". */
int tui_put(struct tui *t, int y, int x, int w, const char *s, enum tui_role r, int pad);
int tui_printf(struct tui *t, int y, int x, int w, enum tui_role r, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
void tui_hline(struct tui *t, int y, int x, int w);
/* A bar of width w filled to share (0..1), UTF-8 blocks or '#'. */
void tui_bar(struct tui *t, int y, int x, int w, double share, enum tui_role r);
/* Eight levels of a sparkline: a block character or an ASCII stand-in. */
const char *tui_spark(const struct tui *t, int level);
/* Columns that s takes on screen. */
int tui_width(const char *s);
/* "4m", "1h05m" */
void tui_age(int64_t seconds, char *out, size_t n);

/* field.c: a one-line editor. Returns 1 when it took the key. */
int tui_field_key(struct tui_field *f, struct tui_in in);
void tui_field_set(struct tui_field *f, const char *s);
void tui_field_draw(struct tui *t, const struct tui_field *f, int y, int x, int w,
                    int focus);

/* console.c */
void tui_status(struct tui *t, int error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Shows a core function's failure and returns TUI_REDRAW. */
int tui_fail(struct tui *t, const struct wr_err *err);
int tui_push(struct tui *t, const struct view *v, const char *arg);
/* After sign-in: the role's first view replaces the sign-in screen. */
int tui_enter(struct tui *t);
void tui_ask(struct tui *t, const char *label, tui_prompt_fn done);
int tui_has_role(const struct tui *t, unsigned roles);
/* Another view's state when it is on the stack below, else NULL. */
void *tui_below(struct tui *t);

/* table.c: one list widget for every view that shows rows. */
struct tui_col {
	const char *title;
	int width;           /* columns; 0: takes what is left */
	int right;           /* right-aligned (numbers) */
};

struct tui_table {
	const struct tui_col *cols;
	size_t ncols;
	size_t nrows, sel, top;
	/* Fills row r's cell c; returns the colour role of the cell. */
	enum tui_role (*cell)(void *ctx, size_t r, size_t c, char *buf, size_t n);
	void *ctx;
	const char *empty;   /* shown when there are no rows */
};

void tui_table_draw(struct tui *t, struct tui_table *tb, int y, int x, int h, int w);
/* Moves the selection for arrows, j/k, PgUp/PgDn, Home/End. Returns
 * TUI_REDRAW when it took the key, -1 when not. */
int tui_table_key(struct tui_table *tb, struct tui_in in, int page);
/* Keeps the selection on a row after the rows changed. */
void tui_table_clamp(struct tui_table *tb);

/* The views. */
extern const struct view tui_view_signin;
extern const struct view tui_view_queue;
extern const struct view tui_view_detail;
extern const struct view tui_view_unmatched;
extern const struct view tui_view_hotline;
extern const struct view tui_view_board;
extern const struct view tui_view_publish;

#endif
