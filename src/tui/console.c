/* The console's one loop: read a key or wait for a tick, hand the key to
 * the prompt, the help overlay, the view and then the global keys, and
 * paint once per pass when something changed. Live updates come from
 * PRAGMA data_version on the tick, so another process's commit shows
 * within a second without a key press. */
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"
#include "warroom/alloc.h"
#include "warroom/console.h"
#include "warroom/timefmt.h"

#define TICK_MS 250
#define MIN_ROWS 24
#define MIN_COLS 80

/* Set by SIGHUP/SIGTERM/SIGINT; the loop ends within one tick. */
static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

/* An allocation failure exits at once: the terminal comes back first. */
static void restore_terminal(void)
{
	if (!isendwin())
		endwin();
}

/* Tab order; each role sees the ones its bits allow. */
static const struct view *const top_views[] = {
	&tui_view_queue, &tui_view_unmatched, &tui_view_hotline, &tui_view_board,
	&tui_view_publish,
};
#define NTOP (sizeof top_views / sizeof top_views[0])

static int do_help(struct tui *t, void *st);
static int do_back(struct tui *t, void *st);
static int do_redraw(struct tui *t, void *st);
static int do_esc(struct tui *t, void *st);

static const struct tui_key global_keys[] = {
	{ '\t', "Tab", "views", "next view (Shift-Tab: previous)", 0, NULL },
	{ '?', "?", "help", "help: every key of this view", 0, do_help },
	{ 'q', "q", "back/quit", "back; quit from a main view (gives back your claims)", 0, do_back },
	{ 27, "Esc", NULL, "back, or cancel a question (never quits)", 0, do_esc },
	{ 12, "^L", NULL, "redraw the screen", 0, do_redraw },
	{ 0, NULL, NULL, 0, 0, NULL },
};

int tui_has_role(const struct tui *t, unsigned roles)
{
	return roles == 0 || (t->signed_in && (roles & (1u << t->user.role)));
}

void tui_status(struct tui *t, int error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->status, sizeof t->status, fmt, ap);
	va_end(ap);
	t->status_err = error;
}

int tui_fail(struct tui *t, const struct wr_err *err)
{
	tui_status(t, 1, "%s", err->msg);
	return TUI_REDRAW;
}

void tui_ask(struct tui *t, const char *label, tui_prompt_fn done)
{
	memset(&t->prompt, 0, sizeof t->prompt);
	t->prompt.active = 1;
	snprintf(t->prompt.label, sizeof t->prompt.label, "%s", label);
	t->prompt.done = done;
}

void *tui_below(struct tui *t)
{
	return t->depth >= 2 ? t->state[t->depth - 2] : NULL;
}

static void *top_state(struct tui *t)
{
	return t->depth ? t->state[t->depth - 1] : NULL;
}

static const struct view *top_view(struct tui *t)
{
	return t->depth ? t->stack[t->depth - 1] : NULL;
}

int tui_push(struct tui *t, const struct view *v, const char *arg)
{
	void *st;

	if (t->depth == TUI_STACK || !tui_has_role(t, v->roles))
		return TUI_NONE;
	if (!(st = v->open(t, arg)))
		return TUI_REDRAW;   /* open said why in the status line */
	t->stack[t->depth] = v;
	t->state[t->depth++] = st;
	return TUI_REDRAW;
}

/* Closes the view on top (a detail over a list); the view below reads
 * the store again when reload, since the closed one may have changed it. */
static void pop(struct tui *t, int reload)
{
	t->depth--;
	t->stack[t->depth]->close(t, t->state[t->depth]);
	t->help = 0;
	if (reload && t->depth && t->stack[t->depth - 1]->load)
		t->stack[t->depth - 1]->load(t, t->state[t->depth - 1]);
}

static void pop_to_main(struct tui *t)
{
	while (t->depth > 1)
		pop(t, 0);
}

/* Everything, main views included: at the end of the session. */
static void close_all(struct tui *t)
{
	pop_to_main(t);
	if (t->depth && !t->main_kept)
		t->stack[0]->close(t, t->state[0]);
	t->depth = 0;
	for (size_t i = 0; i < NTOP; i++)
		if (t->top_state[i])
			top_views[i]->close(t, t->top_state[i]);
	memset(t->top_state, 0, sizeof t->top_state);
}

/* Shows main view i, opened the first time and kept after that, so a
 * filter, double entry or a half-keyed call survives a look elsewhere. */
