#include <string.h>

#include "warroom/severity.h"

static const char *const names[] = { "none", "info", "warn", "hard", "off" };

const char *wr_severity_name(enum wr_severity s)
{
	return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "?";
}

int wr_severity_parse(const char *s, enum wr_severity *out)
{
	for (int i = WR_SEV_INFO; i <= WR_SEV_OFF; i++)
		if (strcmp(s, names[i]) == 0) {
			*out = (enum wr_severity)i;
			return 0;
		}
	return -1;
}
