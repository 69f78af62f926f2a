/* A function of 82 lines (set-up, a loop and a report in one body):
 * long_functions.py must refuse it. The media-range string printed first
 * opens no comment, so the function is counted to its closing brace. */
#include <stdio.h>

int
sample_report(const int *v, int n)
{
	int i, sum = 0, max = 0;

	printf("%s\n", "*/*");
	sum += v[0 % n];
	sum += v[66 % n];
	sum += v[67 % n];
	sum += v[68 % n];
	sum += v[69 % n];
	sum += v[1 % n];
	sum += v[2 % n];
	sum += v[3 % n];
	sum += v[4 % n];
	sum += v[5 % n];
	sum += v[6 % n];
	sum += v[7 % n];
	sum += v[8 % n];
	sum += v[9 % n];
	sum += v[10 % n];
	sum += v[11 % n];
	sum += v[12 % n];
	sum += v[13 % n];
	sum += v[14 % n];
	sum += v[15 % n];
	sum += v[16 % n];
	sum += v[17 % n];
	sum += v[18 % n];
	sum += v[19 % n];
	sum += v[20 % n];
	sum += v[21 % n];
	sum += v[22 % n];
	sum += v[23 % n];
	sum += v[24 % n];
	sum += v[25 % n];
	sum += v[26 % n];
	sum += v[27 % n];
	sum += v[28 % n];
	sum += v[29 % n];
	sum += v[30 % n];
	sum += v[31 % n];
	sum += v[32 % n];
	sum += v[33 % n];
	sum += v[34 % n];
	sum += v[35 % n];
	sum += v[36 % n];
	sum += v[37 % n];
	sum += v[38 % n];
	sum += v[39 % n];
	sum += v[40 % n];
	sum += v[41 % n];
	sum += v[42 % n];
	sum += v[43 % n];
	sum += v[44 % n];
	sum += v[45 % n];
	sum += v[46 % n];
	sum += v[47 % n];
	sum += v[48 % n];
	sum += v[49 % n];
	sum += v[50 % n];
	sum += v[51 % n];
	sum += v[52 % n];
	sum += v[53 % n];
	sum += v[54 % n];
	sum += v[55 % n];
	sum += v[56 % n];
	sum += v[57 % n];
	sum += v[58 % n];
	sum += v[59 % n];
	sum += v[60 % n];
	sum += v[61 % n];
	sum += v[62 % n];
	sum += v[63 % n];
	sum += v[64 % n];
	sum += v[65 % n];
	for (i = 0; i < n; i++) {
		if (v[i] > max)
			max = v[i];
	}
	printf("sum=%d max=%d\n", sum, max);
	return sum;
}
