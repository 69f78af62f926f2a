/*
 * Schema migrations: schema/NNNN_name.sql files, applied in order, each
 * once, in its own transaction, and recorded with its SHA-256 in
 * schema_migrations. An applied file that has changed since is an error.
 */
#ifndef PATROL_MIGRATE_H
#define PATROL_MIGRATE_H

#include "compiler.h"

#include <stdio.h>

struct db;

/*
 * Lists the pending migrations of dir as a newly allocated
 * ", "-separated string in *pending ("" when none; caller frees).
 * Returns -1 with *cause if the database cannot be read, a file cannot be
 * read or is misnamed, or an applied file has changed.
 */
PATROL_MUSTCHECK int migrate_pending(
    struct db *, const char *dir, char **pending, char **cause);
/* Applies every pending migration, printing one line each to out. */
PATROL_MUSTCHECK int migrate_apply(
    struct db *, const char *dir, FILE *out, char **cause);

#endif
