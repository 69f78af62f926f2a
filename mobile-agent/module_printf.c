/*
 * The one formatted-string helper of the agent's modules (tls.c, gpsd.c):
 * a module only calls libc and its own libraries (module.h), so it cannot
 * use the agent's xasprintf; this file is linked into each module.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "module.h"

char *
module_printf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		fputs("patrol-agent: out of memory\n", stderr);
		exit(1);
	}
	return s;
}
