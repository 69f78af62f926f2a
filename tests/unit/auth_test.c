#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "auth.h"
#include "fixture.h"

static int
is_urlsafe(const char *s)
{
	return strspn(s,
	           "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	           "0123456789-_") == strlen(s);
}

static int
is_hex64(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

static void
test_tokens_are_unique_and_url_safe(void **state)
{
	char tokens[100][64], hashes[100][65], again[65];
	int i, j;

	(void)state;
	for (i = 0; i < 100; i++) {
		auth_token_new(tokens[i], sizeof tokens[i], hashes[i]);
		assert_int_equal(strlen(tokens[i]), 46);
		assert_int_equal(strlen(tokens[i]), AUTH_TOKEN_LEN);
		assert_memory_equal(tokens[i], "pt_", 3);
		assert_true(is_urlsafe(tokens[i] + 3));
		assert_true(is_hex64(hashes[i]));
		/* The stored hash is the hash of the token, every time. */
		auth_token_hash(tokens[i], again);
		assert_string_equal(again, hashes[i]);
		for (j = 0; j < i; j++) {
			assert_string_not_equal(tokens[i], tokens[j]);
			assert_string_not_equal(hashes[i], hashes[j]);
		}
	}
}

static void
test_token_hash_is_sha256_hex(void **state)
{
	char h[65];

	(void)state;
	auth_token_hash("abc", h);
	assert_string_equal(h,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void
test_bearer_header_parsing(void **state)
{
	char token[64], hash[65], out[AUTH_TOKEN_LEN + 1], *h;
	char bad[AUTH_TOKEN_LEN + 1];

	(void)state;
	auth_token_new(token, sizeof token, hash);

	h = malloc(strlen(token) + 16);
	sprintf(h, "Bearer %s", token);
	assert_int_equal(auth_bearer_parse(h, out), 0);
	assert_string_equal(out, token);
	sprintf(h, "bEARER   %s", token);
	assert_int_equal(auth_bearer_parse(h, out), 0);
	assert_string_equal(out, token);

	assert_int_equal(auth_bearer_parse(NULL, out), -1);
	assert_int_equal(auth_bearer_parse("", out), -1);
	assert_int_equal(auth_bearer_parse("Bearer", out), -1);
	assert_int_equal(auth_bearer_parse("Bearer ", out), -1);
	assert_int_equal(auth_bearer_parse("Basic dXNlcjpwYXNz", out), -1);
	sprintf(h, "Bearer%s", token);
	assert_int_equal(auth_bearer_parse(h, out), -1);
	sprintf(h, "Basic %s", token);
	assert_int_equal(auth_bearer_parse(h, out), -1);
	sprintf(h, "Bearer %s ", token);
	assert_int_equal(auth_bearer_parse(h, out), -1);
	sprintf(h, "Bearer %sx", token);
	assert_int_equal(auth_bearer_parse(h, out), -1);
	sprintf(h, "Bearer %.*s", AUTH_TOKEN_LEN - 1, token);
	assert_int_equal(auth_bearer_parse(h, out), -1);

	/* Right length, wrong prefix or a character base64url lacks. */
	strcpy(bad, token);
	bad[0] = 'x';
	sprintf(h, "Bearer %s", bad);
	assert_int_equal(auth_bearer_parse(h, out), -1);
	strcpy(bad, token);
	bad[20] = '\n';
	sprintf(h, "Bearer %s", bad);
	assert_int_equal(auth_bearer_parse(h, out), -1);
	bad[20] = '+';
	sprintf(h, "Bearer %s", bad);
	assert_int_equal(auth_bearer_parse(h, out), -1);
	free(h);

	h = malloc(5000 + 8);
	strcpy(h, "Bearer pt_");
	memset(h + 10, 'a', 4990);
	h[5000] = '\0';
	assert_int_equal(auth_bearer_parse(h, out), -1);
	free(h);
}

static void
test_password_hash_and_check(void **state)
{
	char h[AUTH_PASSWORD_HASH_LEN], h2[AUTH_PASSWORD_HASH_LEN];

	(void)state;
	assert_int_equal(auth_password_hash("correct horse", h, sizeof h), 0);
	assert_memory_equal(h, "$argon2id$", 10);
	assert_int_equal(auth_password_check(h, "correct horse"), 1);
	assert_int_equal(auth_password_check(h, "correct hors"), 0);
	assert_int_equal(auth_password_check(h, ""), 0);
	assert_int_equal(auth_password_check(NULL, "correct horse"), 0);
	assert_int_equal(auth_password_check("not a hash", "x"), 0);
	/* Salted: the same password never hashes the same way twice. */
	assert_int_equal(auth_password_hash("correct horse", h2, sizeof h2), 0);
	assert_string_not_equal(h, h2);
	assert_int_equal(auth_password_check(h2, "correct horse"), 1);
	/* Too small a buffer is refused, not overrun. */
	assert_int_equal(auth_password_hash("correct horse", h2, 16), -1);
}

static void
test_roles(void **state)
{
	static const char *names[] = {
	    "admin", "supervisor", "dispatcher", "viewer", "crew"};
	enum auth_role r;
	size_t i;
	int seen = 0;

	(void)state;
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		r = role_parse(names[i]);
		assert_int_not_equal(r, 0);
		assert_string_equal(role_name(r), names[i]);
		assert_int_equal(seen & (int)r, 0); /* one bit each */
		seen |= (int)r;
	}
	assert_int_equal(seen, AUTH_ANY);
	assert_int_equal(role_parse("Admin"), 0);
	assert_int_equal(role_parse("root"), 0);
	assert_int_equal(role_parse(""), 0);
	assert_int_equal(role_parse("admin "), 0);
	assert_string_equal(role_name(0), "unknown");
	assert_true((AUTH_PERSONAL_DATA & AUTH_VIEWER) == 0);
	assert_true((AUTH_PERSONAL_DATA & AUTH_CREW) == 0);
}

/* The console's session cookie and CSRF token (issue 6). */
static void
test_session_cookie_parsing(void **state)
{
	char id[AUTH_SESSION_LEN + 1], hash[65], csrf[AUTH_CSRF_LEN + 1];
	char out[AUTH_SESSION_LEN + 1], hdr[256], again[65];
	const char *good = "abcdefghijABCDEFGHIJ0123456789-_abcdefghijk";

	(void)state;
	auth_session_new(id, hash, csrf);
	assert_int_equal(strlen(id), AUTH_SESSION_LEN);
	assert_int_equal(strlen(csrf), AUTH_CSRF_LEN);
	assert_true(is_urlsafe(id) && is_urlsafe(csrf));
	assert_string_not_equal(id, csrf);
	auth_token_hash(id, again);
	assert_string_equal(again, hash);

	snprintf(hdr, sizeof hdr, "patrol_session=%s", good);
	assert_int_equal(auth_cookie_session(hdr, out), 0);
	assert_string_equal(out, good);
	snprintf(hdr, sizeof hdr, "a=1; b=\"x\";patrol_session=%s ; c=3", good);
	assert_int_equal(auth_cookie_session(hdr, out), 0);
	assert_string_equal(out, good);
	/* A malformed one first, a good one after: the good one. */
	snprintf(
	    hdr, sizeof hdr, "patrol_session=short; patrol_session=%s", good);
	assert_int_equal(auth_cookie_session(hdr, out), 0);
	assert_string_equal(out, good);

	assert_int_equal(auth_cookie_session(NULL, out), -1);
	assert_int_equal(auth_cookie_session("", out), -1);
	assert_int_equal(auth_cookie_session("patrol_session=", out), -1);
	assert_int_equal(auth_cookie_session("patrol_session", out), -1);
	assert_int_equal(auth_cookie_session(";;;", out), -1);
	snprintf(hdr, sizeof hdr, "xpatrol_session=%s", good);
	assert_int_equal(auth_cookie_session(hdr, out), -1);
	snprintf(hdr, sizeof hdr, "patrol_sessionx=%s", good);
	assert_int_equal(auth_cookie_session(hdr, out), -1);
	snprintf(hdr, sizeof hdr, "patrol_session=%sx", good);
	assert_int_equal(auth_cookie_session(hdr, out), -1);
	snprintf(hdr, sizeof hdr, "patrol_session=%.42s=", good);
	assert_int_equal(auth_cookie_session(hdr, out), -1);
	snprintf(hdr, sizeof hdr, "patrol_session=\"%.41s\"", good);
	assert_int_equal(auth_cookie_session(hdr, out), -1);
}

static void
test_csrf_check(void **state)
{
	const char *t = "abcdefghijABCDEFGHIJ0123456789-_abcdefghijk";

	(void)state;
	assert_true(auth_csrf_ok(t, t));
	assert_false(auth_csrf_ok(NULL, t));
	assert_false(auth_csrf_ok("", t));
	assert_false(
	    auth_csrf_ok("abcdefghijABCDEFGHIJ0123456789-_abcdefghij", t));
	assert_false(
	    auth_csrf_ok("abcdefghijABCDEFGHIJ0123456789-_abcdefghijkl", t));
	assert_false(
	    auth_csrf_ok("Abcdefghijabcdefghij0123456789-_abcdefghijk", t));
	assert_false(auth_csrf_ok(t, ""));
}

FIXTURE_MAIN(cmocka_unit_test(test_tokens_are_unique_and_url_safe),
    cmocka_unit_test(test_token_hash_is_sha256_hex),
    cmocka_unit_test(test_bearer_header_parsing),
    cmocka_unit_test(test_password_hash_and_check),
    cmocka_unit_test(test_roles), cmocka_unit_test(test_session_cookie_parsing),
    cmocka_unit_test(test_csrf_check))
