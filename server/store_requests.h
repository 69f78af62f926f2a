/*
 * SQL for requests, callers, events, call-backs, recommendations and past
 * cases. Each function queues one statement on the pool; results are one
 * text column of JSON unless said otherwise. Strings passed in are copied.
 */
#ifndef PATROL_STORE_REQUESTS_H
#define PATROL_STORE_REQUESTS_H

#include "db.h"

struct store_new_request {
	const char *category;
	const char *channel;
	double lon, lat, easting, northing;
	const char *address;
	const char *ward_code;
	const char *description;
	const char *answers_json;
	int priority;
	const char *callback_at; /* ISO 8601 or NULL */
	const char *actor;
	const char *caller_name, *caller_phone, *caller_address;
	const char *caller_consent_text; /* NULL: no consent to contact */
	int dup_radius_m;
	int dup_window_h;
	/* What was typed to find the point, and how exact it is: block,
	 * town, place, case or pin (placed or moved by hand); or NULL. */
	const char *location_text, *location_level;
	/* The resident's availability (ISO 8601, checked), or NULL. */
	const char *window_from, *window_to;
	int survey_hours; /* petitions: survey deadline (0: 24 h) */
	/* Added to the reply as they are: the ward's name, or NULL. */
	const char *ward_name;
	/* JSON text for "outside_wards" (NULL: false). */
	const char *outside_json;
};

struct store_queue_filter {
	const char *set; /* "open", "closed" (lifecycle.h's sets) or "all" */
	const char *category;
	const char *ward_code;
	int limit;
};

struct store_transition {
	long long id;
	int version; /* as read: the compare-and-set key */
	const char *action, *actor;
	long long crew_id;       /* new crew, or 0 to keep */
	long long event_crew_id; /* the crew the event is about */
	const char *outcome;
	long long parent_id;
	int has_position;
	double lon, lat;
	const char *detail_json;
};

struct store_case_query {
	const char *like; /* ILIKE pattern, already escaped, or NULL */
	const char *category;
	const char *ward_code;
	const char *outcome;    /* an outcome code */
	const char *place_like; /* ILIKE pattern on the address, or NULL */
	const char *from, *to;  /* dates (YYYY-MM-DD, local), or NULL */
	const char *tz;
	int has_point;
	double easting, northing;
	int radius_m;
	int limit;
};

/*
 * An active category as one JSON text (read it with store_result_text),
 * no row when there is none of that code.
 */
void store_category_get(struct db *, const char *code, db_cb, void *);
/* NOTIFYed by every change of categories (schema/0291). */
#define STORE_CATEGORIES_CHANNEL "categories_changed"
/* The new request with "duplicates"; no row if the category vanished. */
void store_request_create(
    struct db *, const struct store_new_request *, db_cb, void *);
/*
 * Its row: the whole reply as JSON text, to be sent as is (built by
 * PostgreSQL, not parsed again), and the new id. 0 when there is no row.
 * The JSON comes first: store_result_json reads it too.
 */
int store_request_created_row(
    const PGresult *, long long *id, const char **json);
/*
 * Sets the resident's availability of an open request (NULL clears that
 * end) and appends a 'window_set' event. No row: not found or closed.
 */
void store_request_window(struct db *, long long id, const char *actor,
    const char *from, const char *to, db_cb, void *);
/* Detail with events; callers (audited) only when with_callers. */
void store_request_get(struct db *, long long id, const char *actor,
    int with_callers, db_cb, void *);
void store_request_list(
    struct db *, const struct store_queue_filter *, db_cb, void *);
/* State, version, outcomes, and the named crew and parent (0: none). */
void store_request_state(
    struct db *, long long id, long long crew, long long parent, db_cb, void *);
/* No row when the version moved on (someone else changed it first). */
void store_request_transition(
    struct db *, const struct store_transition *, db_cb, void *);
/* A call-back promised (at), or its result recorded (issue 16). */
struct store_callback {
	long long id;
	const char *actor;
	const char *at;     /* ISO 8601 or NULL */
	int done;           /* closed without a result (older clients) */
	const char *note;   /* or NULL */
	const char *result; /* answered, no_answer, explained, not_needed */
	int retry_minutes;  /* no_answer without at: next attempt after */
};
void store_request_callback(
    struct db *, const struct store_callback *, db_cb, void *);
struct store_callbacks_query {
	const char *actor;
	const char *status; /* NULL or "all", "due", "overdue" */
	int outcome_minutes;
	int with_callers; /* names and phones, audited */
};
void store_callbacks_list(
    struct db *, const struct store_callbacks_query *, db_cb, void *);
/* One row per escalated request (event ids). */
void store_escalate_due(struct db *, db_cb, void *);
/*
 * Rows (id, event JSON) after an event id, in order, up to the safe id
 * (schema/0090: no event below it can still commit); none while writers
 * in flight keep it from being known.
 */
void store_events_since(struct db *, long long after, int limit, db_cb, void *);
/*
 * Row i of store_events_since: 1 with *id and *json (lives as long as the
 * result), 0 past the last row.
 */
int store_events_row(const PGresult *, int i, long long *id, const char **json);
/*
 * The safe id (one row; NULL while not known yet): read it with
 * store_result_ll.
 */
void store_events_last(struct db *, db_cb, void *);
void store_recommend_candidates(
    struct db *, long long id, const char *tz, db_cb, void *);
/*
 * Records a stored photo on a request (once; event "photo_added" the first
 * time). No row when the request does not exist or, with crew > 0, when
 * crew does not hold it (a crew user's upload; 0: anyone's request).
 */
void store_request_photo_add(struct db *, long long id, const char *sha256,
    size_t bytes, const char *content_type, const char *actor, long long crew,
    db_cb, void *);
/* Its result: 1 when the photo is on the request, else 0. */
int store_request_photo_added(const struct db_result *);
/*
 * The crew holding a request (0: none) as one column; no row if unknown.
 * Read it with store_request_crew_row.
 */
void store_request_crew(struct db *, long long id, db_cb, void *);
/* 1 with *crew_id (0: no crew), or 0 when the request is unknown. */
int store_request_crew_row(const PGresult *, long long *crew_id);
/*
 * The photo's content type (read it with store_result_text); no row when
 * it is not known.
 */
void store_photo_get(struct db *, const char *sha256, db_cb, void *);
void store_cases_search(
    struct db *, const struct store_case_query *, db_cb, void *);

#endif
