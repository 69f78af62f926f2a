/*
 * NMEA 0183 sentences from a receiver's log (patrol-agent --nmea) to
 * fixes. Pure: no I/O, so the fuzz target and unit tests link it alone.
 * Only RMC sentences with status A (a valid fix) and a good checksum
 * count; their own UTC time stamps the fix.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent.h"
#include "hex.h"

#define GPS_LINE_MAX 256

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
	/* 9030.0000 passes the checks above but is off the globe */
	if (*out > (lon ? 180 : 90))
		return -1;
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
	int n = 0, check, i;
	long d, t;

	if (line[0] != '$' || strlen(line) >= sizeof buf)
		return 0;
	snprintf(buf, sizeof buf, "%s", line + 1);
	buf[strcspn(buf, "\r\n")] = '\0';
	if ((star = strchr(buf, '*')) == NULL)
		return 0;
	for (p = buf; p < star; p++)
		sum ^= (unsigned char)*p;
	if ((check = hex_to_byte(star + 1)) < 0 || (unsigned)check != sum)
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
