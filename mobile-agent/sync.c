/*
 * Talking to patrold (http.c, protobuf). A sync sends the outbox in
 * batches: a batch's items are fixed when it is first built and it keeps
 * its id until the server acknowledged it, so a retry after a lost reply
 * sends the very same batch and gets the very same acknowledgement. Only
 * an acknowledged item leaves the outbox. Then photos go up in chunks,
 * each resuming where the server says it holds.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "agent.h"

#define SYNC_BATCH_ITEMS   500
#define SYNC_ROUNDS_MAX    50
#define SYNC_RESP_MAX      (16 << 20)
#define SYNC_TYPE          "application/x-protobuf"
#define SYNC_CHUNK_MAX     (256 << 10) /* photo upload chunk, at most */
#define SYNC_CATEGORIES_MS (24 * 3600 * 1000LL)

#define sync_resp      http_resp
#define sync_resp_free http_resp_free

static char *
sync_token(struct agent *a)
{
	char *path = agent_path(a, "token"), buf[128];
	FILE *f = fopen(path, "r");
	char *t = NULL;

	free(path);
	if (f == NULL)
		return NULL;
	if (fgets(buf, sizeof buf, f) != NULL) {
		buf[strcspn(buf, "\r\n")] = '\0';
		if (buf[0] != '\0')
			t = agent_strdup(buf);
	}
	fclose(f);
	return t;
}

static long
sync_timeout_s(void)
{
	const char *v = getenv("PATROL_AGENT_TIMEOUT_S");
	long n = v != NULL ? atol(v) : 0;

	return n > 0 ? n : 60;
}

/*
 * One HTTP exchange. 0 with r->status for any answer (even 5xx); -1 with
 * *cause when there was none (no route, reset, timeout, bad TLS).
 */
static int
sync_http(struct agent *a, const char *server, const char *ca,
    const char *method, const char *path, const uint8_t *body, size_t len,
    long long upload_offset, struct sync_resp *r, char **cause)
{
	struct http_req q = {0};
	char *token = sync_token(a), *auth, *hdr;
	int rc;

	auth = token != NULL
	    ? agent_printf("Authorization: Bearer %s\r\n", token)
	    : agent_strdup("");
	free(token);
	if (upload_offset >= 0)
		hdr = agent_printf("%sUpload-Offset: %lld\r\nContent-Type: "
		                   "application/offset+octet-stream\r\n",
		    auth, upload_offset);
	else if (body != NULL)
		hdr = agent_printf("%sContent-Type: " SYNC_TYPE "\r\n", auth);
	else
		hdr = agent_strdup(auth);
	free(auth);
	q.server = server;
	q.path = path;
	q.method = method;
	q.headers = hdr;
	q.body = body;
	q.len = body != NULL ? len : 0;
	q.ca = ca;
	q.timeout_s = sync_timeout_s();
	q.max_body = SYNC_RESP_MAX;
	rc = http_exchange(&q, r, cause);
	free(hdr);
	return rc;
}

/* "HTTP 409 batch_conflict: ..." from an Error body, for last_error. */
static char *
sync_http_error(struct sync_resp *r)
{
	Patrol__Sync__V1__Error *e;
	char *s;

	e = patrol__sync__v1__error__unpack(NULL, r->len, r->body);
	if (e == NULL)
		return agent_printf("HTTP %ld", r->status);
	s = agent_printf("HTTP %ld %s: %s", r->status, e->code,
	    e->message != NULL ? e->message : "");
	patrol__sync__v1__error__free_unpacked(e, NULL);
	return s;
}

