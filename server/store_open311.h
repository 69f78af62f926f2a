/*
 * SQL for Open311 (schema/0007_open311.sql): client keys, what a report
 * from a client carries beyond a phone call, and the public views of
 * requests and their progress. The views never read callers: no name,
 * phone, e-mail or home address can come out of them. Results are one
 * text column of JSON unless said otherwise; strings passed in are copied.
 */
#ifndef PATROL_STORE_OPEN311_H
#define PATROL_STORE_OPEN311_H

#include <libpq-fe.h>

#include "db.h"

/*
 * patrolctl: adds a client key (hash only); a taken name is refused. This
 * and the revocation write an audit_log row by actor in the same statement.
 */
int store_open311_key_add(struct db *, const char *name, const char *hash_hex,
    const char *actor, char **cause);
/*
 * patrolctl: rows (name, created_at, last_used_at, revoked) by name in
 * *res (caller PQclear()s it); read them with store_open311_key_list_row.
 */
int store_open311_key_list(struct db *, PGresult **res, char **cause);
struct store_open311_key {
	const char *name;
	const char *created_at;   /* local time, text */
	const char *last_used_at; /* "-" when never used */
	int revoked;
};
/* Row i of store_open311_key_list: 1 with *k, 0 past the last row. */
int store_open311_key_list_row(
    const PGresult *, int i, struct store_open311_key *k);
/* patrolctl: revokes a client's key; an unknown or revoked name is refused. */
int store_open311_key_revoke(
    struct db *, const char *name, const char *actor, char **cause);
/*
 * patrold: the live key with this hash, noting its use: one row (id, name)
 * or none; read it with store_open311_key_lookup_row.
 */
void store_open311_key_lookup(
    struct db *, const char *hash_hex, db_cb, void *arg);
/* 1 with the key's *id and *name (lives as long as res), or 0: no key. */
int store_open311_key_lookup_row(
    const PGresult *, long long *id, const char **name);

/* Active categories with their questions, by code: a JSON array. */
void store_open311_services(struct db *, db_cb, void *arg);

struct store_open311_received {
	long long request_id;
	long long key_id;
	const char *actor;      /* "open311:CLIENT" */
	const char *client;     /* the key's name */
	const char *media_url;  /* or NULL */
	const char *client_ref; /* e.g. FixMyStreet's report id, or NULL */
	const char *email;      /* the caller's, or NULL */
	const char *duplicates; /* JSON array of request ids */
	int photos;
};
/*
 * After store_request_create: records the client, the e-mail with the
 * caller, and an "open311_received" event (client, duplicates found,
 * photos) for the dispatcher's timeline.
 */
void store_open311_received(
    struct db *, const struct store_open311_received *, db_cb, void *arg);

struct store_open311_comment {
	long long request_id;
	const char *actor, *client;
	const char *client_update_id; /* the client's own id, or NULL */
	const char *status;           /* as sent, lower case, or NULL */
	const char *text;
	const char *media_url, *client_at; /* or NULL */
};
/*
 * A resident's comment as a "resident_comment" event: one row with the
 * event id (the one already stored when the client sends the same update
 * again), or none when the request does not exist.
 */
void store_open311_comment(
    struct db *, const struct store_open311_comment *, db_cb, void *arg);
/*
 * Its result (status DB_OK): the event id, owned by r, or NULL when the
 * request does not exist.
 */
const char *store_open311_comment_id(const struct db_result *);

/*
 * A search of requests or of their updates. Dates are text PostgreSQL
 * reads as timestamptz (zone-less ones in the session's time zone).
 */
struct store_open311_query {
	const char *ids;      /* SQL bigint array literal, or NULL */
	const char *services; /* SQL text array literal, or NULL */
	const char *states;   /* SQL text array literal, or NULL */
	const char *start, *end;
	const char *updated_after, *updated_before;
	int default_window; /* no dates given: the last window_days */
	int window_days;    /* the longest range either pair may span */
	int limit, offset;
	const char *kinds; /* event kinds that are updates: array literal */
	int all_events;    /* requests: every update, else the last one */
};

/*
 * {"requests":[...]} (newest first) or {"error":"range"|"order"} when a
 * date range is longer than window_days or ends before it starts.
 */
void store_open311_requests(
    struct db *, const struct store_open311_query *, db_cb, void *arg);
/*
 * {"updates":[...]} (oldest first) of events of the kinds, by event time;
 * a request merged into another also gets the other's later events.
 * Errors as store_open311_requests.
 */
void store_open311_updates(
    struct db *, const struct store_open311_query *, db_cb, void *arg);

#endif
