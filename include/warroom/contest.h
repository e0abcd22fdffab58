/* The contest on the ballot tonight and its candidates, in ballot order.
 * Parsers and rules index candidates by position rather than by id. */
#ifndef WARROOM_CONTEST_H
#define WARROOM_CONTEST_H

#include <stddef.h>
#include <stdint.h>

#include "warroom/err.h"
#include "warroom/store.h"

#define WR_MAX_CANDIDATES 32
#define WR_ID_MAX 64

struct wr_candidate {
	char id[WR_ID_MAX];
	char name[128];
};

struct wr_contest {
	char id[WR_ID_MAX];
	char name[160];
	char state[8];
	int64_t opens_at;   /* Unix seconds; tallies reported earlier are test data */
	char date[11];      /* the caucus date, YYYY-MM-DD, as opens_at gives it */
	char issuer[128];   /* who publishes the results; "" when the file names none */
	char issuer_abbrev[16];
	char party[64];     /* the party whose caucus this is; "" when not named */
	size_t ncand;
	struct wr_candidate cand[WR_MAX_CANDIDATES];
};

/* Reads the contest loaded by `warroom init`. WR_ENOTFOUND when none is. */
int wr_contest_load(struct wr_store *s, struct wr_contest *c, struct wr_err *err);

/* Loads contest.json ({id, name, state, opens_at, candidates: [{id, name}]})
 * into the store inside the caller's transaction. A store holds one contest:
 * loading a different one is refused. */
int wr_contest_file_load(struct wr_store *s, const char *path, long *ncand,
                         struct wr_err *err);

/* Position of candidate id, or -1. */
int wr_contest_find(const struct wr_contest *c, const char *id);

#endif
