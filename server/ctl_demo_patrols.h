/*
 * The demo's patrol network and patrols (part of "patrolctl demo load"):
 * the real river network imported as a ward's patrol network, and the
 * generated demo patrols placed in the current week, then the weeks they
 * fall in computed so that the coverage screen, its exports and the
 * way-back suggestions show inspected, overdue and not-yet-due pieces.
 */
#ifndef PATROL_CTL_DEMO_PATROLS_H
#define PATROL_CTL_DEMO_PATROLS_H

#include <jansson.h>

struct ctl;

/*
 * Imports each of demo's "network" entries ({file, kind, ward}) and loads
 * demo's "patrols" file ({file}; see scripts/demo_patrols.py). Prints what
 * it did; returns 0, or 1 after printing the error.
 */
int ctl_demo_patrols_load(struct ctl *, json_t *demo);

#endif
