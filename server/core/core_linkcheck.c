/*
 * Linked with every object of libpatrol_core (whole archive) and nothing
 * but the core's own dependencies: if any core file called into libevent,
 * libpq or curl this program would not link. Run by the test
 * structure.core_links; it prints the libraries it was linked with.
 */
#include <stdio.h>

int
main(void)
{
	puts("core links without libevent, libpq and curl");
	return 0;
}
