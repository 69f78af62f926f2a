/*
 * Photos on disk, each under its SHA-256 (photo_dir/ab/abcdef...): the
 * same photo sent twice is stored once, and a name says what it holds.
 */
#ifndef PATROL_PHOTOS_H
#define PATROL_PHOTOS_H

#include <stddef.h>

/* SHA-256 of data as 64 lower-case hex digits. */
void photos_hash(const void *data, size_t len, char hex[65]);
/*
 * Stores data durably (written, fsync'ed, renamed, directory fsync'ed)
 * under its hash, which is returned in hex. Storing an existing photo is a
 * no-op. *created (may be NULL) is 1 when this call made the file, so a
 * caller whose row then fails can take it back (photos_discard). -1 on an
 * I/O error, logged here (event=photo_store_failed).
 */
int photos_store(const char *dir, const void *data, size_t len, char hex[65],
    int *created) __attribute__((warn_unused_result));
/*
 * Removes a photo this process stored for an upload that then failed (no
 * row names it): no orphan files. Only for files photos_store reported as
 * created; a file that was there before may belong to another row.
 */
void photos_discard(const char *dir, const char *hex);
/*
 * Makes the photo directory with all its parents and its .partial
 * subdirectory, and checks that patrold may write there: called at
 * start-up so that a first upload cannot fail on a missing directory.
 * -1 with *cause naming the path and the reason.
 */
int photos_prepare(const char *dir, char **cause);
/* The file of a hash (caller frees); NULL if hex is not 64 hex digits. */
char *photos_path(const char *dir, const char *hex);

#endif
