// The MPI binding of charmts: MPI and nothing else.
//
// Every call is non-blocking except init, barrier, abort and finalize, which
// only run at start-up and shut-down. Scheduling, object location and every
// other runtime concern live in TypeScript (lib/).
#define OMPI_SKIP_MPICXX 1
#include <mpi.h>
#include <nan.h>

#include <sched.h>
#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

// Tags: a whole message; the descriptor of a message sent in parts; a part.
const int kTag = 17;
const int kTagMulti = 18;
const int kTagPart = 19;
// Large payloads travel as parts of their own, contiguous in memory, so
// MPI can move them with a single copy (a derived datatype would be packed).
// The descriptor message: u32 part count, u32 0, f64 total bytes, then per
// part its f64 offset in the whole message, then the inline header.
const size_t kDescriptorFixed = 16;
// Below this many bytes a message is copied into one contiguous block: a
// memcpy is cheaper than building a derived datatype.
const size_t kCopyLimit = 16 * 1024;

struct PendingSend {
  char* copy = nullptr;                       // owned contiguous block
  bool slab = false;                          // `copy` came from the slab pool
  std::vector<Nan::Global<v8::Object>> kept;  // payloads sent in place
  size_t bytes = 0;
};

// Small copies use fixed-size slabs recycled through a free list: a
// stream of small messages then costs no allocation at all.
const size_t kSlabBytes = 4096;
const size_t kMaxFreeSlabs = 4096;
std::vector<char*> freeSlabs;

char* acquire(size_t bytes, bool* slab) {
  *slab = bytes <= kSlabBytes;
  if (!*slab) return static_cast<char*>(std::malloc(bytes > 0 ? bytes : 1));
  if (freeSlabs.empty()) return static_cast<char*>(std::malloc(kSlabBytes));
  char* block = freeSlabs.back();
  freeSlabs.pop_back();
  return block;
}

void recycle(char* block, bool slab) {
  if (slab && freeSlabs.size() < kMaxFreeSlabs) freeSlabs.push_back(block);
  else std::free(block);
}

std::vector<MPI_Request> pendingRequests;
std::vector<PendingSend*> pendingSends;
std::vector<int> completedIndices;
double pendingBytes = 0;
int worldRank = 0;
int worldSize = 1;
bool initialized = false;

struct View {
  char* data;
  size_t length;
};

View viewOf(v8::Local<v8::Value> value) {
  // node::Buffer::Data honours the view's offset and avoids taking a
  // reference on the backing store (an atomic operation per call).
  return View{node::Buffer::Data(value), node::Buffer::Length(value)};
}

void release(size_t index) {
  PendingSend* done = pendingSends[index];
  pendingBytes -= static_cast<double>(done->bytes);
  recycle(done->copy, done->slab);
  delete done;
  pendingSends[index] = pendingSends.back();
  pendingSends.pop_back();
  pendingRequests[index] = pendingRequests.back();
  pendingRequests.pop_back();
}

// Frees the memory of every send MPI reports complete.
void completeSends() {
  if (pendingRequests.empty()) return;
  int count = 0;
  completedIndices.resize(pendingRequests.size());
  MPI_Testsome(static_cast<int>(pendingRequests.size()), pendingRequests.data(), &count,
               completedIndices.data(), MPI_STATUSES_IGNORE);
  if (count == MPI_UNDEFINED || count <= 0) return;
  // Release from the highest index down: release() moves the last entry into
  // the freed slot, which must not be one still to be released.
  std::sort(completedIndices.begin(), completedIndices.begin() + count);
  for (int i = count - 1; i >= 0; --i) release(static_cast<size_t>(completedIndices[i]));
}

bool requireInit() {
  if (initialized) return true;
  Nan::ThrowError("charmts binding: MPI is not initialized");
  return false;
}

void setField(v8::Local<v8::Object> target, const char* key, v8::Local<v8::Value> value) {
  Nan::Set(target, Nan::New(key).ToLocalChecked(), value);
}

