/*
 * track_bytes: what a real 1 Hz vehicle trace costs on the wire, coded as
 * the agent codes it (proto/track_codec.c, TrackPiece in sync_v1.proto).
 * Reads a barefoot JSON trace ([{"point": "POINT(lon lat)", "time":
 * "2014-09-10 06:54:07+0200"}, ...]) and prints bytes per fix for the
 * whole trace in one piece, for the 30-fix pieces of a 30 s sync, and for
 * whole SyncRequests of those syncs.
 *
 *   track_bytes tests/data/barefoot_munich_x0001-001.json
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "sync_v1.pb-c.h"
#include "track_codec.h"

#define ID32 "0123456789abcdef0123456789abcdef" /* as long as the agent's */

static size_t
piece_bytes(
    const struct track_fix *f, size_t n, int with_session, size_t *request)
{
	Patrol__Sync__V1__TrackPiece t = PATROL__SYNC__V1__TRACK_PIECE__INIT;
	Patrol__Sync__V1__TrackPiece *tp = &t;
	Patrol__Sync__V1__SyncRequest r = PATROL__SYNC__V1__SYNC_REQUEST__INIT;
	Patrol__Sync__V1__AgentHello h = PATROL__SYNC__V1__AGENT_HELLO__INIT;
	int64_t *dt = calloc(n, sizeof *dt);
	int32_t *dlat = calloc(n, sizeof *dlat),
	        *dlon = calloc(n, sizeof *dlon);
	size_t len;

	if (dt == NULL || dlat == NULL || dlon == NULL)
		abort();
	track_encode(f, n, dt, dlat, dlon);
	t.client_id = ID32;
	t.seq = 123456;
	t.session_id = with_session ? ID32 : NULL;
	t.n_dt_ms = t.n_dlat_e6 = t.n_dlon_e6 = n;
	t.dt_ms = dt;
	t.dlat_e6 = dlat;
	t.dlon_e6 = dlon;
	len = patrol__sync__v1__track_piece__get_packed_size(&t);
	if (request != NULL) {
		h.agent_version = "0.2.0";
		r.batch_id = ID32;
		r.has_cursor = 1;
		r.cursor = 1234567;
		r.hello = &h;
		r.n_tracks = 1;
		r.tracks = &tp;
		*request = patrol__sync__v1__sync_request__get_packed_size(&r);
	}
	free(dt);
	free(dlat);
	free(dlon);
	return len;
}

int
main(int argc, char **argv)
{
	json_t *trace, *s;
	json_error_t err;
	struct track_fix *f;
	struct tm tm;
	size_t n, i, k, piece, req, pieces = 0, reqs = 0;
	double lon, lat;
	int tz;

	if (argc != 2 || (trace = json_load_file(argv[1], 0, &err)) == NULL) {
		fprintf(stderr, "usage: track_bytes TRACE.json (%s)\n",
		    argc == 2 ? err.text : "");
		return 2;
	}
	n = json_array_size(trace);
	if ((f = calloc(n + 1, sizeof *f)) == NULL)
		abort();
	for (i = k = 0; i < n; i++) {
		s = json_array_get(trace, i);
		memset(&tm, 0, sizeof tm);
		if (sscanf(json_string_value(json_object_get(s, "point")),
		        "POINT(%lf %lf)", &lon, &lat) != 2 ||
		    strptime(json_string_value(json_object_get(s, "time")),
		        "%Y-%m-%d %H:%M:%S", &tm) == NULL ||
		    sscanf(json_string_value(json_object_get(s, "time")) + 19,
		        "%d", &tz) != 1)
			continue;
		f[k].t_ms =
		    ((int64_t)timegm(&tm) - (tz / 100 * 3600 + tz % 100 * 60)) *
		    1000;
		f[k].lat_e6 = track_e6(lat);
		f[k].lon_e6 = track_e6(lon);
		k++;
	}
	printf("trace: %zu fixes over %lld s\n", k,
	    (long long)((f[k - 1].t_ms - f[0].t_ms) / 1000));
	piece = piece_bytes(f, k, 0, NULL);
	printf("one piece:            %6zu bytes, %5.2f bytes/fix\n", piece,
	    (double)piece / (double)k);
	for (i = 0; i < k; i += 30) {
		piece = piece_bytes(f + i, k - i < 30 ? k - i : 30, 1, &req);
		pieces += piece;
		reqs += req;
	}
	printf("30-fix pieces:        %6zu bytes, %5.2f bytes/fix\n", pieces,
	    (double)pieces / (double)k);
	printf("30-fix SyncRequests:  %6zu bytes, %5.2f bytes/fix\n", reqs,
	    (double)reqs / (double)k);
	free(f);
	json_decref(trace);
	return 0;
}
