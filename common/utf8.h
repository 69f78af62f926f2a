/*
 * UTF-8 checks, shared by the server, the domain core and the handheld
 * (one copy instead of one per caller).
 */
#ifndef PATROL_UTF8_H
#define PATROL_UTF8_H

#include <stddef.h>

/* 1 when s is well-formed UTF-8 (no overlongs, no surrogates). */
int utf8_valid(const char *s);
/* UTF-8 characters in s (s is valid UTF-8: jansson checked it). */
size_t utf8_len(const char *s);

#endif
