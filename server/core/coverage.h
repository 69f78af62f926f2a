/*
 * Patrol coverage: which pieces of the patrol network a crew's track
 * inspected. All in the projected CRS (metres). A piece counts as
 * inspected by one patrol when the track, at patrol speed, passed within
 * `distance` of at least `share` of the piece's length; gaps between fixes
 * are bridged only up to `max_gap_s` and `max_gap_m`.
 *
 * The covered length is exact, not sampled: for each piece segment and
 * each track segment, the part of the piece within `distance` of the track
 * is where the piece crosses the track's capsule (the segment grown by a
 * disc), a convex shape, so it is one interval per pair. Track segments
 * are found through a uniform grid.
 */
#ifndef PATROL_COVERAGE_H
#define PATROL_COVERAGE_H

#include <stddef.h>
#include <time.h>

struct coverage_params {
	double distance_m;   /* default 20 */
	double share;        /* default 0.8 */
	double max_speed_ms; /* default 30 km/h = 8.33 m/s */
	double max_gap_s;    /* bridge gaps up to this long (default 60) */
	double max_gap_m;    /* ...and this far (default 300) */
};

struct coverage_piece {
	long long id;
	const double *xy; /* easting, northing pairs */
	size_t npoints;
	/* out */
	double covered_share; /* best single patrol */
	double inspected_at;  /* epoch s (ms kept) that patrol last touched it;
	                         0: never */
	long long session;    /* that patrol */
};

struct coverage_fix {
	long long session; /* patrol (or drive) the fix belongs to */
	double at;         /* epoch seconds, fractions kept (GPS gives ms) */
	double e, n;
};

/* A stretch of track the rules let count: a segment, or a lone fix. */
struct coverage_seg {
	double q0[2], q1[2]; /* equal for a lone fix */
	long long session;
	double at; /* when the track left this segment (epoch s) */
};

/*
 * What one track measured on one piece: the share of the piece's length
 * it passed within the distance, and when it last touched it. Whether that
 * makes an inspection is the rule's to say (share >= params.share), so the
 * measurement can be kept and judged again when the rule changes.
 */
struct coverage_touch {
	size_t piece; /* index into the pieces given */
	long long session;
	double share; /* 0..1 */
	double at;    /* epoch seconds */
};

void coverage_params_default(struct coverage_params *);
/*
 * The track as coverage_compute() measures against it: fixes joined when
 * the gap and speed allow, lone fixes between real gaps. Newly allocated
 * (*nsegs entries); the caller frees. Exposed so that a comparison (the
 * PostGIS benchmark) uses the very same segments.
 */
struct coverage_seg *coverage_segments(const struct coverage_fix *,
    size_t nfixes, const struct coverage_params *, size_t *nsegs);
/*
 * Fills each piece's outputs from the fixes (any order; grouped by session
 * and time inside). Returns the number of pieces inspected, or -1 if out
 * of memory is impossible (xmalloc aborts): never fails.
 */
size_t coverage_compute(struct coverage_piece *, size_t npieces,
    const struct coverage_fix *, size_t nfixes, const struct coverage_params *);
/*
 * The same, and also every (piece, track) measurement with a share above
 * 0 in *touches (newly allocated, *ntouches entries; the caller frees).
 */
size_t coverage_compute_touches(struct coverage_piece *, size_t npieces,
    const struct coverage_fix *, size_t nfixes, const struct coverage_params *,
    struct coverage_touch **touches, size_t *ntouches);
/*
 * The part [t0, t1] of segment a-b (t in 0..1) within d of segment q0-q1;
 * returns 0 when none. Exposed for tests.
 */
int coverage_clip(const double a[2], const double b[2], const double q0[2],
    const double q1[2], double d, double *t0, double *t1);

#endif
