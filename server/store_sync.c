/*
 * SQL for devices, enrollment, sync batches and photo uploads. The batch
 * itself is applied by the plpgsql function sync_apply() (schema/functions/):
 * the pool runs one statement per query, and one statement is one
 * transaction, so the whole batch commits or nothing does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "store_result.h"
#include "store_sql.h"
#include "store_num.h"
#include "store_sync.h"
#include "xmalloc.h"

void
store_sync_device(struct db *db, const char *token_sha256, int with_categories,
    db_cb cb, void *arg)
{
	const char *p[] = {token_sha256, with_categories ? "t" : "f"};

	db_query(db,
	    "SELECT d.id, d.crew_id, c.code, CASE WHEN $2::boolean THEN"
	    " (SELECT coalesce(jsonb_object_agg(k.code, jsonb_build_object("
	    "  'code', k.code, 'name_ja', k.name_ja, 'name_en', k.name_en,"
	    "  'priority', k.priority, 'questions',"
	    "  k.questions, 'outcomes', k.outcomes)), '{}')"
	    "  FROM categories k WHERE k.active)::text END,"
	    /* With them, the places around the crew's office (addr_town_near's
	     * names): the handheld names a finding's place offline. */
	    " CASE WHEN $2::boolean THEN (SELECT coalesce(jsonb_agg("
	    "  jsonb_build_object('name', p.name, 'lat', p.lat, 'lon', p.lon)),"
	    "  '[]') FROM ((SELECT b.city || b.town || b.block || CASE WHEN"
	    "   b.jukyo THEN '番' ELSE '番地' END AS name, b.lat, b.lon"
	    "   FROM addr_blocks b WHERE b.lat BETWEEN o.lat - 0.03 AND"
	    "   o.lat + 0.03 AND b.lon BETWEEN o.lon - 0.037 AND o.lon + 0.037"
	    "   ORDER BY (b.lat - o.lat) ^ 2 + ((b.lon - o.lon) * 0.81) ^ 2"
	    "   LIMIT 2000) UNION ALL (SELECT t.city || t.town || CASE WHEN"
	    "   t.koaza <> '' THEN ' ' || t.koaza ELSE '' END, t.lat, t.lon"
	    "   FROM addr_towns t WHERE t.lat BETWEEN o.lat - 0.1 AND"
	    "   o.lat + 0.1 AND t.lon BETWEEN o.lon - 0.12 AND o.lon + 0.12"
	    "   ORDER BY (t.lat - o.lat) ^ 2 + ((t.lon - o.lon) * 0.81) ^ 2"
	    "   LIMIT 2000)) p)::text END"
	    " FROM devices d JOIN crews c ON c.id = d.crew_id"
	    " LEFT JOIN offices o ON o.id = c.office_id"
	    " WHERE d.token_sha256 = $1 AND d.revoked_at IS NULL",
	    2, p, cb, arg);
}

/* (id, crew_id, crew code, categories, places) */
static const struct store_col sync_device_cols[] = {
    STORE_COL(LL, struct store_sync_device, id),
    STORE_COL(LL, struct store_sync_device, crew_id),
    STORE_COL_SKIPPED,
    STORE_COL(CELL, struct store_sync_device, categories),
    STORE_COL(CELL, struct store_sync_device, places),
};

int
store_sync_device_row(const PGresult *res, struct store_sync_device *d)
{
	return store_result_one_row(res, 5) &&
	    store_result_decode(res, 0, STORE_COLS(sync_device_cols), d);
}

void
store_sync_apply(struct db *db, const char *token_sha256, long long device_id,
    const char *batch_json, const char *rules_json, db_cb cb, void *arg)
{
	struct store_num id;
	const char *p[] = {token_sha256,
	    device_id > 0 ? store_num_ll(&id, device_id) : NULL, batch_json,
	    rules_json};

	/*
	 * Syncs waiting together share a transaction and its WAL flush
	 * (db_group.c): a sync is bound by the disk's flush, not the CPU. Two
	 * syncs of one device in a group run one after the other, as they
	 * would alone; a batch sent twice is answered from the first.
	 */
	db_query_grouped(db,
	    "SELECT sync_apply($1, $2::bigint, $3::jsonb, $4::jsonb)::text", 4,
	    p, cb, arg);
}

void
store_sync_enroll(struct db *db, const char *code_sha256,
    const char *token_sha256, const char *label, const char *version, db_cb cb,
    void *arg)
{
	const char *p[] = {code_sha256, token_sha256, label, version};

	db_query(
	    db, "SELECT device_enroll($1, $2, $3, $4)::text", 4, p, cb, arg);
}

void
store_sync_photo_lookup(struct db *db, const char *token_sha256,
    const char *sha256, db_cb cb, void *arg)
{
	const char *p[] = {token_sha256, sha256};

	db_query(db,
	    "SELECT d.id, e.bytes, e.content_type,"
	    " (SELECT f.bytes FROM photos f WHERE f.sha256 = $2)"
	    " FROM devices d LEFT JOIN sync_photos_expected e"
	    " ON e.device_id = d.id AND e.sha256 = $2"
	    " WHERE d.token_sha256 = $1 AND d.revoked_at IS NULL",
	    2, p, cb, arg);
}

static const struct store_col sync_photo_cols[] = {
    STORE_COL(LL, struct store_sync_photo, device_id),
    STORE_COL(LL, struct store_sync_photo, bytes),
    STORE_COL(TEXT, struct store_sync_photo, content_type),
    STORE_COL(LL, struct store_sync_photo, stored_bytes),
};