NAN_METHOD(Init) {
  if (initialized) return Nan::ThrowError("charmts binding: MPI already initialized");
  int provided = 0;
  MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
  MPI_Comm_rank(MPI_COMM_WORLD, &worldRank);
  MPI_Comm_size(MPI_COMM_WORLD, &worldSize);
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  initialized = true;

  // Host layout: ranks reporting the same processor name share a host; hosts
  // are numbered in order of their lowest rank.
  char name[MPI_MAX_PROCESSOR_NAME] = {0};
  int nameLength = 0;
  MPI_Get_processor_name(name, &nameLength);
  std::vector<char> names(static_cast<size_t>(worldSize) * MPI_MAX_PROCESSOR_NAME);
  MPI_Allgather(name, MPI_MAX_PROCESSOR_NAME, MPI_CHAR, names.data(), MPI_MAX_PROCESSOR_NAME,
                MPI_CHAR, MPI_COMM_WORLD);
  std::vector<std::string> distinct;
  v8::Local<v8::Array> hostOfRank = Nan::New<v8::Array>(worldSize);
  for (int r = 0; r < worldSize; ++r) {
    std::string rankName(&names[static_cast<size_t>(r) * MPI_MAX_PROCESSOR_NAME]);
    size_t host = 0;
    while (host < distinct.size() && distinct[host] != rankName) ++host;
    if (host == distinct.size()) distinct.push_back(rankName);
    Nan::Set(hostOfRank, r, Nan::New(static_cast<uint32_t>(host)));
  }

  v8::Local<v8::Object> result = Nan::New<v8::Object>();
  setField(result, "rank", Nan::New(worldRank));
  setField(result, "size", Nan::New(worldSize));
  setField(result, "threadLevel", Nan::New(provided));
  setField(result, "threadFunneled", Nan::New(MPI_THREAD_FUNNELED));
  setField(result, "hostOfRank", hostOfRank);
  setField(result, "processorName", Nan::New(name, nameLength).ToLocalChecked());
  info.GetReturnValue().Set(result);
}

// Large receive buffers: 2 MiB-aligned and marked for transparent huge
// pages, so MPI writing megabytes into fresh memory takes a few page faults
// instead of hundreds. Node 20 (no V8 sandbox) accepts external memory;
// smaller messages use Node's own allocation.
const size_t kHugePage = 2u << 20;

v8::Local<v8::Object> newReceiveBuffer(size_t size) {
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  void* data = nullptr;
  if (size >= kHugePage && posix_memalign(&data, kHugePage, (size + kHugePage - 1) & ~(kHugePage - 1)) == 0) {
    madvise(data, (size + kHugePage - 1) & ~(kHugePage - 1), MADV_HUGEPAGE);
    return node::Buffer::New(isolate, static_cast<char*>(data), size, [](char* block, void*) { std::free(block); }, nullptr)
        .ToLocalChecked();
  }
  return node::Buffer::New(isolate, size).ToLocalChecked();
}

void track(MPI_Request request, PendingSend* pending) {
  pendingRequests.push_back(request);
  pendingSends.push_back(pending);
  pendingBytes += static_cast<double>(pending->bytes);
}

