/* Includes b.h, which includes this: include_cycles.py must refuse it. */
#include "b.h"
