/* How bad a flag is: info is shown, warn and hard put a tally in front of a
 * validator, hard also needs two of them (or a supervisor) to approve. */
#ifndef WARROOM_SEVERITY_H
#define WARROOM_SEVERITY_H

enum wr_severity { WR_SEV_NONE, WR_SEV_INFO, WR_SEV_WARN, WR_SEV_HARD, WR_SEV_OFF };

const char *wr_severity_name(enum wr_severity s);
/* 0 and *out set, or -1 when s is not info, warn, hard or off. */
int wr_severity_parse(const char *s, enum wr_severity *out);

#endif
