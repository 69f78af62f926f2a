/*
 * Union-find over the indexes 0..n-1 of a parent array that starts as
 * parent[i] = i: the recurring sites' clusters and the road network's
 * connected components.
 */
#ifndef PATROL_UF_H
#define PATROL_UF_H

#include <stddef.h>

/* The root of i's set (halving the path on the way). */
size_t uf_find(size_t *parent, size_t i);
/* Joins the sets of a and b; the smaller root index roots the union. */
void uf_union(size_t *parent, size_t a, size_t b);

#endif
