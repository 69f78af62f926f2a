/*
 * SQL for `patrolctl demo load` (ctl_dispatch.c, ctl_demo_patrols.c):
 * whether the database is empty enough to take the demo, and the times the
 * demo's patrols are placed at, in the configured zone. Each returns 0, or
 * -1 with *cause (caller frees).
 */
#ifndef PATROL_STORE_DEMO_H
#define PATROL_STORE_DEMO_H

#include "compiler.h"
#include "db.h"

/* *empty: no office and no request yet (demo data never mixes in). */
int store_demo_empty(struct db *, int *empty, char **cause) PATROL_MUSTCHECK;
/* This week's Monday 00:00 in zone tz, and now (both epoch seconds). */
int store_demo_clock(struct db *, const char *tz, double *monday, double *now,
    char **cause) PATROL_MUSTCHECK;
/* The ISO week ("2026-W49") of epoch time t in zone tz. */
int store_demo_week_of(struct db *, const char *tz, double t, char week[16],
    char **cause) PATROL_MUSTCHECK;

#endif