static int show_main(struct tui *t, size_t i)
{
	void *st = t->top_state[i];
	int fresh = !st;

	pop_to_main(t);
	if (!st && !(st = top_views[i]->open(t, NULL)))
		return TUI_REDRAW;   /* open said why; the current view stays */
	if (t->depth && !t->main_kept)
		t->stack[0]->close(t, t->state[0]);
	t->top_state[i] = st;
	t->stack[0] = top_views[i];
	t->state[0] = st;
	t->depth = 1;
	t->main_kept = 1;
	if (!fresh && top_views[i]->load)
		top_views[i]->load(t, st);
	return TUI_REDRAW;
}

int tui_enter(struct tui *t)
{
	for (size_t i = 0; i < NTOP; i++) {
		/* supervisors start on the board; everyone else on their work */
		if ((t->user.role == WR_ROLE_SUPERVISOR || t->user.role == WR_ROLE_ADMIN) &&
		    top_views[i] != &tui_view_board)
			continue;
		if (tui_has_role(t, top_views[i]->roles))
			return show_main(t, i);
	}
	return TUI_QUIT;
}

static int switch_view(struct tui *t, int dir)
{
	size_t cur = 0;

	if (!t->signed_in)
		return TUI_NONE;
	for (size_t i = 0; i < NTOP; i++)
		if (t->depth && top_views[i] == t->stack[0])
			cur = i;
	for (size_t k = 1; k <= NTOP; k++) {
		size_t i = (cur + NTOP + (size_t)dir * k) % NTOP;
		if (tui_has_role(t, top_views[i]->roles))
			return show_main(t, i);
	}
	return TUI_NONE;
}

static int do_help(struct tui *t, void *st)
{
	(void)st;
	t->help = !t->help;
	return TUI_REDRAW;
}

static int do_back(struct tui *t, void *st)
{
	(void)st;
	if (t->depth > 1) {
		pop(t, 1);
		return TUI_REDRAW;
	}
	return TUI_QUIT;
}

static int do_esc(struct tui *t, void *st)
{
	return t->depth > 1 ? do_back(t, st) : TUI_NONE;
}

static int do_redraw(struct tui *t, void *st)
{
	(void)st;
	(void)t;
	clearok(curscr, TRUE);
	return TUI_REDRAW;
}

/* ---- painting ---- */

static void paint_header(struct tui *t)
{
	char clock[32];
	int x;

	tui_put(t, 0, 0, t->cols, " warroom", C_TITLE, 1);
	x = 9;
	for (size_t i = 0; i < NTOP && t->signed_in; i++) {
		if (!tui_has_role(t, top_views[i]->roles))
			continue;
		int cur = t->depth && t->stack[0] == top_views[i];
		char name[32];
		snprintf(name, sizeof name, cur ? "[%s]" : " %s ", top_views[i]->name);
		x += tui_put(t, 0, x, t->cols - x, name, cur ? C_SELECT : C_TITLE, 0);
	}
	wr_time_format_utc(t->now, clock);
	if (t->signed_in)
		tui_printf(t, 0, t->cols - 34 > x ? t->cols - 34 : x, 34, C_TITLE, "%s (%s) %.8s",
		           t->user.name, wr_role_name(t->user.role), clock + 11);
}

static int key_shown(const struct tui *t, const struct tui_key *k)
{
	return k->hint && tui_has_role(t, k->roles);
}

static int paint_keys(struct tui *t, const struct tui_key *keys, int x)
{
	for (const struct tui_key *k = keys; k && k->key; k++) {
		if (!key_shown(t, k))
			continue;
		if (x + tui_width(k->label) + tui_width(k->hint) + 3 > t->cols)
			break;
		x += tui_put(t, t->rows - 1, x, t->cols - x, k->label, C_KEY, 0) + 1;
		x += tui_put(t, t->rows - 1, x, t->cols - x, k->hint, C_FOOTER, 0) + 2;
	}
	return x;
}
static void paint_footer(struct tui *t)
{
	const struct view *v = top_view(t);

	tui_put(t, t->rows - 1, 0, t->cols, "", C_FOOTER, 1);
	paint_keys(t, global_keys, paint_keys(t, v ? v->keys : NULL, 1));
	if (t->prompt.active) {
		int w = tui_put(t, t->rows - 2, 0, t->cols, t->prompt.label, C_KEY, 0);
		tui_field_draw(t, &t->prompt.f, t->rows - 2, w + 1, t->cols - w - 1, 1);
		t->cursor = 1;
	} else {
		tui_put(t, t->rows - 2, 0, t->cols, t->status, t->status_err ? C_ERROR : C_OK, 0);
	}
}

