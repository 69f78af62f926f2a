#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <proj.h>

#include "geo.h"
#include "log.h"
#include "xmalloc.h"

static struct {
	PJ_CONTEXT *ctx;
	PJ *pj; /* normalised: (lon, lat) <-> (easting, northing) */
	char *crs;
	struct geo_area area;
} geo;

static void
geo_log_cb(void *arg, int level, const char *msg)
{
	(void)arg;
	if (level <= PJ_LOG_ERROR)
		log_warnx("src=proj msg=%s", log_q(msg));
	else
		log_debug("src=proj msg=%s", log_q(msg));
}

int
geo_init(const char *crs, const struct geo_area *area, char **cause)
{
	PJ *raw;
	double w, s, e, n;
	const char *name;

	geo_fini();
	geo.ctx = proj_context_create();
	proj_log_func(geo.ctx, NULL, geo_log_cb);
	proj_log_level(geo.ctx, PJ_LOG_ERROR);
	proj_context_set_enable_network(geo.ctx, 0);

	raw = proj_create_crs_to_crs(geo.ctx, "EPSG:4326", crs, NULL);
	if (raw == NULL) {
		*cause = xasprintf("crs %s: %s", crs,
		    proj_context_errno_string(
		        geo.ctx, proj_context_errno(geo.ctx)));
		geo_fini();
		return -1;
	}
	geo.pj = proj_normalize_for_visualization(geo.ctx, raw);
	proj_destroy(raw);
	if (geo.pj == NULL) {
		*cause = xasprintf("crs %s: cannot normalise axis order", crs);
		geo_fini();
		return -1;
	}
	geo.crs = xstrdup(crs);
	geo.area = *area;

	/* A service area outside the CRS's area of use gives wrong metres. */
	if (proj_get_area_of_use(geo.ctx, geo.pj, &w, &s, &e, &n, &name) &&
	    w > -1000 &&
	    (area->lon_min < w - 0.01 || area->lon_max > e + 0.01 ||
	        area->lat_min < s - 0.01 || area->lat_max > n + 0.01)) {
		*cause = xasprintf("service_area %.4f,%.4f,%.4f,%.4f is not "
		                   "inside the area of use of %s "
		                   "(%.4f,%.4f,%.4f,%.4f)",
		    area->lon_min, area->lat_min, area->lon_max, area->lat_max,
		    crs, w, s, e, n);
		geo_fini();
		return -1;
	}
	log_info("event=geo_ready crs=%s area=%.4f,%.4f,%.4f,%.4f", crs,
	    area->lon_min, area->lat_min, area->lon_max, area->lat_max);
	return 0;
}

void
geo_fini(void)
{
	if (geo.pj != NULL)
		proj_destroy(geo.pj);
	if (geo.ctx != NULL)
		proj_context_destroy(geo.ctx);
	free(geo.crs);
	memset(&geo, 0, sizeof geo);
}

const char *
geo_crs(void)
{
	return geo.crs;
}

static int
geo_check_one(const char *field, double v, double lim, char **cause)
{
	if (isnan(v)) {
		*cause = xasprintf("%s is not a number (NaN)", field);
		return -1;
	}
	if (!isfinite(v)) {
		*cause = xasprintf("%s is infinite", field);
		return -1;
	}
	if (v < -lim || v > lim) {
		*cause = xasprintf(
		    "%s %.7g is out of range -%g..%g", field, v, lim, lim);
		return -1;
	}
	return 0;
}

int
geo_check_wgs84(double lon, double lat, char **cause)
{
	const struct geo_area *a = &geo.area;

	if (geo_check_one("lat", lat, 90, cause) != 0 ||
	    geo_check_one("lon", lon, 180, cause) != 0)
		return -1;
	if (lon < a->lon_min || lon > a->lon_max || lat < a->lat_min ||
	    lat > a->lat_max) {
		*cause = xasprintf("point lon %.7f lat %.7f is outside the "
		                   "service area (lon %g..%g, lat %g..%g)",
		    lon, lat, a->lon_min, a->lon_max, a->lat_min, a->lat_max);
		return -1;
	}
	return 0;
}

static int
geo_parse_one(const char *field, const char *s, double *out, char **cause)
{
	const char *p;
	char *end;
	int digits = 0;

	if (s == NULL || *s == '\0') {
		*cause = xasprintf("%s is missing", field);
		return -1;
	}
	/*
	 * strtod alone would take "nan", "inf", hex floats and "1e400";
	 * coordinates are plain decimals, so check the shape first.
	 */
	p = s;
	while (*p == ' ')
		p++;
	if (*p == '-' || *p == '+')
		p++;
	for (; (*p >= '0' && *p <= '9') || *p == '.'; p++) {
		if (*p != '.')
			digits++;
	}
	while (*p == ' ')
		p++;
	if (digits == 0 || *p != '\0' || strchr(s, '.') != strrchr(s, '.')) {
		*cause = xasprintf("%s is not a decimal number", field);
		return -1;
	}
	errno = 0;
	*out = strtod(s, &end);
	if (errno != 0) {
		*cause = xasprintf("%s is out of range", field);
		return -1;
	}
	return 0;
}

int
geo_parse_lonlat(
    const char *lon, const char *lat, double *lonp, double *latp, char **cause)
{
	if (geo_parse_one("lat", lat, latp, cause) != 0 ||
	    geo_parse_one("lon", lon, lonp, cause) != 0)
		return -1;
	return geo_check_wgs84(*lonp, *latp, cause);
}

static int
geo_trans(
    PJ_DIRECTION dir, double a, double b, double *x, double *y, char **cause)
{
	PJ_COORD c;
	int err;

	if (geo.pj == NULL) {
		*cause = xstrdup("geo is not initialised");
		return -1;
	}
	proj_errno_reset(geo.pj);
	c = proj_trans(geo.pj, dir, proj_coord(a, b, 0, 0));
	if ((err = proj_errno(geo.pj)) != 0 || c.xy.x == HUGE_VAL ||
	    !isfinite(c.xy.x) || !isfinite(c.xy.y)) {
		*cause = xasprintf("cannot transform (%.7g, %.7g) %s %s: %s", a,
		    b, dir == PJ_FWD ? "to" : "from", geo.crs,
		    err != 0 ? proj_context_errno_string(geo.ctx, err)
		             : "no result");
		proj_errno_reset(geo.pj);
		return -1;
	}
	*x = c.xy.x;
	*y = c.xy.y;
	return 0;
}

int
geo_to_plane(
    double lon, double lat, double *easting, double *northing, char **cause)
{
	if (geo_check_wgs84(lon, lat, cause) != 0)
		return -1;
	return geo_trans(PJ_FWD, lon, lat, easting, northing, cause);
}

int
geo_from_plane(
    double easting, double northing, double *lon, double *lat, char **cause)
{
	if (!isfinite(easting) || !isfinite(northing)) {
		*cause = xstrdup("easting/northing is not a finite number");
		return -1;
	}
	return geo_trans(PJ_INV, easting, northing, lon, lat, cause);
}

double
geo_length(const double *xy, size_t npoints)
{
	double len = 0;
	size_t i;

	for (i = 1; i < npoints; i++)
		len += hypot(
		    xy[2 * i] - xy[2 * i - 2], xy[2 * i + 1] - xy[2 * i - 1]);
	return len;
}
