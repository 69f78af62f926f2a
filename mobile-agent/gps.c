/*
 * Positions: from gpsd (the handheld's receiver, or gpsfake in tests)
 * through libgps (gps_open, gps_stream with WATCH_JSON, gps_read of its
 * TPV reports), or replayed from an NMEA 0183 log (--nmea). Only RMC
 * sentences with status A (a valid fix) and a good checksum count; their
 * own UTC time stamps the fix, so a replay records the track as it was.
 * (Debian's libgps maps libstdc++, D-Bus and libsystemd into the agent:
 * BENCHMARKS.md section 8 has what that costs.)
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gps.h>

#include "agent.h"

#define GPS_LINE_MAX    256
#define GPS_PACE_MAX_MS 5000 /* a replay never sleeps longer between fixes */

struct gps_src {
	int nmea;
	FILE *f;
	double speed;
	int64_t last_t;
	struct gps_data_t *gd; /* gpsd through libgps */
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
		*cause =
		    agent_printf("cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	s = agent_alloc(sizeof *s);
	s->nmea = 1;
	s->f = f;
	s->speed = speed;
	return s;
}

struct gps_src *
gps_src_open_gpsd(const char *host, const char *port, char **cause)
{
	struct gps_data_t *gd = agent_alloc(sizeof *gd);
	struct gps_src *s;

	if (gps_open(host, port, gd) != 0) {
		*cause = agent_printf("cannot reach gpsd at %s:%s: %s", host,
		    port, gps_errstr(errno));
		free(gd);
		return NULL;
	}
	if (gps_stream(gd, WATCH_ENABLE | WATCH_JSON, NULL) != 0) {
		*cause = agent_printf("cannot reach gpsd at %s:%s: %s", host,
		    port, gps_errstr(errno));
		gps_close(gd);
		free(gd);
		return NULL;
	}
	s = agent_alloc(sizeof *s);
	s->gd = gd;
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
	*cause = agent_strdup("end of the NMEA log");
	return -1;
}

/*
 * The report libgps just read: 1 with *fix when it is a TPV with a 2D/3D
 * fix, a time and a position (gpsd repeats a fix in several reports:
 * each is kept once).
 */
static int
gps_gpsd_fix(struct gps_src *s, struct gps_fix *fix)
{
	const struct gps_data_t *gd = s->gd;
	const struct gps_fix_t *f = &gd->fix;
	int64_t t;

	if ((gd->set & (LATLON_SET | TIME_SET)) != (LATLON_SET | TIME_SET) ||
	    f->mode < MODE_2D || !isfinite(f->latitude) ||
	    !isfinite(f->longitude) || fabs(f->latitude) > 90 ||
	    fabs(f->longitude) > 180 || f->time.tv_sec <= 0)
		return 0;
	t = (int64_t)f->time.tv_sec * 1000 + f->time.tv_nsec / 1000000;
	if (t == s->last_t)
		return 0;
	s->last_t = t;
	fix->t_ms = t;
	fix->lat = f->latitude;
	fix->lon = f->longitude;
	return 1;
}

int
gps_src_next(
    struct gps_src *s, int timeout_ms, struct gps_fix *fix, char **cause)
{
	int wait_us = timeout_ms > 0 ? timeout_ms * 1000 : 0;

	if (s->nmea)
		return gps_src_next_nmea(s, fix, cause);
	/* What libgps holds or the socket has; then at most timeout_ms
	 * for more. */
	while (gps_waiting(s->gd, wait_us)) {
		if (gps_read(s->gd, NULL, 0) == -1) {
			*cause = agent_strdup("gpsd closed the connection");
			return -1;
		}
		if (gps_gpsd_fix(s, fix))
			return 1;
		wait_us = 0; /* what came held no new fix */
	}
	return 0;
}

int
gps_src_fd(struct gps_src *s)
{
	return s->nmea ? -1 : s->gd->gps_fd;
}

void
gps_src_close(struct gps_src *s)
{
	if (s == NULL)
		return;
	if (s->nmea)
		fclose(s->f);
	else {
		gps_close(s->gd);
		free(s->gd);
	}
	free(s);
}
