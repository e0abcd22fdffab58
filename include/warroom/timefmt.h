/* RFC 3339 times. Tallies carry their reporter's clock with an offset; the
 * store keeps UTC so times from phones in different zones compare. */
#ifndef WARROOM_TIMEFMT_H
#define WARROOM_TIMEFMT_H

#include <stdint.h>

#include "warroom/err.h"

/* Parses "YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)" into Unix seconds. A time
 * without a zone is refused: its meaning depends on whose clock it was. */
int wr_time_parse(const char *s, int64_t *out, struct wr_err *err);

/* Writes "YYYY-MM-DDTHH:MM:SSZ" into out (at least 21 bytes). */
void wr_time_format_utc(int64_t t, char out[32]);

/* Seconds since the epoch; $WARROOM_NOW (RFC 3339) overrides the clock so
 * tests and replays of a past night are reproducible. */
int64_t wr_time_now(void);

#endif
