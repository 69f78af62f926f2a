/*
 * Sync replies packed: the database's answer to a batch (acks, new and
 * cancelled jobs, the day plan, places, categories) with the settings the
 * handheld follows, and the error reply. The decoding and checking of
 * requests is sync.c.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "sync.h"
#include "xmalloc.h"

/* Everything a reply allocates, freed at once after packing. */
struct sync_mem {
	void **p;
	size_t n, cap;
};

static void *
sync_alloc(struct sync_mem *m, size_t n, size_t size)
{
	void *p = xcalloc(n == 0 ? 1 : n, size);

	if (m->n == m->cap) {
		m->cap = m->cap == 0 ? 32 : m->cap * 2;
		m->p = xreallocarray(m->p, m->cap, sizeof *m->p);
	}
	m->p[m->n++] = p;
	return p;
}

static void
sync_mem_free(struct sync_mem *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		free(m->p[i]);
	free(m->p);
}

static char *
sync_str(json_t *o, const char *key)
{
	return (char *)json_string_value(json_object_get(o, key));
}

static char *
sync_str_req(json_t *o, const char *key)
{
	char *s = sync_str(o, key);

	return s != NULL ? s : "";
}

/* An optional integer field: *has says whether the JSON holds one. */
static void
sync_int_opt(json_t *o, const char *key, protobuf_c_boolean *has, int64_t *v)
{
	json_t *j = json_object_get(o, key);

	*has = json_is_integer(j);
	*v = json_integer_value(j);
}

static Patrol__Sync__V1__ItemAck__Status
sync_ack_status(const char *s)
{
	if (s != NULL && strcmp(s, "duplicate") == 0)
		return PATROL__SYNC__V1__ITEM_ACK__STATUS__DUPLICATE;
	if (s != NULL && strcmp(s, "conflict") == 0)
		return PATROL__SYNC__V1__ITEM_ACK__STATUS__CONFLICT;
	if (s != NULL && strcmp(s, "rejected") == 0)
		return PATROL__SYNC__V1__ITEM_ACK__STATUS__REJECTED;
	return PATROL__SYNC__V1__ITEM_ACK__STATUS__APPLIED;
}

static Patrol__Sync__V1__Assignment *
sync_assignment(struct sync_mem *m, json_t *a)
{
	Patrol__Sync__V1__Assignment *x = sync_alloc(m, 1, sizeof *x);
	json_t *v, *callers = json_object_get(a, "callers");
	json_t *outcomes = json_object_get(a, "outcomes");
	size_t i;
	char *s;

	patrol__sync__v1__assignment__init(x);
	x->request_id = json_integer_value(json_object_get(a, "request_id"));
	x->category = sync_str_req(a, "category");
	x->state = sync_str_req(a, "state");
	if (json_is_number(v = json_object_get(a, "lat"))) {
		x->has_lat = x->has_lon = 1;
		x->lat = json_number_value(v);
		x->lon = json_number_value(json_object_get(a, "lon"));
	}
	x->address = sync_str(a, "address");
	x->description = sync_str(a, "description");
	x->category_name = sync_str(a, "category_name");
	x->category_name_en = sync_str(a, "category_name_en");
	x->due_make_safe = sync_str(a, "due_make_safe");
	if (json_is_integer(v = json_object_get(a, "priority"))) {
		x->has_priority = 1;
		x->priority = (int32_t)json_integer_value(v);
	}
	if ((v = json_object_get(a, "answers")) != NULL &&
	    json_object_size(v) > 0) {
		s = json_dumps(v, JSON_COMPACT);
		x->answers_json = sync_alloc(m, strlen(s) + 1, 1);
		memcpy(x->answers_json, s, strlen(s) + 1);
		free(s);
	}
	x->n_callers = json_array_size(callers);
	x->callers = sync_alloc(m, x->n_callers, sizeof *x->callers);
	json_array_foreach(callers, i, v)
	{
		x->callers[i] = sync_alloc(m, 1, sizeof **x->callers);
		patrol__sync__v1__caller__init(x->callers[i]);
		x->callers[i]->name = sync_str(v, "name");
		x->callers[i]->phone = sync_str(v, "phone");
	}
	x->n_outcomes = json_array_size(outcomes);
	x->outcomes = sync_alloc(m, x->n_outcomes, sizeof *x->outcomes);
	json_array_foreach(outcomes, i, v)
	{
		x->outcomes[i] = sync_alloc(m, 1, sizeof **x->outcomes);
		patrol__sync__v1__outcome__init(x->outcomes[i]);
		x->outcomes[i]->code = sync_str_req(v, "code");
		x->outcomes[i]->name_ja = sync_str(v, "name_ja");
		x->outcomes[i]->name_en = sync_str(v, "name_en");
	}
	return x;
}

