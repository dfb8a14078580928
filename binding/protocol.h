// How a charmts message travels as MPI messages (binding/sends.cc writes
// it, binding/receives.cc reads it).
//
// A message is an inline part (header and inline values, written by
// lib/codec) and zero or more segments (typed arrays, each sent as its own
// piece of memory). Three forms:
//
// - Segment first (tag kTagSegmentFirst + inline length on MPI_COMM_WORLD):
//   exactly one segment, total size up to kContiguousLimit (or, for a
//   copied segment, kLoneSegmentLimit), inline part up to
//   kMaxSegmentFirstInline. One MPI message: the segment, then the
//   inline part. The receiver learns the split from the tag, receives the
//   message into a block whose first bytes become the segment's own
//   ArrayBuffer (no copy, no zero fill) and copies the inline part out.
//
// - Contiguous (tag kTagWhole on MPI_COMM_WORLD): total size up to
//   kContiguousLimit with several segments, or no segments. One MPI
//   message: the inline part, then each segment at the next 8-byte aligned
//   offset.
//
// - Parted (tag kTagParted on MPI_COMM_WORLD, then parts on partsComm):
//   a descriptor message = the inline part, padding to 8, one entry per
//   segment {f64 length, u32 first piece (0: in one piece), u32 0}, then
//   {u32 segment count, u32 inline length}. Then each segment, in order, as
//   MPI messages on partsComm (same source, tag 0): in one piece when sent
//   in place (a transfer), or, when copied, in pieces (forEachPiece) so
//   that the sender copies piece i+1 while the receiver takes piece i. The
//   receiver gets each segment in an ArrayBuffer of its own.
//
// Parts travel on a communicator of their own so that probing for new
// messages on MPI_COMM_WORLD never meets one; MPI keeps messages from one
// source on one communicator in order, so the parts of successive messages
// from one source match the receives posted for them in order.
#pragma once
#define OMPI_SKIP_MPICXX 1
#include <mpi.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace charmts {

constexpr int kTagWhole = 17;
constexpr int kTagParted = 18;
constexpr int kTagPart = 0;
/** Tags from here on are segment-first messages: the tag less this is the inline length. */
constexpr int kTagSegmentFirst = 1024;
/** Largest inline part of a segment-first message: its tag stays within 32767, the least MPI_TAG_UB MPI allows. */
constexpr size_t kMaxSegmentFirstInline = 16 * 1024;

/**
 * Up to this total size a message with segments is contiguous: one memcpy
 * costs less than a second MPI message. A 32 KiB array and its call fit,
 * within the eager limit the binding sets (33 KiB, less headers): parted,
 * it took a descriptor and then, for a part just over the limit (32 KiB
 * and the transport's header), a rendezvous that both PEs had to progress.
 */
constexpr size_t kContiguousLimit = 32 * 1024 + 512;
/**
 * Up to this total size a message whose only segment is copied (the
 * common halo call) is segment first too, one rendezvous MPI message,
 * rather than parted: no descriptor to send, probe and receive before
 * the segment's receives can be posted, and one CMA read instead of two
 * or three. The best round trips were shorter in 15 of 16 A/B sets at
 * 256 KiB (by 1-11 us; the 16th, at load 11-15, was 124 against 72) and
 * 9-19 us at 128 KiB; medians under load showed no difference; at 512 KiB
 * the best was no shorter, so parted messages start there
 * (docs/internals.md). The segment and the inline part need a block of
 * the next power of two (512 KiB for a 256 KiB array and its call), which
 * the received array holds for its life: V8 counts only the array's
 * bytes, and a 128 KiB array's 256 KiB block, cut from a 2 MiB slab,
 * makes the worst case of a program that keeps one received array in 8
 * 16x their bytes (pool.cc).
 */
constexpr size_t kLoneSegmentLimit = 256 * 1024 + kMaxSegmentFirstInline;
/**
 * Copied segments larger than the first piece travel in pieces, so that
 * copying overlaps with the transfer: a small first piece starts the
 * transfer early, then each piece is twice the last (fewer messages), up
 * to kMaxPiece.
 */
constexpr size_t kFirstPiece = 64 * 1024;
constexpr size_t kMaxPiece = 1024 * 1024;

