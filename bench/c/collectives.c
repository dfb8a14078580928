/* C MPI baselines for broadcasts and reductions, at any number of ranks:
 *  broadcast: MPI_Bcast of 8 bytes then MPI_Reduce of nothing-sized data to learn completion;
 *  reduction: MPI_Allreduce (sum) of one double, and of 1 MiB of doubles (every rank gets the result). */
#include "common.h"

static void time_op(const char* name, const char* params, void (*op)(void*), void* arg, double estimate_us, int rank) {
  int n = iterations_for(estimate_us);
  double samples[TRIALS];
  for (int t = -1; t < TRIALS; t++) {
    MPI_Barrier(MPI_COMM_WORLD);
    double start = MPI_Wtime();
    for (int i = 0; i < n; i++) op(arg);
    double elapsed = MPI_Wtime() - start, longest;
    MPI_Reduce(&elapsed, &longest, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    if (t >= 0) samples[t] = longest * 1e6 / n;
  }
  if (rank == 0) report(name, params, samples, TRIALS, "us");
}

static void broadcast(void* arg) {
  double value = 1, done = 0, one = 1;
  (void)arg;
  MPI_Bcast(&value, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
  MPI_Reduce(&one, &done, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
}

static void reduce(void* arg) {
  double** data = arg;
  MPI_Allreduce(data[0], data[1], (int)(size_t)data[2], MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
}

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  time_op("broadcast", "\"bytes\":8", broadcast, NULL, 5, rank);
  size_t counts[] = {1, 131072};
  for (int i = 0; i < 2; i++) {
    double* in = calloc(counts[i], sizeof(double));
    double* out = calloc(counts[i], sizeof(double));
    void* arg[3] = {in, out, (void*)counts[i]};
    char params[64];
    snprintf(params, sizeof params, "\"bytes\":%zu", counts[i] * 8);
    time_op("reduction", params, reduce, arg, counts[i] > 1 ? 500 : 5, rank);
    free(in);
    free(out);
  }
  MPI_Finalize();
  return 0;
}
