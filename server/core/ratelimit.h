/*
 * Failed log-ins as growing delays (issue 10): per key (a user name, a
 * client address) the first `free` failures cost nothing; each further one
 * makes the key wait first_s, then twice that, and so on up to max_s,
 * before it may try again. No key is ever locked out for longer than max_s,
 * so an attacker cannot keep the real user out, only slow every guesser
 * down. A key is forgotten forget_s after its last failure (its count
 * starts afresh).
 *
 * Only the arithmetic lives here, pure and with time passed in: the counts
 * themselves are kept in PostgreSQL (login_failures, schema/0170), so every
 * patrold behind a balancer sees the same ones. A key's state is its
 * failure count and the seconds since its last failure.
 */
#ifndef PATROL_RATELIMIT_H
#define PATROL_RATELIMIT_H

struct ratelimit_policy {
	int free;     /* failures without a delay */
	int first_s;  /* the first delay */
	int max_s;    /* the longest delay */
	int forget_s; /* a key is forgotten this long after its last failure */
};

/*
 * The delay `failures` failures set: 0 while within p->free, then first_s
 * doubled for each failure past the free ones, at most max_s.
 */
int ratelimit_delay(int failures, const struct ratelimit_policy *p);
/*
 * Whole seconds a key with `failures`, the last one elapsed_s ago, still
 * has to wait (rounded up; 0: it may try now).
 */
int ratelimit_wait(
    int failures, double elapsed_s, const struct ratelimit_policy *p);
/*
 * Seconds after its last failure from which no key under any of the
 * policies is still waiting or remembered: rows older than this may go.
 */
int ratelimit_expiry_s(
    const struct ratelimit_policy *a, const struct ratelimit_policy *b);

#endif
