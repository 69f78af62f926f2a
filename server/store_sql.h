/*
 * SQL text that more than one store_*.c writes, where it is one rule:
 * kept here so the statements cannot drift apart.
 */
#ifndef PATROL_STORE_SQL_H
#define PATROL_STORE_SQL_H

/*
 * The to_char() format of a timestamp as W3C date-time text in the
 * session's time zone, to the second, with its offset:
 * to_char(x, " STORE_SQL_W3C ") gives 2026-12-06T10:05:00+09:00.
 */
#define STORE_SQL_W3C "'YYYY-MM-DD\"T\"HH24:MI:SSTZH:TZM'"

/*
 * The event e holds a work note: one written with a step of the work,
 * not a call-back's (those are the explanation given to the caller).
 */
#define STORE_SQL_WORK_NOTE "e.detail ? 'note' AND e.kind NOT LIKE 'callback%'"

/* The request r's photos (their sha256), in the order they were added. */
#define STORE_SQL_PHOTOS                                                       \
	"(SELECT coalesce(jsonb_agg(rp.sha256 ORDER BY rp.added_at,"           \
	" rp.sha256), '[]') FROM request_photos rp WHERE rp.request_id ="      \
	" r.id)"

#endif
