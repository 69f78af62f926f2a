/*
 * UTF-8 checks, shared by the server, the domain core and the handheld
 * (one copy instead of one per caller).
 */
#ifndef PATROL_UTF8_H
#define PATROL_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * The character at s, of at most avail bytes (SIZE_MAX for a NUL-ended
 * string: the NUL stops it): its length in bytes, 1 to 4, with its code
 * point in *cp; 0 when the bytes there are not well-formed UTF-8 (an
 * overlong form, a surrogate, past U+10FFFF, or cut short). A NUL byte is
 * a character of length 1.
 */
int utf8_decode(const char *s, size_t avail, uint32_t *cp);
/* 1 when s is well-formed UTF-8 (no overlongs, no surrogates). */
int utf8_valid(const char *s);
/* UTF-8 characters in s (s is valid UTF-8: jansson checked it). */
size_t utf8_len(const char *s);

#endif