int
store_sync_photo_lookup_row(const PGresult *res, struct store_sync_photo *p)
{
	memset(p, 0, sizeof *p);
	if (!store_result_one_row(res, 4) ||
	    !store_result_decode(res, 0, STORE_COLS(sync_photo_cols), p))
		return 0;
	p->announced = !PQgetisnull(res, 0, 1);
	p->stored = !PQgetisnull(res, 0, 3);
	return 1;
}

void
store_sync_photo_stored(struct db *db, const char *sha256, size_t bytes,
    const char *content_type, db_cb cb, void *arg)
{
	struct store_num size;
	const char *p[] = {sha256, store_num_ll(&size, bytes), content_type};

	db_query(db, "SELECT sync_photo_stored($1, $2::bigint, $3)::text", 3, p,
	    cb, arg);
}

void
store_devices_enroll_q(struct db *db, const char *crew, const char *code_sha256,
    int ttl_min, const char *actor, db_cb cb, void *arg)
{
	struct store_num ttl;
	const char *p[] = {
	    crew, code_sha256, store_num_ll(&ttl, ttl_min), actor};

	db_query(db,
	    "WITH e AS (INSERT INTO device_enrollments (crew_id,"
	    " code_sha256, created_by, expires_at) SELECT id, $2, $4,"
	    " now() + $3::int * interval '1 minute' FROM crews"
	    " WHERE code = $1 RETURNING id, crew_id, expires_at),"
	    " a AS (INSERT INTO audit_log (actor, action, object_type,"
	    " object_id, detail) SELECT $4, 'device.enroll_code', 'crew',"
	    " $1, jsonb_build_object('enrollment', e.id) FROM e)"
	    " SELECT to_char(expires_at, " STORE_SQL_W3C ")"
	    " FROM e",
	    4, p, cb, arg);
}

int
store_devices_enroll_code(struct db *db, const char *crew,
    const char *code_sha256, int ttl_min, const char *actor, char **expires,
    char **cause)
{
	struct db_wait w = {0};
	PGresult *res;

	store_devices_enroll_q(
	    db, crew, code_sha256, ttl_min, actor, db_wait_cb, &w);
	if (db_wait(db, &w, &res, cause) != 0)
		return -1;
	if (PQntuples(res) != 1) {
		PQclear(res);
		*cause = xasprintf("no crew with code '%s'", crew);
		return -1;
	}
	*expires = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return 0;
}

void
store_devices_list_q(struct db *db, const char *crew, db_cb cb, void *arg)
{
	const char *p[] = {crew};

	db_query(db,
	    "SELECT d.id, c.code, coalesce(d.label, ''),"
	    " coalesce(d.agent_version, ''),"
	    " to_char(d.enrolled_at, 'YYYY-MM-DD HH24:MI'),"
	    " coalesce(to_char(d.last_sync_at, 'YYYY-MM-DD HH24:MI:SS'), '-'),"
	    " CASE WHEN d.revoked_at IS NULL THEN 'active' ELSE 'revoked' END"
	    " FROM devices d JOIN crews c ON c.id = d.crew_id"
	    " WHERE $1::text IS NULL OR c.code = $1 ORDER BY d.id",
	    1, p, cb, arg);
}

/* The columns of store_devices_list_q, in order. */
static const struct store_col devices_cols[] = {
    STORE_COL(LL, struct store_device, id),
    STORE_COL(TEXT, struct store_device, crew),
    STORE_COL(TEXT, struct store_device, label),
    STORE_COL(TEXT, struct store_device, agent_version),
    STORE_COL(TEXT, struct store_device, enrolled_at),
    STORE_COL(TEXT, struct store_device, last_sync_at),
    STORE_COL(TEXT, struct store_device, state),
};

int
store_devices_row(const PGresult *res, int i, struct store_device *d)
{
	return store_result_decode(res, i, STORE_COLS(devices_cols), d);
}

int
store_devices_list(
    struct db *db, const char *crew, PGresult **res, char **cause)
{
	struct db_wait w = {0};

	store_devices_list_q(db, crew, db_wait_cb, &w);
	return db_wait(db, &w, res, cause);
}

void
store_devices_revoke_q(struct db *db, long long id, const char *crew,
    const char *actor, db_cb cb, void *arg)
{
	struct store_num ids;
	const char *p[] = {id > 0 ? store_num_ll(&ids, id) : NULL, crew, actor};

	/*
	 * sync_apply locks the device row: a sync in flight finishes first,
	 * and every later one sees the revocation.
	 */
	db_query(db,
	    "WITH r AS (UPDATE devices d SET revoked_at = now()"
	    " WHERE d.revoked_at IS NULL AND (d.id = $1::bigint OR"
	    " d.crew_id = (SELECT id FROM crews WHERE code = $2))"
	    " RETURNING d.id),"
	    " a AS (INSERT INTO audit_log (actor, action, object_type,"
	    " object_id) SELECT $3, 'device.revoke', 'device', r.id::text"
	    " FROM r)"
	    " SELECT count(*) FROM r",
	    3, p, cb, arg);
}

int
store_devices_revoke(struct db *db, long long id, const char *crew,
    const char *actor, int *n, char **cause)
{
	struct db_wait w = {0};
	PGresult *res;

	store_devices_revoke_q(db, id, crew, actor, db_wait_cb, &w);
	if (db_wait(db, &w, &res, cause) != 0)
		return -1;
	*n = store_result_cell_int(res, 0, 0);
	PQclear(res);
	return 0;
}
