#include "receives.h"

#include <algorithm>
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
  // Sends that just completed give back their copies, still in cache: the
  // blocks taken next for these segments.
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

/** Hands a complete message to JavaScript: its buffer (and its segments' buffers) appended to out.large. */
void emit(DrainOutput& out, Incoming& m) {
  int32_t* entry = out.meta + 4 * out.count;
  v8::Local<v8::Array> large = Nan::New(*out.large);
  uint32_t index = large->Length();
  size_t length = m.parted ? m.inlineLength : m.firstLength;
  entry[0] = m.source;
  entry[1] = -1 - static_cast<int32_t>(index);
  entry[2] = static_cast<int32_t>(length);
  entry[3] = m.parted ? static_cast<int32_t>(m.parts.size()) : 0;
  if (m.parted) {
    // The inline part goes to a buffer V8 allocates (a copy, small beside
    // the segments): V8 checks at each allocation it makes whether the
    // young generation holds more than two semi-spaces of ArrayBuffer
    // memory, and if so scavenges, which frees the segment buffers that
    // are garbage by then. The segments' pool memory counts toward that
    // figure but, not allocated by V8, never triggers the check; without
    // it they piled up to V8's external memory limit (64 MiB), which
    // starts a full mark-compact instead.
    std::unique_ptr<v8::BackingStore> store = v8::ArrayBuffer::NewBackingStore(out.isolate, length);
    if (length) std::memcpy(store->Data(), m.first.data(), length);
    Nan::Set(large, index, v8::ArrayBuffer::New(out.isolate, std::move(store)));
  } else {
    Nan::Set(large, index, m.first.intoArrayBuffer(out.isolate, length));
  }
  for (size_t i = 0; i < m.parts.size(); ++i) {
    Nan::Set(large, index + 1 + static_cast<uint32_t>(i), m.parts[i].intoArrayBuffer(out.isolate, m.partLengths[i]));
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

/** Starts receiving a matched message that cannot go to the arena. */
std::unique_ptr<Incoming> begin(MPI_Message* message, int source, size_t length, bool parted) {
  auto m = std::make_unique<Incoming>();
  m->source = source;
  m->parted = parted;
  m->firstLength = length;
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
    Queue& queue = r.bySource[static_cast<size_t>(source)];
    if (!parted && queue.empty() && length <= eagerBytes && out.arenaUsed + length <= out.arenaLength) {
      check(MPI_Mrecv(out.arena + out.arenaUsed, count, MPI_BYTE, &message, MPI_STATUS_IGNORE), "MPI_Mrecv", source, "from", true);
      int32_t* entry = out.meta + 4 * out.count;
      entry[0] = source;
      entry[1] = static_cast<int32_t>(out.arenaUsed);
      entry[2] = count;
      entry[3] = 0;
      out.arenaUsed = align8(out.arenaUsed + length);
      out.count++;
      continue;
    }
    if (!r.listed[static_cast<size_t>(source)]) {
      r.listed[static_cast<size_t>(source)] = 1;
      r.busy.push_back(source);
    }
    queue.push_back(begin(&message, source, length, parted));
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
