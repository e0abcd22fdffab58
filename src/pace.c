#include <sodium.h>
#include <stdint.h>
#include <time.h>

#include "warroom/pace.h"

void wr_pause_ms(volatile sig_atomic_t *stop, long ms)
{
	while (ms > 0 && !(stop && *stop)) {
		long slice = ms < 50 ? ms : 50;
		struct timespec ts = { 0, slice * 1000000L };

		nanosleep(&ts, NULL);
		ms -= slice;
	}
}

long wr_backoff_ms(long base, long max, int tries)
{
	long ms = base;

	for (int i = 1; i < tries && ms < max; i++)
		ms *= 2;
	if (ms > max)
		ms = max;
	if (ms < 2)
		return ms;
	return ms / 2 + (long)randombytes_uniform((uint32_t)(ms / 2 + 1));
}
