/*
 * Retention (issue 18): how long personal data, GPS fixes, sync batches,
 * unfinished uploads and sessions are kept, and the daily purge. The rules
 * are SQL functions (schema/functions/: retention_purge, retention_status);
 * this module passes the configured periods, runs the purge in patrold
 * once a day, and removes unfinished upload files from photo_dir/.partial.
 */
#ifndef PATROL_RETENTION_H
#define PATROL_RETENTION_H

struct app;
struct config;
struct db;

struct retention_params {
	int caller_days;  /* callers' personal data, after the request closed */
	int fix_months;   /* GPS fixes, by whole monthly partitions */
	int batch_days;   /* finished sync batches */
	int upload_hours; /* unfinished photo uploads */
};

void retention_params(const struct config *, struct retention_params *);
/*
 * Removes files in photo_dir/.partial not written for upload_hours; sets
 * *removed. -1 with *cause on an error other than a missing directory.
 */
int retention_prune_partials(
    const char *photo_dir, int upload_hours, int *removed, char **cause);
/* patrold: purge once a day (whichever server gets there first). */
struct retention *retention_start(struct app *);
void retention_stop(struct retention *);

#endif