// A large message: a descriptor (with the header), then each payload in place.
void sendInParts(Nan::NAN_METHOD_ARGS_TYPE info, int dest, const char* header, size_t headerLength,
                 v8::Local<v8::Array> payloads, const std::vector<View>& views, size_t total) {
  std::vector<uint32_t> parts;  // indices of real payloads (padding is never sent)
  std::vector<double> offsets;
  double offset = static_cast<double>(headerLength);
  for (uint32_t i = 0; i < views.size(); ++i) {
    if (views[i].length >= 8) {
      parts.push_back(i);
      offsets.push_back(offset);
    }
    offset += static_cast<double>(views[i].length);
  }
  size_t descriptorBytes = kDescriptorFixed + 8 * parts.size() + headerLength;
  PendingSend* descriptor = new PendingSend();
  descriptor->bytes = descriptorBytes;
  descriptor->copy = acquire(descriptorBytes, &descriptor->slab);
  uint32_t count = static_cast<uint32_t>(parts.size());
  uint32_t zero = 0;
  double whole = static_cast<double>(total);
  std::memcpy(descriptor->copy, &count, 4);
  std::memcpy(descriptor->copy + 4, &zero, 4);
  std::memcpy(descriptor->copy + 8, &whole, 8);
  std::memcpy(descriptor->copy + kDescriptorFixed, offsets.data(), 8 * parts.size());
  std::memcpy(descriptor->copy + kDescriptorFixed + 8 * parts.size(), header, headerLength);
  MPI_Request request;
  if (MPI_Isend(descriptor->copy, static_cast<int>(descriptorBytes), MPI_BYTE, dest, kTagMulti, MPI_COMM_WORLD, &request) != MPI_SUCCESS) {
    recycle(descriptor->copy, descriptor->slab);
    delete descriptor;
    return Nan::ThrowError("charmts binding: MPI_Isend failed");
  }
  track(request, descriptor);
  for (uint32_t i : parts) {
    PendingSend* part = new PendingSend();
    part->bytes = views[i].length;
    part->kept.emplace_back(Nan::To<v8::Object>(Nan::Get(payloads, i).ToLocalChecked()).ToLocalChecked());
    MPI_Isend(views[i].data, static_cast<int>(views[i].length), MPI_BYTE, dest, kTagPart, MPI_COMM_WORLD, &request);
    track(request, part);
  }
  info.GetReturnValue().Set(Nan::New(pendingBytes));
}

// Receives a message sent in parts into one new buffer laid out as the
// sender's whole message. The parts follow their descriptor from the same
// source and are already on their way, so waiting for them is a copy.
v8::Local<v8::Object> receiveInParts(MPI_Message* message, int source, int descriptorBytes) {
  std::vector<char> descriptor(static_cast<size_t>(descriptorBytes));
  MPI_Mrecv(descriptor.data(), descriptorBytes, MPI_BYTE, message, MPI_STATUS_IGNORE);
  uint32_t count;
  double whole;
  std::memcpy(&count, descriptor.data(), 4);
  std::memcpy(&whole, descriptor.data() + 8, 8);
  size_t headerStart = kDescriptorFixed + 8 * count;
  v8::Local<v8::Object> buffer = newReceiveBuffer(static_cast<size_t>(whole));
  char* data = node::Buffer::Data(buffer);
  std::memcpy(data, descriptor.data() + headerStart, descriptor.size() - headerStart);
  for (uint32_t i = 0; i < count; ++i) {
    double offset;
    std::memcpy(&offset, descriptor.data() + kDescriptorFixed + 8 * i, 8);
    MPI_Message part;
    MPI_Status status;
    MPI_Mprobe(source, kTagPart, MPI_COMM_WORLD, &part, &status);
    int length = 0;
    MPI_Get_count(&status, MPI_BYTE, &length);
    MPI_Mrecv(data + static_cast<size_t>(offset), length, MPI_BYTE, &part, MPI_STATUS_IGNORE);
  }
  return buffer;
}

