/*
 * The verdicts of token and session look-ups each patrold keeps
 * (auth_cache.h): a hash table by the SHA-256, chained, with a
 * least-recently-used list; bounded by auth_cache_entries.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>

#include <sodium.h>

#include "auth_cache.h"
#include "log.h"
#include "store_users.h"
#include "xmalloc.h"

#define AUTH_CACHE_KEY 32 /* SHA-256 */

struct auth_entry {
	unsigned char key[AUTH_CACHE_KEY];
	int session; /* a session's verdict, else a bearer token's */
	struct auth_user user;
	double until;                /* monotonic seconds */
	struct auth_entry *next;     /* in its bucket */
	TAILQ_ENTRY(auth_entry) lru; /* most recently used first */
};

TAILQ_HEAD(auth_lru, auth_entry);

struct auth_cache {
	struct db *db;
	int max;
	int ttl_s;
	/* Bumped at every change notified: look-ups begun before are stale. */
	unsigned long generation;
	struct auth_entry **buckets;
	size_t nbuckets; /* a power of two */
	size_t n;
	struct auth_lru lru;
	unsigned long long hits;
};

static double
auth_cache_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * The hash as stored (64 hex digits) to its 32 bytes; -1 if not. The
 * digits are libsodium's, as auth_token_hash wrote them.
 */
static int
auth_cache_key(const char *hex, unsigned char key[AUTH_CACHE_KEY])
{
	const char *end;
	size_t len;

	if (sodium_hex2bin(
	        key, AUTH_CACHE_KEY, hex, strlen(hex), NULL, &len, &end) != 0 ||
	    len != AUTH_CACHE_KEY || *end != '\0')
		return -1;
	return 0;
}

/*
 * The key is a SHA-256 of a random secret, and only keys of real tokens
 * and sessions are kept: its first bytes are as good as any hash.
 */
static struct auth_entry **
auth_cache_bucket(struct auth_cache *ac, const unsigned char key[])
{
	size_t h = (size_t)key[0] | (size_t)key[1] << 8 | (size_t)key[2] << 16 |
	    (size_t)key[3] << 24;

	return &ac->buckets[h & (ac->nbuckets - 1)];
}

static void
auth_cache_unlink(struct auth_cache *ac, struct auth_entry *e)
{
	struct auth_entry **pp = auth_cache_bucket(ac, e->key);

	while (*pp != e)
		pp = &(*pp)->next;
	*pp = e->next;
	TAILQ_REMOVE(&ac->lru, e, lru);
	ac->n--;
	sodium_memzero(e, sizeof *e); /* the CSRF token among it */
	free(e);
}

static struct auth_entry *
auth_cache_find(struct auth_cache *ac, int session, const unsigned char key[])
{
	struct auth_entry *e;

	for (e = *auth_cache_bucket(ac, key); e != NULL; e = e->next) {
		if (e->session == session &&
		    memcmp(e->key, key, AUTH_CACHE_KEY) == 0)
			return e;
	}
	return NULL;
}

/* Forgets user_id's verdicts, or all of them when user_id is 0. */
static void
auth_cache_forget(struct auth_cache *ac, long long user_id)
{
	struct auth_entry *e, *next;

	for (e = TAILQ_FIRST(&ac->lru); e != NULL; e = next) {
		next = TAILQ_NEXT(e, lru);
		if (user_id == 0 || e->user.id == user_id)
			auth_cache_unlink(ac, e);
	}
}

static void
auth_cache_changed_cb(const char *channel, const char *payload, void *arg)
{
	struct auth_cache *ac = arg;
	long long id = 0;
	char *end;

	(void)channel;
	/* NULL after a reconnect, '' for a TRUNCATE: anything may have. */
	if (payload != NULL && *payload != '\0') {
		id = strtoll(payload, &end, 10);
		if (*end != '\0' || id <= 0)
			id = 0;
	}
	if (++ac->generation == 0)
		ac->generation = 1; /* 0 is the ticket "do not keep" */
	if (payload == NULL && ac->n > 0)
		log_info("event=auth_cache_dropped entries=%zu "
		         "reason=listener_reconnected",
		    ac->n);
	auth_cache_forget(ac, id);
}

int
auth_cache_get(struct auth_cache *ac, int session, const char hash_hex[65],
    struct auth_user *u)
{
	unsigned char key[AUTH_CACHE_KEY];
	struct auth_entry *e;

	if (ac->n == 0 || auth_cache_key(hash_hex, key) != 0)
		return 0;
	if (!db_listening(ac->db))
		return 0;
	if ((e = auth_cache_find(ac, session, key)) == NULL)
		return 0;
	if (e->until <= auth_cache_now()) {
		auth_cache_unlink(ac, e);
		return 0;
	}
	TAILQ_REMOVE(&ac->lru, e, lru);
	TAILQ_INSERT_HEAD(&ac->lru, e, lru);
	*u = e->user;
	ac->hits++;
	return 1;
}

unsigned long
auth_cache_begin(struct auth_cache *ac)
{
	if (ac->max == 0 || !db_listening(ac->db))
		return 0;
	return ac->generation;
}

void
auth_cache_put(struct auth_cache *ac, unsigned long ticket, int session,
    const char hash_hex[65], const struct auth_user *u, double left_s)
{
	unsigned char key[AUTH_CACHE_KEY];
	struct auth_entry *e, **b;
	double ttl = ac->ttl_s;

	/* Kept only when no change can have been missed since it began. */
	if (ticket == 0 || ticket != ac->generation || !db_listening(ac->db) ||
	    auth_cache_key(hash_hex, key) != 0)
		return;
	if (left_s >= 0 && left_s < ttl)
		ttl = left_s;
	if (ttl <= 0)
		return;
	if ((e = auth_cache_find(ac, session, key)) != NULL)
		auth_cache_unlink(ac, e);
	if (ac->n >= (size_t)ac->max)
		auth_cache_unlink(ac, TAILQ_LAST(&ac->lru, auth_lru));
	e = xcalloc(1, sizeof *e);
	memcpy(e->key, key, sizeof key);
	e->session = session;
	e->user = *u;
	e->until = auth_cache_now() + ttl;
	b = auth_cache_bucket(ac, key);
	e->next = *b;
	*b = e;
	TAILQ_INSERT_HEAD(&ac->lru, e, lru);
	ac->n++;
}

struct auth_cache *
auth_cache_start(struct db *db, int entries, int ttl_s, char **cause)
{
	struct auth_cache *ac = xcalloc(1, sizeof *ac);

	ac->db = db;
	ac->max = entries > 0 ? entries : 0;
	ac->ttl_s = ttl_s;
	ac->generation = 1;
	/* About one entry a bucket when full. */
	for (ac->nbuckets = 16; ac->nbuckets < (size_t)ac->max;)
		ac->nbuckets *= 2;
	ac->buckets = xcalloc(ac->nbuckets, sizeof *ac->buckets);
	TAILQ_INIT(&ac->lru);
	if (ac->max > 0 &&
	    db_listen(db, STORE_AUTH_CHANNEL, auth_cache_changed_cb, ac,
	        cause) != 0) {
		free(ac->buckets);
		free(ac);
		return NULL;
	}
	return ac;
}

void
auth_cache_stop(struct auth_cache *ac)
{
	if (ac == NULL)
		return;
	log_info(
	    "event=auth_cache_stopped entries=%zu hits=%llu", ac->n, ac->hits);
	auth_cache_forget(ac, 0);
	free(ac->buckets);
	free(ac);
}
