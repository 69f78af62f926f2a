/*
 * SQL for the crews' handhelds: devices and their enrollment, sync batches
 * (applied by sync_apply(), schema/functions/, in one transaction) and photo
 * uploads. The asynchronous functions queue one statement each; strings
 * passed in are copied. The *_sync functions are for patrolctl.
 */
#ifndef PATROL_STORE_SYNC_H
#define PATROL_STORE_SYNC_H

#include "db.h"

/*
 * The device holding a token (hash): one row (id, crew_id, crew code,
 * categories) or none when unknown or revoked. categories, only when
 * asked for, is a JSON object of code to category (as store_category_get).
 */
void store_sync_device(
    struct db *, const char *token_sha256, int with_categories, db_cb, void *);
struct store_sync_device {
	long long id;
	long long crew_id;
	const char *categories; /* JSON text, or NULL when not asked for */
	const char *places;     /* JSON text, or NULL when not asked for */
};
/*
 * Its row: 1 with *d (strings live as long as the result), or 0 when the
 * token is unknown or revoked.
 */
int store_sync_device_row(const PGresult *, struct store_sync_device *d);
/*
 * sync_apply(): one row, one JSON column (store_result_json). The device is
 * device_id, or when that is 0 the one holding token_sha256 (one round trip).
 */
void store_sync_apply(struct db *, const char *token_sha256,
    long long device_id, const char *batch_json, const char *rules_json, db_cb,
    void *);
/*
 * Spends an enrollment code: one JSON column (store_result_json), NULL if
 * the code is bad.
 */
void store_sync_enroll(struct db *, const char *code_sha256,
    const char *token_sha256, const char *label, const char *version, db_cb,
    void *);
/*
 * For an upload: one row (device id, announced bytes or NULL, content
 * type, stored bytes or NULL) or none when the token is unknown or
 * revoked. Read it with store_sync_photo_lookup_row.
 */
void store_sync_photo_lookup(
    struct db *, const char *token_sha256, const char *sha256, db_cb, void *);
struct store_sync_photo {
	long long device_id;
	int announced;            /* a sync named the photo: */
	long long bytes;          /* its announced size */
	const char *content_type; /* lives as long as the result */
	int stored;               /* the photo is stored already: */
	long long stored_bytes;
};
/* 1 with *p, or 0 when there is no row (unknown or revoked token). */
int store_sync_photo_lookup_row(const PGresult *, struct store_sync_photo *p);
/* The photo's file is stored: record it, link it where it was named. */
void store_sync_photo_stored(struct db *, const char *sha256, size_t bytes,
    const char *content_type, db_cb, void *);

/*
 * patrolctl: a one-time code (hash) for a crew, valid for ttl_min
 * minutes; *expires gets the expiry (caller frees). -1 with *cause, e.g.
 * for an unknown crew.
 */
/*
 * The same three for patrold's loop (db_cb): enroll gives one row (expiry)
 * or none for an unknown crew; list gives the rows as above; revoke one
 * row (how many were revoked now). Read enroll's and revoke's with
 * store_result_text / store_result_ll.
 */
void store_devices_enroll_q(struct db *, const char *crew,
    const char *code_sha256, int ttl_min, const char *actor, db_cb, void *);
void store_devices_list_q(struct db *, const char *crew, db_cb, void *);
void store_devices_revoke_q(struct db *, long long id, const char *crew,
    const char *actor, db_cb, void *);
int store_devices_enroll_code(struct db *, const char *crew,
    const char *code_sha256, int ttl_min, const char *actor, char **expires,
    char **cause);
/*
 * Devices (of one crew, or all when crew is NULL) as text rows in *res
 * (caller PQclear()s it); read them with store_devices_row.
 */
int store_devices_list(
    struct db *, const char *crew, PGresult **res, char **cause);
/* A row of store_devices_list(_q); strings live as long as the result. */
struct store_device {
	long long id;
	const char *crew;          /* its code */
	const char *label;         /* "" when none */
	const char *agent_version; /* "" before the first sync */
	const char *enrolled_at;   /* local "YYYY-MM-DD HH:MM" */
	const char *last_sync_at;  /* local time, "-" before the first */
	const char *state;         /* "active" or "revoked" */
};
/* Row i: 1 with *d, 0 past the last row. */
int store_devices_row(const PGresult *, int i, struct store_device *d);
/*
 * Revokes one device (id > 0) or every device of a crew; *n is how many
 * were revoked now. -1 with *cause.
 */
int store_devices_revoke(struct db *, long long id, const char *crew,
    const char *actor, int *n, char **cause);

#endif
