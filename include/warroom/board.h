/* The supervisors' county board: every county's reporting state for the
 * tile map, statewide progress, the intake's pace, the queue's depth and
 * each validator's pace. Read-only, a handful of aggregate queries in one
 * read transaction, cheap enough to call once a second on a full night. */
#ifndef WARROOM_BOARD_H
#define WARROOM_BOARD_H

#include <stddef.h>
#include <stdint.h>

#include "warroom/err.h"
#include "warroom/store.h"

#define WR_BOARD_WINDOWS 16        /* 15-minute windows: the last four hours */
#define WR_BOARD_WINDOW_SECONDS 900
#define WR_BOARD_USERS 16

/* One word per county. When several are true the later one wins (board.c
 * says why at classify), so a console may sort on the value for urgency. */
enum wr_county_state {
	WR_COUNTY_NONE,       /* no tally in */
	WR_COUNTY_PARTIAL,    /* some in, nothing else notable */
	WR_COUNTY_APPROVED,   /* every precinct approved */
	WR_COUNTY_PUBLISHED,  /* every precinct published */
	WR_COUNTY_HELD,       /* the gate holds approved tallies back */
	WR_COUNTY_FLAGGED,    /* a tally with a warn or hard flag waits for a decision */
};

struct wr_board_county {
	char fips[8];
	char name[64];
	char short_name[16];
	int tile_row, tile_col;  /* -1 when the fixtures place no tile */
	long total;              /* precincts */
	long reported;           /* precincts with any tally, as `warroom status` counts */
	long flagged;            /* precincts whose pending tally has a warn or hard flag */
	long approved;           /* precincts with an approved tally from after the opening */
	long published;          /* precincts with a public number */
	int held;                /* approved precincts, and wr_scorer_gate says closed */
	enum wr_county_state state;
};

struct wr_board_rate {
	char user[33];
	long items;              /* approvals (a hard flag's first too), rejections
	                          * and overrides in (now - 3600, now] */
};

struct wr_board {
	int64_t now;
	size_t ncounties;
	struct wr_board_county *counties;  /* fips order; owned, see wr_board_free */
	long total, reported, approved, published;  /* statewide precincts */
	/* Tallies received per window, oldest first: windows[i] counts those
	 * received in (window_end[i] - 900, window_end[i]], and the last window
	 * ends at now, so it always holds a whole 15 minutes. */
	long windows[WR_BOARD_WINDOWS];
	int64_t window_end[WR_BOARD_WINDOWS];
	long queue;                        /* tallies waiting for a decision */
	int64_t oldest_age;                /* seconds the oldest has waited, 0 none */
	char oldest_sid[129];              /* its submission_id, "" none */
	size_t nrates;
	/* Busiest first, then by name: whoever worked this hour, and every
	 * enabled validator even at 0 (an idle one is worth noticing). */
	struct wr_board_rate rates[WR_BOARD_USERS];
};

/* Fills *out as of now (Unix seconds; pass wr_time_now() for the clock).
 * On success the caller frees it with wr_board_free; on error nothing
 * needs freeing. */
int wr_board_read(struct wr_store *s, int64_t now, struct wr_board *out,
                  struct wr_err *err);
void wr_board_free(struct wr_board *b);

/* "none", "partial", "held", "flagged", "approved", "published". */
const char *wr_county_state_name(enum wr_county_state st);
/* One ASCII character for the tile map, so it reads without colour or
 * UTF-8: ' ' none, '.' partial, 'H' held, '!' flagged, '+' approved,
 * '*' published. */
char wr_county_state_symbol(enum wr_county_state st);

#endif
