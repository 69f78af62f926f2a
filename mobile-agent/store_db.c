/*
 * The agent store's one statement runner (store_int.h): prepare, bind from
 * a format, step, finalize. The store_*.c files keep their SQL and their
 * typed row decoders; this is what every one of them did by hand.
 */
#include <stdarg.h>
#include <stdlib.h>

#include "store_int.h"

static sqlite3_stmt *
store_db_vprepare(struct agent *a, const char *sql, const char *fmt, va_list ap)
{
	sqlite3_stmt *st;
	const void *blob;
	const char *s;
	size_t len;
	int i;

	if (sqlite3_prepare_v2(a->db, sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	for (i = 1; *fmt != '\0'; fmt++, i++) {
		switch (*fmt) {
		case 'i':
			sqlite3_bind_int(st, i, va_arg(ap, int));
			break;
		case 'I':
			sqlite3_bind_int64(st, i, va_arg(ap, long long));
			break;
		case 'd':
			sqlite3_bind_double(st, i, va_arg(ap, double));
			break;
		case 't':
			s = va_arg(ap, const char *);
			sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
			break;
		case 'b':
			blob = va_arg(ap, const void *);
			len = va_arg(ap, size_t);
			sqlite3_bind_blob(st, i, blob, (int)len, SQLITE_STATIC);
			break;
		default:
			abort(); /* a letter store_int.h does not know: a bug */
		}
	}
	return st;
}

sqlite3_stmt *
store_db_prepare(struct agent *a, const char *sql, const char *fmt, ...)
{
	sqlite3_stmt *st;
	va_list ap;

	va_start(ap, fmt);
	st = store_db_vprepare(a, sql, fmt, ap);
	va_end(ap);
	return st;
}

int
store_db_run(struct agent *a, const char *sql, const char *fmt, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	st = store_db_vprepare(a, sql, fmt, ap);
	va_end(ap);
	if (st == NULL)
		return -1;
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	return rc;
}

int
store_db_rows(sqlite3_stmt *st, int (*row)(sqlite3_stmt *, void *), void *arg)
{
	int n = 0;

	if (st == NULL)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		n++;
		if (row(st, arg) != 0)
			break;
	}
	sqlite3_finalize(st);
	return n;
}

/* The statement stepped to its first row, or NULL (none, or an error). */
static sqlite3_stmt *
store_db_vfirst(struct agent *a, const char *sql, const char *fmt, va_list ap)
{
	sqlite3_stmt *st = store_db_vprepare(a, sql, fmt, ap);

	if (st != NULL && sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		st = NULL;
	}
	return st;
}

long long
store_db_int(
    struct agent *a, long long def, const char *sql, const char *fmt, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	long long n = def;

	va_start(ap, fmt);
	st = store_db_vfirst(a, sql, fmt, ap);
	va_end(ap);
	if (st != NULL && sqlite3_column_type(st, 0) != SQLITE_NULL)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

char *
store_db_text(struct agent *a, const char *sql, const char *fmt, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	char *v = NULL;

	va_start(ap, fmt);
	st = store_db_vfirst(a, sql, fmt, ap);
	va_end(ap);
	if (st != NULL && sqlite3_column_text(st, 0) != NULL)
		v = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return v;
}
