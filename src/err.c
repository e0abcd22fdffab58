#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "warroom/err.h"
#include "warroom/utf8.h"

/* Formatted text before escaping: larger than msg, so a cut always happens
 * in wr_utf8_escape (between characters, with "...") and never in the
 * middle of a character here. */
#define RAW_MAX (2 * sizeof ((struct wr_err *)0)->msg)

void wr_err_clear(struct wr_err *e)
{
	if (e) {
		e->field[0] = '\0';
		e->msg[0] = '\0';
	}
}

/* Escapes raw into msg: control bytes from a record, a file name or a
 * library's error text must not reach the operator's terminal. */
static void set_msg(struct wr_err *e, const char *raw)
{
	wr_utf8_escape(e->msg, sizeof e->msg, raw, strlen(raw), 0);
}

int wr_errf(struct wr_err *e, int rc, const char *fmt, ...)
{
	char raw[RAW_MAX];
	va_list ap;

	if (!e)
		return rc;
	va_start(ap, fmt);
	if (vsnprintf(raw, sizeof raw, fmt, ap) < 0)
		raw[0] = '\0';
	va_end(ap);
	e->field[0] = '\0';
	set_msg(e, raw);
	return rc;
}

int wr_err_field(struct wr_err *e, int rc, const char *field, const char *fmt, ...)
{
	char raw[RAW_MAX], name[sizeof e->field];
	va_list ap;
	int n;

	if (!e)
		return rc;
	/* Built aside: the arguments may point into e itself. */
	wr_utf8_escape(name, sizeof name, field, strlen(field), 0);
	/* The field leads the message so an operator reads where before what. */
	n = snprintf(raw, sizeof raw, "%s: ", name);
	va_start(ap, fmt);
	if (vsnprintf(raw + n, sizeof raw - (size_t)n, fmt, ap) < 0)
		raw[n] = '\0';
	va_end(ap);
	memcpy(e->field, name, sizeof name);
	set_msg(e, raw);
	return rc;
}