static Patrol__Sync__V1__ItemAck *
sync_ack(struct sync_mem *m, json_t *v)
{
	Patrol__Sync__V1__ItemAck *a = sync_alloc(m, 1, sizeof *a);

	patrol__sync__v1__item_ack__init(a);
	a->client_id = sync_str_req(v, "client_id");
	a->status = sync_ack_status(sync_str(v, "status"));
	a->message = sync_str(v, "message");
	a->field = sync_str(v, "field");
	a->state = sync_str(v, "state");
	sync_int_opt(v, "request_id", &a->has_request_id, &a->request_id);
	return a;
}

static Patrol__Sync__V1__Cancellation *
sync_cancellation(struct sync_mem *m, json_t *v)
{
	Patrol__Sync__V1__Cancellation *c = sync_alloc(m, 1, sizeof *c);

	patrol__sync__v1__cancellation__init(c);
	c->request_id = json_integer_value(json_object_get(v, "request_id"));
	c->state = sync_str_req(v, "state");
	c->reason = sync_str(v, "reason");
	return c;
}

static void
sync_settings_set(Patrol__Sync__V1__Settings *s, const struct sync_settings *st)
{
	s->has_track_interval_s = s->has_sync_interval_s = 1;
	s->has_photo_chunk_bytes = s->has_photo_max_bytes = 1;
	s->track_interval_s = st->track_interval_s;
	s->sync_interval_s = st->sync_interval_s;
	s->photo_chunk_bytes = st->photo_chunk_bytes;
	s->photo_max_bytes = st->photo_max_bytes;
	s->time_zone = (char *)st->time_zone;
	s->has_photo_resize_bytes = st->photo_resize_bytes > 0;
	s->photo_resize_bytes = st->photo_resize_bytes;
	s->lifecycle_json = (char *)st->lifecycle_json;
}

/*
 * One stop of the crew's day plan (schema/functions/sync_plan.sql), at
 * position (1 = first): its place in the plan's array.
 */
static Patrol__Sync__V1__PlanStop *
sync_plan_stop(struct sync_mem *m, json_t *v, size_t position)
{
	Patrol__Sync__V1__PlanStop *p = sync_alloc(m, 1, sizeof *p);

	patrol__sync__v1__plan_stop__init(p);
	p->request_id = json_integer_value(json_object_get(v, "request_id"));
	p->position = (uint32_t)position;
	sync_int_opt(v, "expected_from_ms", &p->has_expected_from_ms,
	    &p->expected_from_ms);
	sync_int_opt(
	    v, "expected_to_ms", &p->has_expected_to_ms, &p->expected_to_ms);
	return p;
}

static Patrol__Sync__V1__Place *
sync_place(struct sync_mem *m, json_t *v)
{
	Patrol__Sync__V1__Place *p = sync_alloc(m, 1, sizeof *p);

	patrol__sync__v1__place__init(p);
	p->name = sync_str_req(v, "name");
	p->lat = json_number_value(json_object_get(v, "lat"));
	p->lon = json_number_value(json_object_get(v, "lon"));
	return p;
}

/* A finding category; questions_json is the caller's to free. */
static Patrol__Sync__V1__Category *
sync_category(struct sync_mem *m, const char *code, json_t *v)
{
	Patrol__Sync__V1__Category *c = sync_alloc(m, 1, sizeof *c);

	patrol__sync__v1__category__init(c);
	c->code = (char *)code;
	c->name_ja = sync_str(v, "name_ja");
	c->name_en = sync_str(v, "name_en");
	c->questions_json =
	    json_dumps(json_object_get(v, "questions"), JSON_COMPACT);
	return c;
}

