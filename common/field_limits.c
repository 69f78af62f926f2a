/* The one message for a text over its limit (field_limits.h). */
#include <stdlib.h>

#include "field_limits.h"
#include "utf8.h"
#include "xmalloc.h"

char *
field_too_long(const char *field, const char *text, size_t max)
{
	if (text == NULL || utf8_len(text) <= max)
		return NULL;
	return xasprintf("%s is longer than %zu characters", field, max);
}
