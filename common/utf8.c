/* UTF-8 checks shared by the server, its domain core and the handheld. */
#include <stddef.h>
#include <stdint.h>

#include "utf8.h"

int
utf8_decode(const char *s, size_t avail, uint32_t *cp)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t c, min;
	int n, i;

	if (avail == 0)
		return 0;
	if (*p < 0x80) {
		*cp = *p;
		return 1;
	}
	/* C0, C1 and F5..FF never lead a well-formed character. */
	if (*p >= 0xc2 && *p <= 0xdf)
		n = 2, c = *p & 0x1f, min = 0x80;
	else if (*p >= 0xe0 && *p <= 0xef)
		n = 3, c = *p & 0x0f, min = 0x800;
	else if (*p >= 0xf0 && *p <= 0xf4)
		n = 4, c = *p & 0x07, min = 0x10000;
	else
		return 0;
	if ((size_t)n > avail)
		return 0;
	/* A NUL is not a continuation byte: a string's end stops this. */
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

int
utf8_valid(const char *s)
{
	uint32_t cp;
	int n;

	for (; *s != '\0'; s += n) {
		if ((n = utf8_decode(s, SIZE_MAX, &cp)) == 0)
			return 0;
	}
	return 1;
}

size_t
utf8_len(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++) {
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	}
	return n;
}
