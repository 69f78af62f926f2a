/*
 * A point inside the service area but outside every ward: the classic
 * call from just over the city line, to be passed on. What the reply, the
 * request's detail and Open311 tell about it comes from here.
 */
#ifndef PATROL_OUTSIDE_H
#define PATROL_OUTSIDE_H

#include <jansson.h>

struct ward_set;

/*
 * For a point outside every ward of a non-empty set: a new object
 * {"outside_wards": true, "nearest_ward_code", "nearest_ward_name",
 * "distance_m", "municipality"} where municipality is the neighbouring
 * municipality the boundary data names, or null when it names none.
 * NULL when the point is in a ward or no wards are loaded.
 */
json_t *outside_describe(const struct ward_set *, double lon, double lat);
/* The notice for a resident (Japanese, or English when en); caller frees. */
char *outside_notice(const json_t *described, int en);

#endif
