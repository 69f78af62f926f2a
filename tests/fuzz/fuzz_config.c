/* The configuration file parser on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config c;
	char *cause = NULL;

	config_init(&c);
	if (config_parse_buffer(&c, (const char *)data, size, "fuzz", &cause) !=
	    0) {
		/* Every refusal must say why. */
		if (cause == NULL || *cause == '\0')
			abort();
		free(cause);
	} else if (c.port < 0 || c.port > 65535 || c.db_pool_size < 1 ||
	    c.area_lon_min >= c.area_lon_max)
		abort(); /* accepted values stay inside their ranges */
	config_free(&c);
	return 0;
}
