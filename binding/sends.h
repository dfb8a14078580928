// Sending messages (the forms are in protocol.h). Every send is
// non-blocking; each one in flight is a SendRecord that owns its request
// and the memory MPI reads from, released when MPI reports it complete.
#pragma once
#include <nan.h>

#include <cstddef>

namespace charmts {

/**
 * Sends the first `headerLength` bytes of `header` and then `segments` to
 * `dest`. A segment given as an ArrayBufferView is copied before this
 * returns (later writes to it do not reach the receiver); one given as an
 * ArrayBuffer is transferred: detached here, its memory sent in place.
 * Throws MpiError or InputError. Returns the bytes held by incomplete sends.
 */
double send(int dest, const char* header, size_t headerLength, v8::Local<v8::Value> segments);

/** Releases the memory of the sends MPI reports complete. */
void completeSends();

/** Bytes held by incomplete sends (for back-pressure). */
double pendingSendBytes();

}  // namespace charmts
