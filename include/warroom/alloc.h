/* Allocation that never returns NULL: running out of memory on caucus night
 * is not recoverable locally, so we exit with a message instead of letting
 * a NULL travel. A fatal hook lets the console restore the terminal first. */
#ifndef WARROOM_ALLOC_H
#define WARROOM_ALLOC_H

#include <stddef.h>

void *wr_xmalloc(size_t n);
void *wr_xcalloc(size_t n, size_t size);
void *wr_xrealloc(void *p, size_t n);
char *wr_xstrdup(const char *s);
char *wr_xstrndup(const char *s, size_t n);

/* Called once before exiting on a fatal error (e.g. endwin). */
void wr_set_fatal_hook(void (*hook)(void));
_Noreturn void wr_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
