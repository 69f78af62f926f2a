/*
 * patrold's composition root (app_run.c): starts every subsystem in order,
 * runs the loop, stops them. Only main() includes this; the subsystems see
 * struct app through app.h and never call back into app_run.c.
 */
#ifndef PATROL_APP_RUN_H
#define PATROL_APP_RUN_H

struct app;
struct config;

/* Sets up everything and listens. -1 with *cause on any start-up error. */
int app_start(struct app *, struct config *, char **cause);
/* Runs the loop until a signal has drained the server. */
int app_run(struct app *);
void app_stop(struct app *);

#endif
