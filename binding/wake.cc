#include "wake.h"

#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <vector>

#include "check.h"

namespace charmts {
namespace {

/** An idle PE's word: 1 while it sleeps (or is about to), 0 otherwise. */
using Word = std::atomic<uint32_t>;
static_assert(sizeof(Word) == sizeof(uint32_t), "a futex word is 32 bits");

/** Each rank's word in a cache line of its own. */
constexpr MPI_Aint kLine = 64;

/** A rank's line: its word, and the CPU it last waited on (-1: none yet; see sharesCore). */
struct Slot {
  Word word{0};
  std::atomic<int32_t> cpu{-1};
};
static_assert(sizeof(Slot) <= kLine, "a rank's slot fits its cache line");

struct Waking {
  MPI_Comm host = MPI_COMM_NULL;
  MPI_Win window = MPI_WIN_NULL;
  /** By world rank: its word, or null for a rank on another host. */
  std::vector<Word*> wordOf;
  /** The slots of the other ranks of this host. */
  std::vector<Slot*> neighbours;
  Slot* slot = nullptr;
  Word* mine = nullptr;
  /** Set to 1 when this PE wakes a sleeping PE of its host or is woken by one (see setHandoff). */
  int32_t* handoff = nullptr;
};

Waking& waking() {
  static Waking w;
  return w;
}

long futex(Word* word, int op, uint32_t value, const timespec* timeout) {
  return syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), op, value, timeout, nullptr, 0);
}

/**
 * Whether a message is waiting. Open MPI's MPI_Iprobe matches only what
 * its progress engine has already taken from shared memory, and runs that
 * engine only after a miss: a message that came while this PE was not
 * polling is seen by the second call, not the first. (A single call let
 * such a PE sleep through a message for a whole wait, and one woken by a
 * sender went back to libuv for a turn before it looked again.)
 */
int probe(MPI_Comm world) {
  int flag = 0;
  for (int i = 0; i < 2 && !flag; ++i) check(MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, world, &flag, MPI_STATUS_IGNORE), "MPI_Iprobe", -1, "from");
  return flag;
}

/**
 * A sender writes its message before it clears the word, so a woken PE's
 * probe finds it; more than one retry only guards against a transport
 * that delivers in more than one step of its progress engine.
 */
constexpr int kProbesAfterWake = 8;

}  // namespace

void setUpWaking(MPI_Comm world) {
  Waking& w = waking();
  int worldSize = 0;
  check(MPI_Comm_size(world, &worldSize), "MPI_Comm_size");
  check(MPI_Comm_split_type(world, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &w.host), "MPI_Comm_split_type");
  int hostSize = 0;
  check(MPI_Comm_size(w.host, &hostSize), "MPI_Comm_size");
  void* base = nullptr;
  check(MPI_Win_allocate_shared(kLine, 1, MPI_INFO_NULL, w.host, &base, &w.window), "MPI_Win_allocate_shared");
  w.slot = new (base) Slot();
  w.mine = &w.slot->word;
  MPI_Group worldGroup, hostGroup;
  check(MPI_Comm_group(world, &worldGroup), "MPI_Comm_group");
  check(MPI_Comm_group(w.host, &hostGroup), "MPI_Comm_group");
  std::vector<int> hostRanks(static_cast<size_t>(hostSize)), worldRanks(static_cast<size_t>(hostSize));
  for (int i = 0; i < hostSize; ++i) hostRanks[static_cast<size_t>(i)] = i;
  check(MPI_Group_translate_ranks(hostGroup, hostSize, hostRanks.data(), worldGroup, worldRanks.data()), "MPI_Group_translate_ranks");
  MPI_Group_free(&worldGroup);
  MPI_Group_free(&hostGroup);
  w.wordOf.assign(static_cast<size_t>(worldSize), nullptr);
  for (int i = 0; i < hostSize; ++i) {
    MPI_Aint size = 0;
    int unit = 0;
    void* at = nullptr;
    check(MPI_Win_shared_query(w.window, i, &size, &unit, &at), "MPI_Win_shared_query");
    Slot* slot = static_cast<Slot*>(at);
    w.wordOf[static_cast<size_t>(worldRanks[static_cast<size_t>(i)])] = &slot->word;
    if (slot != w.slot) w.neighbours.push_back(slot);
  }
  // Every word is zeroed before anyone reads one.
  check(MPI_Barrier(w.host), "MPI_Barrier");
}

