#include "check.h"

namespace charmts {

void fail(int rc, const char* call, int peer, const char* direction, bool fatal) {
  char text[MPI_MAX_ERROR_STRING] = {0};
  int length = 0;
  if (MPI_Error_string(rc, text, &length) != MPI_SUCCESS) snprintf(text, sizeof text, "unknown MPI error");
  int errorClass = 0;
  if (MPI_Error_class(rc, &errorClass) != MPI_SUCCESS) errorClass = -1;
  std::string what = std::string("charmts binding: ") + call;
  if (peer >= 0) what += std::string(" ") + direction + " rank " + std::to_string(peer);
  what += " failed: " + std::string(text, static_cast<size_t>(length)) + " (MPI error class " + std::to_string(errorClass) + ")";
  if (fatal) what += "; the message stream is broken, the job cannot continue";
  throw MpiError(what, fatal);
}

}  // namespace charmts
