/*
 * Loading the address index (see geocoder.h). A load reads the towns,
 * then the blocks, builds a new index and swaps it in; callers waiting
 * meanwhile are answered in order. A notification during a load asks
 * for another load once it ends.
 */
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "addr.h"
#include "db.h"
#include "geocoder.h"
#include "log.h"
#include "store_addresses.h"
#include "xmalloc.h"

struct waiter {
	geocoder_cb cb;
	void *arg;
	struct waiter *next;
};

/* The pool to read from comes with each use (geocoder_with_index). */
struct geocoder {
	struct addr_index *idx;     /* current, or NULL before the first load */
	struct addr_index *loading; /* being filled */
	int stale;                  /* a change was announced */
	int busy;
	struct waiter *head, **tail;
};

static struct geocoder gc;

static void geocoder_load(struct db *);

static void
geocoder_answer(void)
{
	struct waiter *w;

	while ((w = gc.head) != NULL && !gc.busy) {
		gc.head = w->next;
		if (gc.head == NULL)
			gc.tail = &gc.head;
		w->cb(gc.idx, w->arg);
		free(w);
	}
}

static void
geocoder_done(struct db *db, int ok)
{
	if (ok) {
		addr_index_build(gc.loading);
		addr_index_free(gc.idx);
		gc.idx = gc.loading;
		log_info("event=addresses_loaded towns=%zu blocks=%zu "
		         "orphan_blocks=%zu",
		    addr_index_towns(gc.idx), addr_index_blocks(gc.idx),
		    addr_index_orphans(gc.idx));
	} else
		addr_index_free(gc.loading);
	gc.loading = NULL;
	gc.busy = 0;
	if (ok && gc.stale && gc.head != NULL) {
		geocoder_load(db);
		return;
	}
	if (!ok)
		gc.stale = 1; /* the next caller tries again */
	geocoder_answer();
}

/* A load's query failed: says so and ends the load. */
static int
geocoder_failed(struct db_result *r, const char *what, struct db *db)
{
	if (r->status == DB_OK)
		return 0;
	log_warnx("event=addresses_load_failed what=%s error=%s", what,
	    log_q(r->error));
	geocoder_done(db, 0);
	return 1;
}

static void
geocoder_blocks_cb(struct db_result *r, void *arg)
{
	struct addr_block_row b;
	int i;

	if (geocoder_failed(r, "blocks", arg))
		return;
	for (i = 0; store_addr_block_row(r->res, i, &b); i++)
		addr_index_add_block(gc.loading, &b);
	geocoder_done(arg, 1);
}

static void
geocoder_towns_cb(struct db_result *r, void *arg)
{
	struct addr_town_row t;
	int i;

	if (geocoder_failed(r, "towns", arg))
		return;
	for (i = 0; store_addr_town_row(r->res, i, &t); i++)
		addr_index_add_town(gc.loading, &t);
	store_addr_blocks_load(arg, geocoder_blocks_cb, arg);
}

static void
geocoder_load(struct db *db)
{
	gc.busy = 1;
	gc.stale = 0;
	gc.loading = addr_index_new();
	store_addr_towns_load(db, geocoder_towns_cb, db);
}

static void
geocoder_changed_cb(const char *channel, const char *payload, void *arg)
{
	(void)channel;
	(void)payload;
	(void)arg;
	gc.stale = 1;
}

int
geocoder_start(struct db *db, char **cause)
{
	memset(&gc, 0, sizeof gc);
	gc.stale = 1;
	gc.tail = &gc.head;
	return db_listen(
	    db, STORE_ADDRESSES_CHANNEL, geocoder_changed_cb, NULL, cause);
}

void
geocoder_stop(void)
{
	struct waiter *w;

	while ((w = gc.head) != NULL) {
		gc.head = w->next;
		free(w);
	}
	addr_index_free(gc.idx);
	gc.idx = NULL;
}

void
geocoder_with_index(struct db *db, geocoder_cb cb, void *arg)
{
	struct waiter *w;

	if (!gc.stale && !gc.busy && gc.idx != NULL) {
		cb(gc.idx, arg);
		return;
	}
	w = xcalloc(1, sizeof *w);
	w->cb = cb;
	w->arg = arg;
	*gc.tail = w;
	gc.tail = &w->next;
	if (!gc.busy)
		geocoder_load(db);
}
