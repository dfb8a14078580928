// What Open MPI has in force after MPI_Init, read through its control
// variables (MPI_T): the sizes the binding's receive and send paths are
// built around (protocol.h).
#include <mpi.h>

#include <initializer_list>

#include "protocol.h"

namespace charmts {

namespace {

/** An Open MPI control variable holding one size (MPI_T), or 0 when there is none to read. */
size_t sizeVariable(const char* name) {
  int index = 0;
  if (MPI_T_cvar_get_index(name, &index) != MPI_SUCCESS) return 0;
  char varName[256], description[1024];
  int nameLength = sizeof varName, descriptionLength = sizeof description, verbosity = 0, binding = 0, scope = 0;
  MPI_Datatype type = MPI_DATATYPE_NULL;
  MPI_T_enum enumType;
  if (MPI_T_cvar_get_info(index, varName, &nameLength, &verbosity, &type, &enumType, description, &descriptionLength, &binding, &scope) != MPI_SUCCESS) return 0;
  MPI_T_cvar_handle handle;
  int count = 0;
  if (MPI_T_cvar_handle_alloc(index, nullptr, &handle, &count) != MPI_SUCCESS) return 0;
  size_t value = 0;
  if (count == 1) {
    union {
      unsigned long long u64;
      unsigned long ul;
      unsigned u32;
      int i32;
    } read{};
    if (MPI_T_cvar_read(handle, &read) == MPI_SUCCESS) {
      if (type == MPI_UNSIGNED_LONG_LONG) value = static_cast<size_t>(read.u64);
      else if (type == MPI_UNSIGNED_LONG) value = static_cast<size_t>(read.ul);
      else if (type == MPI_UNSIGNED) value = read.u32;
      else if (type == MPI_INT && read.i32 > 0) value = static_cast<size_t>(read.i32);
    }
  }
  MPI_T_cvar_handle_free(&handle);
  return value;
}

}  // namespace

TransportSizes transportSizesInForce() {
  TransportSizes sizes{kEagerBytes, kSentAtOnceBytes};
  int provided = 0;
  if (MPI_T_init_thread(MPI_THREAD_SINGLE, &provided) != MPI_SUCCESS) return sizes;
  size_t limit = 0;
  for (const char* name : {"btl_vader_eager_limit", "btl_tcp_eager_limit"}) {
    size_t bytes = sizeVariable(name);
    if (bytes > kEagerHeaderBytes && (limit == 0 || bytes < limit)) limit = bytes;
  }
  if (limit > kEagerHeaderBytes + kEagerBytes) sizes.eagerBytes = limit - kEagerHeaderBytes;
  // An unsigned int variable: sizeVariable reads it; 0 when absent.
  size_t flags = sizeVariable("btl_vader_flags");
  constexpr size_t kInPlace = 0x8;  // MCA_BTL_FLAGS_SEND_INPLACE
  if (flags != 0 && (flags & kInPlace) == 0) sizes.sentAtOnceBytes = kStagedSendBytes;
  MPI_T_finalize();
  return sizes;
}

}  // namespace charmts
