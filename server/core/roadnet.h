/*
 * Road-network distances (issue 15): a graph of the imported road lines
 * (network_pieces of kind road, in the projected CRS), shortest paths on
 * it by Dijkstra, and the snapping of places to the nearest vertex. Pure
 * computation: the caller reads the lines (server/roadnet_load.c) and
 * asks for distances between places.
 *
 * Vertices are the lines' points, and points every snap_m / 2 along their
 * segments (places snap to the nearest vertex); points at the same place
 * (to the centimetre) are one vertex, so lines meet where they share a point
 * (an OSM node, a junction of GSI road centre lines, a piece's cut). Edges are
 * the straight segments between consecutive points, both ways: one-way streets
 * are not known to the graph.
 *
 * A place further than snap_m from every vertex is off the network; so
 * are two places in parts of the network that do not meet. The caller
 * then falls back to the straight line (roadnet_distance says which).
 *
 * Shortest-path trees are kept per source vertex (a bounded cache, by
 * memory), so a plan's matrix costs one Dijkstra per place the first time
 * and lookups afterwards; the graph is undirected, so a tree from either
 * end answers.
 */
#ifndef PATROL_ROADNET_H
#define PATROL_ROADNET_H

#include <stddef.h>

struct roadnet;

/* An empty graph; places up to snap_m from a vertex are on it. */
struct roadnet *roadnet_new(double snap_m);
/* A line of npoints (easting, northing) pairs, before roadnet_build. */
void roadnet_add_line(struct roadnet *, const double *xy, size_t npoints);
/*
 * Freezes the graph (adjacency, snapping grid); cache_bytes bounds the
 * shortest-path trees kept (0: a default of 64 MiB). Lines added later
 * are refused (ignored and counted in roadnet_stats' late).
 */
void roadnet_build(struct roadnet *, size_t cache_bytes);
void roadnet_free(struct roadnet *);

struct roadnet_stats {
	size_t vertices, edges, components;
	double km;        /* length of all edges */
	size_t late;      /* lines added after roadnet_build: ignored */
	size_t trees;     /* shortest-path trees computed so far */
	size_t cache_hit; /* distances answered from a kept tree */
};
void roadnet_stats(const struct roadnet *, struct roadnet_stats *);

/*
 * Distance in metres from (e0, n0) to (e1, n1) along the roads: the way
 * from the first place to its nearest vertex, the shortest path, and the
 * way from the last vertex to the second place. Returns -1 when either
 * place is off the network or no road joins them (nothing is guessed).
 */
double roadnet_distance(
    struct roadnet *, double e0, double n0, double e1, double n1);

/* Metres from (e, n) to its nearest vertex, or -1 when off the network. */
double roadnet_snap(struct roadnet *, double e, double n);

#endif