static int
sync_write_token(struct agent *a, const char *token, char **cause)
{
	char *path = agent_path(a, "token"), *tmp = agent_path(a, ".token");
	int fd, dfd, rc = -1;
	size_t len = strlen(token);

	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) ==
	        -1 ||
	    write(fd, token, len) != (ssize_t)len || write(fd, "\n", 1) != 1 ||
	    fsync(fd) != 0 || close(fd) != 0 || rename(tmp, path) != 0) {
		*cause =
		    agent_printf("cannot store the token: %s", strerror(errno));
		if (fd != -1)
			close(fd);
		unlink(tmp);
		goto out;
	}
	if ((dfd = open(a->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		fsync(dfd);
		close(dfd);
	}
	rc = 0;
out:
	free(path);
	free(tmp);
	return rc;
}

/* Kept only if it is a table at all: a bad one never replaces a good. */
static void
sync_lifecycle_keep(struct agent *a, const char *text)
{
	json_t *j = json_loads(text, 0, NULL);

	if (json_is_object(json_object_get(j, "actions")) &&
	    json_is_object(json_object_get(j, "sets")))
		outbox_set(a, "lifecycle", text);
	json_decref(j);
}

static void
sync_settings(struct agent *a, const Patrol__Sync__V1__Settings *s)
{
	if (s == NULL)
		return;
	if (s->has_track_interval_s && s->track_interval_s > 0)
		outbox_set_int(a, "track_interval_s", s->track_interval_s);
	if (s->has_sync_interval_s && s->sync_interval_s > 0)
		outbox_set_int(a, "sync_interval_s", s->sync_interval_s);
	if (s->has_photo_chunk_bytes && s->photo_chunk_bytes >= 4096)
		outbox_set_int(a, "photo_chunk_bytes", s->photo_chunk_bytes);
	if (s->time_zone != NULL && *s->time_zone != '\0' &&
	    strlen(s->time_zone) < 64)
		outbox_set(a, "time_zone", s->time_zone);
	if (s->has_photo_resize_bytes && s->photo_resize_bytes >= 65536)
		outbox_set_int(a, "photo_resize_bytes", s->photo_resize_bytes);
	/* The server's life cycle: the steps jobs.c and the screen offer. */
	if (s->lifecycle_json != NULL && strlen(s->lifecycle_json) < 65536)
		sync_lifecycle_keep(a, s->lifecycle_json);
}

/* The categories for findings, as JSON for the screen (state). */
static void
sync_categories(struct agent *a, Patrol__Sync__V1__SyncResponse *r)
{
	json_t *arr, *q;
	char *s;
	size_t i;

	if (r->n_categories == 0)
		return;
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
		outbox_set(a, "categories_json", s);
		outbox_set_int(a, "categories_ms", agent_now_ms());
		free(s);
	}
	json_decref(arr);
}

int
sync_enroll(struct agent *a, const char *server, const char *code,
    const char *ca, const char *label)
{
	Patrol__Sync__V1__EnrollRequest m =
	    PATROL__SYNC__V1__ENROLL_REQUEST__INIT;
	Patrol__Sync__V1__AgentHello hello =
	    PATROL__SYNC__V1__AGENT_HELLO__INIT;
	Patrol__Sync__V1__EnrollResponse *e;
	struct sync_resp r;
	char *base, *cause = NULL, *token;
	uint8_t *buf;
	size_t len;
	int rc = AGENT_EXIT_FAIL;

	base = agent_strdup(server);
	while (*base != '\0' && base[strlen(base) - 1] == '/')
		base[strlen(base) - 1] = '\0';
	hello.agent_version = AGENT_VERSION;
	m.code = (char *)code;
	m.hello = &hello;
	m.label = (char *)label;
	len = patrol__sync__v1__enroll_request__get_packed_size(&m);
	buf = agent_alloc(len);
	patrol__sync__v1__enroll_request__pack(&m, buf);
	/* A token of an earlier enrollment must not be sent along. */
	token = agent_path(a, "token");
	unlink(token);
	free(token);
	if (sync_http(a, base, ca, "POST", "/agent/v1/enroll", buf, len, -1, &r,
	        &cause) != 0) {
		fprintf(stderr, "patrol-agent: enroll: %s\n", cause);
		goto out;
	}
	if (r.status != 201 ||
	    (e = patrol__sync__v1__enroll_response__unpack(
	         NULL, r.len, r.body)) == NULL) {
		cause = sync_http_error(&r);
		fprintf(stderr, "patrol-agent: enroll: %s\n", cause);
		sync_resp_free(&r);
		goto out;
	}
	sync_resp_free(&r);
	if (sync_write_token(a, e->device_token, &cause) != 0 ||
	    outbox_begin(a, &cause) != 0) {
		fprintf(stderr, "patrol-agent: enroll: %s\n", cause);
		patrol__sync__v1__enroll_response__free_unpacked(e, NULL);
		goto out;
	}
	outbox_set(a, "server", base);
	outbox_set(a, "ca_file", ca);
	outbox_set_int(a, "device_id", e->device_id);
	outbox_set(a, "crew_code", e->crew_code);
	outbox_set(a, "crew_name", e->crew_name);
	/* A new device: the server has sent it nothing yet. */
	outbox_set(a, "cursor", NULL);
	outbox_set(a, "last_error", NULL);
	sync_settings(a, e->settings);
	if (outbox_commit(a, &cause) != 0) {
		fprintf(stderr, "patrol-agent: enroll: %s\n", cause);
		outbox_rollback(a);
	} else {
		printf("OK enrolled: device %lld of crew %s\n",
		    (long long)e->device_id, e->crew_code);
		rc = 0;
	}
	patrol__sync__v1__enroll_response__free_unpacked(e, NULL);
out:
	free(cause);
	free(buf);
	free(base);
	return rc;
}

