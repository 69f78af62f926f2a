#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ratelimit.h"
#include "xmalloc.h"

/*
 * A plain array: the table is small (a few thousand keys at most) and
 * each look-up is dwarfed by the password hash it guards.
 */
struct ratelimit_entry {
	char *key;
	time_t last;   /* the last failure */
	time_t until;  /* may try again from then */
	time_t forget; /* forgotten from then */
	int failures;
};

struct ratelimit {
	struct ratelimit_entry *e;
	size_t n, max;
};

struct ratelimit *
ratelimit_new(size_t max_keys)
{
	struct ratelimit *rl = xcalloc(1, sizeof *rl);

	rl->max = max_keys > 0 ? max_keys : 1;
	rl->e = xcalloc(rl->max, sizeof *rl->e);
	return rl;
}

void
ratelimit_free(struct ratelimit *rl)
{
	size_t i;

	if (rl == NULL)
		return;
	for (i = 0; i < rl->n; i++)
		free(rl->e[i].key);
	free(rl->e);
	free(rl);
}

static void
ratelimit_remove(struct ratelimit *rl, size_t i)
{
	free(rl->e[i].key);
	rl->e[i] = rl->e[--rl->n];
}

static int
ratelimit_expired(const struct ratelimit_entry *e, time_t now)
{
	return now >= e->forget && now >= e->until;
}

static struct ratelimit_entry *
ratelimit_find(struct ratelimit *rl, const char *key, time_t now)
{
	size_t i;

	for (i = 0; i < rl->n; i++) {
		if (strcmp(rl->e[i].key, key) != 0)
			continue;
		if (ratelimit_expired(&rl->e[i], now)) {
			ratelimit_remove(rl, i);
			return NULL;
		}
		return &rl->e[i];
	}
	return NULL;
}

int
ratelimit_wait(struct ratelimit *rl, const char *key, time_t now)
{
	struct ratelimit_entry *e = ratelimit_find(rl, key, now);

	if (e == NULL || now >= e->until)
		return 0;
	return (int)(e->until - now);
}

int
ratelimit_failures(struct ratelimit *rl, const char *key, time_t now)
{
	struct ratelimit_entry *e = ratelimit_find(rl, key, now);

	return e != NULL ? e->failures : 0;
}

/* Room for one more key: expired ones go first, then the stalest. */
static void
ratelimit_make_room(struct ratelimit *rl, time_t now)
{
	size_t i, oldest = 0;

	for (i = 0; i < rl->n;) {
		if (ratelimit_expired(&rl->e[i], now))
			ratelimit_remove(rl, i);
		else
			i++;
	}
	if (rl->n < rl->max)
		return;
	for (i = 1; i < rl->n; i++) {
		if (rl->e[i].last < rl->e[oldest].last)
			oldest = i;
	}
	ratelimit_remove(rl, oldest);
}

/* first_s doubled for each failure past the free ones, at most max_s. */
static int
ratelimit_delay(int failures, const struct ratelimit_policy *p)
{
	long long d;
	int k;

	if (failures <= p->free)
		return 0;
	d = p->first_s;
	for (k = failures - p->free - 1; k > 0 && d < p->max_s; k--)
		d *= 2;
	return (int)(d < p->max_s ? d : p->max_s);
}

int
ratelimit_fail(struct ratelimit *rl, const char *key, time_t now,
    const struct ratelimit_policy *p)
{
	struct ratelimit_entry *e = ratelimit_find(rl, key, now);
	int delay;

	if (e == NULL) {
		if (rl->n == rl->max)
			ratelimit_make_room(rl, now);
		e = &rl->e[rl->n++];
		memset(e, 0, sizeof *e);
		e->key = xstrdup(key);
	}
	e->failures++;
	delay = ratelimit_delay(e->failures, p);
	e->last = now;
	e->until = now + delay;
	e->forget = now + p->forget_s;
	return delay;
}

void
ratelimit_clear(struct ratelimit *rl, const char *key)
{
	size_t i;

	for (i = 0; i < rl->n; i++) {
		if (strcmp(rl->e[i].key, key) == 0) {
			ratelimit_remove(rl, i);
			return;
		}
	}
}

size_t
ratelimit_count(struct ratelimit *rl)
{
	return rl->n;
}
