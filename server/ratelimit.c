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
	time_t first; /* the window's start */
	time_t until; /* first + window */
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

static struct ratelimit_entry *
ratelimit_find(struct ratelimit *rl, const char *key, time_t now)
{
	size_t i;

	for (i = 0; i < rl->n; i++) {
		if (strcmp(rl->e[i].key, key) != 0)
			continue;
		if (now >= rl->e[i].until) {
			ratelimit_remove(rl, i);
			return NULL;
		}
		return &rl->e[i];
	}
	return NULL;
}

int
ratelimit_wait(struct ratelimit *rl, const char *key, time_t now, int limit)
{
	struct ratelimit_entry *e = ratelimit_find(rl, key, now);

	if (e == NULL || e->failures < limit)
		return 0;
	return (int)(e->until - now);
}

/* Room for one more key: expired ones go first, then the oldest. */
static void
ratelimit_make_room(struct ratelimit *rl, time_t now)
{
	size_t i, oldest = 0;

	for (i = 0; i < rl->n;) {
		if (now >= rl->e[i].until)
			ratelimit_remove(rl, i);
		else
			i++;
	}
	if (rl->n < rl->max)
		return;
	for (i = 1; i < rl->n; i++) {
		if (rl->e[i].first < rl->e[oldest].first)
			oldest = i;
	}
	ratelimit_remove(rl, oldest);
}

void
ratelimit_fail(struct ratelimit *rl, const char *key, time_t now, int window_s)
{
	struct ratelimit_entry *e = ratelimit_find(rl, key, now);

	if (e != NULL) {
		e->failures++;
		return;
	}
	if (rl->n == rl->max)
		ratelimit_make_room(rl, now);
	e = &rl->e[rl->n++];
	e->key = xstrdup(key);
	e->first = now;
	e->until = now + window_s;
	e->failures = 1;
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