static int paint_help_keys(struct tui *t, const struct tui_key *keys, int y, int x, int w)
{
	for (const struct tui_key *k = keys; k && k->key && y < t->rows - 3; k++) {
		if (!tui_has_role(t, k->roles))
			continue;
		tui_put(t, y, x, 8, k->label, C_KEY, 1);
		tui_put(t, y++, x + 8, w - 8, k->help, C_NORMAL, 1);
	}
	return y;
}

/* Generated from the key tables, so help never disagrees with the keys. */
static void paint_help(struct tui *t)
{
	const struct view *v = top_view(t);
	int w = t->cols - 4, y = 2, x = 2;

	for (int i = 1; i < t->rows - 2; i++)
		tui_put(t, i, 0, t->cols, "", C_NORMAL, 1);
	tui_printf(t, 1, 1, t->cols - 2, C_TITLE, " Keys of %s (any key closes this) ",
	           v ? v->name : "");
	y = paint_help_keys(t, v ? v->keys : NULL, y, x, w);
	tui_put(t, y++, x, w, "Everywhere:", C_DIM, 1);
	y = paint_help_keys(t, global_keys, y, x, w);
	tui_put(t, y, x, w, "Lists: arrows or j/k, PgUp/PgDn, Home/End; Enter opens; / filters",
	        C_DIM, 1);
}
static void paint(struct tui *t)
{
	const struct view *v = top_view(t);

	erase();
	t->cursor = 0;
	t->too_small = t->rows < MIN_ROWS || t->cols < MIN_COLS;
	if (t->too_small) {
		mvprintw(0, 0, "warroom needs a terminal of at least %dx%d;", MIN_COLS, MIN_ROWS);
		mvprintw(1, 0, "this one is %dx%d. Enlarge it, or press q to quit.", t->cols,
		         t->rows);
	} else {
		paint_header(t);
		if (v)
			v->draw(t, top_state(t), 1, t->rows - 3);
		paint_footer(t);
		if (t->help)
			paint_help(t);
	}
	curs_set(t->cursor && !t->help ? 1 : 0);
	refresh();
}

/* ---- keys ---- */

static int prompt_key(struct tui *t, struct tui_in in)
{
	tui_prompt_fn done = t->prompt.done;
	char text[sizeof t->prompt.f.buf];

	if (!in.is_key && (in.ch == '\n' || in.ch == 27)) {
		snprintf(text, sizeof text, "%s", t->prompt.f.buf);
		t->prompt.active = 0;
		return TUI_REDRAW | done(t, top_state(t), in.ch == 27 ? NULL : text);
	}
	tui_field_key(&t->prompt.f, in);
	return TUI_REDRAW;
}

static const struct tui_key *find_key(const struct tui *t, const struct tui_key *keys,
                                      struct tui_in in)
{
	for (const struct tui_key *k = keys; k && k->key; k++) {
		/* a wide character may have a KEY_* code's number */
		int match = k->key == (int)in.ch && in.is_key == (k->key >= KEY_MIN);
		if (match && k->fn && tui_has_role(t, k->roles))
			return k;
	}
	return NULL;
}

static int key(struct tui *t, struct tui_in in)
{
	const struct view *v = top_view(t);
	const struct tui_key *k;
	int r;

	/* views that lay text out by width do it again */
	if (in.is_key && in.ch == KEY_RESIZE)
		return TUI_RELOAD;
	t->last_key = t->now;
	/* one Enter for key tables, whatever the terminal sends */
	if ((!in.is_key && in.ch == '\r') || (in.is_key && in.ch == KEY_ENTER))
		in.ch = '\n', in.is_key = 0;
	if (t->prompt.active)
		return prompt_key(t, in);
	if (t->help) {
		t->help = 0;
		return TUI_REDRAW;
	}
	if (t->too_small)
		return !in.is_key && in.ch == 'q' ? TUI_QUIT : TUI_NONE;
	/* a form takes Tab between its fields before Tab switches views */
	if (v && v->input && (r = v->input(t, top_state(t), in)) >= 0)
		return r;
	if (!in.is_key && in.ch == '\t')
		return switch_view(t, 1);
	if (in.is_key && in.ch == KEY_BTAB)
		return switch_view(t, -1);
	if (v && (k = find_key(t, v->keys, in)))
		return k->fn(t, top_state(t));
	if ((k = find_key(t, global_keys, in)))
		return k->fn(t, top_state(t));
	return TUI_NONE;
}

