/*
 * Positions: from gpsd (the handheld's receiver, or gpsfake in tests),
 * or replayed from an NMEA 0183 log (--nmea). gpsd is read through its
 * own JSON protocol on its socket (?WATCH, then TPV reports): libgps
 * would map libstdc++, D-Bus and systemd into the daemon for that. Only RMC
 * sentences with status A (a valid fix) and a good checksum count; their
 * own UTC time stamps the fix, so a replay records the track as it was.
 */
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "agent.h"

#define GPS_LINE_MAX    256
#define GPS_PACE_MAX_MS 5000 /* a replay never sleeps longer between fixes */
#define GPSD_LINE_MAX   8192 /* a SKY report with many satellites fits */

struct gps_src {
	int nmea;
	FILE *f;
	double speed;
	int64_t last_t;
	int fd;                      /* gpsd's socket */
	char buf[GPSD_LINE_MAX + 1]; /* gpsd's lines as they come */
	size_t len;
	int skipping; /* inside a line too long to keep */
};

static int
gps_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* ddmm.mmmm (or dddmm.mmmm) and a hemisphere to signed degrees. */
static int
gps_nmea_angle(const char *v, const char *hemi, int lon, double *out)
{
	char *end;
	double x, deg, min;

	if (*v == '\0' || *hemi == '\0')
		return -1;
	x = strtod(v, &end);
	if (*end != '\0' || !isfinite(x) || x < 0)
		return -1;
	deg = floor(x / 100);
	min = x - deg * 100;
	if (min >= 60 || deg > (lon ? 180 : 90))
		return -1;
	*out = deg + min / 60;
	if ((lon && strcmp(hemi, "W") == 0) || (!lon && strcmp(hemi, "S") == 0))
		*out = -*out;
	else if (strcmp(hemi, lon ? "E" : "N") != 0)
		return -1;
	return 0;
}

int
gps_nmea_parse(const char *line, struct gps_fix *fix)
{
	char buf[GPS_LINE_MAX], *field[16], *p, *star;
	unsigned sum = 0;
	struct tm tm = {0};
	double secs;
	int n = 0, hi, lo, i;
	long d, t;

	if (line[0] != '$' || strlen(line) >= sizeof buf)
		return 0;
	snprintf(buf, sizeof buf, "%s", line + 1);
	buf[strcspn(buf, "\r\n")] = '\0';
	if ((star = strchr(buf, '*')) == NULL)
		return 0;
	for (p = buf; p < star; p++)
		sum ^= (unsigned char)*p;
	if ((hi = gps_hex(star[1])) < 0 || (lo = gps_hex(star[2])) < 0 ||
	    (unsigned)(hi * 16 + lo) != sum)
		return 0;
	*star = '\0';
	/* Any talker (GP, GN, GL...): the sentence is what matters. */
	if (strlen(buf) < 5 || strncmp(buf + 2, "RMC", 3) != 0)
		return 0;
	for (p = buf; n < 16; n++) {
		field[n] = p;
		if ((p = strchr(p, ',')) == NULL) {
			n++;
			break;
		}
		*p++ = '\0';
	}
	if (n < 10 || strcmp(field[2], "A") != 0)
		return 0;
	if (gps_nmea_angle(field[3], field[4], 0, &fix->lat) != 0 ||
	    gps_nmea_angle(field[5], field[6], 1, &fix->lon) != 0)
		return 0;
	/* hhmmss.sss and ddmmyy, UTC. */
	if (strlen(field[1]) < 6 || strlen(field[9]) != 6)
		return 0;
	for (i = 0; i < 6; i++) {
		if (field[1][i] < '0' || field[1][i] > '9' ||
		    field[9][i] < '0' || field[9][i] > '9')
			return 0;
	}
	secs = strtod(field[1] + 4, NULL);
	t = strtol(field[1], NULL, 10);
	d = strtol(field[9], NULL, 10);
	tm.tm_hour = (int)(t / 10000);
	tm.tm_min = (int)(t / 100 % 100);
	tm.tm_sec = 0;
	tm.tm_mday = (int)(d / 10000);
	tm.tm_mon = (int)(d / 100 % 100) - 1;
	tm.tm_year = (int)(d % 100) + (d % 100 < 80 ? 100 : 0);
	if (tm.tm_hour > 23 || tm.tm_min > 59 || secs >= 61 || tm.tm_mday < 1 ||
	    tm.tm_mday > 31 || tm.tm_mon < 0 || tm.tm_mon > 11)
		return 0;
	fix->t_ms = (int64_t)timegm(&tm) * 1000 + (int64_t)llround(secs * 1000);
	return 1;
}

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

