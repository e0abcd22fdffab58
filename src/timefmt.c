#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "warroom/timefmt.h"

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (H. Hinnant's days_from_civil); avoids timegm, which is not standard C. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

static int days_in_month(int y, int m)
{
	static const int dim[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : dim[m - 1];
}

/* Reads exactly n digits at *p. */
static int digits(const char **p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

static int expect(const char **p, const char *any)
{
	if (**p == '\0' || !strchr(any, **p))
		return -1;
	(*p)++;
	return 0;
}

static int parse_zone(const char *p, int *offset, const char *s, struct wr_err *err)
{
	int sign, hh, mm;

	if (*p == 'Z' || *p == 'z') {
		*offset = 0;
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p++ == '-' ? -1 : 1;
		if (digits(&p, 2, &hh) || expect(&p, ":") || digits(&p, 2, &mm) ||
		    hh > 23 || mm > 59)
			return wr_errf(err, WR_EINVAL, "bad zone offset in time \"%s\"", s);
		*offset = sign * (hh * 3600 + mm * 60);
	} else {
		return wr_errf(err, WR_EINVAL,
		               "time \"%s\" has no zone (add Z or an offset like -06:00)", s);
	}
	if (*p != '\0')
		return wr_errf(err, WR_EINVAL, "unexpected text after time \"%s\"", s);
	return WR_OK;
}

int wr_time_parse(const char *s, int64_t *out, struct wr_err *err)
{
	const char *p = s;
	int y, mo, d, h, mi, sec, offset = 0;

	if (digits(&p, 4, &y) || expect(&p, "-") || digits(&p, 2, &mo) ||
	    expect(&p, "-") || digits(&p, 2, &d) || expect(&p, "Tt ") ||
	    digits(&p, 2, &h) || expect(&p, ":") || digits(&p, 2, &mi) ||
	    expect(&p, ":") || digits(&p, 2, &sec))
		return wr_errf(err, WR_EINVAL,
		               "time \"%s\" is not RFC 3339 (YYYY-MM-DDTHH:MM:SS±HH:MM)", s);
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 ||
	    mi > 59 || sec > 60)
		return wr_errf(err, WR_EINVAL, "time \"%s\" is not a real date and time", s);
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return wr_errf(err, WR_EINVAL, "time \"%s\" has an empty fraction", s);
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (parse_zone(p, &offset, s, err) != WR_OK)
		return WR_EINVAL;
	if (sec == 60)
		sec = 59;  /* a leap second sorts with the second before it */
	*out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - offset;
	return WR_OK;
}

void wr_time_format_utc(int64_t t, char out[32])
{
	int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	int64_t rem = t - days * 86400;
	int y, m, d;

	civil_from_days(days, &y, &m, &d);
	snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d,
	         (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
}

int64_t wr_time_now(void)
{
	const char *fake = getenv("WARROOM_NOW");
	int64_t t;

	if (fake && *fake && wr_time_parse(fake, &t, NULL) == WR_OK)
		return t;
	return (int64_t)time(NULL);
}
