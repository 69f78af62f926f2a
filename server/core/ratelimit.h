/*
 * Failed log-ins, in memory, as growing delays (issue 10): per key (a user
 * name, a client address) the first `free` failures cost nothing; each
 * further one makes the key wait first_s, then twice that, and so on up to
 * max_s, before it may try again. No key is ever locked out for longer
 * than max_s, so an attacker cannot keep the real user out, only slow
 * every guesser down. A key is forgotten forget_s after its last failure.
 * Pure bookkeeping, no I/O, time passed in, so it can be tested without
 * waiting. A table that is full forgets expired keys first, then the one
 * that failed longest ago.
 */
#ifndef PATROL_RATELIMIT_H
#define PATROL_RATELIMIT_H

#include <stddef.h>
#include <time.h>

struct ratelimit;

struct ratelimit_policy {
	int free;     /* failures without a delay */
	int first_s;  /* the first delay */
	int max_s;    /* the longest delay */
	int forget_s; /* a key is forgotten this long after its last failure */
};

struct ratelimit *ratelimit_new(size_t max_keys);
void ratelimit_free(struct ratelimit *);
/* Seconds until key may try again (0: it may now). */
int ratelimit_wait(struct ratelimit *, const char *key, time_t now);
/*
 * Counts one failure of key; returns the delay it now has to wait (0 while
 * its failures are within policy->free).
 */
int ratelimit_fail(struct ratelimit *, const char *key, time_t now,
    const struct ratelimit_policy *);
/* Failures counted for key (0 when unknown or forgotten), for tests. */
int ratelimit_failures(struct ratelimit *, const char *key, time_t now);
/* Forgets key (after a success). */
void ratelimit_clear(struct ratelimit *, const char *key);
/* Keys held, for tests. */
size_t ratelimit_count(struct ratelimit *);

#endif
