/* A core file that does I/O: check_io.cmake must refuse it. */
#include "db.h"
#include "xmalloc.h"
