// Receiving messages (the forms are in protocol.h) without ever waiting:
// small messages are taken at once; larger ones and the parts of parted
// messages are received with MPI_Imrecv / MPI_Irecv and completed by later
// drains. Messages from one source are delivered in the order it sent them.
#pragma once
#include <nan.h>

#include <cstddef>
#include <cstdint>

namespace charmts {

/** Int32 fields per message in an inbox's meta array (see Drain in mpi_binding.cc). */
constexpr size_t kMetaFields = 5;

/** Where drain() puts what it received (see Drain in mpi_binding.cc for the layout). */
struct DrainOutput {
  v8::Isolate* isolate;
  char* arena;
  size_t arenaLength;
  size_t arenaUsed;
  int32_t* meta;
  size_t maxMessages;
  size_t count;
  /** Where emit() appends buffers; a handle to it is made only then (an empty poll makes none). */
  const Nan::Global<v8::Array>* large;
};

/** Receives and delivers every message that is complete, up to out.maxMessages. */
void drain(DrainOutput& out);

/** Messages begun and not yet complete. */
double receivesInFlight();

}  // namespace charmts