// send(dest, header, headerLength, payloads?): sends the first headerLength
// bytes of `header` followed by the `payloads` (ArrayBufferViews). The
// header is copied (the caller reuses its buffer); payloads are copied too
// when the message is small, and sent in place otherwise, kept alive until
// MPI completes the send. Returns the bytes held by incomplete sends.
NAN_METHOD(Send) {
  if (!requireInit()) return;
  int dest = Nan::To<int>(info[0]).FromJust();
  if (dest < 0 || dest >= worldSize) return Nan::ThrowRangeError("charmts binding: send to a rank out of range");
  View header = viewOf(info[1]);
  size_t headerLength = static_cast<size_t>(Nan::To<uint32_t>(info[2]).FromJust());
  if (headerLength > header.length) return Nan::ThrowRangeError("charmts binding: header length beyond its buffer");
  v8::Local<v8::Array> payloads;
  uint32_t payloadCount = 0;
  if (info.Length() > 3 && info[3]->IsArray()) {
    payloads = info[3].As<v8::Array>();
    payloadCount = payloads->Length();
  }
  std::vector<View> views;
  views.reserve(payloadCount);
  size_t total = headerLength;
  for (uint32_t i = 0; i < payloadCount; ++i) {
    views.push_back(viewOf(Nan::Get(payloads, i).ToLocalChecked()));
    total += views.back().length;
  }
  if (total > static_cast<size_t>(INT32_MAX)) {
    return Nan::ThrowRangeError("charmts binding: message larger than 2 GiB");
  }

  // Most sends complete at once: build the record on the stack, move it
  // to the heap only if MPI still needs the memory.
  PendingSend local;
  PendingSend* pending = &local;
  pending->bytes = total;
  MPI_Request request;
  int rc;
  if (total <= kCopyLimit) {
    pending->copy = acquire(total, &pending->slab);
    std::memcpy(pending->copy, header.data, headerLength);
    size_t offset = headerLength;
    for (const View& v : views) {
      std::memcpy(pending->copy + offset, v.data, v.length);
      offset += v.length;
    }
    rc = MPI_Isend(pending->copy, static_cast<int>(total), MPI_BYTE, dest, kTag, MPI_COMM_WORLD, &request);
  } else {
    return sendInParts(info, dest, header.data, headerLength, payloads, views, total);
  }
  if (rc != MPI_SUCCESS) {
    recycle(local.copy, local.slab);
    return Nan::ThrowError("charmts binding: MPI_Isend failed");
  }
  // Small messages usually leave at once (eager protocol): then nothing is
  // kept, and no request is left to test on every poll.
  int done = 0;
  MPI_Test(&request, &done, MPI_STATUS_IGNORE);
  if (done) {
    recycle(local.copy, local.slab);
  } else {
    pendingRequests.push_back(request);
    pendingSends.push_back(new PendingSend(std::move(local)));
    pendingBytes += static_cast<double>(total);
  }
  info.GetReturnValue().Set(Nan::New(pendingBytes));
}

// Bytes held by sends MPI has not completed (for back-pressure).
NAN_METHOD(PendingBytes) { info.GetReturnValue().Set(Nan::New(pendingBytes)); }

// drain(arena, meta, large, maxMessages): receives every message that has
// arrived (up to maxMessages). Messages that fit go into `arena` one after
// the other, each at an 8-byte aligned offset; larger ones get an
// ArrayBuffer of their own, appended to the `large` array. For message i,
// meta[4i..4i+3] = source, offset (or -1 - index into `large`), length, 0.
// Also completes finished sends. Returns the number of messages received.
NAN_METHOD(Drain) {
  if (!requireInit()) return;
  completeSends();
  v8::Local<v8::Uint8Array> arenaArray = info[0].As<v8::Uint8Array>();
  View arena = viewOf(arenaArray);
  v8::Local<v8::Int32Array> metaArray = info[1].As<v8::Int32Array>();
  int32_t* meta = reinterpret_cast<int32_t*>(viewOf(metaArray).data);
  size_t metaCapacity = metaArray->Length() / 4;
  v8::Local<v8::Array> large = info[2].As<v8::Array>();
  size_t maxMessages = std::min(metaCapacity, static_cast<size_t>(Nan::To<uint32_t>(info[3]).FromJust()));

  size_t offset = 0;
  size_t count = 0;
  while (count < maxMessages) {
    int flag = 0;
    MPI_Message message;
    MPI_Status status;
    // Any tag: parts are always taken right after their descriptor, so a
    // probe never meets one first.
    MPI_Improbe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &message, &status);
    if (!flag) break;
    int length = 0;
    MPI_Get_count(&status, MPI_BYTE, &length);
    size_t size = static_cast<size_t>(length);
    int32_t* entry = meta + 4 * count;
    entry[0] = status.MPI_SOURCE;
    entry[2] = length;
    entry[3] = 0;
    if (status.MPI_TAG == kTagMulti) {
      v8::Local<v8::Object> whole = receiveInParts(&message, status.MPI_SOURCE, length);
      entry[2] = static_cast<int32_t>(node::Buffer::Length(whole));
      uint32_t index = large->Length();
      Nan::Set(large, index, whole.As<v8::Uint8Array>()->Buffer());
      entry[1] = -1 - static_cast<int32_t>(index);
    } else if (offset + size <= arena.length) {
      MPI_Mrecv(arena.data + offset, length, MPI_BYTE, &message, MPI_STATUS_IGNORE);
      entry[1] = static_cast<int32_t>(offset);
      offset = (offset + size + 7) & ~static_cast<size_t>(7);
    } else {
      // node::Buffer::New leaves the memory uninitialized (no zero fill of
      // megabytes that MPI overwrites anyway); it is a view of a whole
      // ArrayBuffer of exactly this size.
      v8::Local<v8::Object> own = newReceiveBuffer(size);
      MPI_Mrecv(node::Buffer::Data(own), length, MPI_BYTE, &message, MPI_STATUS_IGNORE);
      uint32_t index = large->Length();
      Nan::Set(large, index, own.As<v8::Uint8Array>()->Buffer());
      entry[1] = -1 - static_cast<int32_t>(index);
    }
    ++count;
  }
  info.GetReturnValue().Set(Nan::New(static_cast<uint32_t>(count)));
}

