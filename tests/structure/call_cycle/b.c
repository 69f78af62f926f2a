#include "ab.h"

int
call_cycle_b(int n)
{
	return n <= 0 ? 1 : call_cycle_a(n - 1);
}
