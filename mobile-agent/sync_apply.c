/*
 * A sync reply into the store, in one transaction: the acknowledged items
 * leave the outbox, the jobs, day plan and places are replaced, the photos
 * the server wants are marked for upload, and its settings, life cycle
 * table and categories are kept.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "sync_int.h"

/* Kept only if it is a table at all: a bad one never replaces a good. */
static int
sync_lifecycle_keep(struct agent *a, const char *text)
{
	json_t *j = json_loads(text, 0, NULL);
	int rc = 0;

	if (json_is_object(json_object_get(j, "actions")) &&
	    json_is_object(json_object_get(j, "sets")))
		rc = outbox_set(a, "lifecycle", text);
	json_decref(j);
	return rc;
}

int
sync_settings(struct agent *a, const Patrol__Sync__V1__Settings *s)
{
	if (s == NULL)
		return 0;
	if ((s->has_track_interval_s && s->track_interval_s > 0 &&
	        outbox_set_int(a, "track_interval_s", s->track_interval_s) !=
	            0) ||
	    (s->has_sync_interval_s && s->sync_interval_s > 0 &&
	        outbox_set_int(a, "sync_interval_s", s->sync_interval_s) !=
	            0) ||
	    (s->has_photo_chunk_bytes && s->photo_chunk_bytes >= 4096 &&
	        outbox_set_int(a, "photo_chunk_bytes", s->photo_chunk_bytes) !=
	            0) ||
	    (s->time_zone != NULL && *s->time_zone != '\0' &&
	        strlen(s->time_zone) < 64 &&
	        outbox_set(a, "time_zone", s->time_zone) != 0) ||
	    (s->has_photo_resize_bytes && s->photo_resize_bytes >= 65536 &&
	        outbox_set_int(
	            a, "photo_resize_bytes", s->photo_resize_bytes) != 0))
		return -1;
	/* The server's life cycle: the steps jobs.c and the screen offer. */
	if (s->lifecycle_json != NULL && strlen(s->lifecycle_json) < 65536)
		return sync_lifecycle_keep(a, s->lifecycle_json);
	return 0;
}

/* The categories for findings, as JSON for the screen (state). */
static int
sync_categories(struct agent *a, Patrol__Sync__V1__SyncResponse *r)
{
	json_t *arr, *q;
	char *s;
	size_t i;
	int rc = 0;

	if (r->n_categories == 0)
		return 0;
	arr = json_array();
	for (i = 0; i < r->n_categories; i++) {
		Patrol__Sync__V1__Category *c = r->categories[i];

		q = c->questions_json != NULL
		    ? json_loads(c->questions_json, 0, NULL)
		    : NULL;
		json_array_append_new(arr,
		    json_pack("{s:s,s:s?,s:s?,s:o}", "code", c->code, "name_ja",
		        c->name_ja, "name_en", c->name_en, "questions",
		        q != NULL ? q : json_array()));
	}
	if ((s = json_dumps(arr, JSON_COMPACT)) != NULL) {
		if (outbox_set(a, "categories_json", s) != 0 ||
		    outbox_set_int(a, "categories_ms", agent_now_ms()) != 0)
			rc = -1;
		free(s);
	}
	json_decref(arr);
	return rc;
}

static const char *
sync_ack_word(Patrol__Sync__V1__ItemAck__Status s)
{
	switch (s) {
	case PATROL__SYNC__V1__ITEM_ACK__STATUS__APPLIED:
		return "applied";
	case PATROL__SYNC__V1__ITEM_ACK__STATUS__DUPLICATE:
		return "duplicate";
	case PATROL__SYNC__V1__ITEM_ACK__STATUS__CONFLICT:
		return "conflict";
	case PATROL__SYNC__V1__ITEM_ACK__STATUS__REJECTED:
		return "rejected";
	default:
		return "unknown";
	}
}

static int
sync_apply_acks(
    struct agent *a, const char *batch_id, Patrol__Sync__V1__SyncResponse *r)
{
	struct store_ack_row *acks = xcalloc(1, (r->n_acks + 1) * sizeof *acks);
	size_t i;
	int rc;

	for (i = 0; i < r->n_acks; i++) {
		Patrol__Sync__V1__ItemAck *k = r->acks[i];

		acks[i].client_id = k->client_id;
		acks[i].status = sync_ack_word(k->status);
		acks[i].message = k->message;
		acks[i].has_request_id = k->has_request_id;
		acks[i].request_id = k->request_id;
	}
	rc = store_outbox_ack(a, batch_id, acks, r->n_acks);
	free(acks);
	return rc;
}

