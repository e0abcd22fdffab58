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

bool wr_utf8_valid(const char *buf, size_t len, size_t *bad)
{
	const unsigned char *p = (const unsigned char *)buf;
	size_t i = 0;

	while (i < len) {
		unsigned char lo, hi;
		int n = seq(p[i], &lo, &hi);

		if (n == 0 || i + (size_t)n > len)
			goto fail;
		if (n > 1 && (p[i + 1] < lo || p[i + 1] > hi))
			goto fail;
		for (int k = 2; k < n; k++)
			if (p[i + k] < 0x80 || p[i + k] > 0xbf)
				goto fail;
		i += (size_t)n;
	}
	return true;
fail:
	if (bad)
		*bad = i;
	return false;
}

int wr_utf8_prefix(const char *s, size_t max)
{
	size_t n = strnlen(s, max);

	if (n == max && s[n] != '\0')
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	return (int)n;
}
