/*
 * Two hex digits to a byte: shared by the server (a form body's %XX
 * escapes, server/core/open311_form.c) and the handheld (an NMEA
 * sentence's *XX checksum, mobile-agent/nmea.c).
 */
#ifndef PATROL_HEX_H
#define PATROL_HEX_H

/*
 * The byte that the two hex digits at s spell (either case), or -1 when
 * they are not two hex digits. s[1] is read only when s[0] is a digit, so
 * a string that ends early ('\0' is no digit) is safe.
 */
int hex_to_byte(const char *s);

#endif
