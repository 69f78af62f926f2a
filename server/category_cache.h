/*
 * Categories by code for call intake (issue 19): taking a call reads the
 * category (its questions and priority) before the create statement. A
 * category changes rarely, so each patrold keeps what it read until a
 * NOTIFY on STORE_CATEGORIES_CHANNEL (schema/0291's trigger: every change
 * of the table, by anyone, on any instance) or a reconnect of the pool's
 * listening connection says it may have changed. Nothing is kept while
 * the listener is down, and a read that began before a change is not kept.
 */
#ifndef PATROL_CATEGORY_CACHE_H
#define PATROL_CATEGORY_CACHE_H

#include <jansson.h>

#include "db.h"

struct category_cache;

/*
 * The category as store_category_get's JSON object, a reference of the
 * callee's own (NULL: no active category of that code), or err when the
 * read failed (cat NULL then; err lives only during the call).
 */
typedef void (*category_cb)(
    const struct db_result *err, json_t *cat, void *arg);

/* Listens on db; NULL with *cause when it cannot. */
struct category_cache *category_cache_start(struct db *, char **cause);
/* After db_free: a read in flight is answered there. */
void category_cache_stop(struct category_cache *);

/* cb at once when kept, else once read from db. */
void category_cache_get(
    struct category_cache *, const char *code, category_cb, void *arg);

#endif
