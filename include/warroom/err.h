/* Error reporting shared by every module: functions return 0 or a negative
 * wr_rc and fill a struct wr_err whose message names the record and field,
 * so the caller decides how to show it (stderr, status line, quarantine). */
#ifndef WARROOM_ERR_H
#define WARROOM_ERR_H

#include <stddef.h>

enum wr_rc {
	WR_OK = 0,
	WR_EINVAL = -1,   /* the input is wrong; the message says where */
	WR_ESTORE = -2,   /* the database failed */
	WR_EIO = -3,      /* a file or stream could not be read or written */
	WR_ECONFLICT = -4,
	WR_ENOTFOUND = -5,
	WR_EAUTH = -6,     /* wrong PIN, unknown or disabled user, locked out */
	WR_EPERM = -7,     /* the user's role or the item's state forbids it */
	WR_ECLAIMED = -8,  /* another user holds the item's claim */
};

#define WR_ERR_FIELD_MAX 64

/* field and msg are always valid UTF-8 without control characters
 * (wr_utf8_is_control), whatever was formatted into them: messages reach
 * terminals, the console and TEXT columns. Echo record text through
 * wr_utf8_escape(..., WR_ESC_QUOTED) first so quotes and backslashes in
 * it stay unambiguous; the escaping here is the net under that. */
struct wr_err {
	char field[WR_ERR_FIELD_MAX];  /* the offending field, "" when not about one */
	char msg[448];
};

void wr_err_clear(struct wr_err *e);
/* Sets the message; returns rc so callers can `return wr_errf(...)`. */
int wr_errf(struct wr_err *e, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Same, naming a field as well. */
int wr_err_field(struct wr_err *e, int rc, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
