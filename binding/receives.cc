#include "receives.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <deque>
#include <memory>
#include <vector>

#include "check.h"
#include "pool.h"
#include "protocol.h"
#include "sends.h"

namespace charmts {
namespace {

/** A message being received: its first MPI message, and for a parted one its segments. */
struct Incoming {
  int source = 0;
  bool parted = false;
  /** A segment-first message (protocol.h): its segment's length (the inline part follows it). */
  bool segmentFirst = false;
  size_t segmentLength = 0;
  /** The whole contiguous message, or a parted message's descriptor. */
  Block first;
  size_t firstLength = 0;
  MPI_Request firstRequest = MPI_REQUEST_NULL;
  bool firstDone = false;
  // Parted messages, once the descriptor is in:
  size_t inlineLength = 0;
  std::vector<Block> parts;
  std::vector<size_t> partLengths;
  std::vector<size_t> partFirstPieces;
  std::vector<MPI_Request> partRequests;
  bool posted = false;
  bool partsDone = false;

  bool complete() const { return firstDone && (!parted || partsDone); }
};

using Queue = std::deque<std::unique_ptr<Incoming>>;

struct Receiving {
  /** Per source: messages begun and not yet delivered, oldest first. */
  std::vector<Queue> bySource;
  /** Sources with a non-empty queue, each once. */
  std::vector<int> busy;
  std::vector<char> listed;
  double inFlight = 0;
};

Receiving& receiving() {
  static Receiving* instance = new Receiving();
  if (instance->bySource.empty()) {
    instance->bySource.resize(static_cast<size_t>(world().size));
    instance->listed.resize(static_cast<size_t>(world().size));
  }
  return *instance;
}

/** Reads a parted message's descriptor (its last 8 bytes say how it is laid out). */
void readDescriptor(Incoming& m) {
  DescriptorTail tail;
  if (m.firstLength < sizeof tail) check(MPI_ERR_TRUNCATE, "reading a message descriptor", m.source, "from", true);
  std::memcpy(&tail, m.first.data() + m.firstLength - sizeof tail, sizeof tail);
  if (descriptorBytes(tail.inlineLength, tail.segments) != m.firstLength) check(MPI_ERR_TRUNCATE, "reading a message descriptor", m.source, "from", true);
  m.inlineLength = tail.inlineLength;
  const char* entries = m.first.data() + align8(tail.inlineLength);
  for (uint32_t i = 0; i < tail.segments; ++i) {
    SegmentEntry entry;
    std::memcpy(&entry, entries + i * sizeof entry, sizeof entry);
    m.partLengths.push_back(static_cast<size_t>(entry.length));
    m.partFirstPieces.push_back(entry.firstPiece);
  }
}

/** Posts the receives of a parted message's segments, each into a block of its own. */
void postParts(Incoming& m) {
  World& w = world();
  // Sends that just completed give back their copies, still in cache, for
  // the next send's copy (this message's reply, often) to be written into.
  // The segments land in the blocks V8 returned last (Block::Use).
  completeSends();
  for (size_t i = 0; i < m.partLengths.size(); ++i) {
    size_t length = m.partLengths[i];
    m.parts.emplace_back(length);
    char* data = m.parts.back().data();
    forEachPiece(length, m.partFirstPieces[i], [&](size_t offset, size_t n) {
      m.partRequests.push_back(MPI_REQUEST_NULL);
      check(MPI_Irecv(data + offset, static_cast<int>(n), MPI_BYTE, m.source, kTagPart, w.parts, &m.partRequests.back()), "MPI_Irecv (message part)", m.source, "from", true);
    });
  }
  m.posted = true;
  if (m.partRequests.empty()) m.partsDone = true;
}

void testFirst(Incoming& m) {
  int done = 0;
  check(MPI_Test(&m.firstRequest, &done, MPI_STATUS_IGNORE), "MPI_Test (receive)", m.source, "from", true);
  if (!done) return;
  m.firstDone = true;
  if (m.parted) readDescriptor(m);
}

void testParts(Incoming& m) {
  int done = 0;
  check(MPI_Testall(static_cast<int>(m.partRequests.size()), m.partRequests.data(), &done, MPI_STATUSES_IGNORE), "MPI_Testall (message parts)", m.source, "from", true);
  if (done) {
    m.partRequests.clear();
    m.partsDone = true;
  }
}

/**
 * Appends `buffer` to out.large (its index is large's length before).
 */
uint32_t append(DrainOutput& out, v8::Local<v8::ArrayBuffer> buffer) {
  v8::Local<v8::Array> large = Nan::New(*out.large);
  uint32_t index = large->Length();
  Nan::Set(large, index, buffer);
  return index;
}

/**
 * A copy of `length` bytes at `data` in a buffer V8 allocates (an inline
 * part that has no arena to go to: small beside its segments). V8 runs its
 * external-memory check at this allocation (see Block::intoArrayBuffer).
 */
v8::Local<v8::ArrayBuffer> v8Copy(DrainOutput& out, const char* data, size_t length) {
  std::unique_ptr<v8::BackingStore> store = v8::ArrayBuffer::NewBackingStore(out.isolate, length);
  if (length) std::memcpy(store->Data(), data, length);
  return v8::ArrayBuffer::New(out.isolate, std::move(store));
}

/** Hands a complete message to JavaScript: its buffer (and its segments' buffers) appended to out.large. */
void emit(DrainOutput& out, Incoming& m) {
  int32_t* entry = out.meta + kMetaFields * out.count;
  size_t length = m.parted || m.segmentFirst ? m.inlineLength : m.firstLength;
  entry[0] = m.source;
  entry[2] = static_cast<int32_t>(length);
  if (m.segmentFirst) {
    uint32_t index = append(out, v8Copy(out, m.first.data() + m.segmentLength, length));
    append(out, m.first.intoArrayBuffer(out.isolate, m.segmentLength));
    entry[1] = -1 - static_cast<int32_t>(index);
    entry[3] = 1;
    entry[4] = static_cast<int32_t>(index + 1);
  } else if (m.parted) {
    uint32_t index = append(out, v8Copy(out, m.first.data(), length));
    for (size_t i = 0; i < m.parts.size(); ++i) append(out, m.parts[i].intoArrayBuffer(out.isolate, m.partLengths[i]));
    entry[1] = -1 - static_cast<int32_t>(index);
    entry[3] = static_cast<int32_t>(m.parts.size());
    entry[4] = static_cast<int32_t>(index + 1);
  } else {
    uint32_t index = append(out, m.first.intoArrayBuffer(out.isolate, length));
    entry[1] = -1 - static_cast<int32_t>(index);
    entry[3] = 0;
    entry[4] = 0;
  }
  out.count++;
}

/**
 * Moves the messages of one source forward: completes what it can, posts
 * part receives in message order (a descriptor still on its way holds back
 * the parts of every later message), and delivers from the front.
 */
void advance(DrainOutput& out, Queue& queue) {
  bool mayPost = true;
  for (std::unique_ptr<Incoming>& m : queue) {
    if (!m->firstDone) testFirst(*m);
    if (!m->firstDone) {
      mayPost = false;
      continue;
    }
    if (!m->parted || m->partsDone) continue;
    if (!m->posted) {
      if (!mayPost) continue;
      postParts(*m);
    }
    if (!m->partsDone) testParts(*m);
  }
  Receiving& r = receiving();
  while (!queue.empty() && out.count < out.maxMessages && queue.front()->complete()) {
    emit(out, *queue.front());
    queue.pop_front();
    r.inFlight--;
  }
}

constexpr size_t kNoInline = SIZE_MAX;

/** Starts receiving a matched message that cannot go to the arena (`segmentFirstInline`: its inline length if segment-first, else kNoInline). */
std::unique_ptr<Incoming> begin(MPI_Message* message, int source, size_t length, bool parted, size_t segmentFirstInline) {
  auto m = std::make_unique<Incoming>();
  m->source = source;
  m->parted = parted;
  if (segmentFirstInline != kNoInline) {
    m->segmentFirst = true;
    m->inlineLength = segmentFirstInline;
    m->segmentLength = length - segmentFirstInline;
  }
  m->firstLength = length;
  // As in postParts: completed sends give their copies back first, for
  // this message's reply to be copied into one still in cache.
  if (length > world().eagerBytes) completeSends();
  m->first = Block(length);
  if (length <= world().eagerBytes) {
    // Here already (sent eagerly): taking it is a copy.
    check(MPI_Mrecv(m->first.data(), static_cast<int>(length), MPI_BYTE, message, MPI_STATUS_IGNORE), "MPI_Mrecv", source, "from", true);
    m->firstDone = true;
    if (parted) readDescriptor(*m);
  } else {
    check(MPI_Imrecv(m->first.data(), static_cast<int>(length), MPI_BYTE, message, &m->firstRequest), "MPI_Imrecv", source, "from", true);
  }
  return m;
}

}  // namespace

void drain(DrainOutput& out) {
  Receiving& r = receiving();
  const size_t eagerBytes = world().eagerBytes;
  for (int source : r.busy) advance(out, r.bySource[static_cast<size_t>(source)]);

  while (out.count < out.maxMessages) {
    int flag = 0;
    MPI_Message message;
    MPI_Status status;
    check(MPI_Improbe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &message, &status), "MPI_Improbe", -1, "from", true);
    if (!flag) break;
    int count = 0;
    check(MPI_Get_count(&status, MPI_BYTE, &count), "MPI_Get_count", status.MPI_SOURCE, "from", true);
    size_t length = static_cast<size_t>(count);
    int source = status.MPI_SOURCE;
    bool parted = status.MPI_TAG == kTagParted;
    size_t segmentFirstInline = kNoInline;
    if (status.MPI_TAG >= kTagSegmentFirst) {
      segmentFirstInline = static_cast<size_t>(status.MPI_TAG - kTagSegmentFirst);
      if (segmentFirstInline > length) check(MPI_ERR_TRUNCATE, "reading a segment-first message", source, "from", true);
    }
    size_t inlineLength = segmentFirstInline != kNoInline ? segmentFirstInline : length;
    Queue& queue = r.bySource[static_cast<size_t>(source)];
    if (!parted && queue.empty() && length <= eagerBytes && out.arenaUsed + inlineLength <= out.arenaLength) {
      int32_t* entry = out.meta + kMetaFields * out.count;
      entry[0] = source;
      entry[1] = static_cast<int32_t>(out.arenaUsed);
      entry[2] = static_cast<int32_t>(inlineLength);
      entry[3] = 0;
      entry[4] = 0;
      if (segmentFirstInline == kNoInline) {
        check(MPI_Mrecv(out.arena + out.arenaUsed, count, MPI_BYTE, &message, MPI_STATUS_IGNORE), "MPI_Mrecv", source, "from", true);
      } else {
        // The segment lands at the start of a block that becomes its own
        // ArrayBuffer (the inline part after it, beyond that buffer's end,
        // is copied to the arena): no copy of the segment, no zero fill.
        size_t segmentLength = length - inlineLength;
        Block block(length);
        check(MPI_Mrecv(block.data(), count, MPI_BYTE, &message, MPI_STATUS_IGNORE), "MPI_Mrecv", source, "from", true);
        std::memcpy(out.arena + out.arenaUsed, block.data() + segmentLength, inlineLength);
        entry[3] = 1;
        entry[4] = static_cast<int32_t>(append(out, block.intoArrayBuffer(out.isolate, segmentLength)));
      }
      out.arenaUsed = align8(out.arenaUsed + inlineLength);
      out.count++;
      continue;
    }
    if (!r.listed[static_cast<size_t>(source)]) {
      r.listed[static_cast<size_t>(source)] = 1;
      r.busy.push_back(source);
    }
    queue.push_back(begin(&message, source, length, parted, segmentFirstInline));
    r.inFlight++;
    advance(out, queue);
  }

  r.busy.erase(std::remove_if(r.busy.begin(), r.busy.end(),
                              [&](int s) {
                                bool idle = r.bySource[static_cast<size_t>(s)].empty();
                                if (idle) r.listed[static_cast<size_t>(s)] = 0;
                                return idle;
                              }),
               r.busy.end());
}

double receivesInFlight() { return receiving().inFlight; }

}  // namespace charmts
