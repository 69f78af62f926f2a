/*
 * patrol-agent-gpsd.so: positions from gpsd through libgps (module.h),
 * loaded by gps.c only when the agent is told to use gpsd (--gpsd): on
 * Debian libgps brings libstdc++, D-Bus, libsystemd and their libraries
 * (about 2 MB resident), which an NMEA replay or a handheld without a
 * receiver does not need. gps_open, gps_stream with WATCH_JSON, gps_read
 * of its TPV reports: libgps decodes gpsd's JSON, not we. Only libc and
 * libgps are called here: every string returned is malloc'ed.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <gps.h>

#include "module.h"

struct gpsd_conn {
	struct gps_data_t gd;
	int64_t last_t;
};

static struct gpsd_conn *
gpsd_open(const char *host, const char *port, char **cause)
{
	struct gpsd_conn *c = calloc(1, sizeof *c);

	if (c == NULL) {
		*cause = module_printf("out of memory");
		return NULL;
	}
	if (gps_open(host, port, &c->gd) != 0) {
		*cause = module_printf("cannot reach gpsd at %s:%s: %s", host,
		    port, gps_errstr(errno));
		free(c);
		return NULL;
	}
	if (gps_stream(&c->gd, WATCH_ENABLE | WATCH_JSON, NULL) != 0) {
		*cause = module_printf("cannot reach gpsd at %s:%s: %s", host,
		    port, gps_errstr(errno));
		gps_close(&c->gd);
		free(c);
		return NULL;
	}
	return c;
}

/*
 * The report libgps just read: 1 with *fix when it is a TPV with a 2D/3D
 * fix, a time and a position (gpsd repeats a fix in several reports:
 * each is kept once).
 */
static int
gpsd_fix(struct gpsd_conn *c, struct gpsd_fix *fix)
{
	const struct gps_data_t *gd = &c->gd;
	const struct gps_fix_t *f = &gd->fix;
	int64_t t;

	if ((gd->set & (LATLON_SET | TIME_SET)) != (LATLON_SET | TIME_SET) ||
	    f->mode < MODE_2D || !isfinite(f->latitude) ||
	    !isfinite(f->longitude) || fabs(f->latitude) > 90 ||
	    fabs(f->longitude) > 180 || f->time.tv_sec <= 0)
		return 0;
	t = (int64_t)f->time.tv_sec * 1000 + f->time.tv_nsec / 1000000;
	if (t == c->last_t)
		return 0;
	c->last_t = t;
	fix->t_ms = t;
	fix->lat = f->latitude;
	fix->lon = f->longitude;
	return 1;
}

static int
gpsd_next(struct gpsd_conn *c, int wait_us, struct gpsd_fix *fix, char **cause)
{
	/* What libgps holds or the socket has; then at most wait_us for
	 * more. */
	while (gps_waiting(&c->gd, wait_us)) {
		if (gps_read(&c->gd, NULL, 0) == -1) {
			*cause = module_printf("gpsd closed the connection");
			return -1;
		}
		if (gpsd_fix(c, fix))
			return 1;
		wait_us = 0; /* what came held no new fix */
	}
	return 0;
}

static int
gpsd_fd(struct gpsd_conn *c)
{
	return c->gd.gps_fd;
}

static void
gpsd_close(struct gpsd_conn *c)
{
	gps_close(&c->gd);
	free(c);
}

__attribute__((visibility("default")))
const struct gpsd_module patrol_agent_gpsd = {
    MODULE_ABI, gpsd_open, gpsd_next, gpsd_fd, gpsd_close};
