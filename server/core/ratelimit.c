#include <math.h>

#include "ratelimit.h"

int
ratelimit_delay(int failures, const struct ratelimit_policy *p)
{
	long long d;
	int k;

	if (failures <= p->free)
		return 0;
	d = p->first_s;
	for (k = failures - p->free - 1; k > 0 && d < p->max_s; k--)
		d *= 2;
	return (int)(d < p->max_s ? d : p->max_s);
}

int
ratelimit_wait(int failures, double elapsed_s, const struct ratelimit_policy *p)
{
	double left;

	if (!(elapsed_s >= 0))
		elapsed_s = 0; /* a clock step back: wait the whole delay */
	left = ratelimit_delay(failures, p) - elapsed_s;
	return left > 0 ? (int)ceil(left) : 0;
}

int
ratelimit_expiry_s(
    const struct ratelimit_policy *a, const struct ratelimit_policy *b)
{
	int s = a->forget_s;

	if (a->max_s > s)
		s = a->max_s;
	if (b->forget_s > s)
		s = b->forget_s;
	if (b->max_s > s)
		s = b->max_s;
	return s;
}