int
gps_gpsd_parse(const char *line, struct gps_fix *fix)
{
	json_t *o = json_loads(line, JSON_DISABLE_EOF_CHECK, NULL);
	const char *cls, *t;
	json_t *lat, *lon;
	struct tm tm = {0};
	double secs;
	int y, mo, d, h, mi, n = 0, ok = 0;

	if (o == NULL || !json_is_object(o))
		goto out;
	cls = json_string_value(json_object_get(o, "class"));
	t = json_string_value(json_object_get(o, "time"));
	lat = json_object_get(o, "lat");
	lon = json_object_get(o, "lon");
	if (cls == NULL || strcmp(cls, "TPV") != 0 || t == NULL ||
	    json_integer_value(json_object_get(o, "mode")) < 2 ||
	    !json_is_number(lat) || !json_is_number(lon))
		goto out;
	/* 2026-12-05T01:02:03.000Z, always UTC */
	if (sscanf(t, "%4d-%2d-%2dT%2d:%2d:%lf%n", &y, &mo, &d, &h, &mi, &secs,
	        &n) != 6 ||
	    t[n] != 'Z' || t[n + 1] != '\0' || y < 1970 || y > 9999 || mo < 1 ||
	    mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    !(secs >= 0 && secs < 61))
		goto out;
	fix->lat = json_number_value(lat);
	fix->lon = json_number_value(lon);
	if (!isfinite(fix->lat) || !isfinite(fix->lon) || fabs(fix->lat) > 90 ||
	    fabs(fix->lon) > 180)
		goto out;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	fix->t_ms = (int64_t)timegm(&tm) * 1000 + (int64_t)llround(secs * 1000);
	ok = fix->t_ms > 0;
out:
	json_decref(o);
	return ok;
}

struct gps_src *
gps_src_open_gpsd(const char *host, const char *port, char **cause)
{
	static const char watch[] = "?WATCH={\"enable\":true,\"json\":true};\n";
	struct addrinfo hints = {0}, *res, *ai;
	struct gps_src *s;
	int fd = -1, rc, err = ECONNREFUSED;

	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
		*cause = agent_printf("cannot reach gpsd at %s:%s: %s", host,
		    port, gai_strerror(rc));
		return NULL;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (fd != -1 && connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		err = errno;
		if (fd != -1)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1 ||
	    send(fd, watch, sizeof watch - 1, MSG_NOSIGNAL) !=
	        (ssize_t)(sizeof watch - 1)) {
		if (fd != -1) {
			err = errno;
			close(fd);
		}
		*cause = agent_printf("cannot reach gpsd at %s:%s: %s", host,
		    port, strerror(err));
		return NULL;
	}
	s = agent_alloc(sizeof *s);
	s->fd = fd;
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

/* The next whole line held from gpsd, moved out of the buffer. */
static int
gps_gpsd_line(struct gps_src *s, char *line, size_t cap)
{
	char *nl;
	size_t n;

	while ((nl = memchr(s->buf, '\n', s->len)) != NULL) {
		n = (size_t)(nl - s->buf);
		int keep = !s->skipping && n < cap;
		if (keep) {
			memcpy(line, s->buf, n);
			line[n] = '\0';
		}
		s->skipping = 0;
		memmove(s->buf, nl + 1, s->len - n - 1);
		s->len -= n + 1;
		if (keep)
			return 1;
	}
	if (s->len == GPSD_LINE_MAX) { /* no end in sight: drop it */
		s->skipping = 1;
		s->len = 0;
	}
	return 0;
}

int
gps_src_next(
    struct gps_src *s, int timeout_ms, struct gps_fix *fix, char **cause)
{
	char line[GPSD_LINE_MAX + 1];
	struct pollfd pfd = {.fd = -1, .events = POLLIN};
	ssize_t got;
	int rc, fresh = 0;

	if (s->nmea)
		return gps_src_next_nmea(s, fix, cause);
	for (;;) {
		while (gps_gpsd_line(s, line, sizeof line)) {
			if (!gps_gpsd_parse(line, fix))
				continue;
			/* gpsd repeats a fix in several reports: keep each
			 * once. */
			if (fix->t_ms == s->last_t)
				continue;
			s->last_t = fix->t_ms;
			return 1;
		}
		if (fresh)
			return 0; /* what came held no new fix */
		pfd.fd = s->fd;
		do
			rc = poll(&pfd, 1, timeout_ms);
		while (rc == -1 && errno == EINTR);
		if (rc <= 0)
			return 0;
		do
			got = recv(s->fd, s->buf + s->len,
			    GPSD_LINE_MAX - s->len, MSG_DONTWAIT);
		while (got == -1 && errno == EINTR);
		if (got == 0 || (got == -1 && errno != EAGAIN)) {
			*cause = agent_strdup("gpsd closed the connection");
			return -1;
		}
		if (got > 0)
			s->len += (size_t)got;
		fresh = 1;
	}
}

int
gps_src_fd(struct gps_src *s)
{
	return s->nmea ? -1 : s->fd;
}

void
gps_src_close(struct gps_src *s)
{
	if (s == NULL)
		return;
	if (s->nmea)
		fclose(s->f);
	else
		close(s->fd);
	free(s);
}
