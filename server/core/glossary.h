/*
 * One glossary (issue 16): the Japanese (and English) words for the terms
 * the console, the exports and the handheld all show. C code uses the
 * macros (static tables need constants); GET /api/v1/glossary serves the
 * same table to the console, which takes these words over its own.
 *
 * Conventions fixed here: 済み with み (確認済み, 巡回済み, 折り返し済み);
 * 巡回 for what crews do on the network (a piece is 巡回済み), 点検 not
 * used for it; a piece not yet due is 期限前 (not 対象外, which means
 * "not ours" in the categories' outcomes); a crew declining a job is 辞退.
 * The handheld's screen gets the table at build time (glossary_js.c).
 */
#ifndef PATROL_GLOSSARY_H
#define PATROL_GLOSSARY_H

#include <jansson.h>

#define GL_PIECE_NOT_DUE_JA   "期限前"
#define GL_PIECE_NOT_DUE_EN   "Not due"
#define GL_PIECE_INSPECTED_JA "巡回済み"
#define GL_PIECE_INSPECTED_EN "Inspected"
#define GL_PIECE_OVERDUE_JA   "期限超過（未巡回）"
#define GL_PIECE_OVERDUE_EN   "Overdue"
#define GL_PIECE_DUE_JA       "巡回対象"
#define GL_PIECE_DUE_EN       "Due"
#define GL_PIECE_ON_TIME_JA   "期限内に巡回"
#define GL_PIECE_ON_TIME_EN   "On time"

struct glossary_entry {
	const char *key; /* the console's i18n key */
	const char *ja, *en;
};

/* The whole table, NULL-key terminated. */
extern const struct glossary_entry glossary[];
/* The entry of key, or NULL. */
const struct glossary_entry *glossary_find(const char *key);
/* {"key": ["ja", "en"], ...} (new reference). */
json_t *glossary_json(void);

#endif
