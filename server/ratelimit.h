/*
 * Failure counting for log-in attempts, in memory: at most `limit` failures
 * per key (a user name, a client address) in a window that starts with the
 * first failure. Pure bookkeeping, no I/O, time passed in, so it can be
 * tested without waiting. A table that is full forgets expired keys first,
 * then the oldest.
 */
#ifndef PATROL_RATELIMIT_H
#define PATROL_RATELIMIT_H

#include <stddef.h>
#include <time.h>

struct ratelimit;

struct ratelimit *ratelimit_new(size_t max_keys);
void ratelimit_free(struct ratelimit *);
/*
 * Seconds until key may try again (0: it may now) when it may fail at most
 * limit times per window (the window_s given to its first failure).
 */
int ratelimit_wait(struct ratelimit *, const char *key, time_t now, int limit);
/* Counts one failure of key. */
void ratelimit_fail(
    struct ratelimit *, const char *key, time_t now, int window_s);
/* Forgets key (after a success). */
void ratelimit_clear(struct ratelimit *, const char *key);
/* Keys held, for tests. */
size_t ratelimit_count(struct ratelimit *);

#endif
