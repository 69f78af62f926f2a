/*
 * The categories each patrold keeps for call intake (category_cache.h).
 * A handful of rows: a short array searched in order, bounded.
 */
#include <stdlib.h>
#include <string.h>

#include "category_cache.h"
#include "store_requests.h"
#include "store_result.h"
#include "xmalloc.h"

/* More categories than a city has; beyond, they are read each time. */
#define CATEGORY_CACHE_MAX 256

struct category_entry {
	char *code;
	json_t *cat; /* parsed once */
};

struct category_cache {
	struct db *db;
	/* Bumped at every change notified: reads begun before it are stale. */
	unsigned long generation;
	struct category_entry *entries;
	size_t n;
};

struct category_read {
	struct category_cache *cc;
	unsigned long generation;
	int listening; /* the listener was up when the read began */
	char *code;
	category_cb cb;
	void *arg;
};

static void
category_cache_clear(struct category_cache *cc)
{
	size_t i;

	for (i = 0; i < cc->n; i++) {
		free(cc->entries[i].code);
		json_decref(cc->entries[i].cat);
	}
	cc->n = 0;
}

static void
category_cache_changed_cb(const char *channel, const char *payload, void *arg)
{
	struct category_cache *cc = arg;

	(void)channel;
	(void)payload; /* NULL after a reconnect: anything may have changed */
	cc->generation++;
	category_cache_clear(cc);
}

static void
category_cache_read_cb(struct db_result *r, void *arg)
{
	struct category_read *rd = arg;
	struct category_cache *cc = rd->cc;
	json_t *cat;

	if (r->status != DB_OK) {
		rd->cb(r, NULL, rd->arg);
		goto out;
	}
	cat = store_result_json(r->res);
	/* Kept only when no change can have been missed since it began. */
	if (cat != NULL && rd->listening && db_listening(cc->db) &&
	    rd->generation == cc->generation && cc->n < CATEGORY_CACHE_MAX) {
		cc->entries[cc->n].code = xstrdup(rd->code);
		cc->entries[cc->n].cat = json_incref(cat);
		cc->n++;
	}
	rd->cb(NULL, cat, rd->arg);
out:
	free(rd->code);
	free(rd);
}

void
category_cache_get(
    struct category_cache *cc, const char *code, category_cb cb, void *arg)
{
	struct category_read *rd;
	size_t i;

	if (db_listening(cc->db)) {
		for (i = 0; i < cc->n; i++) {
			if (strcmp(cc->entries[i].code, code) == 0) {
				cb(NULL, json_incref(cc->entries[i].cat), arg);
				return;
			}
		}
	}
	rd = xcalloc(1, sizeof *rd);
	rd->cc = cc;
	rd->generation = cc->generation;
	rd->listening = db_listening(cc->db);
	rd->code = xstrdup(code);
	rd->cb = cb;
	rd->arg = arg;
	store_category_get(cc->db, code, category_cache_read_cb, rd);
}

struct category_cache *
category_cache_start(struct db *db, char **cause)
{
	struct category_cache *cc = xcalloc(1, sizeof *cc);

	cc->db = db;
	cc->entries = xcalloc(CATEGORY_CACHE_MAX, sizeof *cc->entries);
	if (db_listen(db, STORE_CATEGORIES_CHANNEL, category_cache_changed_cb,
	        cc, cause) != 0) {
		free(cc->entries);
		free(cc);
		return NULL;
	}
	return cc;
}

void
category_cache_stop(struct category_cache *cc)
{
	if (cc == NULL)
		return;
	category_cache_clear(cc);
	free(cc->entries);
	free(cc);
}
