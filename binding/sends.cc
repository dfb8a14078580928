#include "sends.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "check.h"
#include "wake.h"
#include "pool.h"
#include "protocol.h"

namespace charmts {
namespace {

/** One MPI send in flight and the memory it reads from, released with it. */
struct SendRecord {
  MPI_Request request = MPI_REQUEST_NULL;
  /** A copy of the data, for a copied send. */
  Block copy;
  /** The copy of a whole segment sent in pieces, shared by the records of its pieces. */
  std::shared_ptr<Block> pieces;
  /** The memory of a transferred ArrayBuffer, for a send in place. */
  std::shared_ptr<v8::BackingStore> moved;
  size_t bytes = 0;
  /** The receiving rank, woken again when the send completes (see complete). */
  int dest = -1;
  /** The staging size class `copy` came from (stagingBlock), or -1: it goes back there when the send completes. */
  int stagedClass = -1;
};

void recycleStaging(SendRecord& done);

/** Requests tested per poll, oldest first (sends mostly complete in order). */
constexpr size_t kTestWindow = 1024;

class InFlight {
 public:
  /**
   * Starts sending `count` bytes at `data`. With `testNow`, a send that
   * completes at once (a small eager message) is over; any other is kept
   * until MPI reports it complete, in the record `hold()` returns, which
   * owns the memory the send reads.
   */
  template <typename Hold>
  void start(const char* data, size_t count, int dest, int tag, MPI_Comm comm, bool testNow, bool fatal, Hold hold) {
    MPI_Request request = MPI_REQUEST_NULL;
    check(MPI_Isend(data, static_cast<int>(count), MPI_BYTE, dest, tag, comm, &request), "MPI_Isend", dest, "to", fatal);
    wakeIfIdle(dest);
    if (testNow) {
      int done = 0;
      check(MPI_Test(&request, &done, MPI_STATUS_IGNORE), "MPI_Test (send)", dest, "to", true);
      if (done) return;
    }
    SendRecord record = hold();
    record.request = request;
    record.bytes = count;
    record.dest = dest;
    pendingBytes_ += static_cast<double>(count);
    records_.push_back(std::move(record));
  }

  void complete() {
    size_t n = std::min(records_.size(), kTestWindow);
    if (n == 0) return;
    requests_.resize(n);
    indices_.resize(n);
    for (size_t i = 0; i < n; ++i) requests_[i] = records_[i].request;
    int count = 0;
    check(MPI_Testsome(static_cast<int>(n), requests_.data(), &count, indices_.data(), MPI_STATUSES_IGNORE), "MPI_Testsome (sends)", -1, "to", true);
    if (count == MPI_UNDEFINED || count <= 0) return;
    for (int k = 0; k < count; ++k) {
      SendRecord& done = records_[static_cast<size_t>(indices_[k])];
      done.request = MPI_REQUEST_NULL;
      pendingBytes_ -= static_cast<double>(done.bytes);
      // MPI may have held the message back at the send (no room in the
      // receiver's queue) and written it only as this PE polled since: the
      // wake at the send found nothing to show, and the receiver may have
      // gone back to sleep (test/programs/idleHeldBack.ts).
      wakeIfIdle(done.dest);
      recycleStaging(done);
    }
    records_.erase(std::remove_if(records_.begin(), records_.end(), [](const SendRecord& r) { return r.request == MPI_REQUEST_NULL; }), records_.end());
  }

  double pendingBytes() const { return pendingBytes_; }

