/* C MPI streaming message rate: rank 0 sends many 16-byte messages to rank 1, which acknowledges the last. */
#include "common.h"

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  const int n = 200000, window = 256;
  char buf[16] = {0};
  MPI_Request requests[256];
  double samples[TRIALS];
  for (int t = -1; t < TRIALS; t++) {
    MPI_Barrier(MPI_COMM_WORLD);
    double start = MPI_Wtime();
    if (rank == 0) {
      for (int i = 0; i < n; i += window) {
        int k = n - i < window ? n - i : window;
        for (int j = 0; j < k; j++) MPI_Isend(buf, 16, MPI_BYTE, 1, 0, MPI_COMM_WORLD, &requests[j]);
        MPI_Waitall(k, requests, MPI_STATUSES_IGNORE);
      }
      MPI_Recv(buf, 1, MPI_BYTE, 1, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    } else if (rank == 1) {
      char in[16];
      for (int i = 0; i < n; i++) MPI_Recv(in, 16, MPI_BYTE, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      MPI_Send(buf, 1, MPI_BYTE, 0, 1, MPI_COMM_WORLD);
    }
    if (t >= 0) samples[t] = n / (MPI_Wtime() - start);
  }
  if (rank == 0) report("stream-rate", "\"bytes\":16", samples, TRIALS, "msg/s");
  MPI_Finalize();
  return 0;
}
