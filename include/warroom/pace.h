/* Waiting between tries, shared by the loops that talk to servers (the
 * pusher, the feed puller): a wait a stop request cuts short, and an
 * exponential backoff with jitter. */
#ifndef WARROOM_PACE_H
#define WARROOM_PACE_H

#include <signal.h>

/* Sleeps ms in short slices; returns early once *stop is set (stop may be
 * NULL). */
void wr_pause_ms(volatile sig_atomic_t *stop, long ms);

/* The wait before try number tries + 1: base doubled per failed try,
 * capped at max, then drawn from its upper half so processes that failed
 * together do not retry together. */
long wr_backoff_ms(long base, long max, int tries);

#endif