/** Calls piece(offset, bytes) for each piece of a segment of `length` bytes whose first piece is `first` (0: one piece). */
template <typename Piece>
void forEachPiece(size_t length, size_t first, Piece piece) {
  size_t size = first ? first : length;
  size_t offset = 0;
  do {
    size_t n = length - offset < size ? length - offset : size;
    piece(offset, n);
    offset += n;
    size = size * 2 < kMaxPiece ? size * 2 : kMaxPiece;
  } while (offset < length);
}
/**
 * Messages up to World::eagerBytes are received into the shared arena
 * with MPI_Mrecv: the transports send them eagerly, so the data is already
 * here and the call does not wait for the sender. Larger ones are received
 * with MPI_Imrecv and completed by later drains. Every Open MPI transport
 * sends up to 4 KiB eagerly (the shared-memory transport's default limit,
 * the smallest); Init raises the bound to the eager limits in force
 * (transportSizesInForce).
 */
constexpr size_t kEagerBytes = 4096;
/** Sends of up to this many bytes complete within MPI_Isend with the transport's in-place flag on: ob1's immediate sends (sends.cc). */
constexpr size_t kSentAtOnceBytes = 256;
/** Messages of up to this many bytes are sent from staging blocks (sends.cc). */
constexpr size_t kStagedSendBytes = 4096;

/** What a transport's eager limit must leave for its own headers (ob1's match header is 14 to 24 bytes). */
constexpr size_t kEagerHeaderBytes = 64;

constexpr size_t align8(size_t n) { return (n + 7) & ~size_t{7}; }

struct SegmentEntry {
  double length;
  uint32_t firstPiece;
  uint32_t reserved;
};
static_assert(sizeof(SegmentEntry) == 16, "descriptor entries are 16 bytes");

struct DescriptorTail {
  uint32_t segments;
  uint32_t inlineLength;
};

inline size_t descriptorBytes(size_t inlineLength, size_t segments) {
  return align8(inlineLength) + segments * sizeof(SegmentEntry) + sizeof(DescriptorTail);
}

/** The communicators and this rank's place in them, set by Init. */
struct World {
  MPI_Comm parts = MPI_COMM_NULL;
  int rank = 0;
  int size = 1;
  /** Largest message received into the arena (see kEagerBytes). */
  size_t eagerBytes = kEagerBytes;
  /** Largest send tested at once, since MPI completes it within MPI_Isend (see TransportSizes). */
  size_t sentAtOnceBytes = kSentAtOnceBytes;
  bool initialized = false;
};

World& world();

/** The sizes the receive and send paths are built around, as Open MPI has them in force (transportSizesInForce). */
struct TransportSizes {
  /**
   * The size up to which every transport that may carry a message here
   * sends it eagerly: the smallest of the shared-memory and TCP
   * transports' eager limits, less their headers; kEagerBytes when they
   * cannot be read (another MPI, another transport).
   */
  size_t eagerBytes;
  /**
   * The size up to which a send to a PE of this host is tested at once,
   * since MPI completes it within MPI_Isend. With the shared-memory
   * transport's in-place flag off (Init turns it off, unless the user set
   * the transport's flags), ob1 tries the transport's immediate send, which
   * copies the message out, at every eager size (33 KiB here): then
   * kStagedSendBytes, the sends from staging blocks. With it on, ob1's
   * immediate sends stop at kSentAtOnceBytes.
   */
  size_t sentAtOnceBytes;
};

/**
 * Both sizes, read from Open MPI's control variables (MPI_T) after
 * MPI_Init, in one MPI_T session: a session costs about a quarter of a
 * second here (Open MPI loads every component to list their variables,
 * and the InfiniPath and Omni-Path libraries, linked by the fabric
 * components, nap 100 ms each when they load on a host without that
 * hardware), and a session per size doubled the start-up. Opened
 * before MPI_Init, whose component loads then found those libraries
 * loaded, it saved 0.2 s more (C, np 2: 0.40 s for both against 0.58),
 * but a rank then crashed (SIGSEGV, no output) in about one job in 50
 * (test/process.test.ts failed in 3 of 5 runs, none of 5 without it).
 */
TransportSizes transportSizesInForce();

}  // namespace charmts
