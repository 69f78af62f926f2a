#include "ab.h"

int
call_cycle_a(int n)
{
	return n <= 0 ? 0 : call_cycle_b(n - 1);
}