/* ---- Batches ---------------------------------------------------------- */

/*
 * The batch to send: the one in flight (unacknowledged, sent before, maybe
 * lost), or a new one of the oldest pending items. *id is empty when there
 * is nothing to send (a sync then only fetches).
 */
static int
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

struct sync_batch {
	Patrol__Sync__V1__SyncRequest req;
	Patrol__Sync__V1__AgentHello hello;
	ProtobufCMessage **items; /* every unpacked item, to free */
	size_t nitems;
	char **photo_sha;
	size_t nphotos;
};

#define SYNC_APPEND(arr, n, x)                                                 \
	do {                                                                   \
		(arr) = realloc((arr), ((n) + 1) * sizeof *(arr));             \
		if ((arr) == NULL)                                             \
			abort();                                               \
		(arr)[(n)++] = (x);                                            \
	} while (0)

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
	l->bad = agent_printf("outbox item %llu (%s) is unreadable",
	    (unsigned long long)r->seq, r->kind);
	return -1;
}

static int
sync_batch_photo_cb(const struct store_photo_row *r, void *arg)
{
	Patrol__Sync__V1__SyncRequest *q = arg;
	Patrol__Sync__V1__PhotoManifest *p = agent_alloc(sizeof *p);

	patrol__sync__v1__photo_manifest__init(p);
	p->sha256 = agent_strdup(r->sha256);
	p->bytes = (uint64_t)r->bytes;
	p->content_type = agent_strdup(r->content_type);
	SYNC_APPEND(q->photos, q->n_photos, p);
	return 0;
}

static int
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

static void
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

