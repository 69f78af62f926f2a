#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "handover_token.h"

#define NONCE_LEN   16
#define PAYLOAD_LEN (NONCE_LEN + 8)
#define PAYLOAD_B64 32 /* base64 of 24 bytes, no padding */
#define MAC_B64     43 /* base64 of 32 bytes, no padding */

static void
handover_token_mac(const unsigned char key[HANDOVER_KEY_LEN],
    const unsigned char payload[PAYLOAD_LEN],
    unsigned char mac[crypto_auth_BYTES])
{
	crypto_auth(mac, payload, PAYLOAD_LEN, key);
}

void
handover_token_make(const unsigned char key[HANDOVER_KEY_LEN], time_t expires,
    char *out, size_t outlen)
{
	unsigned char payload[PAYLOAD_LEN], mac[crypto_auth_BYTES];
	uint64_t e = (uint64_t)expires;
	int i;

	randombytes_buf(payload, NONCE_LEN);
	for (i = 0; i < 8; i++)
		payload[NONCE_LEN + i] = (unsigned char)(e >> (56 - 8 * i));
	handover_token_mac(key, payload, mac);
	if (outlen < HANDOVER_TOKEN_LEN + 1) {
		if (outlen > 0)
			out[0] = '\0';
		return;
	}
	sodium_bin2base64(out, PAYLOAD_B64 + 1, payload, PAYLOAD_LEN,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	out[PAYLOAD_B64] = '.';
	sodium_bin2base64(out + PAYLOAD_B64 + 1, MAC_B64 + 1, mac, sizeof mac,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static int
handover_token_decode(
    const char *s, size_t len, unsigned char *out, size_t outlen)
{
	size_t got;
	const char *end;

	if (sodium_base642bin(out, outlen, s, len, NULL, &got, &end,
	        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    got != outlen || end != s + len)
		return -1;
	return 0;
}

enum handover_token_status
handover_token_check(const unsigned char key[HANDOVER_KEY_LEN],
    const char *token, size_t len, time_t now, time_t *expires)
{
	unsigned char payload[PAYLOAD_LEN], mac[crypto_auth_BYTES];
	uint64_t e = 0;
	int i;

	if (len != HANDOVER_TOKEN_LEN || token[PAYLOAD_B64] != '.')
		return HANDOVER_TOKEN_MALFORMED;
	if (handover_token_decode(token, PAYLOAD_B64, payload, PAYLOAD_LEN) !=
	        0 ||
	    handover_token_decode(
	        token + PAYLOAD_B64 + 1, MAC_B64, mac, sizeof mac) != 0)
		return HANDOVER_TOKEN_MALFORMED;
	/* Constant time: the MAC says nothing about how close a guess was. */
	if (crypto_auth_verify(mac, payload, PAYLOAD_LEN, key) != 0)
		return HANDOVER_TOKEN_FORGED;
	for (i = 0; i < 8; i++)
		e = (e << 8) | payload[NONCE_LEN + i];
	if (e > (uint64_t)INT64_MAX)
		return HANDOVER_TOKEN_FORGED;
	*expires = (time_t)e;
	if ((time_t)e <= now)
		return HANDOVER_TOKEN_EXPIRED;
	return HANDOVER_TOKEN_OK;
}

void
handover_token_hash(const char *token, char hex[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, (const unsigned char *)token, strlen(token));
	sodium_bin2hex(hex, 65, h, sizeof h);
}

const char *
handover_token_status_text(enum handover_token_status s)
{
	switch (s) {
	case HANDOVER_TOKEN_OK:
		return "valid";
	case HANDOVER_TOKEN_MALFORMED:
		return "not a receipt link";
	case HANDOVER_TOKEN_FORGED:
		return "the receipt link's signature is wrong";
	case HANDOVER_TOKEN_EXPIRED:
		return "the receipt link has expired";
	}
	return "invalid";
}