// Completes finished sends; returns the bytes still held by incomplete ones.
NAN_METHOD(Progress) {
  if (!requireInit()) return;
  completeSends();
  info.GetReturnValue().Set(Nan::New(pendingBytes));
}

NAN_METHOD(Barrier) {
  if (!requireInit()) return;
  MPI_Barrier(MPI_COMM_WORLD);
}

// A non-blocking barrier, for shut-down: PEs keep receiving while they wait.
MPI_Request barrierRequest = MPI_REQUEST_NULL;

NAN_METHOD(BarrierStart) {
  if (!requireInit()) return;
  MPI_Ibarrier(MPI_COMM_WORLD, &barrierRequest);
}

NAN_METHOD(BarrierDone) {
  if (!requireInit()) return;
  int done = 0;
  MPI_Test(&barrierRequest, &done, MPI_STATUS_IGNORE);
  info.GetReturnValue().Set(Nan::New(done != 0));
}

NAN_METHOD(Wtime) { info.GetReturnValue().Set(Nan::New(MPI_Wtime())); }

// Gives the core to another process: PEs waiting for messages on an
// oversubscribed host let the busy ones run (as mpi_yield_when_idle does).
NAN_METHOD(Yield) { sched_yield(); }

NAN_METHOD(Abort) {
  int code = info.Length() > 0 ? Nan::To<int>(info[0]).FromMaybe(1) : 1;
  if (!initialized) std::exit(code);
  MPI_Abort(MPI_COMM_WORLD, code);
}

NAN_METHOD(Finalize) {
  if (!initialized) return;
  // Sends still pending at a clean shutdown were received by peers that are
  // finalizing too; their memory is released with the process.
  MPI_Finalize();
  initialized = false;
}

NAN_MODULE_INIT(InitModule) {
  NAN_EXPORT(target, Init);
  NAN_EXPORT(target, Send);
  NAN_EXPORT(target, Drain);
  NAN_EXPORT(target, Progress);
  NAN_EXPORT(target, PendingBytes);
  NAN_EXPORT(target, Barrier);
  NAN_EXPORT(target, BarrierStart);
  NAN_EXPORT(target, BarrierDone);
  NAN_EXPORT(target, Wtime);
  NAN_EXPORT(target, Yield);
  NAN_EXPORT(target, Abort);
  NAN_EXPORT(target, Finalize);
}

}  // namespace

NODE_MODULE(charmts_mpi, InitModule)
