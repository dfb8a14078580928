#include "pool.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <new>
#include <unordered_map>
#include <utility>
#include <vector>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

namespace charmts {
namespace {

/**
 * Smaller blocks come from malloc: its heap reuses freed memory, which is
 * mapped already, and keeps small blocks cheap (a 1 KiB message takes 1 KiB).
 */
constexpr size_t kHeapBelow = size_t{64} << 10;
constexpr int kMinClass = 16;  // 64 KiB
constexpr int kMaxClass = 28;  // 256 MiB
constexpr size_t kHugePage = size_t{2} << 20;
/** Free blocks kept, in bytes (per PE). */
constexpr size_t kPoolCap = size_t{128} << 20;

struct Pool {
  std::mutex mutex;
  /**
   * Free blocks per class. At the back, blocks the binding itself lets go
   * (a send's copy, just written, likely still in cache), most recent
   * last: send copies take from the back. At the front, blocks V8 returns
   * after collecting their ArrayBuffer (last touched long ago) and blocks
   * prefaulted, most recent first: receives take from the front (see
   * Block::Use).
   */
  std::deque<char*> free[kMaxClass + 1];
  size_t freeBytes = 0;
  double hits = 0;
  double misses = 0;
  double prefaulted = 0;
  /** Misses per class since the last refill: what refill() prepares. */
  int missed[kMaxClass + 1] = {};
};

// Never destroyed: V8 may free ArrayBuffers (and so return blocks) while
// the process exits.
Pool& pool() {
  static Pool* instance = new Pool();
  return *instance;
}

/** log2 of the block size for `bytes`; kHeap for small blocks, kUnpooled for huge ones. */
constexpr int kHeap = -2;
constexpr int kUnpooled = -1;

int classOf(size_t bytes) {
  if (bytes < kHeapBelow) return kHeap;
  int c = kMinClass;
  while (c <= kMaxClass && (size_t{1} << c) < bytes) ++c;
  return c <= kMaxClass ? c : kUnpooled;
}

/** Fresh memory: blocks of 2 MiB and more are 2 MiB-aligned and asked to be huge pages (one fault per 2 MiB). */
char* allocate(size_t bytes) {
  void* data = nullptr;
  size_t alignment = bytes >= kHugePage ? kHugePage : 4096;
  size_t rounded = (bytes + alignment - 1) & ~(alignment - 1);
  if (posix_memalign(&data, alignment, rounded > 0 ? rounded : alignment) != 0) throw std::bad_alloc();
  if (bytes >= kHugePage) madvise(data, rounded, MADV_HUGEPAGE);
  return static_cast<char*>(data);
}

/**
 * Blocks of 256 KiB to 1 MiB are cut from slabs of 2 MiB (huge pages, one
 * class per slab): MPI's single-copy transfer (CMA, process_vm_readv) takes
 * the pages of both sides one by one, and between huge pages it moves
 * 64 KiB to 4 MiB at 0.036-0.052 ns/B here, against 0.067-0.092 between
 * 4 KiB pages. A slab is freed when its last block is, so a block the
 * program keeps holds its whole slab; the smallest slab class bounds that:
 * from 256 KiB, a program keeping one received array in 8 uses at most 8x
 * the blocks' bytes (from 64 KiB it was 32x, for 64 KiB round trips 15%
 * faster); a received array of 128 KiB to 256 KiB less its call arrives
 * in one message (protocol.h, kLoneSegmentLimit) in a block twice its
 * size, so for those it is 16x the arrays' bytes.
 * The one slab per class being cut is kept (at most 6 MiB, through
 * trimPool).
 */
constexpr int kMinSlabClass = 18;  // 256 KiB
constexpr int kSlabClass = 21;

struct Slabs {
  std::mutex mutex;
  /** The slab blocks of class c are being cut from, and how many bytes of it are cut. */
  char* cutting[kSlabClass] = {};
  size_t cut[kSlabClass] = {};
  /** Blocks not freed, per slab. */
  std::unordered_map<char*, size_t> live;
};

Slabs& slabs() {
  static Slabs* instance = new Slabs();
  return *instance;
}

bool inSlab(int c) { return c >= kMinSlabClass && c < kSlabClass; }

char* cutFromSlab(int c) {
  Slabs& s = slabs();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (!s.cutting[c] || s.cut[c] == kHugePage) {
    s.cutting[c] = allocate(kHugePage);
    s.cut[c] = 0;
  }
  char* block = s.cutting[c] + s.cut[c];
  s.cut[c] += size_t{1} << c;
  s.live[s.cutting[c]]++;
  return block;
}

/** Fresh memory for a block of class c (or of `bytes`, unpooled). */
char* fresh(int c, size_t bytes) {
  if (inSlab(c)) return cutFromSlab(c);
  return allocate(c >= 0 ? size_t{1} << c : bytes);
}

/** Frees the memory of a block of class c (a slab's block frees the slab with its last one). */
void freeMemory(char* block, int c) {
  if (!inSlab(c)) {
    std::free(block);
    return;
  }
  char* slab = reinterpret_cast<char*>(reinterpret_cast<uintptr_t>(block) & ~(kHugePage - 1));
  {
    Slabs& s = slabs();
    std::lock_guard<std::mutex> lock(s.mutex);
    auto it = s.live.find(slab);
    if (--it->second > 0) return;
    if (slab == s.cutting[c]) {
      if (s.cut[c] < kHugePage) return;  // still being cut: its next blocks reuse it
      s.cutting[c] = nullptr;
    }
    s.live.erase(it);
  }
  std::free(slab);
}

void prefault(char* data, size_t bytes) {
  if (madvise(data, bytes, MADV_POPULATE_WRITE) == 0) return;
  long page = sysconf(_SC_PAGESIZE);
  for (size_t at = 0; at < bytes; at += static_cast<size_t>(page)) static_cast<volatile char*>(data)[at] = 0;
}

/** Takes a free block of class c for `use` (see Pool::free), or nullptr (and counts the miss). */
char* takeFree(int c, Block::Use use) {
  Pool& p = pool();
  std::lock_guard<std::mutex> lock(p.mutex);
  if (p.free[c].empty()) {
    p.misses++;
    p.missed[c]++;
    return nullptr;
  }
  char* block;
  if (use == Block::Use::SendCopy) {
    block = p.free[c].back();
    p.free[c].pop_back();
  } else {
    block = p.free[c].front();
    p.free[c].pop_front();
  }
  p.freeBytes -= size_t{1} << c;
  p.hits++;
  return block;
}

/**
 * Keeps a block for reuse (`recent`: touched just now, so probably in
 * cache). Over the cap, the coldest blocks of other sizes go first (the
 * sizes in use now are the ones worth keeping), then this one.
 */
void giveBack(char* block, int c, bool recent) {
  if (c == kHeap || c == kUnpooled) {
    std::free(block);
    return;
  }
  std::vector<std::pair<char*, int>> evicted;
  size_t size = size_t{1} << c;
  {
    Pool& p = pool();
    std::lock_guard<std::mutex> lock(p.mutex);
    for (int other = kMaxClass; other >= kMinClass && p.freeBytes + size > kPoolCap; --other) {
      while (other != c && !p.free[other].empty() && p.freeBytes + size > kPoolCap) {
        evicted.emplace_back(p.free[other].front(), other);
        p.free[other].pop_front();
        p.freeBytes -= size_t{1} << other;
      }
    }
    if (p.freeBytes + size <= kPoolCap) {
      if (recent) p.free[c].push_back(block);
      else p.free[c].push_front(block);
      p.freeBytes += size;
      block = nullptr;
    }
  }
  for (const auto& [e, ec] : evicted) freeMemory(e, ec);
  if (block) freeMemory(block, c);
}

void returnFromV8(void* data, size_t, void* deleterData) {
  giveBack(static_cast<char*>(data), static_cast<int>(reinterpret_cast<intptr_t>(deleterData)), false);
}

}  // namespace

Block::Block(size_t bytes, Use use) : class_(classOf(bytes)) {
  if (class_ == kHeap) {
    data_ = static_cast<char*>(std::malloc(bytes > 0 ? bytes : 1));
    if (!data_) throw std::bad_alloc();
    return;
  }
  if (class_ >= 0) data_ = takeFree(class_, use);
  if (data_) return;
  data_ = fresh(class_, bytes);
  // A miss: whoever asked writes `bytes` at once (MPI or a copy), and one
  // madvise maps them faster than faulting page by page (256 KiB here, on
  // a loaded machine: 70-190 us against 230-450 us).
  prefault(data_, bytes);
}

Block::Block(Block&& other) noexcept : data_(other.data_), class_(other.class_) { other.data_ = nullptr; }

Block& Block::operator=(Block&& other) noexcept {
  if (this != &other) {
    release();
    data_ = other.data_;
    class_ = other.class_;
    other.data_ = nullptr;
  }
  return *this;
}

Block::~Block() { release(); }

void Block::release() {
  if (data_) giveBack(data_, class_, true);
  data_ = nullptr;
}

/**
 * Bytes of blocks handed to V8 since the binding last had V8 allocate:
 * V8 checks at each allocation it makes whether the young generation holds
 * more than two semi-spaces (32 MiB) of ArrayBuffer memory, and if so
 * scavenges, which frees the blocks that are garbage by then. Blocks count
 * toward that figure but, not allocated by V8, never trigger the check: a
 * PE that only received segments let them pile up to V8's external memory
 * limit (64 MiB), which starts a full mark-compact instead. So once per
 * kV8CheckBytes handed over, the binding has V8 allocate 8 bytes.
 */
static size_t handedSinceCheck = 0;
constexpr size_t kV8CheckBytes = size_t{1} << 20;

v8::Local<v8::ArrayBuffer> Block::intoArrayBuffer(v8::Isolate* isolate, size_t length) {
  handedSinceCheck += length;
  if (handedSinceCheck >= kV8CheckBytes) {
    handedSinceCheck = 0;
    v8::ArrayBuffer::NewBackingStore(isolate, 8);
  }
  std::unique_ptr<v8::BackingStore> store =
      v8::ArrayBuffer::NewBackingStore(data_, length, returnFromV8, reinterpret_cast<void*>(static_cast<intptr_t>(class_)));
  data_ = nullptr;
  return v8::ArrayBuffer::New(isolate, std::move(store));
}

PoolCounters poolCounters() {
  Pool& p = pool();
  std::lock_guard<std::mutex> lock(p.mutex);
  return PoolCounters{p.hits, p.misses, static_cast<double>(p.freeBytes), p.prefaulted};
}

size_t refillPool(size_t budget) {
  size_t done = 0;
  for (int c = kMinClass; c <= kMaxClass && done < budget; ++c) {
    size_t size = size_t{1} << c;
    for (;;) {
      {
        Pool& p = pool();
        std::lock_guard<std::mutex> lock(p.mutex);
        if (p.missed[c] == 0 || p.freeBytes + size > kPoolCap) break;
        p.missed[c]--;
      }
      char* block = fresh(c, size);
      prefault(block, size);
      {
        Pool& p = pool();
        std::lock_guard<std::mutex> lock(p.mutex);
        p.free[c].push_front(block);
        p.freeBytes += size;
        p.prefaulted += static_cast<double>(size);
      }
      done += size;
      if (done >= budget) break;
    }
  }
  return done;
}

void trimPool() {
  std::vector<std::pair<char*, int>> all;
  {
    Pool& p = pool();
    std::lock_guard<std::mutex> lock(p.mutex);
    for (int c = kMinClass; c <= kMaxClass; ++c) {
      for (char* block : p.free[c]) all.emplace_back(block, c);
      p.free[c].clear();
      p.missed[c] = 0;
    }
    p.freeBytes = 0;
  }
  for (const auto& [block, c] : all) freeMemory(block, c);
}

}  // namespace charmts
