/*
 * GPS track pieces on the wire (TrackPiece in sync_v1.proto): times in
 * milliseconds, positions in micro-degrees, each value the difference to
 * the previous fix (the first to zero), sent as packed zig-zag varints.
 * A 1 Hz fix of a moving vehicle then costs about 6 bytes. Shared by the
 * agent (encode) and patrold (decode); no allocation, no I/O.
 */
#ifndef PATROL_TRACK_CODEC_H
#define PATROL_TRACK_CODEC_H

#include <stddef.h>
#include <stdint.h>

#define TRACK_LAT_MAX_E6 90000000
#define TRACK_LON_MAX_E6 180000000

struct track_fix {
	int64_t t_ms; /* Unix time */
	int32_t lat_e6;
	int32_t lon_e6;
};

/* Degrees to micro-degrees, rounded to nearest. */
int32_t track_e6(double deg);

/*
 * Writes the n deltas of fixes into dt, dlat and dlon (n entries each).
 * Every fix must be in range (|lat| <= 90e6, |lon| <= 180e6), so each
 * delta fits its type.
 */
void track_encode(const struct track_fix *, size_t n, int64_t *dt,
    int32_t *dlat, int32_t *dlon);

/*
 * Reads n fixes back into out. Returns -1 when a position leaves its range
 * or a time leaves 0 .. 2^53 ms: outside input is refused, never wrapped.
 */
int track_decode(const int64_t *dt, const int32_t *dlat, const int32_t *dlon,
    size_t n, struct track_fix *out);

#endif
