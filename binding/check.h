// Failures of MPI calls. MPI_ERRORS_RETURN is set on every communicator the
// binding uses, so a failing call returns a code instead of aborting; check()
// turns that code into an MpiError naming the call, the peer and MPI's own
// words (MPI_Error_string). Each exported function catches it at its
// boundary and throws it into JavaScript (see guarded() in js.h).
#pragma once
#define OMPI_SKIP_MPICXX 1
#include <mpi.h>

#include <stdexcept>
#include <string>

namespace charmts {

class MpiError : public std::runtime_error {
 public:
  /** `fatal`: the message streams are no longer consistent (half a message went out); nothing can recover. */
  MpiError(const std::string& what, bool fatal) : std::runtime_error(what), fatal_(fatal) {}
  bool fatal() const { return fatal_; }

 private:
  bool fatal_;
};

/** Bad input from JavaScript (a TypeError there). */
class InputError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/** Throws the MpiError of a failed call (see check). */
[[noreturn]] void fail(int rc, const char* call, int peer, const char* direction, bool fatal);

/**
 * Throws MpiError unless `rc` is MPI_SUCCESS. `peer` is the rank the call
 * talks to (-1: none); `direction` is "to" or "from". Inline: a message
 * makes six MPI calls or so, and a call out of line to compare each code
 * was 2.6% of a small message's sending and receiving.
 */
inline void check(int rc, const char* call, int peer = -1, const char* direction = "to", bool fatal = false) {
  if (__builtin_expect(rc != MPI_SUCCESS, 0)) fail(rc, call, peer, direction, fatal);
}

}  // namespace charmts
