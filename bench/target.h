/*
 * target.h — the verdict line of a benchmark written in C (bench/lib.sh is
 * the same for the scripts): what was measured, what it must reach, MET or
 * MISSED. bench/run.sh gathers the "target:" lines into its summary.
 */
#ifndef BENCH_TARGET_H
#define BENCH_TARGET_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* at_least: the figure must be >= limit; otherwise <= limit. */
static inline const char *bench_verdict(double figure, bool at_least, double limit)
{
	return (at_least ? figure >= limit : figure <= limit) ? "MET" : "MISSED";
}

/* A figure in the unit's own terms: whole numbers for rates, four digits
 * for milliseconds and ratios. */
static inline void bench_figure(char *out, size_t n, double v)
{
	snprintf(out, n, v >= 1000 ? "%.0f" : "%.4g", v);
}

static inline void bench_target(const char *what, double figure, bool at_least,
				double limit, const char *unit, bool smoke)
{
	char f[32], l[32];
	const char *sp = *unit ? " " : "";

	bench_figure(f, sizeof(f), figure);
	bench_figure(l, sizeof(l), limit);
	printf("target: %s: %s%s%s (target %s %s%s%s): %s%s\n", what, f, sp, unit,
	       at_least ? ">=" : "<=", l, sp, unit, bench_verdict(figure, at_least, limit),
	       smoke ? " (smoke scale)" : "");
}

#endif