static int tick(struct tui *t)
{
	const struct view *v = top_view(t);
	long long dv = wr_store_data_version(t->s);
	int r = TUI_NONE;
	int64_t was = t->now;

	t->now = wr_time_now();
	if (t->now != was)
		r |= TUI_REDRAW;   /* the clock and the ages move */
	if (dv != t->data_version) {
		t->data_version = dv;
		r |= TUI_RELOAD;
	}
	if (v && v->tick)
		r |= v->tick(t, top_state(t));
	return r;
}

/* Applies a handler's flags; returns 0 when the console should end. */
static int apply(struct tui *t, int r, int *dirty)
{
	const struct view *v = top_view(t);

	if (r & TUI_QUIT)
		return 0;
	if (r & TUI_BACK && t->depth > 1)
		pop(t, !(r & TUI_RELOAD)), *dirty = 1;
	v = top_view(t);
	/* nothing is laid out below the minimum size */
	if ((r & TUI_RELOAD) && v && v->load && t->rows >= MIN_ROWS && t->cols >= MIN_COLS)
		v->load(t, top_state(t));
	if (r & (TUI_REDRAW | TUI_RELOAD | TUI_BACK))
		*dirty = 1;
	return 1;
}

/* ---- input: the terminal or a test script ---- */

struct script {
	const char *p;
	const char *text;   /* what is left of a text: token */
	char text_buf[256];
	FILE *dump;
};

static const struct { const char *name; wint_t ch; int is_key; } names[] = {
	{ "<Enter>", '\n', 0 }, { "<Tab>", '\t', 0 }, { "<BTab>", KEY_BTAB, 1 },
	{ "<Esc>", 27, 0 }, { "<Up>", KEY_UP, 1 }, { "<Down>", KEY_DOWN, 1 },
	{ "<PgUp>", KEY_PPAGE, 1 }, { "<PgDn>", KEY_NPAGE, 1 }, { "<Home>", KEY_HOME, 1 },
	{ "<End>", KEY_END, 1 }, { "<BS>", KEY_BACKSPACE, 1 }, { "<Space>", ' ', 0 },
	{ "<C-l>", 12, 0 },
};

static void dump_screen(struct tui *t, FILE *out)
{
	wchar_t line[1024];
	char mb[8];

	fprintf(out, "----- %dx%d\n", t->cols, t->rows);
	for (int y = 0; y < t->rows; y++) {
		int n = mvinnwstr(y, 0, line, t->cols < 1023 ? t->cols : 1023);
		if (n < 0)
			n = 0;
		while (n > 0 && line[n - 1] == L' ')
			n--;
		for (int i = 0; i < n; i++) {
			mbstate_t st;
			memset(&st, 0, sizeof st);
			size_t k = wcrtomb(mb, line[i], &st);
			fwrite(mb, 1, k == (size_t)-1 ? 0 : k, out);
		}
		fputc('\n', out);
	}
	fflush(out);
}

/* Next scripted input: 1 with *in set, 2 for a tick, 0 at the end. Dumps
 * and resizes are done here. */
static int script_next(struct tui *t, struct script *sc, struct tui_in *in, int *dirty)
{
	char tok[256];
	size_t n;

	if (sc->text && *sc->text) {
		mbstate_t st;
		wchar_t wc;
		size_t k;
		memset(&st, 0, sizeof st);
		k = mbrtowc(&wc, sc->text, strlen(sc->text), &st);
		if (k == 0 || k > 4)
			k = 1, wc = L'?';
		sc->text += k;
		in->ch = (wint_t)wc;
		in->is_key = 0;
		return 1;
	}
	sc->text = NULL;
	sc->p += strspn(sc->p, " \t\n");
	if (!*sc->p)
		return 0;
	n = strcspn(sc->p, " \t\n");
	snprintf(tok, sizeof tok, "%.*s", (int)n, sc->p);
	sc->p += n;
	if (!strncmp(tok, "text:", 5)) {
		/* a text holds no blank, so <Space> stands for one */
		char *o = sc->text_buf;
		for (const char *p = tok + 5; *p && o < sc->text_buf + sizeof sc->text_buf - 1;)
			if (!strncmp(p, "<Space>", 7))
				*o++ = ' ', p += 7;
			else
				*o++ = *p++;
		*o = '\0';
		sc->text = sc->text_buf;
		return script_next(t, sc, in, dirty);
	}
	if (!strcmp(tok, "<tick>"))
		return 2;
	if (!strcmp(tok, "<dump>")) {
		if (*dirty)
			paint(t), *dirty = 0;
		if (sc->dump)
			dump_screen(t, sc->dump);
		return script_next(t, sc, in, dirty);
	}
	if (sscanf(tok, "<resize:%dx%d>", &t->cols, &t->rows) == 2) {
		resizeterm(t->rows, t->cols);
		in->ch = KEY_RESIZE;
		in->is_key = 1;
		return 1;
	}
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (!strcmp(tok, names[i].name)) {
			in->ch = names[i].ch;
			in->is_key = names[i].is_key;
			return 1;
		}
	mbstate_t st;
	wchar_t wc;
	memset(&st, 0, sizeof st);
	if (mbrtowc(&wc, tok, strlen(tok), &st) > 4)
		wc = L'?';
	in->ch = (wint_t)wc;
	in->is_key = 0;
	return 1;
}

