/*
 * Points outside our wards (see outside.h). The ward set holds only our
 * own wards today, so the neighbouring municipality is named only when
 * the boundary data carries one; otherwise the nearest ward and the
 * distance to its boundary say which way the caller is.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "outside.h"
#include "wards.h"
#include "xmalloc.h"

json_t *
outside_describe(const struct ward_set *set, double lon, double lat)
{
	const struct ward *w;
	double m;

	if (set == NULL || wards_count(set) == 0 ||
	    wards_find(set, lon, lat) != NULL)
		return NULL;
	if ((w = wards_nearest(set, lon, lat, &m)) == NULL)
		return NULL;
	return json_pack("{s:b,s:s,s:s,s:I,s:n}", "outside_wards", 1,
	    "nearest_ward_code", w->code, "nearest_ward_name", w->name,
	    "distance_m", (json_int_t)llround(m), "municipality");
}

char *
outside_notice(const json_t *d, int en)
{
	const char *muni =
	    json_string_value(json_object_get(d, "municipality"));
	const char *ward =
	    json_string_value(json_object_get(d, "nearest_ward_name"));
	long long m = json_integer_value(json_object_get(d, "distance_m"));

	if (en)
		return muni != NULL
		    ? xasprintf(" The location is outside our wards (in %s): "
		                "we may pass it on to them.",
		          muni)
		    : xasprintf(" The location is outside our wards (%lld m "
		                "from %s): we may pass it on to the "
		                "neighbouring municipality.",
		          m, ward != NULL ? ward : "-");
	return muni != NULL
	    ? xasprintf("この地点は当市の区域外（%s）です。先方へ引き継ぐ"
	                "ことがあります。",
	          muni)
	    : xasprintf("この地点は当市の区域外（%sの境界から %lld m）"
	                "です。隣接する自治体へ引き継ぐことがあります。",
	          ward != NULL ? ward : "-", m);
}
