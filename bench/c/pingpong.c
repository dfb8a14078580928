/* C MPI ping-pong between ranks 0 and 1: round-trip time per message size.
 * Many short trials: their median ignores the rare millisecond stalls of a
 * shared machine, for C as for charmts. As in bench/cases/pingpong.ts, a
 * trial lasts MIN_TRIAL_US at least (round trips raised from the warm-up's
 * best), so that the spreads (max / median trial) compared are over trials
 * of the same length.
 *   pingpong                 8 B to 4 MiB
 *   pingpong SIZE...         those sizes (the bandwidth table: 64 KiB to 64 MiB) */
#include <string.h>
#include "common.h"

#define PINGPONG_TRIALS 41
#define MIN_TRIAL_US 5000.0
/* The warm-up: 3 trials, and WARM_UP_REPS round trips for up to
 * WARM_UP_MAX_MS, as charmts' (bench/cases/report.ts: V8 compiles after
 * that many calls, not after a time). */
#define WARM_UP_TRIALS 3
#define WARM_UP_REPS 3000
#define WARM_UP_MAX_MS 1500.0

/* One trial: n round trips between ranks 0 and 1; returns us per round trip. */
static double trial(char* buf, int bytes, int n, int rank) {
  MPI_Barrier(MPI_COMM_WORLD);
  double start = MPI_Wtime();
  for (int i = 0; i < n; i++) {
    if (rank == 0) {
      MPI_Send(buf, bytes, MPI_BYTE, 1, 0, MPI_COMM_WORLD);
      MPI_Recv(buf, bytes, MPI_BYTE, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    } else if (rank == 1) {
      MPI_Recv(buf, bytes, MPI_BYTE, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      MPI_Send(buf, bytes, MPI_BYTE, 0, 0, MPI_COMM_WORLD);
    }
  }
  return (MPI_Wtime() - start) * 1e6 / n;
}

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  static const int defaults[] = {8, 64, 512, 4096, 32768, 262144, 1048576, 4194304};
  int count = argc > 1 ? argc - 1 : (int)(sizeof defaults / sizeof *defaults);
  int largest = 0;
  int* sizes = malloc(sizeof(int) * count);
  for (int s = 0; s < count; s++) {
    sizes[s] = argc > 1 ? atoi(argv[s + 1]) : defaults[s];
    if (sizes[s] > largest) largest = sizes[s];
  }
  char* buf = malloc(largest);
  memset(buf, 1, largest);
  for (int s = 0; s < count; s++) {
    int bytes = sizes[s];
    int n = (int)(1000.0 / (1.0 + bytes / 2000.0));
    if (n < 4) n = 4;
    double samples[PINGPONG_TRIALS];
    double best = 0;
    double warmUpStart = MPI_Wtime();
    long warmUpReps = 0;
    for (int t = 1, more = 1; more; t++) {
      double us = trial(buf, bytes, n, rank);
      if (best == 0 || us < best) best = us;
      warmUpReps += n;
      /* Rank 0 decides for both: they must agree. */
      more = t < WARM_UP_TRIALS || (warmUpReps < WARM_UP_REPS && (MPI_Wtime() - warmUpStart) * 1e3 < WARM_UP_MAX_MS);
      MPI_Bcast(&more, 1, MPI_INT, 0, MPI_COMM_WORLD);
    }
    /* Rank 0's count for both: they must agree on it. */
    if (rank == 0 && best > 0 && MIN_TRIAL_US / best > n) n = (int)(MIN_TRIAL_US / best) + 1;
    MPI_Bcast(&n, 1, MPI_INT, 0, MPI_COMM_WORLD);
    for (int t = 0; t < PINGPONG_TRIALS; t++) samples[t] = trial(buf, bytes, n, rank);
    if (rank == 0) {
      char params[64];
      snprintf(params, sizeof params, "\"bytes\":%d", bytes);
      report("pingpong", params, samples, PINGPONG_TRIALS, "us");
    }
  }
  free(buf);
  free(sizes);
  MPI_Finalize();
  return 0;
}
