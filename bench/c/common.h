/* Shared by the C MPI baselines: timing helpers and JSON output. */
#ifndef CHARMTS_BENCH_COMMON_H
#define CHARMTS_BENCH_COMMON_H
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

#define TRIALS 7

static int cmp_double(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return x < y ? -1 : x > y;
}

/* Prints one JSON line: median, min and max of `n` samples (already in `unit`). */
static void report(const char* name, const char* params, double* samples, int n, const char* unit) {
  qsort(samples, n, sizeof(double), cmp_double);
  printf("{\"name\":\"%s\",\"params\":{%s},\"value\":%.6g,\"min\":%.6g,\"max\":%.6g,\"unit\":\"%s\"}\n", name, params, samples[n / 2],
         samples[0], samples[n - 1], unit);
  fflush(stdout);
}

/* Iterations so that one trial of an operation taking `estimate_us` lasts about 30 ms. */
static int iterations_for(double estimate_us) {
  int n = (int)(30000.0 / estimate_us);
  return n < 10 ? 10 : n;
}
#endif
