/*
 * The Cookie header, as any client may send it: whatever auth.c takes
 * for a session id must be exactly 43 base64url characters found in the
 * input after "patrol_session=".
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "xmalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = xstrndup((const char *)data, size), *at;
	char out[AUTH_SESSION_LEN + 1];

	if (auth_cookie_session(text, out) == 0) {
		if (strlen(out) != AUTH_SESSION_LEN ||
		    strspn(out,
		        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		        "0123456789-_") != AUTH_SESSION_LEN)
			abort();
		/* Some occurrence of it must follow the cookie's name. */
		for (at = strstr(text, out); at != NULL;
		     at = strstr(at + 1, out)) {
			if (at - text >= 15 &&
			    memcmp(at - 15, "patrol_session=", 15) == 0)
				break;
		}
		if (at == NULL)
			abort();
	}
	(void)auth_csrf_ok(text, "abcdefghijABCDEFGHIJ0123456789-_abcdefghijk");
	free(text);
	return 0;
}
