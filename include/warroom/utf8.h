#ifndef WARROOM_UTF8_H
#define WARROOM_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* True when buf is well-formed UTF-8 (no overlongs, surrogates or values
 * past U+10FFFF); otherwise *bad is the offset of the first bad byte. */
bool wr_utf8_valid(const char *buf, size_t len, size_t *bad);

/* Length of the longest prefix of s, at most max bytes, that does not cut
 * a character; for messages that must stay valid UTF-8. */
int wr_utf8_prefix(const char *s, size_t max);

#endif