/* ---- Replies ---------------------------------------------------------- */

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
	struct store_ack_row *acks =
	    agent_alloc((r->n_acks + 1) * sizeof *acks);
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
	char *s = agent_strdup(""), *t;
	size_t i;

	for (i = 0; i < x->n_outcomes; i++) {
		t = agent_printf("%s%s\t%s\t%s\n", s, x->outcomes[i]->code,
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
	    agent_alloc((r->n_assignments + 1) * sizeof *in);
	struct store_job_gone *gone =
	    agent_alloc((r->n_cancellations + 1) * sizeof *gone);
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
		callers = agent_alloc((x->n_callers + 1) * sizeof *callers);
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
	const char **sha = agent_alloc((q->n_photos + 1) * sizeof *sha);
	int *uploaded = agent_alloc((q->n_photos + 1) * sizeof *uploaded);
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

static int
sync_apply(struct agent *a, struct sync_batch *b,
    Patrol__Sync__V1__SyncResponse *r, char **cause)
{
	if (outbox_begin(a, cause) != 0)
		return -1;
	if ((b->req.batch_id[0] != '\0' &&
	        sync_apply_acks(a, b->req.batch_id, r) != 0) ||
	    sync_apply_jobs(a, r) != 0 || plan_apply(a, r) != 0 ||
	    place_apply(a, r) != 0 || sync_apply_photos(a, &b->req, r) != 0)
		goto dberr;
	if (b->req.batch_id[0] != '\0')
		outbox_set(a, "batch_id", NULL);
	sync_settings(a, r->settings);
	sync_categories(a, r);
	outbox_set_int(a, "cursor", (long long)r->cursor);
	outbox_set_int(a, "last_sync_ms", agent_now_ms());
	outbox_set(a, "last_error", NULL);
	if (store_jobs_prune(a) == 0)
		store_outbox_prune(a);
	return outbox_commit(a, cause);
dberr:
	*cause = outbox_errmsg(a);
	outbox_rollback(a);
	return -1;
}

/* Revoked: forget the token and every caller's name and phone. */
static int
sync_revoked(struct agent *a)
{
	char *cause = NULL;

	if (outbox_wipe_personal(a, &cause) != 0) {
		fprintf(stderr, "patrol-agent: wiping: %s\n", cause);
		free(cause);
	}
	outbox_set(a, "last_error", "device revoked (HTTP 401)");
	fprintf(stderr,
	    "patrol-agent: this device was revoked: personal data "
	    "wiped; enroll it again to continue\n");
	return AGENT_EXIT_REVOKED;
}

/* One batch there and back. *more: items still wait after it. */
static int
sync_round(struct agent *a, const char *server, const char *ca, int *more,
    long long *sent, char **cause)
{
	Patrol__Sync__V1__SyncResponse *resp;
	struct sync_batch b;
	struct sync_resp r;
	char id[40];
	uint8_t *buf;
	size_t len;
	int rc = AGENT_EXIT_FAIL;

	*more = 0;
	if (sync_batch_pick(a, id, cause) != 0)
		return AGENT_EXIT_FAIL;
	if (sync_batch_load(a, id[0] != '\0' ? id : "-", &b, cause) != 0) {
		sync_batch_free(&b);
		return AGENT_EXIT_FAIL;
	}
	b.req.batch_id = id[0] != '\0' ? id : "-";
	len = patrol__sync__v1__sync_request__get_packed_size(&b.req);
	buf = agent_alloc(len);
	patrol__sync__v1__sync_request__pack(&b.req, buf);
	b.req.batch_id = id;
	agent_log(a, "batch %s: %zu items, %zu bytes", id, b.nitems, len);
	if (sync_http(a, server, ca, "POST", "/agent/v1/sync", buf, len, -1, &r,
	        cause) != 0)
		goto out;
	if (r.status == 401) {
		sync_resp_free(&r);
		rc = sync_revoked(a);
		goto out;
	}
	if (r.status == 409 && id[0] != '\0') {
		/*
		 * The id was spent on other content (a restore from backup?):
		 * the items go again under a new one; their own ids keep them
		 * from being applied twice.
		 */
		sync_resp_free(&r);
		store_outbox_batch_reset(a);
		*more = 1;
		rc = 0;
		goto out;
	}
	if (r.status != 200 ||
	    (resp = patrol__sync__v1__sync_response__unpack(
	         NULL, r.len, r.body)) == NULL) {
		*cause = sync_http_error(&r);
		sync_resp_free(&r);
		goto out;
	}
	sync_resp_free(&r);
	if (sync_apply(a, &b, resp, cause) == 0) {
		*sent += (long long)resp->n_acks;
		*more = id[0] != '\0' && outbox_pending(a) > 0;
		rc = 0;
	}
	patrol__sync__v1__sync_response__free_unpacked(resp, NULL);
out:
	free(buf);
	sync_batch_free(&b);
	return rc;
}

/* ---- Photos ----------------------------------------------------------- */

static int
sync_photo_hash_ok(const char *path, const char *sha)
{
	unsigned char buf[16384], md[crypto_hash_sha256_BYTES];
	char hex[65];
	crypto_hash_sha256_state ctx;
	unsigned int i;
	size_t got;
	FILE *f = fopen(path, "rb");

	if (f == NULL)
		return 0;
	crypto_hash_sha256_init(&ctx);
	while ((got = fread(buf, 1, sizeof buf, f)) > 0)
		crypto_hash_sha256_update(&ctx, buf, got);
	fclose(f);
	crypto_hash_sha256_final(&ctx, md);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return strcmp(hex, sha) == 0;
}

static void
sync_photo_mark(struct agent *a, const char *sha, const char *failed)
{
	char *path;

	if (store_photos_mark(a, sha, failed) == 0 && failed == NULL) {
		/* Stored on the server: the device's copy may go. */
		path = agent_printf("%s/photos/%s", a->dir, sha);
		unlink(path);
		free(path);
	}
}

/*
 * Uploads one photo from where the server's copy ends. 0 when stored (or
 * given up as unfixable, recorded in photos.failed), else an exit code.
 */
static int
sync_photo(struct agent *a, const char *server, const char *ca, const char *sha,
    long long bytes, char **cause)
{
	struct sync_resp r;
	char *path, *url;
	uint8_t *chunk;
	long long chunk_max = outbox_get_int(a, "photo_chunk_bytes", 1 << 20);
	long long offset, n;
	int fd = -1, restarts = 0, rc = AGENT_EXIT_FAIL;

	/* Smaller than the server allows: a day-long daemon keeps its peak. */
	if (chunk_max > SYNC_CHUNK_MAX)
		chunk_max = SYNC_CHUNK_MAX;
	url = agent_printf("/agent/v1/photos/%s", sha);
	path = agent_printf("%s/photos/%s", a->dir, sha);
	chunk = agent_alloc((size_t)chunk_max);
	if (sync_http(a, server, ca, "HEAD", url, NULL, 0, -1, &r, cause) != 0)
		goto out;
	sync_resp_free(&r);
	if (r.status == 401) {
		rc = sync_revoked(a);
		goto out;
	}
	if (r.status == 404) {
		rc = 0; /* not announced yet: the next sync does */
		goto out;
	}
	if (r.status != 200 || r.offset < 0) {
		*cause = agent_printf("HEAD %s: HTTP %ld", url, r.status);
		goto out;
	}
	offset = r.offset;
	if (r.complete)
		goto stored;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		sync_photo_mark(a, sha, "the device's copy is missing");
		rc = 0;
		goto out;
	}
	for (;;) {
		n = bytes - offset < chunk_max ? bytes - offset : chunk_max;
		if (n < 0 || pread(fd, chunk, (size_t)n, offset) != n) {
			*cause = agent_printf("cannot read %s", path);
			goto out;
		}
		if (sync_http(a, server, ca, "PATCH", url, chunk, (size_t)n,
		        offset, &r, cause) != 0)
			goto out;
		if (r.status == 204 || r.status == 200) {
			sync_resp_free(&r);
			if (r.complete)
				goto stored;
			if (r.offset <= offset) {
				*cause = agent_printf("upload of %.12s does "
				                      "not advance",
				    sha);
				goto out;
			}
			offset = r.offset;
			continue;
		}
		if (r.status == 409 && r.offset >= 0) {
			offset = r.offset; /* the server's word counts */
			sync_resp_free(&r);
			continue;
		}
		if (r.status == 422 && restarts++ == 0 &&
		    sync_photo_hash_ok(path, sha)) {
			offset = 0; /* damaged on the way: once more */
			sync_resp_free(&r);
			continue;
		}
		if (r.status == 422 || r.status == 415 || r.status == 413) {
			char *why = sync_http_error(&r);

			sync_photo_mark(a, sha, why);
			free(why);
			sync_resp_free(&r);
			rc = 0;
			goto out;
		}
		if (r.status == 401) {
			sync_resp_free(&r);
			rc = sync_revoked(a);
			goto out;
		}
		*cause = sync_http_error(&r);
		sync_resp_free(&r);
		goto out;
	}
stored:
	sync_photo_mark(a, sha, NULL);
	agent_log(a, "photo %.12s stored", sha);
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	free(chunk);
	free(path);
	free(url);
	return rc;
}

/* The photos to upload, copied out of the store's rows. */
struct sync_uploads {
	char **sha;
	long long *bytes;
	size_t k, nb;
};

static int
sync_photos_cb(const struct store_photo_row *r, void *arg)
{
	struct sync_uploads *u = arg;

	SYNC_APPEND(u->sha, u->k, agent_strdup(r->sha256));
	SYNC_APPEND(u->bytes, u->nb, r->bytes);
	return 0;
}

static int
sync_photos(
    struct agent *a, const char *server, const char *ca, int *n, char **cause)
{
	struct sync_uploads u = {NULL, NULL, 0, 0};
	size_t i;
	int rc = 0;

	if (store_photos_to_upload(a, sync_photos_cb, &u) < 0)
		return AGENT_EXIT_FAIL;
	for (i = 0; i < u.k && rc == 0; i++) {
		if ((rc = sync_photo(
		         a, server, ca, u.sha[i], u.bytes[i], cause)) == 0)
			(*n)++;
	}
	for (i = 0; i < u.k; i++)
		free(u.sha[i]);
	free(u.sha);
	free(u.bytes);
	return rc;
}

static int
sync_photos_forget_cb(const struct store_photo_row *r, void *arg)
{
	struct agent *a = arg;
	char *path = agent_printf("%s/photos/%s", a->dir, r->sha256);

	unlink(path);
	free(path);
	return 0;
}

/*
 * Photos the server holds (uploaded now, or found there already when a
 * reply was lost after the last chunk): the device's copies go.
 */
static void
sync_photos_forget(struct agent *a)
{
	if (store_photos_uploaded(a, sync_photos_forget_cb, a) < 0)
		return;
	store_photos_delete_uploaded(a);
}

int
sync_run(struct agent *a)
{
	char *server, *ca, *lock, *cause = NULL;
	long long sent = 0;
	int fd, more = 1, round, photos = 0, rc = 0;

	if ((server = outbox_get(a, "server")) == NULL) {
		fprintf(stderr,
		    "patrol-agent: sync: not enrolled: run "
		    "'patrol-agent enroll' first\n");
		return AGENT_EXIT_USAGE;
	}
	ca = outbox_get(a, "ca_file");
	/* One sync at a time per device: the daemon and a crew's command. */
	lock = agent_path(a, "sync.lock");
	if ((fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1 ||
	    flock(fd, LOCK_EX) != 0) {
		fprintf(stderr, "patrol-agent: sync: cannot lock %s\n", lock);
		rc = AGENT_EXIT_FAIL;
		goto out;
	}
	for (round = 0; more && round < SYNC_ROUNDS_MAX && rc == 0; round++)
		rc = sync_round(a, server, ca, &more, &sent, &cause);
	if (rc == 0)
		rc = sync_photos(a, server, ca, &photos, &cause);
	if (rc == 0)
		sync_photos_forget(a);
	if (rc == AGENT_EXIT_FAIL) {
		outbox_set(a, "last_error", cause != NULL ? cause : "failed");
		fprintf(stderr, "patrol-agent: sync: %s (%lld to send)\n",
		    cause != NULL ? cause : "failed", outbox_pending(a));
	} else if (rc == 0)
		printf("OK synced: %lld item(s) acknowledged, %d photo(s) "
		       "uploaded, %lld to send\n",
		    sent, photos, outbox_pending(a));
out:
	if (fd != -1)
		close(fd);
	free(cause);
	free(lock);
	free(server);
	free(ca);
	return rc;
}

/* A JSON API error ({"error": {code, message}}) for the crew, else HTTP n. */
static char *
sync_json_error(struct sync_resp *r)
{
	json_t *j, *e;
	char *s;

	if (r->status == 401)
		return sync_http_error(r); /* a protobuf Error */
	j = json_loadb((const char *)r->body, r->len, 0, NULL);
	e = json_object_get(j, "error");
	if (json_is_string(json_object_get(e, "code")))
		s = agent_printf("HTTP %ld %s: %s", r->status,
		    json_string_value(json_object_get(e, "code")),
		    json_is_string(json_object_get(e, "message"))
		        ? json_string_value(json_object_get(e, "message"))
		        : "");
	else
		s = agent_printf("HTTP %ld", r->status);
	json_decref(j);
	return s;
}

static const char *
sync_json_text(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL && *s != '\0' ? s : "-";
}

/* "神奈川県川崎市多摩区" -> "多摩区"; the code when no name came. */
static const char *
sync_ward_short(json_t *p)
{
	const char *name = json_string_value(json_object_get(p, "ward_name"));
	const char *s, *last = NULL;

	if (name == NULL)
		return json_is_string(json_object_get(p, "ward_code"))
		    ? json_string_value(json_object_get(p, "ward_code"))
		    : "区外";
	for (s = name; (s = strstr(s, "市")) != NULL; s += strlen("市"))
		last = s + strlen("市");
	return last != NULL && *last != '\0' ? last : name;
}

int
sync_wayback_fetch(struct agent *a, int has_from, double lat, double lon,
    char **json, char **cause)
{
	struct sync_resp r;
	char *server, *ca, *path;
	json_t *j;
	int rc = AGENT_EXIT_FAIL;

	*json = NULL;
	if ((server = outbox_get(a, "server")) == NULL) {
		*cause = agent_strdup(
		    "not enrolled: run 'patrol-agent enroll' first");
		return AGENT_EXIT_USAGE;
	}
	ca = outbox_get(a, "ca_file");
	path = has_from
	    ? agent_printf("/agent/v1/wayback?lat=%.7f&lon=%.7f", lat, lon)
	    : agent_strdup("/agent/v1/wayback");
	if (sync_http(a, server, ca, "GET", path, NULL, 0, -1, &r, cause) != 0)
		goto out;
	if (r.status != 200) {
		*cause = sync_json_error(&r);
		if (r.status == 401)
			rc = AGENT_EXIT_REVOKED;
		sync_resp_free(&r);
		goto out;
	}
	j = json_loadb((const char *)r.body, r.len, 0, NULL);
	sync_resp_free(&r);
	if (!json_is_array(json_object_get(j, "pieces"))) {
		*cause = agent_strdup("the server's answer is not a list");
		json_decref(j);
		goto out;
	}
	*json = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	rc = *json != NULL ? 0 : AGENT_EXIT_FAIL;
out:
	free(path);
	free(server);
	free(ca);
	return rc;
}

int
sync_wayback(struct agent *a, int has_from, double lat, double lon)
{
	char *cause = NULL, *text;
	json_t *j, *pieces, *p;
	size_t i;
	int rc;

	if ((rc = sync_wayback_fetch(a, has_from, lat, lon, &text, &cause)) !=
	    0) {
		fprintf(stderr, "patrol-agent: wayback: %s\n",
		    cause != NULL ? cause : "failed");
		free(cause);
		return rc;
	}
	j = json_loads(text, 0, NULL);
	free(text);
	pieces = json_object_get(j, "pieces");
	/*
	 * One line per piece, nearest to the way back first: the crew knows
	 * the river or road by its name and the ward by its name; the piece
	 * number is what "wayback take" needs.
	 */
	printf("%-8s %8s  %-6s %s\n", "piece", "off (m)", "kind",
	    "name (ward) / 名称（区）");
	json_array_foreach(pieces, i, p)
	{
		printf("%-8lld %8.0f  %-6s %s（%s）\n",
		    (long long)json_integer_value(
		        json_object_get(p, "piece_id")),
		    json_number_value(json_object_get(p, "off_route_m")),
		    sync_json_text(p, "kind"),
		    json_is_string(json_object_get(p, "name"))
		        ? sync_json_text(p, "name")
		        : "名称なし",
		    sync_ward_short(p));
	}
	if (json_array_size(pieces) == 0)
		printf("(nothing overdue within %.0f m of the way back)\n",
		    json_number_value(json_object_get(j, "within_m")));
	json_decref(j);
	return 0;
}

/* "enroll --server URL --code CODE [--ca FILE] [--label TEXT]" */
int
sync_enroll_main(struct agent *a, int argc, char **argv)
{
	struct agent_opt o[] = {{.name = "server"}, {.name = "code"},
	    {.name = "ca"}, {.name = "label"}, {.name = NULL}};

	if (agent_args("enroll", argc, argv, o, NULL, 0) != 0 ||
	    o[0].value == NULL || o[1].value == NULL) {
		fprintf(stderr,
		    "usage: patrol-agent enroll --server URL --code "
		    "CODE [--ca FILE] [--label TEXT]\n");
		return AGENT_EXIT_USAGE;
	}
	return sync_enroll(a, o[0].value, o[1].value, o[2].value, o[3].value);
}

/* "sync": everything pending, once. */
int
sync_main(struct agent *a, int argc, char **argv)
{
	(void)argv;
	if (argc != 0) {
		fprintf(stderr, "usage: patrol-agent sync\n");
		return AGENT_EXIT_USAGE;
	}
	return sync_run(a);
}
