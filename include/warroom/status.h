/* How far the night has come: precincts reported statewide and per county,
 * and where every stored record stands. Read-only. */
#ifndef WARROOM_STATUS_H
#define WARROOM_STATUS_H

#include <stddef.h>

#include "warroom/err.h"
#include "warroom/store.h"

struct wr_county_status {
	char fips[8];
	char name[64];
	long precincts_total;
	long precincts_reported;
};

struct wr_state_count {
	char state[24];
	long count;
};

struct wr_status {
	long precincts_total;
	long precincts_reported;
	long submissions;
	long quarantined;
	size_t nstates;
	struct wr_state_count states[16];   /* submissions per review state */
	size_t ncounties;
	struct wr_county_status *counties;  /* owned; freed by wr_status_free */
};

int wr_status_read(struct wr_store *s, struct wr_status *out, struct wr_err *err);
void wr_status_free(struct wr_status *st);
/* Submissions in state, 0 when none. */
long wr_status_state(const struct wr_status *st, const char *state);

#endif
