/*
 * A batch of outbox items for one sync request. A batch's items are fixed
 * when it is first built and it keeps its id until the server acknowledged
 * it, so a retry after a lost reply sends the very same batch.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sync_int.h"

#define SYNC_BATCH_ITEMS   500
#define SYNC_CATEGORIES_MS (24 * 3600 * 1000LL)

/* The batch to send (sync_int.h). */
int
sync_batch_pick(struct agent *a, char id[40], char **cause)
{
	char *cur;
	int n;

	if (outbox_begin(a, cause) != 0)
		return -1;
	if ((cur = outbox_get(a, "batch_id")) != NULL) {
		snprintf(id, 40, "%s", cur);
		free(cur);
		return outbox_commit(a, cause);
	}
	if (track_flush(a, cause) != 0)
		goto fail;
	agent_random_id(id, 16);
	if ((n = store_outbox_batch_mark(a, id, SYNC_BATCH_ITEMS)) < 0)
		goto dberr;
	if (n == 0)
		id[0] = '\0';
	else if (outbox_set(a, "batch_id", id) != 0)
		goto dberr;
	return outbox_commit(a, cause);
dberr:
	*cause = outbox_errmsg(a);
fail:
	outbox_rollback(a);
	return -1;
}

/* What the batch's readers fill. */
struct sync_load {
	struct sync_batch *b;
	char *bad; /* the item that could not be read, in words */
};

static int
sync_batch_item_cb(const struct store_item_row *r, void *arg)
{
	struct sync_load *l = arg;
	Patrol__Sync__V1__SyncRequest *q = &l->b->req;
	struct sync_batch *b = l->b;

#define SYNC_ITEM(k, type, fn, arr, n)                                         \
	if (strcmp(r->kind, k) == 0) {                                         \
		type *x = fn##__unpack(NULL, r->len, r->body);                 \
		if (x == NULL)                                                 \
			goto bad;                                              \
		x->seq = (uint64_t)r->seq;                                     \
		SYNC_APPEND(q->arr, q->n, x);                                  \
		SYNC_APPEND(b->items, b->nitems, &x->base);                    \
		return 0;                                                      \
	}
	SYNC_ITEM("status", Patrol__Sync__V1__StatusChange,
	    patrol__sync__v1__status_change, status_changes, n_status_changes)
	SYNC_ITEM("result", Patrol__Sync__V1__JobResult,
	    patrol__sync__v1__job_result, results, n_results)
	SYNC_ITEM("finding", Patrol__Sync__V1__Finding,
	    patrol__sync__v1__finding, findings, n_findings)
	SYNC_ITEM("patrol", Patrol__Sync__V1__PatrolMark,
	    patrol__sync__v1__patrol_mark, patrols, n_patrols)
	SYNC_ITEM("track", Patrol__Sync__V1__TrackPiece,
	    patrol__sync__v1__track_piece, tracks, n_tracks)
#undef SYNC_ITEM
bad:
	l->bad = xasprintf("outbox item %llu (%s) is unreadable",
	    (unsigned long long)r->seq, r->kind);
	return -1;
}

static int
sync_batch_photo_cb(const struct store_photo_row *r, void *arg)
{
	Patrol__Sync__V1__SyncRequest *q = arg;
	Patrol__Sync__V1__PhotoManifest *p = xcalloc(1, sizeof *p);

	patrol__sync__v1__photo_manifest__init(p);
	p->sha256 = xstrdup(r->sha256);
	p->bytes = (uint64_t)r->bytes;
	p->content_type = xstrdup(r->content_type);
	SYNC_APPEND(q->photos, q->n_photos, p);
	return 0;
}

int
sync_batch_load(
    struct agent *a, const char *id, struct sync_batch *b, char **cause)
{
	Patrol__Sync__V1__SyncRequest *q = &b->req;
	struct sync_load l = {b, NULL};

	memset(b, 0, sizeof *b);
	patrol__sync__v1__sync_request__init(q);
	patrol__sync__v1__agent_hello__init(&b->hello);
	b->hello.agent_version = AGENT_VERSION;
	q->hello = &b->hello;
	q->batch_id = (char *)id;
	q->has_cursor = 1;
	q->cursor = (uint64_t)outbox_get_int(a, "cursor", 0);
	/* Categories change seldom: asked for once a day. */
	if (agent_now_ms() - outbox_get_int(a, "categories_ms", 0) >
	    SYNC_CATEGORIES_MS) {
		q->has_want_categories = 1;
		q->want_categories = 1;
	}
	if (store_outbox_batch(a, id, sync_batch_item_cb, &l) < 0)
		goto dberr;
	if (l.bad != NULL) {
		*cause = l.bad;
		return -1;
	}
	/* Photos the server may not have yet: it says which it wants. */
	if (store_photos_unsent(a, sync_batch_photo_cb, q) < 0)
		goto dberr;
	return 0;
dberr:
	*cause = outbox_errmsg(a);
	return -1;
}

void
sync_batch_free(struct sync_batch *b)
{
	Patrol__Sync__V1__SyncRequest *q = &b->req;
	size_t i;

	for (i = 0; i < b->nitems; i++)
		protobuf_c_message_free_unpacked(b->items[i], NULL);
	for (i = 0; i < q->n_photos; i++) {
		free(q->photos[i]->sha256);
		free(q->photos[i]->content_type);
		free(q->photos[i]);
	}
	free(b->items);
	free(q->status_changes);
	free(q->results);
	free(q->findings);
	free(q->patrols);
	free(q->tracks);
	free(q->photos);
}