void tearDownWaking() {
  Waking& w = waking();
  w.wordOf.clear();
  w.neighbours.clear();
  w.mine = nullptr;
  w.slot = nullptr;
  if (w.window != MPI_WIN_NULL) MPI_Win_free(&w.window);
  if (w.host != MPI_COMM_NULL) MPI_Comm_free(&w.host);
}

void wakeIfIdle(int dest) {
  Waking& w = waking();
  if (static_cast<size_t>(dest) >= w.wordOf.size()) return;
  Word* word = w.wordOf[static_cast<size_t>(dest)];
  if (!word) return;
  // The message is in the receiver's memory before this reads its word;
  // the receiver marks its word before it probes (both fences: one of the
  // two sees the other).
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (word->load(std::memory_order_relaxed) == 1 && word->exchange(0) == 1) {
    if (futex(word, FUTEX_WAKE, 1, nullptr) > 0 && w.handoff) *w.handoff = 1;
  }
}

bool sharesCore() {
  Waking& w = waking();
  if (!w.slot) return false;
  int cpu = sched_getcpu();
  if (cpu < 0) return false;
  if (w.slot->cpu.load(std::memory_order_relaxed) != cpu) w.slot->cpu.store(cpu, std::memory_order_relaxed);
  for (Slot* other : w.neighbours) {
    // A sleeping PE needs no core; it wakes wherever the kernel puts it.
    if (other->cpu.load(std::memory_order_relaxed) == cpu && other->word.load(std::memory_order_relaxed) == 0) return true;
  }
  return false;
}

bool moveToFreeCore() {
  Waking& w = waking();
  if (!w.slot) return false;
  cpu_set_t allowed;
  if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) return false;
  int cpu = sched_getcpu();
  for (int c = 0; c < CPU_SETSIZE; ++c) {
    if (c == cpu || !CPU_ISSET(c, &allowed)) continue;
    bool taken = false;
    for (Slot* other : w.neighbours) taken = taken || (other->cpu.load(std::memory_order_relaxed) == c && other->word.load(std::memory_order_relaxed) == 0);
    if (taken) continue;
    // Pinned to `c` the thread moves there at once; the mask it had comes
    // back at once too, so that the kernel stays free to place it later.
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(c, &one);
    if (sched_setaffinity(0, sizeof one, &one) != 0) return false;
    sched_setaffinity(0, sizeof allowed, &allowed);
    w.slot->cpu.store(c, std::memory_order_relaxed);
    return true;
  }
  return false;
}

void setHandoff(int32_t* flag) { waking().handoff = flag; }

bool idleWait(MPI_Comm world, double maxMicros) {
  Waking& w = waking();
  int flag = 0;
  if (w.mine) {
    w.mine->store(1);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    flag = probe(world);
    if (!flag) {
      long ns = static_cast<long>(maxMicros * 1000);
      timespec timeout{ns / 1000000000L, ns % 1000000000L};
      futex(w.mine, FUTEX_WAIT, 1, &timeout);  // returns at once if a sender cleared the word already
    }
    // A sender cleared the word: its message is in this PE's memory.
    if (w.mine->exchange(0) == 0 && !flag) {
      if (w.handoff) *w.handoff = 1;
      for (int i = 0; i < kProbesAfterWake && !flag; ++i) flag = probe(world);
      return flag != 0;
    }
  }
  if (!flag) flag = probe(world);
  return flag != 0;
}

}  // namespace charmts
