/*
 * What the benchmarks share (tests/bench/bench.c, linked into each): their
 * clocks, a random stream that is the same on every machine, sorting the
 * samples, and dying with a message. No I/O beyond stderr.
 */
#ifndef PATROL_BENCH_H
#define PATROL_BENCH_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* The clock (CLOCK_MONOTONIC for the wall, a CPU-time clock...), in s. */
double bench_clock_s(clockid_t clock);
/*
 * The clock a run measures by: this thread's CPU time (the machine is
 * shared), or the wall when BENCH_WALL is set.
 */
clockid_t bench_clock_from_env(void);

/* qsort()'s comparison of doubles, ascending. */
int bench_cmp_double(const void *a, const void *b);
/* The middle of v's n samples; sorts v. */
double bench_median(double *v, size_t n);

/* splitmix64: the stream's next number; *state is its seed, then its place. */
uint64_t bench_next(uint64_t *state);
/* The stream's next number as a double in [0, 1), 53 random bits. */
double bench_uniform(uint64_t *state);

/* "program: message" on stderr, and exit(1). */
void bench_die(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

#endif