 private:
  std::vector<SendRecord> records_;  // oldest first
  std::vector<MPI_Request> requests_;
  std::vector<int> indices_;
  double pendingBytes_ = 0;
};

InFlight& inFlight() {
  static InFlight* instance = new InFlight();  // outlives exit: MPI may still hold its memory
  return *instance;
}

/**
 * Small messages are copied into a staging block, one per size class
 * (64 B to kStagedSendBytes, powers of two), reused as long as their sends
 * complete at once, which sends of up to world().sentAtOnceBytes to a PE
 * of this host nearly always do: no allocation per message (a malloc and
 * a free were a sixth of a small send's instructions in the binding). A
 * send MPI keeps takes its class's block with it, and the next message of
 * that class takes a spare one: blocks of completed sends are kept as
 * spares (up to kSparesPerClass a class), so that a stream of sends MPI
 * holds for a while allocates nothing either.
 */
constexpr int kStagedMinClass = 6;  // 64 B
constexpr int kStagedMaxClass = 12;  // kStagedSendBytes
static_assert(size_t{1} << kStagedMaxClass == kStagedSendBytes, "the largest staging class holds kStagedSendBytes");
constexpr int kStagedClasses = kStagedMaxClass - kStagedMinClass + 1;
constexpr size_t kSparesPerClass = 16;

struct Staging {
  Block current;
  std::vector<Block> spares;
};

Staging* staging() {
  static Staging* classes = new Staging[kStagedClasses];  // outlive exit, as inFlight
  return classes;
}

void recycleStaging(SendRecord& done) {
  if (done.stagedClass < 0) return;
  std::vector<Block>& spares = staging()[done.stagedClass].spares;
  if (spares.size() < kSparesPerClass) spares.push_back(std::move(done.copy));
}

/** Sends `count` (<= kStagedSendBytes) bytes that `fill` writes, from the staging block of their size. */
template <typename Fill>
void sendStaged(int dest, int tag, size_t count, Fill fill) {
  int c = kStagedMinClass;
  while ((size_t{1} << c) < count) ++c;
  Staging& s = staging()[c - kStagedMinClass];
  if (!s.current) {
    if (s.spares.empty()) {
      s.current = Block(size_t{1} << c);
    } else {
      s.current = std::move(s.spares.back());
      s.spares.pop_back();
    }
  }
  fill(s.current.data());
  // Only a send MPI completes within MPI_Isend (up to
  // world().sentAtOnceBytes, protocol.h) is tested at once: a larger eager
  // send completes when the receiver has handed its fragment back, at a
  // later progress call, and a test at once found it incomplete and ran
  // MPI's whole progress engine for nothing (at 512 B, with the transport's
  // in-place sends, it was the most costly call of a send). The next drain
  // tests it.
  inFlight().start(s.current.data(), count, dest, tag, MPI_COMM_WORLD, count <= world().sentAtOnceBytes, false, [&] {
    SendRecord record;
    record.copy = std::move(s.current);
    record.stagedClass = c - kStagedMinClass;
    return record;
  });
}

/** A segment of the message: a view to copy, or a transferred buffer whose memory is sent in place. */
struct Segment {
  const char* data = nullptr;
  size_t length = 0;
  std::shared_ptr<v8::BackingStore> moved;
};

std::vector<Segment> readSegments(v8::Local<v8::Value> value) {
  std::vector<Segment> out;
  if (!value->IsArray()) return out;
  v8::Local<v8::Array> list = value.As<v8::Array>();
  std::vector<v8::Local<v8::ArrayBuffer>> transfers;
  for (uint32_t i = 0; i < list->Length(); ++i) {
    v8::Local<v8::Value> item = Nan::Get(list, i).ToLocalChecked();
    Segment s;
    if (item->IsArrayBuffer()) {
      v8::Local<v8::ArrayBuffer> buffer = item.As<v8::ArrayBuffer>();
      if (!buffer->IsDetachable()) throw InputError("charmts: an ArrayBuffer that cannot be detached (WebAssembly memory?) cannot be transferred; send a copy");
      if (buffer->WasDetached()) throw InputError("charmts: a transferred ArrayBuffer is detached already (was it transferred before?)");
      s.moved = buffer->GetBackingStore();
      s.data = static_cast<const char*>(s.moved->Data());
      s.length = s.moved->ByteLength();
      for (const Segment& other : out) {
        if (other.moved && other.moved == s.moved) throw InputError("charmts: one ArrayBuffer is transferred twice in one message");
      }
      transfers.push_back(buffer);
    } else if (item->IsArrayBufferView()) {
      s.data = node::Buffer::Data(item);
      s.length = node::Buffer::Length(item);
    } else {
      throw InputError("charmts binding: a message segment must be an ArrayBufferView (copied) or an ArrayBuffer (transferred)");
    }
    out.push_back(std::move(s));
  }
  // The transfer happens at the call: the sender's views are detached now.
  // The memory stays alive through `moved` until MPI has sent it.
  for (v8::Local<v8::ArrayBuffer> buffer : transfers) {
    if (buffer->Detach(v8::Local<v8::Value>()).IsNothing()) throw InputError("charmts: this ArrayBuffer refuses to be detached (it has a detach key); send a copy");
  }
  return out;
}

/** Writes `n` zero bytes (alignment padding: never send uninitialized memory). */
char* pad(char* at, size_t n) {
  std::memset(at, 0, n);
  return at + n;
}

/** Writes a contiguous message (protocol.h) of `total` bytes at `at`. */
void writeContiguous(char* at, const char* header, size_t headerLength, const std::vector<Segment>& segments) {
  std::memcpy(at, header, headerLength);
  at += headerLength;
  size_t offset = headerLength;
  for (const Segment& s : segments) {
    at = pad(at, align8(offset) - offset);
    offset = align8(offset);
    if (s.length) std::memcpy(at, s.data, s.length);
    at += s.length;
    offset += s.length;
  }
}

/** Writes a segment-first message (protocol.h): the segment, then the inline part. */
void writeSegmentFirst(char* at, const char* header, size_t headerLength, const Segment& segment) {
  if (segment.length) std::memcpy(at, segment.data, segment.length);
  std::memcpy(at + segment.length, header, headerLength);
}

/** Sends one message of `total` bytes that `fill` writes: staged when small, else from a copy of its own. */
template <typename Fill>
void sendCopied(int dest, int tag, size_t total, Fill fill) {
  if (total <= kStagedSendBytes) return sendStaged(dest, tag, total, fill);
  // Into the last send copy of its size (Block::Use), still in cache: pooled
  // blocks are 64 KiB and more; smaller ones come from malloc.
  Block copy(total, Block::Use::SendCopy);
  fill(copy.data());
  const char* data = copy.data();
  inFlight().start(data, total, dest, tag, MPI_COMM_WORLD, false, false, [&] {
    SendRecord record;
    record.copy = std::move(copy);
    return record;
  });
}

void sendParted(int dest, const char* header, size_t headerLength, std::vector<Segment>& segments) {
  World& w = world();
  size_t descriptorLength = descriptorBytes(headerLength, segments.size());
  sendCopied(dest, kTagParted, descriptorLength, [&](char* at) {
    std::memcpy(at, header, headerLength);
    at = pad(at + headerLength, align8(headerLength) - headerLength);
    for (const Segment& s : segments) {
      SegmentEntry entry{static_cast<double>(s.length), !s.moved && s.length > kFirstPiece ? static_cast<uint32_t>(kFirstPiece) : 0u, 0u};
      std::memcpy(at, &entry, sizeof entry);
      at += sizeof entry;
    }
    DescriptorTail tail{static_cast<uint32_t>(segments.size()), static_cast<uint32_t>(headerLength)};
    std::memcpy(at, &tail, sizeof tail);
  });

  // From here on the receiver expects the parts: a failure cannot be undone.
  for (Segment& s : segments) {
    if (s.moved) {
      inFlight().start(s.data, s.length, dest, kTagPart, w.parts, false, true, [&] {
        SendRecord record;
        record.moved = std::move(s.moved);
        return record;
      });
      continue;
    }
    // Copied in pieces: the receiver takes piece i while this copies piece
    // i+1. One block holds the whole copy: when the last piece has gone it
    // returns to the pool still in cache, and the next copy of this size
    // is written into it (a block V8 returned, out of cache, is slower to
    // copy into and for the receiver to read: Block::Use).
    auto copy = std::make_shared<Block>(s.length, Block::Use::SendCopy);
    forEachPiece(s.length, s.length > kFirstPiece ? kFirstPiece : 0, [&](size_t offset, size_t n) {
      if (n) std::memcpy(copy->data() + offset, s.data + offset, n);
      inFlight().start(copy->data() + offset, n, dest, kTagPart, w.parts, false, true, [&] {
        SendRecord record;
        record.pieces = copy;
        return record;
      });
    });
  }
}

}  // namespace

double send(int dest, const char* header, size_t headerLength, v8::Local<v8::Value> segmentList) {
  // Ranks past the end are MPI's to refuse (MPI_ERR_RANK, through check());
  // a negative one could be MPI_PROC_NULL, which MPI would silently accept.
  if (dest < 0) throw std::out_of_range("charmts binding: send to rank " + std::to_string(dest));
  std::vector<Segment> segments = readSegments(segmentList);
  size_t total = headerLength;
  for (const Segment& s : segments) total = align8(total) + s.length;
  if (total > static_cast<size_t>(INT32_MAX)) throw std::out_of_range("charmts binding: message larger than 2 GiB");
  if (segments.size() == 1 && (total <= kContiguousLimit || (!segments[0].moved && total <= kLoneSegmentLimit)) && headerLength <= kMaxSegmentFirstInline) {
    // One segment: then the inline part, whose length the tag gives. A
    // transferred one over the contiguous limit goes parted, in place.
    size_t count = segments[0].length + headerLength;
    sendCopied(dest, kTagSegmentFirst + static_cast<int>(headerLength), count, [&](char* at) { writeSegmentFirst(at, header, headerLength, segments[0]); });
  } else if (segments.empty() || total <= kContiguousLimit) {
    sendCopied(dest, kTagWhole, total, [&](char* at) { writeContiguous(at, header, headerLength, segments); });
  } else {
    sendParted(dest, header, headerLength, segments);
  }
  return inFlight().pendingBytes();
}

void completeSends() { inFlight().complete(); }

double pendingSendBytes() { return inFlight().pendingBytes(); }

}  // namespace charmts
