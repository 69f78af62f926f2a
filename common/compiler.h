/*
 * Compiler attributes, in one place. PATROL_MUSTCHECK marks a function
 * that can fail: ignoring its result is a warning, an error with
 * PATROL_WERROR (PgBouncer's _MUSTCHECK). Note that GCC does not accept a
 * (void) cast as "checked": handle the result.
 */
#ifndef PATROL_COMPILER_H
#define PATROL_COMPILER_H

#define PATROL_MUSTCHECK __attribute__((warn_unused_result))

#endif
