/* A growing byte buffer for documents built piece by piece (results JSON,
 * CSV, NIST CDF). Appends never fail: allocation failure is fatal (alloc.h),
 * so render code reads as a straight line of appends. */
#ifndef WARROOM_BUF_H
#define WARROOM_BUF_H

#include <stddef.h>
#include <stdint.h>

struct wr_buf {
	char *p;      /* NUL-terminated while len < cap */
	size_t len, cap;
};

void wr_buf_free(struct wr_buf *b);
void wr_buf_reset(struct wr_buf *b);
void wr_buf_put(struct wr_buf *b, const void *s, size_t n);
void wr_buf_puts(struct wr_buf *b, const char *s);
void wr_buf_printf(struct wr_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void wr_buf_int(struct wr_buf *b, int64_t v);
/* s as a JSON string, quotes included: '"', '\' and control characters
 * escaped, other UTF-8 kept as it is. */
void wr_buf_json_str(struct wr_buf *b, const char *s);
/* s as one RFC 4180 CSV field: quoted when it holds a comma, quote or line end. */
void wr_buf_csv_str(struct wr_buf *b, const char *s);
/* part / whole rounded half up to four decimals, as a JSON number ("0.2412");
 * 0 when whole is 0. Integer arithmetic, so every platform prints the same. */
void wr_buf_share(struct wr_buf *b, int64_t part, int64_t whole);

#endif
