/*
 * A receipt link's token, as anyone may type it into the address bar:
 * handover_token_check must never read out of bounds, and must accept
 * nothing the key did not sign (a random key here: anything accepted
 * would be a forgery, except tokens made in this very run).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "handover_token.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char key[HANDOVER_KEY_LEN];
	static int ready;
	char tok[HANDOVER_TOKEN_LEN + 1], *copy;
	time_t exp = 0;

	if (!ready) {
		if (sodium_init() < 0)
			abort();
		crypto_auth_keygen(key);
		ready = 1;
	}
	/* Exactly the bytes given, no NUL: overreads show under ASan. */
	copy = malloc(size == 0 ? 1 : size);
	memcpy(copy, data, size);
	if (handover_token_check(key, copy, size, 1700000000, &exp) ==
	    HANDOVER_TOKEN_OK)
		abort();
	free(copy);
	/* A token we make checks, and a flipped byte of it does not. */
	handover_token_make(key, 1700000000 + 3600, tok, sizeof tok);
	if (handover_token_check(key, tok, strlen(tok), 1700000000, &exp) !=
	        HANDOVER_TOKEN_OK ||
	    exp != 1700000000 + 3600)
		abort();
	if (size > 0) {
		tok[data[0] % HANDOVER_TOKEN_LEN] ^= 1;
		if (handover_token_check(key, tok, strlen(tok), 1700000000,
		        &exp) == HANDOVER_TOKEN_OK)
			abort();
	}
	return 0;
}