uint8_t *
sync_response_pack(json_t *res, const char *batch_id,
    const struct sync_settings *st, size_t *len)
{
	Patrol__Sync__V1__SyncResponse r =
	    PATROL__SYNC__V1__SYNC_RESPONSE__INIT;
	Patrol__Sync__V1__Settings s = PATROL__SYNC__V1__SETTINGS__INIT;
	json_t *acks = json_object_get(res, "acks");
	json_t *assign = json_object_get(res, "assignments");
	json_t *gone = json_object_get(res, "cancellations");
	json_t *wanted = json_object_get(res, "photos_wanted"), *v, *cats;
	json_t *plan, *places;
	const char *key;
	struct sync_mem m = {NULL, 0, 0};
	uint8_t *buf;
	size_t i;

	r.batch_id = (char *)batch_id;
	r.cursor = (uint64_t)json_integer_value(json_object_get(res, "cursor"));
	r.has_replayed = 1;
	r.replayed = json_is_true(json_object_get(res, "replayed"));
	r.n_acks = json_array_size(acks);
	r.acks = sync_alloc(&m, r.n_acks, sizeof *r.acks);
	json_array_foreach(acks, i, v) r.acks[i] = sync_ack(&m, v);
	r.n_assignments = json_array_size(assign);
	r.assignments = sync_alloc(&m, r.n_assignments, sizeof *r.assignments);
	json_array_foreach(assign, i, v) r.assignments[i] =
	    sync_assignment(&m, v);
	r.n_cancellations = json_array_size(gone);
	r.cancellations =
	    sync_alloc(&m, r.n_cancellations, sizeof *r.cancellations);
	json_array_foreach(gone, i, v) r.cancellations[i] =
	    sync_cancellation(&m, v);
	r.n_photos_wanted = json_array_size(wanted);
	r.photos_wanted =
	    sync_alloc(&m, r.n_photos_wanted, sizeof *r.photos_wanted);
	json_array_foreach(wanted, i, v) r.photos_wanted[i] =
	    (char *)json_string_value(v);
	sync_settings_set(&s, st);
	r.settings = &s;
	/* The crew's day plan, in order. */
	plan = json_object_get(res, "plan");
	r.has_plan_sent = 1;
	r.plan_sent = json_is_array(plan);
	r.plan = sync_alloc(&m, json_array_size(plan), sizeof *r.plan);
	json_array_foreach(plan, i, v) r.plan[r.n_plan++] =
	    sync_plan_stop(&m, v, i + 1);
	/* The places around the crew's office, with the categories. */
	places = json_object_get(res, "places");
	r.places = sync_alloc(&m, json_array_size(places), sizeof *r.places);
	json_array_foreach(places, i, v) r.places[r.n_places++] =
	    sync_place(&m, v);
	/* The finding categories a handheld asked for, with their questions. */
	cats = json_object_get(res, "categories");
	r.categories =
	    sync_alloc(&m, json_object_size(cats), sizeof *r.categories);
	json_object_foreach(cats, key, v) r.categories[r.n_categories++] =
	    sync_category(&m, key, v);
	*len = patrol__sync__v1__sync_response__get_packed_size(&r);
	buf = xmalloc(*len + 1);
	patrol__sync__v1__sync_response__pack(&r, buf);
	for (i = 0; i < r.n_categories; i++)
		free(r.categories[i]->questions_json);
	sync_mem_free(&m);
	return buf;
}

uint8_t *
sync_error_pack(
    const char *code, const char *field, const char *message, size_t *len)
{
	Patrol__Sync__V1__Error e = PATROL__SYNC__V1__ERROR__INIT;
	uint8_t *buf;

	e.code = (char *)code;
	e.field = (char *)field;
	e.message = (char *)message;
	*len = patrol__sync__v1__error__get_packed_size(&e);
	buf = xmalloc(*len + 1);
	patrol__sync__v1__error__pack(&e, buf);
	return buf;
}
