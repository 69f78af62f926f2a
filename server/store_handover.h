/*
 * SQL of hand-overs (issue 16): the directory of recipients, hand-overs
 * and their receipts, the timer that returns unconfirmed ones to the
 * queue, and the server's shared secrets. Replies are JSON text in the
 * first column, as in store_requests.c.
 */
#ifndef PATROL_STORE_HANDOVER_H
#define PATROL_STORE_HANDOVER_H

#include "db.h"

struct store_directory_entry {
	const char *name, *handles, *phone, *email, *hours;
	int demo;
};

struct store_handover {
	long long request_id;
	int version;
	long long crew_id; /* who held it, for the event; 0 none */
	const char *actor;
	long long recipient_id;
	const char *note;
	const char *token_hash; /* 64 hex digits */
	long long expires;      /* unix seconds */
	int return_s;           /* back to the queue after this long */
};

/*
 * The secret called name: the stored one, or candidate_hex (64 hex
 * digits) stored now if there was none. One row: the secret in hex.
 */
void store_secret_get(
    struct db *, const char *name, const char *candidate_hex, db_cb, void *);

void store_directory_list(struct db *, int with_removed, db_cb, void *);
void store_directory_add(
    struct db *, const struct store_directory_entry *, db_cb, void *);
/* Marks it removed (kept for the history of hand-overs); no row if none. */
void store_directory_remove(struct db *, long long id, db_cb, void *);

/*
 * What a hand-over needs to know first: the request's state, version,
 * crew and what goes in the e-mail; the recipient (null when no active
 * entry has that id).
 */
void store_handover_prepare(
    struct db *, long long request_id, long long recipient_id, db_cb, void *);
/* Compare-and-set on the version: no row when someone else was first. */
void store_handover_start(
    struct db *, const struct store_handover *, db_cb, void *);
/* Records the e-mail's fate on the hand-over and in the timeline. */
void store_handover_mailed(
    struct db *, long long handover_id, const char *error, db_cb, void *);
/* The hand-over a receipt token (its hash) belongs to; no row if none. */
void store_handover_find(struct db *, const char *token_hash, db_cb, void *);
/*
 * Confirms receipt once: the request closes as handed over. No row when
 * it was already used, returned, expired or the request moved on.
 */
void store_handover_receive(struct db *, const char *token_hash,
    const char *received_by, db_cb, void *);
/* Unconfirmed past their time: back to the top of the queue (SKIP LOCKED). */
void store_handover_return_due(struct db *, db_cb, void *);

#endif
