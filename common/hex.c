/* Hex digits (hex.h). */
#include "hex.h"

static int
hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
hex_to_byte(const char *s)
{
	int hi, lo;

	if ((hi = hex_digit(s[0])) < 0 || (lo = hex_digit(s[1])) < 0)
		return -1;
	return hi << 4 | lo;
}
