#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "warroom/err.h"

void wr_err_clear(struct wr_err *e)
{
	if (e) {
		e->field[0] = '\0';
		e->msg[0] = '\0';
	}
}

int wr_errf(struct wr_err *e, int rc, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return rc;
	e->field[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	return rc;
}

int wr_err_field(struct wr_err *e, int rc, const char *field, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!e)
		return rc;
	snprintf(e->field, sizeof e->field, "%s", field);
	/* The field leads the message so an operator reads where before what. */
	n = snprintf(e->msg, sizeof e->msg, "%s: ", e->field);
	va_start(ap, fmt);
	vsnprintf(e->msg + n, sizeof e->msg - (size_t)n, fmt, ap);
	va_end(ap);
	return rc;
}
