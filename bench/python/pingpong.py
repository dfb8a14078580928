"""mpi4py ping-pong between ranks 0 and 1 (numpy buffers): the Python
baseline beside C MPI and charmts. Prints the same JSON lines as bench/c."""
import json
import time

import numpy as np
from mpi4py import MPI

SIZES = [8, 64, 512, 4096, 32768, 262144, 1048576, 4194304]
TRIALS = 7

comm = MPI.COMM_WORLD
rank = comm.Get_rank()
for size in SIZES:
    buf = np.ones(size, dtype=np.uint8)
    n = max(10, int(30000 / (3 + size / 1000)))
    samples = []
    for trial in range(-2, TRIALS):
        comm.Barrier()
        start = time.perf_counter()
        for _ in range(n):
            if rank == 0:
                comm.Send(buf, dest=1)
                comm.Recv(buf, source=1)
            elif rank == 1:
                comm.Recv(buf, source=0)
                comm.Send(buf, dest=0)
        if trial >= 0:
            samples.append((time.perf_counter() - start) * 1e6 / n)
    if rank == 0:
        samples.sort()
        print(json.dumps({"name": "pingpong-mpi4py", "params": {"bytes": size}, "value": samples[len(samples) // 2],
                          "min": samples[0], "max": samples[-1], "unit": "us"}), flush=True)
