/*
 * Receipt links of hand-overs: a token that names nothing by itself (a
 * random nonce and an expiry time) signed with the server's key
 * (libsodium crypto_auth, HMAC-SHA-512-256). Pure functions, no I/O; the
 * database keeps only the token's SHA-256, and marks it used once.
 *
 * Form: base64url(nonce[16] || expiry[8, big-endian unix seconds]) "."
 * base64url(mac[32]), no padding: 32 + 1 + 43 characters.
 */
#ifndef PATROL_HANDOVER_TOKEN_H
#define PATROL_HANDOVER_TOKEN_H

#include <stddef.h>
#include <time.h>

#define HANDOVER_TOKEN_LEN 76 /* characters, without the NUL */
#define HANDOVER_KEY_LEN   32

enum handover_token_status {
	HANDOVER_TOKEN_OK = 0,
	HANDOVER_TOKEN_MALFORMED = -1, /* not a token of ours at all */
	HANDOVER_TOKEN_FORGED = -2,    /* well-formed, but the MAC is wrong */
	HANDOVER_TOKEN_EXPIRED = -3,   /* signed by us, past its expiry */
};

/* Writes a new token expiring at `expires` into out (>= LEN + 1 bytes). */
void handover_token_make(const unsigned char key[HANDOVER_KEY_LEN],
    time_t expires, char *out, size_t outlen);
/*
 * Checks a token from outside (any bytes, len of them) against the key at
 * time now; *expires is set for a well-formed one. Never reads past len.
 */
enum handover_token_status handover_token_check(
    const unsigned char key[HANDOVER_KEY_LEN], const char *token, size_t len,
    time_t now, time_t *expires) __attribute__((warn_unused_result));
/* SHA-256 of the token as 64 hex digits and a NUL: what is stored. */
void handover_token_hash(const char *token, char hex[65]);
/* What a status means, in English (for logs and API errors). */
const char *handover_token_status_text(enum handover_token_status);

#endif
