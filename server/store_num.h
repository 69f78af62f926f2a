/*
 * Numbers as the text parameters db_query() takes, written one way for
 * every store_* statement. The text lives in the caller's struct
 * store_num, so it lasts as long as the parameter array built beside it:
 *
 *	struct store_num c;
 *	const char *p[] = {store_num_ll(&c, crew), actor};
 */
#ifndef PATROL_STORE_NUM_H
#define PATROL_STORE_NUM_H

#include <stdio.h>

#include "db.h"

struct store_num {
	char text[32];
};

/* A bigint (or int) parameter. */
static inline const char *
store_num_ll(struct store_num *n, long long v)
{
	snprintf(n->text, sizeof n->text, "%lld", v);
	return n->text;
}

/* A float8 parameter that PostgreSQL reads back as the same double. */
static inline const char *
store_num_f8(struct store_num *n, double v)
{
	snprintf(n->text, sizeof n->text, "%.17g", v);
	return n->text;
}

/*
 * A number with a fixed count of decimals, where that much is all that is
 * meant (degrees to 9 places: 0.1 mm; seconds to 3: a millisecond).
 */
static inline const char *
store_num_fixed(struct store_num *n, int decimals, double v)
{
	snprintf(n->text, sizeof n->text, "%.*f", decimals, v);
	return n->text;
}

/* Queues sql whose one parameter, $1, is the bigint v (db_query copies it). */
static inline void
store_num_query_ll(
    struct db *db, const char *sql, long long v, db_cb cb, void *arg)
{
	struct store_num n;
	const char *p[] = {store_num_ll(&n, v)};

	db_query(db, sql, 1, p, cb, arg);
}

#endif
