/*
 * common/hex.c: two hex digits to a byte, as a form's %XX escape and an
 * NMEA sentence's *XX checksum are read.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fixture.h"
#include "hex.h"

static void
test_digits_of_either_case(void **state)
{
	(void)state;
	assert_int_equal(hex_to_byte("00"), 0);
	assert_int_equal(hex_to_byte("7f"), 0x7f);
	assert_int_equal(hex_to_byte("A0"), 0xa0);
	assert_int_equal(hex_to_byte("fF"), 0xff);
	assert_int_equal(hex_to_byte("3Dx"), 0x3d); /* only two are read */
}

static void
test_other_characters_are_refused(void **state)
{
	(void)state;
	assert_int_equal(hex_to_byte("zz"), -1);
	assert_int_equal(hex_to_byte("1g"), -1);
	assert_int_equal(hex_to_byte("G1"), -1);
	assert_int_equal(hex_to_byte(" 1"), -1);
	assert_int_equal(hex_to_byte("-1"), -1);
}

static void
test_a_string_ending_early_is_refused(void **state)
{
	(void)state;
	assert_int_equal(hex_to_byte(""), -1);
	assert_int_equal(hex_to_byte("a"), -1);
}

FIXTURE_MAIN(cmocka_unit_test(test_digits_of_either_case),
    cmocka_unit_test(test_other_characters_are_refused),
    cmocka_unit_test(test_a_string_ending_early_is_refused))
