/*
 * SQL for reference data: categories, offices, crews. JSON out, one text
 * column, like store_requests.
 */
#ifndef PATROL_STORE_REFERENCE_H
#define PATROL_STORE_REFERENCE_H

#include "db.h"

struct store_office {
	const char *code, *name_ja, *name_en;
	const char *wards;  /* SQL array literal {14135,14136} */
	const char *skills; /* {wasp,road} */
	double lon, lat;
};

struct store_crew {
	const char *code, *name, *office_code;
	const char *skills, *members; /* SQL array literals */
	const char *shift_start, *shift_end;
	int has_position;
	double lon, lat;
};

void store_categories_list(struct db *, db_cb, void *);
void store_offices_list(struct db *, db_cb, void *);
void store_crews_list(struct db *, db_cb, void *);
/*
 * Upserts categories from a JSON array shaped like store_categories_list's
 * output; one row per category saved.
 */
void store_categories_put(struct db *, const char *json, db_cb, void *);
/* Upserts by code; returns the id. */
void store_office_put(
    struct db *, const struct store_office *, const char *actor, db_cb, void *);
/* Upserts by code; no row when the office is unknown. */
void store_crew_put(
    struct db *, const struct store_crew *, const char *actor, db_cb, void *);
/*
 * status and/or position (NULL/has_position 0: unchanged); no row: no crew.
 * Each of these writes an audit_log row (actor, the office or crew code) in
 * the same statement.
 */
void store_crew_update(struct db *, long long id, const char *status,
    int has_position, double lon, double lat, const char *actor, db_cb, void *);

#endif
