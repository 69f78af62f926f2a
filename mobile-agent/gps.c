/*
 * Positions: from gpsd (the handheld's receiver, or gpsfake in tests)
 * through libgps in the module patrol-agent-gpsd.so (gpsd.c, loaded only
 * when gpsd is asked for: Debian's libgps maps libstdc++, D-Bus and
 * libsystemd, BENCHMARKS.md section 8), or replayed from an NMEA 0183 log
 * (--nmea). Only RMC sentences with status A (a valid fix) and a good
 * checksum count; their own UTC time stamps the fix, so a replay records
 * the track as it was.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent.h"
#include "module.h"

#define GPS_LINE_MAX    256
#define GPS_PACE_MAX_MS 5000 /* a replay never sleeps longer between fixes */

struct gps_src {
	int nmea;
	FILE *f;
	double speed;
	int64_t last_t;
	const struct gpsd_module *m; /* gpsd through libgps */
	struct gpsd_conn *c;
};

struct gps_src *
gps_src_open_addr(const char *addr, char **cause)
{
	char host[256], *port;

	snprintf(host, sizeof host, "%s", addr);
	if ((port = strrchr(host, ':')) != NULL)
		*port++ = '\0';
	return gps_src_open_gpsd(host, port != NULL ? port : "2947", cause);
}

struct gps_src *
gps_src_open_nmea(const char *path, double speed, char **cause)
{
	struct gps_src *s;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL) {
		*cause = xasprintf("cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	s = xcalloc(1, sizeof *s);
	s->nmea = 1;
	s->f = f;
	s->speed = speed;
	return s;
}

struct gps_src *
gps_src_open_gpsd(const char *host, const char *port, char **cause)
{
	const struct gpsd_module *m;
	struct gpsd_conn *c;
	struct gps_src *s;

	if ((m = module_gpsd(cause)) == NULL ||
	    (c = m->open(host, port, cause)) == NULL)
		return NULL;
	s = xcalloc(1, sizeof *s);
	s->m = m;
	s->c = c;
	return s;
}

static void
gps_sleep_ms(int64_t ms)
{
	struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000};

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static int
gps_src_next_nmea(struct gps_src *s, struct gps_fix *fix, char **cause)
{
	char line[GPS_LINE_MAX * 2];
	int64_t gap;

	while (fgets(line, sizeof line, s->f) != NULL) {
		if (!gps_nmea_parse(line, fix))
			continue;
		if (s->speed > 0 && s->last_t > 0) {
			gap = (int64_t)((double)(fix->t_ms - s->last_t) /
			    s->speed);
			if (gap > 0)
				gps_sleep_ms(gap < GPS_PACE_MAX_MS
				        ? gap
				        : GPS_PACE_MAX_MS);
		}
		s->last_t = fix->t_ms;
		return 1;
	}
	*cause = xstrdup("end of the NMEA log");
	return -1;
}

int
gps_src_next(
    struct gps_src *s, int timeout_ms, struct gps_fix *fix, char **cause)
{
	int wait_us = timeout_ms > 0 ? timeout_ms * 1000 : 0, r;
	struct gpsd_fix g;

	if (s->nmea)
		return gps_src_next_nmea(s, fix, cause);
	r = s->m->next(s->c, wait_us, &g, cause);
	if (r == 1) {
		fix->t_ms = g.t_ms;
		fix->lat = g.lat;
		fix->lon = g.lon;
	}
	return r;
}

int
gps_src_fd(struct gps_src *s)
{
	return s->nmea ? -1 : s->m->fd(s->c);
}

void
gps_src_close(struct gps_src *s)
{
	if (s == NULL)
		return;
	if (s->nmea)
		fclose(s->f);
	else {
		s->m->close(s->c);
	}
	free(s);
}
