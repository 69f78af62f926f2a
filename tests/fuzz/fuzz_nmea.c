/*
 * The handheld's NMEA 0183 decoder (mobile-agent/nmea.c), fed what a
 * receiver's log may hold: the input is cut into lines as the replay
 * reads them (gps.c), each handed to gps_nmea_parse(). A line it accepts
 * must be a fix on the globe with a time after 1970; a refused line must
 * not stamp a time on the fix it was given.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
fuzz_nmea_line(const char *line)
{
	const struct gps_fix mark = {.t_ms = -1, .lat = 1000, .lon = 1000};
	struct gps_fix fix = mark;

	if (gps_nmea_parse(line, &fix) == 1) {
		if (!isfinite(fix.lat) || !isfinite(fix.lon) ||
		    fabs(fix.lat) > 90 || fabs(fix.lon) > 180 || fix.t_ms < 0)
			abort();
	} else if (fix.t_ms != mark.t_ms) {
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char *buf = malloc(len + 1), *line, *nl;

	if (buf == NULL)
		return 0;
	memcpy(buf, data, len);
	buf[len] = '\0';
	for (line = buf; line != NULL; line = nl) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl++ = '\0';
		fuzz_nmea_line(line);
	}
	free(buf);
	return 0;
}
