/*
 * The sync's files and what they share (private to them; agent.h has the
 * sync's public side):
 *   sync.c          the cycle: batches there and back, then photos; the
 *                   sync command;
 *   sync_http.c     the transport: one authorised exchange with patrold;
 *   sync_enroll.c   enrolment: the device token and the first settings;
 *   sync_batch.c    a batch of outbox items, picked, loaded and freed;
 *   sync_apply.c    a sync reply into the store: acknowledgements, jobs,
 *                   photos wanted, settings and categories;
 *   sync_photo.c    photo uploads in chunks, resumed where the server's
 *                   copy ends;
 *   sync_wayback.c  the way back's suggestions, as JSON and as lines.
 */
#ifndef PATROL_AGENT_SYNC_INT_H
#define PATROL_AGENT_SYNC_INT_H

#include "compiler.h"
#include "agent.h"

#define sync_resp      http_resp
#define sync_resp_free http_resp_free

/* Appends x to the array arr of n elements (aborts when out of memory). */
#define SYNC_APPEND(arr, n, x)                                                 \
	do {                                                                   \
		(arr) = realloc((arr), ((n) + 1) * sizeof *(arr));             \
		if ((arr) == NULL)                                             \
			abort();                                               \
		(arr)[(n)++] = (x);                                            \
	} while (0)

/* sync.c */
/* Revoked (HTTP 401): personal data wiped; returns AGENT_EXIT_REVOKED. */
int sync_revoked(struct agent *);

/* sync_http.c */
/*
 * One HTTP exchange with the device token. upload_offset >= 0 sends the
 * body as a photo chunk at that offset; else a body is protobuf. 0 with
 * r->status for any answer (even 5xx); -1 with *cause when there was none
 * (no route, reset, timeout, bad TLS).
 */
PATROL_MUSTCHECK int sync_http(struct agent *, const char *server,
    const char *ca, const char *method, const char *path, const uint8_t *body,
    size_t len, long long upload_offset, struct sync_resp *r, char **cause);
/* "HTTP 409 batch_conflict: ..." from an Error body (caller frees). */
char *sync_http_error(struct sync_resp *);

/* sync_batch.c */
struct sync_batch {
	Patrol__Sync__V1__SyncRequest req;
	Patrol__Sync__V1__AgentHello hello;
	ProtobufCMessage **items; /* every unpacked item, to free */
	size_t nitems;
	char **photo_sha;
	size_t nphotos;
};
/*
 * The batch to send: the one in flight (unacknowledged, sent before, maybe
 * lost), or a new one of the oldest pending items. *id is empty when there
 * is nothing to send (a sync then only fetches).
 */
PATROL_MUSTCHECK int sync_batch_pick(struct agent *, char id[40], char **cause);
/* The request for batch id; sync_batch_free after, even on failure. */
PATROL_MUSTCHECK int sync_batch_load(
    struct agent *, const char *id, struct sync_batch *, char **cause);
void sync_batch_free(struct sync_batch *);

/* sync_apply.c */
/*
 * The server's settings kept in the state (bad values are ignored): 0, or
 * -1 when the state cannot be written (outbox_errmsg says why).
 */
PATROL_MUSTCHECK int sync_settings(
    struct agent *, const Patrol__Sync__V1__Settings *);
/* A reply to batch b, applied in one transaction. */
PATROL_MUSTCHECK int sync_apply(struct agent *, struct sync_batch *b,
    Patrol__Sync__V1__SyncResponse *, char **cause);

/* sync_photo.c */
/*
 * Uploads the photos the server wants; *n counts those stored, *refused
 * those it refused for good (given up on). 0, or an exit code with *cause.
 */
PATROL_MUSTCHECK int sync_photos(struct agent *, const char *server,
    const char *ca, int *n, int *refused, char **cause);
/* The device's copies of photos the server holds go. */
void sync_photos_forget(struct agent *);

#endif
