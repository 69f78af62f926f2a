#include <math.h>

#include "track_codec.h"

#define TRACK_T_MAX ((int64_t)1 << 53)

int32_t
track_e6(double deg)
{
	return (int32_t)lround(deg * 1e6);
}

void
track_encode(const struct track_fix *f, size_t n, int64_t *dt, int32_t *dlat,
    int32_t *dlon)
{
	struct track_fix prev = {0, 0, 0};
	size_t i;

	for (i = 0; i < n; i++) {
		dt[i] = f[i].t_ms - prev.t_ms;
		/* In range, the difference of two is at most 360e6. */
		dlat[i] = f[i].lat_e6 - prev.lat_e6;
		dlon[i] = f[i].lon_e6 - prev.lon_e6;
		prev = f[i];
	}
}

int
track_decode(const int64_t *dt, const int32_t *dlat, const int32_t *dlon,
    size_t n, struct track_fix *out)
{
	int64_t t = 0, lat = 0, lon = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		/* Checked before adding: no signed overflow on hostile input.
		 */
		if (dt[i] > TRACK_T_MAX || dt[i] < -TRACK_T_MAX)
			return -1;
		t += dt[i];
		lat += dlat[i];
		lon += dlon[i];
		if (t < 0 || t > TRACK_T_MAX || lat < -TRACK_LAT_MAX_E6 ||
		    lat > TRACK_LAT_MAX_E6 || lon < -TRACK_LON_MAX_E6 ||
		    lon > TRACK_LON_MAX_E6)
			return -1;
		out[i].t_ms = t;
		out[i].lat_e6 = (int32_t)lat;
		out[i].lon_e6 = (int32_t)lon;
	}
	return 0;
}