static int term_next(struct tui *t, struct tui_in *in)
{
	int r = get_wch(&in->ch);

	if (r == ERR)
		return 2;
	in->is_key = r == KEY_CODE_YES;
	if (in->is_key && in->ch == KEY_RESIZE)
		getmaxyx(stdscr, t->rows, t->cols);
	return 1;
}

static void run_loop(struct tui *t, struct script *sc)
{
	int dirty = 1, go = 1;

	while (go && !stop_signal) {
		struct tui_in in;
		int got;

		if (dirty)
			paint(t), dirty = 0;
		got = sc ? script_next(t, sc, &in, &dirty) : term_next(t, &in);
		if (got == 0)
			break;
		go = apply(t, got == 2 ? tick(t) : key(t, in), &dirty);
	}
}

/* ---- start and end ---- */

static void catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

static SCREEN *start_screen(struct tui *t, const struct wr_console_opts *o, FILE **null)
{
	SCREEN *sc = NULL;

	if (o->script) {
		if (!(*null = fopen("/dev/null", "r+")))
			return NULL;
		sc = newterm("xterm-256color", *null, *null);
		if (!sc)
			return NULL;
		set_term(sc);
		resizeterm(o->rows ? o->rows : 24, o->cols ? o->cols : 80);
	} else {
		/* newterm, unlike initscr, returns rather than exits on failure */
		if (!(sc = newterm(NULL, stdout, stdin)))
			return NULL;
		set_term(sc);
	}
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	timeout(TICK_MS);
	set_escdelay(25);
	getmaxyx(stdscr, t->rows, t->cols);
	t->mono = getenv("NO_COLOR") != NULL || !has_colors();
	t->ascii = getenv("WARROOM_ASCII") != NULL ||
	           strcmp(nl_langinfo(CODESET), "UTF-8") != 0;
	tui_colors_init(t);
	return sc;
}

static void sign_out(struct tui *t)
{
	struct wr_err err;
	long n = 0;

	close_all(t);
	if (t->signed_in && t->review)
		wr_review_release_all(t->review, &t->user, &n, &err);
}

int wr_console_run(const struct wr_console_opts *o, struct wr_err *err)
{
	struct wr_store s;
	struct tui t;
	struct script sc = { o->script, NULL, "", NULL };
	FILE *null = NULL;
	SCREEN *screen;
	int rc;

	setlocale(LC_ALL, "");
	if ((rc = wr_store_open_mode(&s, wr_store_default_path(o->db), 0, err)) != WR_OK)
		return rc;
	memset(&t, 0, sizeof t);
	t.s = &s;
	t.db_path = wr_store_default_path(o->db);
	if ((rc = wr_review_open(&t.review, &s, 0, err)) != WR_OK) {
		wr_store_close(&s);
		return rc;
	}
	if (o->dump && !(sc.dump = fopen(o->dump, "a"))) {
		rc = wr_errf(err, WR_EIO, "cannot write screen dumps to %s", o->dump);
		goto out;
	}
	stop_signal = 0;
	catch_signals();
	if (!(screen = start_screen(&t, o, &null))) {
		rc = wr_errf(err, WR_EIO, o->script ? "cannot open a headless screen"
		             : "cannot use this terminal (is TERM set?)");
		goto out;
	}
	wr_set_fatal_hook(restore_terminal);
	t.now = t.last_key = wr_time_now();
	t.data_version = wr_store_data_version(&s);
	tui_push(&t, &tui_view_signin, o->user);
	run_loop(&t, o->script ? &sc : NULL);
	sign_out(&t);
	endwin();
	wr_set_fatal_hook(NULL);
	if (screen)
		delscreen(screen);
	rc = WR_OK;
out:
	if (null)
		fclose(null);
	if (sc.dump)
		fclose(sc.dump);
	wr_review_close(t.review);
	wr_store_close(&s);
	return rc;
}
