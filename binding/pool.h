// Warm message memory. Writing into fresh memory costs a page fault per
// 4 KiB page (about 3 us each on a virtual machine: 0.5 to 0.8 ms per MiB,
// several times what MPI takes to move that MiB), so every buffer MPI
// writes into or sends from comes from a pool of blocks that were mapped
// before: received data lands in pages already faulted in, and copies for
// sends go to blocks used before.
//
// Blocks are 2^k bytes (64 KiB to 256 MiB; larger ones are not pooled,
// smaller ones come from malloc, whose heap reuses memory already mapped),
// those of 2 MiB and more in huge pages, those of 256 KiB to 1 MiB cut
// from 2 MiB huge-page slabs (pool.cc).
// A block handed to JavaScript as an ArrayBuffer comes back when V8 frees
// that ArrayBuffer, at the next scavenge (receives.cc sees that V8 runs
// one for every 32 MiB of them). Blocks come back in two temperatures: a
// send's copy, released when the send completes, was just written and is
// probably still in cache, and the next send's copy of that size is
// written into it; a block V8 returns after collecting its ArrayBuffer was
// last touched long ago, and received data lands in the one returned last
// (see Block::Use). The pool keeps
// at most kPoolCap bytes of free blocks; refill() prefaults blocks of the
// sizes that missed, when the PE is idle; trim() gives back every free
// block (a slab still being cut stays, at most 6 MiB).
#pragma once
#include <v8.h>

#include <cstddef>

namespace charmts {

class Block {
 public:
  /**
   * Who writes a block first, which decides the free block it takes. A
   * send's copy (memcpy) takes the block the last send's copy of its size
   * left; data MPI receives (the kernel's CMA copy) takes the block V8
   * returned last. The other way round, a ping-pong's receive landed in the
   * last send's copy and every send copied into a block V8 returned (held
   * by the program's arrays since, out of cache): at 256 KiB the copy
   * took 12-13 us and the receiver's CMA read of it 26-30, against 6.6-7
   * and 23 into the last copy, and the CMA write into a block out of cache
   * cost no more than into one reused (docs/internals.md, "Warm memory").
   */
  enum class Use { Receive, SendCopy };

  Block() = default;
  /** A block of at least `bytes` (warm from the pool when one is free). */
  explicit Block(size_t bytes, Use use = Use::Receive);
  Block(Block&& other) noexcept;
  Block& operator=(Block&& other) noexcept;
  Block(const Block&) = delete;
  Block& operator=(const Block&) = delete;
  /** Returns the block to the pool. */
  ~Block();

  char* data() const { return data_; }
  explicit operator bool() const { return data_ != nullptr; }

  /**
   * Gives the block to V8 as the memory of a new ArrayBuffer of `length`
   * bytes. It returns to the pool when V8 frees that ArrayBuffer, from
   * whichever thread V8 frees it on.
   */
  v8::Local<v8::ArrayBuffer> intoArrayBuffer(v8::Isolate* isolate, size_t length);

 private:
  void release();
  char* data_ = nullptr;
  /** log2 of the size; -1 for a block too large to pool, -2 for one from malloc. */
  int class_ = -1;
};

struct PoolCounters {
  double hits;
  double misses;
  double freeBytes;
  double prefaultedBytes;
};

PoolCounters poolCounters();

/** Prefaults free blocks of the sizes that missed since the last refill, up to about `budget` bytes; returns the bytes prefaulted. */
size_t refillPool(size_t budget);

/** Frees every free block. */
void trimPool();

}  // namespace charmts
