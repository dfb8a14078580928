/* The floor of charmts' idle path on this host: C MPI doing what charmts'
 * idle PEs do (binding/wake.cc), with nothing else. Rank 1 sleeps in 1 ms
 * futex naps on a word in an MPI shared-memory window; rank 0 idles a
 * second too, then sends 8 bytes and wakes it; rank 1 answers with the
 * time it had the message; rank 0 times the round trip and its halves
 * (the clock is the host's, CLOCK_MONOTONIC, in both processes). Beside
 * it, the same round trip with both ranks polling (busy), and the cost of
 * touching 256 KiB after the idle second against touching it warm (the
 * caches a VM finds after idling: charmts' JavaScript path touches far
 * more memory than this program's).
 *
 * Each rank keeps a core of its own (pinned at start). Unpinned, the
 * kernel ran the woken rank 1 on its waker's core, where rank 0 was
 * polling for the answer (or rank 1, answered, polled in the next trial
 * while rank 0 waited on that core): the one that polled held the core
 * the other needed for the rest of a time slice, and the round trip read
 * 2-5 ms, the busy one 40 us (traced with run-queue delays from
 * /proc/self/schedstat). charmts' PEs run unpinned and leave such a core
 * (binding/wake.cc: moveToFreeCore, setHandoff); this floor measures the
 * wake-up itself.
 *   mpirun -np 2 bench/c/bin/idle [trials] */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

static _Atomic uint32_t* word_of[2];

static long futex(_Atomic uint32_t* word, int op, uint32_t value, const struct timespec* timeout) {
  return syscall(SYS_futex, (uint32_t*)word, op, value, timeout, NULL, 0);
}

/* As binding/wake.cc's probe: MPI_Iprobe sees only what Open MPI's
 * progress engine has pulled in, so a message there may take two. */
static int probe(void) {
  int flag = 0;
  for (int i = 0; i < 2 && !flag; i++) MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE);
  return flag;
}

/* As charmts' idleWait: mark, probe, sleep at most 1 ms; woken by a
 * sender (the word cleared), probe until its message shows (up to 8
 * times); true once a message is there. */
static int idle_wait(void) {
  _Atomic uint32_t* mine = word_of[1];
  atomic_store(mine, 1);
  atomic_thread_fence(memory_order_seq_cst);
  int flag = probe();
  if (!flag) {
    struct timespec nap = {0, 1000000};
    futex(mine, FUTEX_WAIT, 1, &nap);
  }
  if (atomic_exchange(mine, 0) == 0 && !flag) {
    for (int i = 0; i < 8 && !flag; i++) flag = probe();
    return flag;
  }
  if (!flag) flag = probe();
  return flag;
}

/* As charmts' wakeIfIdle, after the send. */
static void wake(int dest) {
  _Atomic uint32_t* w = word_of[dest];
  atomic_thread_fence(memory_order_seq_cst);
  if (atomic_load(w) == 1 && atomic_exchange(w, 0) == 1) futex(w, FUTEX_WAKE, 1, NULL);
}

/* Microseconds on the host's monotonic clock (the same in every process of the host). */
static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

/* Pins the calling rank to the rank-th CPU it may run on (wrapping round; see the top of the file). */
static void pin(int rank) {
  cpu_set_t allowed, one;
  if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) return;
  int n = CPU_COUNT(&allowed), k = rank % n;
  for (int c = 0; c < CPU_SETSIZE; c++) {
    if (!CPU_ISSET(c, &allowed) || k-- > 0) continue;
    CPU_ZERO(&one);
    CPU_SET(c, &one);
    sched_setaffinity(0, sizeof one, &one);
    return;
  }
}

static void sleep_ms(int ms) {
  struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&t, NULL);
}

/* Random pointer chase through `lines` 64-byte lines: microseconds taken. */
static double chase(char* mem, int lines) {
  double start = MPI_Wtime();
  void* p = mem;
  for (int i = 0; i < lines; i++) p = *(void**)p;
  double us = (MPI_Wtime() - start) * 1e6;
  return p ? us : -1;
}

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (size != 2) MPI_Abort(MPI_COMM_WORLD, 1);
  pin(rank);
  int trials = argc > 1 ? atoi(argv[1]) : TRIALS;
  MPI_Win win;
  void* base;
  MPI_Win_allocate_shared(64, 1, MPI_INFO_NULL, MPI_COMM_WORLD, &base, &win);
  for (int r = 0; r < 2; r++) {
    MPI_Aint bytes;
    int unit;
    MPI_Win_shared_query(win, r, &bytes, &unit, &base);
    word_of[r] = base;
  }
  atomic_store(word_of[rank], 0);
  MPI_Barrier(MPI_COMM_WORLD);

  enum { LINES = 256 * 1024 / 64 };
  char* mem = aligned_alloc(64, LINES * 64);
  int* order = malloc(LINES * sizeof(int));
  for (int i = 0; i < LINES; i++) order[i] = i;
  srand(1);
  for (int i = LINES - 1; i > 0; i--) {
    int j = rand() % (i + 1), t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  for (int i = 0; i < LINES; i++) *(void**)(mem + order[i] * 64) = mem + order[(i + 1) % LINES] * 64;

  double* idle = malloc(trials * sizeof(double));
  double* busy = malloc(trials * sizeof(double));
  double* there = malloc(trials * sizeof(double));
  double* back = malloc(trials * sizeof(double));
  double* cold = malloc(trials * sizeof(double));
  double* warm = malloc(trials * sizeof(double));
  double x = 0;
  for (int t = 0; t < trials; t++) {
    /* Busy: 100 round trips, both ranks polling. */
    MPI_Barrier(MPI_COMM_WORLD);
    double start = MPI_Wtime();
    for (int i = 0; i < 100; i++) {
      if (rank == 0) {
        MPI_Send(&x, 1, MPI_DOUBLE, 1, 0, MPI_COMM_WORLD);
        MPI_Recv(&x, 1, MPI_DOUBLE, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      } else {
        MPI_Recv(&x, 1, MPI_DOUBLE, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        MPI_Send(&x, 1, MPI_DOUBLE, 0, 0, MPI_COMM_WORLD);
      }
    }
    busy[t] = (MPI_Wtime() - start) * 1e6 / 100;
    /* Idle a second, then one round trip. */
    if (rank == 0) {
      chase(mem, LINES);
      warm[t] = chase(mem, LINES);
      sleep_ms(1000);
      cold[t] = chase(mem, LINES);
      start = now_us();
      MPI_Send(&x, 1, MPI_DOUBLE, 1, 0, MPI_COMM_WORLD);
      wake(1);
      double ran;
      MPI_Recv(&ran, 1, MPI_DOUBLE, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      double end = now_us();
      idle[t] = end - start;
      there[t] = ran - start;
      back[t] = end - ran;
    } else {
      while (!idle_wait()) {
      }
      MPI_Recv(&x, 1, MPI_DOUBLE, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      double ran = now_us();
      MPI_Send(&ran, 1, MPI_DOUBLE, 0, 0, MPI_COMM_WORLD);
    }
  }
  if (rank == 0) {
    report("c-idle-reply", "\"idleMs\":1000", idle, trials, "us");
    report("c-idle-call-there", "\"idleMs\":1000", there, trials, "us");
    report("c-idle-result-back", "\"idleMs\":1000", back, trials, "us");
    report("c-busy-reply", "", busy, trials, "us");
    report("c-touch-256k-warm", "", warm, trials, "us");
    report("c-touch-256k-after-idle", "\"idleMs\":1000", cold, trials, "us");
  }
  MPI_Win_free(&win);
  MPI_Finalize();
  return 0;
}
