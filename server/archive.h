/* The Monday archive of last week's coverage exports (archive.c). */
#ifndef PATROL_ARCHIVE_H
#define PATROL_ARCHIVE_H

struct app;
struct config;
struct db;
struct ward_set;

/*
 * Exports a week in the four formats, whole and per ward, into
 * coverage_exports (an existing archive is kept). done(error) once.
 */
void archive_week(struct db *, const struct ward_set *, const struct config *,
    const char *week, void (*done)(const char *error, void *arg), void *arg);
void archive_start(struct app *);
void archive_stop(void);

#endif
