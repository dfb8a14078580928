/* C MPI ping-pong between ranks 0 and 1: round-trip time per message size.
 * Many short trials (about 1 ms each): their median ignores the rare
 * millisecond stalls of a shared machine, for C as for charmts.
 *   pingpong                 8 B to 4 MiB
 *   pingpong SIZE...         those sizes (the bandwidth table: 64 KiB to 64 MiB) */
#include <string.h>
#include "common.h"

#define PINGPONG_TRIALS 41

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
    for (int t = -3; t < PINGPONG_TRIALS; t++) { /* the first 3 warm up */
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
      if (t >= 0) samples[t] = (MPI_Wtime() - start) * 1e6 / n;
    }
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
