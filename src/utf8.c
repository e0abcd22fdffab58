#include <stdio.h>
#include <string.h>

#include "warroom/utf8.h"

/* Length of the sequence starting with lead byte b and the allowed range of
 * its second byte (RFC 3629 table 3-7), or 0 for an invalid lead. */
static int seq(unsigned char b, unsigned char *lo, unsigned char *hi)
{
	*lo = 0x80;
	*hi = 0xbf;
	if (b < 0x80)
		return 1;
	if (b >= 0xc2 && b <= 0xdf)
		return 2;
	if (b >= 0xe0 && b <= 0xef) {
		if (b == 0xe0)
			*lo = 0xa0;
		if (b == 0xed)
			*hi = 0x9f;
		return 3;
	}
	if (b >= 0xf0 && b <= 0xf4) {
		if (b == 0xf0)
			*lo = 0x90;
		if (b == 0xf4)
			*hi = 0x8f;
		return 4;
	}
	return 0;
}

int wr_utf8_decode(const char *s, size_t len, uint32_t *cp)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned char lo, hi;
	int n;

	if (len == 0)
		return 0;
	n = seq(p[0], &lo, &hi);
	if (n == 0 || (size_t)n > len)
		return 0;
	if (n > 1 && (p[1] < lo || p[1] > hi))
		return 0;
	/* The lead keeps 7 bits alone, 5, 4 or 3 before continuations. */
	*cp = n == 1 ? p[0] : p[0] & (0x7fu >> n);
	for (int k = 1; k < n; k++) {
		if ((p[k] & 0xc0) != 0x80)
			return 0;
		*cp = *cp << 6 | (p[k] & 0x3fu);
	}
	return n;
}

bool wr_utf8_valid(const char *buf, size_t len, size_t *bad)
{
	size_t i = 0;
	uint32_t cp;

	while (i < len) {
		int n = wr_utf8_decode(buf + i, len - i, &cp);

		if (n == 0) {
			if (bad)
				*bad = i;
			return false;
		}
		i += (size_t)n;
	}
	return true;
}

int wr_utf8_prefix(const char *s, size_t max)
{
	size_t n = strnlen(s, max);

	if (n == max && s[n] != '\0')
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	return (int)n;
}

bool wr_utf8_is_control(uint32_t cp)
{
	if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
		return true;
	/* Bidi_Control: they reorder what the console shows (Trojan Source). */
	return cp == 0x061c || cp == 0x200e || cp == 0x200f ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

bool wr_utf8_find_control(const char *s, size_t len, size_t *off, uint32_t *cp)
{
	size_t i = 0;

	while (i < len) {
		int n = wr_utf8_decode(s + i, len - i, cp);

		if (n > 0 && wr_utf8_is_control(*cp)) {
			*off = i;
			return true;
		}
		i += n > 0 ? (size_t)n : 1;
	}
	return false;
}

/* How the character at s is shown, in rep; *used is how many bytes of s
 * that was. */
static size_t escape_one(char rep[16], const char *s, size_t len, int flags,
                         size_t *used)
{
	uint32_t cp;
	int n = wr_utf8_decode(s, len, &cp);

	if (n == 0) {
		*used = 1;
		return (size_t)snprintf(rep, 16, "\\x%02x", (unsigned char)*s);
	}
	*used = (size_t)n;
	if (wr_utf8_is_control(cp))
		return (size_t)snprintf(rep, 16, "\\u%04x", (unsigned)cp);
	if ((flags & WR_ESC_QUOTED) && (cp == '"' || cp == '\\')) {
		rep[0] = '\\';
		rep[1] = (char)cp;
		return 2;
	}
	memcpy(rep, s, (size_t)n);
	return (size_t)n;
}

size_t wr_utf8_escape(char *out, size_t n, const char *s, size_t len, int flags)
{
	size_t used = 0, mark = 0, i = 0, step;
	char rep[16];

	if (n == 0)
		return 0;
	while (i < len) {
		size_t r = escape_one(rep, s + i, len - i, flags, &step);

		if (used + r > n - 1) {
			/* mark is the last whole unit after which "..." still fits. */
			if (mark + 3 <= n - 1) {
				memcpy(out + mark, "...", 3);
				used = mark + 3;
			}
			break;
		}
		memcpy(out + used, rep, r);
		used += r;
		i += step;
		if (used + 3 <= n - 1)
			mark = used;
	}
	out[used] = '\0';
	return used;
}
