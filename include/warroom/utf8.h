/* UTF-8 checks for text that arrives from sources and text that leaves as
 * messages: what a record may hold, and how a key or value is shown to an
 * operator without steering the terminal it is shown on. */
#ifndef WARROOM_UTF8_H
#define WARROOM_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True when buf is well-formed UTF-8 (no overlongs, surrogates or values
 * past U+10FFFF); otherwise *bad is the offset of the first bad byte. */
bool wr_utf8_valid(const char *buf, size_t len, size_t *bad);

/* Length of the longest prefix of s, at most max bytes, that does not cut
 * a character; for messages that must stay valid UTF-8. */
int wr_utf8_prefix(const char *s, size_t max);

/* Length (1..4) of the well-formed character at s, len bytes available,
 * with its code point in *cp; 0 when the bytes there are not UTF-8. */
int wr_utf8_decode(const char *s, size_t len, uint32_t *cp);

/* True for code points that act on a terminal or on the order text is
 * shown in rather than draw a glyph: C0 (U+0000..U+001F), DEL, C1
 * (U+0080..U+009F, U+009B is CSI) and the Unicode Bidi_Control characters
 * (U+061C, U+200E, U+200F, U+202A..U+202E, U+2066..U+2069). */
bool wr_utf8_is_control(uint32_t cp);

/* True when s holds a control character (wr_utf8_is_control); *off is
 * the byte offset of the first and *cp its code point. Bytes that are not
 * UTF-8 are skipped: validity is wr_utf8_valid's question. */
bool wr_utf8_find_control(const char *s, size_t len, size_t *off, uint32_t *cp);

/* Also escape '"' and '\' (a key shown between quotes stays unambiguous). */
#define WR_ESC_QUOTED 1

/* Copies len bytes of s into out (n bytes, always NUL-terminated when
 * n > 0) so it can be shown and stored as TEXT: control characters as
 * \u001b, bytes that are not UTF-8 as \xff, and with WR_ESC_QUOTED '"' and
 * '\' as \" and \\. Cuts only between characters and escapes, and ends a
 * cut text with "...". Returns the length written. */
size_t wr_utf8_escape(char *out, size_t n, const char *s, size_t len, int flags);

#endif
