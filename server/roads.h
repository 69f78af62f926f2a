/*
 * The road network inside patrold (issue 15 item 6): the imported road
 * lines (network_pieces of kind road) as a graph for the day plans'
 * travel times (core/roadnet.h). Loaded with asynchronous queries when
 * the server starts and again after each road import (the import
 * NOTIFYs patrol_network; a check every few minutes catches a missed
 * one); the graph in use is replaced whole once the new one is built, and
 * the crews' plans are then redone. With no road lines imported there is
 * no graph and plans measure straight line x detour.
 */
#ifndef PATROL_ROADS_H
#define PATROL_ROADS_H

struct app;
struct roads;
struct roadnet;

/* Places further than this from every road are off the network. */
#define ROADS_SNAP_M 150

struct roads *roads_start(struct app *);
/*
 * roads_stop before db_free (no more loads; a query in flight or a NOTIFY
 * answered there is ignored), roads_free after it.
 */
void roads_stop(struct roads *);
void roads_free(struct roads *);
/* cb(arg) after each graph is swapped in (the planner redoes the days). */
void roads_on_change(struct roads *, void (*cb)(void *), void *arg);
/* The graph in use, or NULL (none imported, or not loaded yet). */
struct roadnet *roads_net(const struct roads *);

#endif