static char *
sync_outcomes_text(Patrol__Sync__V1__Assignment *x)
{
	char *s = xstrdup(""), *t;
	size_t i;

	for (i = 0; i < x->n_outcomes; i++) {
		t = xasprintf("%s%s\t%s\t%s\n", s, x->outcomes[i]->code,
		    x->outcomes[i]->name_ja != NULL ? x->outcomes[i]->name_ja
		                                    : "",
		    x->outcomes[i]->name_en != NULL ? x->outcomes[i]->name_en
		                                    : "");
		free(s);
		s = t;
	}
	return s;
}

static int
sync_apply_jobs(struct agent *a, Patrol__Sync__V1__SyncResponse *r)
{
	struct store_job_in *in =
	    xcalloc(1, (r->n_assignments + 1) * sizeof *in);
	struct store_job_gone *gone =
	    xcalloc(1, (r->n_cancellations + 1) * sizeof *gone);
	struct store_caller_row *callers;
	size_t i, k;
	int rc;

	for (i = 0; i < r->n_assignments; i++) {
		Patrol__Sync__V1__Assignment *x = r->assignments[i];

		in[i].id = x->request_id;
		in[i].category = x->category;
		in[i].category_name = x->category_name;
		in[i].category_name_en = x->category_name_en;
		in[i].state = x->state;
		in[i].has_pos = x->has_lat;
		in[i].lat = x->lat;
		in[i].lon = x->lon;
		in[i].address = x->address;
		in[i].description = x->description;
		in[i].priority = x->has_priority ? x->priority : 0;
		in[i].due = x->due_make_safe;
		in[i].outcomes = sync_outcomes_text(x);
		in[i].answers = x->answers_json;
		callers = xcalloc(1, (x->n_callers + 1) * sizeof *callers);
		for (k = 0; k < x->n_callers; k++) {
			callers[k].name = x->callers[k]->name;
			callers[k].phone = x->callers[k]->phone;
		}
		in[i].callers = callers;
		in[i].ncallers = x->n_callers;
	}
	for (i = 0; i < r->n_cancellations; i++) {
		Patrol__Sync__V1__Cancellation *c = r->cancellations[i];

		gone[i].id = c->request_id;
		gone[i].state = c->reason != NULL ? c->reason : c->state;
	}
	rc =
	    store_jobs_apply(a, in, r->n_assignments, gone, r->n_cancellations);
	for (i = 0; i < r->n_assignments; i++) {
		free((char *)in[i].outcomes);
		free((void *)in[i].callers);
	}
	free(in);
	free(gone);
	return rc;
}

/* Manifests sent: the wanted ones are to upload, the others it has. */
static int
sync_apply_photos(struct agent *a, Patrol__Sync__V1__SyncRequest *q,
    Patrol__Sync__V1__SyncResponse *r)
{
	const char **sha = xcalloc(1, (q->n_photos + 1) * sizeof *sha);
	int *uploaded = xcalloc(1, (q->n_photos + 1) * sizeof *uploaded);
	size_t i, k;
	int wanted, rc;

	for (i = 0; i < q->n_photos; i++) {
		for (wanted = 0, k = 0; k < r->n_photos_wanted; k++) {
			if (strcmp(r->photos_wanted[k], q->photos[i]->sha256) ==
			    0)
				wanted = 1;
		}
		sha[i] = q->photos[i]->sha256;
		uploaded[i] = !wanted;
	}
	rc = store_photos_announce(a, sha, uploaded, q->n_photos);
	free(sha);
	free(uploaded);
	return rc;
}

int
sync_apply(struct agent *a, struct sync_batch *b,
    Patrol__Sync__V1__SyncResponse *r, char **cause)
{
	if (outbox_begin(a, cause) != 0)
		return -1;
	/* Settings first: the jobs go by the life cycle they came with. */
	if (sync_settings(a, r->settings) != 0)
		goto dberr;
	if ((b->req.batch_id[0] != '\0' &&
	        sync_apply_acks(a, b->req.batch_id, r) != 0) ||
	    sync_apply_jobs(a, r) != 0 || plan_apply(a, r) != 0 ||
	    place_apply(a, r) != 0 || sync_apply_photos(a, &b->req, r) != 0)
		goto dberr;
	if ((b->req.batch_id[0] != '\0' &&
	        outbox_set(a, "batch_id", NULL) != 0) ||
	    sync_categories(a, r) != 0 ||
	    outbox_set_int(a, "cursor", (long long)r->cursor) != 0 ||
	    outbox_set_int(a, "last_sync_ms", agent_now_ms()) != 0 ||
	    outbox_set(a, "last_error", NULL) != 0 ||
	    store_jobs_prune(a) != 0 || store_outbox_prune(a) != 0)
		goto dberr;
	return outbox_commit(a, cause);
dberr:
	*cause = outbox_errmsg(a);
	outbox_rollback(a);
	return -1;
}
