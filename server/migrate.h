/*
 * Schema migrations: schema/NNNN_name.sql files, applied in order, each
 * once, in its own transaction, and recorded with its SHA-256 in
 * schema_migrations. An applied file that has changed since is an error,
 * unless schema/edited.sha256 lists the applied text as an earlier text of
 * the file (an edit that moved function bodies out; see schema/README.md).
 *
 * Then the SQL functions: schema/functions/<name>.sql holds the one current
 * CREATE OR REPLACE FUNCTION of each. The files whose text changed since
 * they last ran (schema_functions keeps each file's SHA-256) run after the
 * numbered migrations, all in one transaction, before the life cycle of
 * lifecycle.c is installed.
 */
#ifndef PATROL_MIGRATE_H
#define PATROL_MIGRATE_H

#include "compiler.h"

#include <stdio.h>

struct db;

/*
 * Lists the pending migrations of dir, then the changed function files
 * ("functions/name.sql"), as a newly allocated ", "-separated string in
 * *pending ("" when none; caller frees).
 * Returns -1 with *cause if the database cannot be read, a file cannot be
 * read or is misnamed, or an applied file has changed.
 */
PATROL_MUSTCHECK int migrate_pending(
    struct db *, const char *dir, char **pending, char **cause);
/*
 * Applies every pending migration and changed function file, printing one
 * line each to out, then the counts.
 */
PATROL_MUSTCHECK int migrate_apply(
    struct db *, const char *dir, FILE *out, char **cause);

#endif
