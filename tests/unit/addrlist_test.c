#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "addrlist.h"
#include "fixture.h"

static struct addrlist *
parse(const char *text)
{
	char *cause = NULL;
	struct addrlist *l = addrlist_parse(text, &cause);

	assert_non_null(l);
	assert_null(cause);
	return l;
}

static void
test_addresses_and_networks(void **state)
{
	struct addrlist *l = parse("127.0.0.1, 10.0.0.0/8 ::1,2001:db8::/32");

	(void)state;
	assert_int_equal(addrlist_count(l), 4);
	assert_true(addrlist_match(l, "127.0.0.1"));
	assert_false(addrlist_match(l, "127.0.0.2"));
	assert_true(addrlist_match(l, "10.200.3.4"));
	assert_false(addrlist_match(l, "11.0.0.1"));
	assert_true(addrlist_match(l, "::1"));
	assert_true(addrlist_match(l, "2001:db8:1::5"));
	assert_false(addrlist_match(l, "2001:db9::5"));
	/* An IPv4 peer seen as a mapped IPv6 address is the same address. */
	assert_true(addrlist_match(l, "::ffff:10.1.2.3"));
	assert_false(addrlist_match(l, "not an address"));
	assert_false(addrlist_match(l, ""));
	addrlist_free(l);
	l = parse("192.168.4.0/22");
	assert_true(addrlist_match(l, "192.168.7.255"));
	assert_false(addrlist_match(l, "192.168.8.0"));
	addrlist_free(l);
	l = parse("");
	assert_int_equal(addrlist_count(l), 0);
	assert_false(addrlist_match(l, "127.0.0.1"));
	addrlist_free(l);
}

static void
test_bad_entries_are_named(void **state)
{
	const char *bad[] = {"127.0.0.1,example.org", "10.0.0.0/33",
	    "10.0.0.0/", "::1/129", "1.2.3.4/8x", NULL};
	char *cause;
	int i;

	(void)state;
	for (i = 0; bad[i] != NULL; i++) {
		cause = NULL;
		assert_null(addrlist_parse(bad[i], &cause));
		assert_non_null(cause);
		assert_non_null(strstr(cause, "not an address"));
		free(cause);
	}
}

static void
test_client_behind_trusted_proxies(void **state)
{
	struct addrlist *t = parse("10.0.0.1, 10.0.0.2");
	char out[64];

	(void)state;
	/* Not from a proxy: the header is anyone's to forge. */
	addrlist_client(t, "203.0.113.9", "198.51.100.1", out, sizeof out);
	assert_string_equal(out, "203.0.113.9");
	addrlist_client(t, "10.0.0.1", "198.51.100.1", out, sizeof out);
	assert_string_equal(out, "198.51.100.1");
	/* A client forging a hop on the left is not believed beyond ours. */
	addrlist_client(
	    t, "10.0.0.1", "1.1.1.1, 198.51.100.1, 10.0.0.2", out, sizeof out);
	assert_string_equal(out, "198.51.100.1");
	/* Garbage stops the walk at the last address vouched for. */
	addrlist_client(t, "10.0.0.1", "junk", out, sizeof out);
	assert_string_equal(out, "10.0.0.1");
	addrlist_client(
	    t, "10.0.0.1", "1.1.1.1, junk, 10.0.0.2", out, sizeof out);
	assert_string_equal(out, "10.0.0.2");
	addrlist_client(t, "10.0.0.1", NULL, out, sizeof out);
	assert_string_equal(out, "10.0.0.1");
	addrlist_client(t, "10.0.0.1", "", out, sizeof out);
	assert_string_equal(out, "10.0.0.1");
	addrlist_client(NULL, "10.0.0.1", "1.1.1.1", out, sizeof out);
	assert_string_equal(out, "10.0.0.1");
	addrlist_free(t);
}

FIXTURE_MAIN(cmocka_unit_test(test_addresses_and_networks),
    cmocka_unit_test(test_bad_entries_are_named),
    cmocka_unit_test(test_client_behind_trusted_proxies))
