// The MPI binding of charmts: MPI and nothing else.
//
// Every call is non-blocking except init, barrier, abort and finalize, which
// only run at start-up and shut-down, and Idle, which waits at most the
// time it is given. Every MPI call's return code is
// checked (MPI_ERRORS_RETURN is set): a failure becomes a JavaScript Error
// naming the call, the peer and MPI_Error_string; one that leaves a message
// half sent or half received carries `fatal: true` (the caller ends the
// job). Scheduling, object location and every other runtime concern live
// in TypeScript (lib/).
//
//   protocol.h   how a message travels as MPI messages
//   sends.cc     sends and the records that own their memory
//   receives.cc  non-blocking receives, delivered in per-source order
//   pool.cc      warm memory for message buffers
#include <nan.h>
#include <sched.h>
#include <uv.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "check.h"
#include "pool.h"
#include "protocol.h"
#include "receives.h"
#include "sends.h"
#include "wake.h"

namespace charmts {

World& world() {
  static World instance;
  return instance;
}

namespace {

/** Runs `body`, turning the binding's C++ errors into JavaScript exceptions. */
template <typename Body>
void guarded(Body body) {
  try {
    body();
  } catch (const MpiError& e) {
    v8::Local<v8::Value> error = Nan::Error(e.what());
    if (e.fatal()) Nan::Set(error.As<v8::Object>(), Nan::New("fatal").ToLocalChecked(), Nan::True());
    Nan::ThrowError(error);
  } catch (const InputError& e) {
    Nan::ThrowTypeError(e.what());
  } catch (const std::out_of_range& e) {
    Nan::ThrowRangeError(e.what());
  } catch (const std::bad_alloc&) {
    Nan::ThrowError("charmts binding: out of memory for a message buffer");
  }
}

/**
 * Argument `i` as a uint32 (or an InputError naming `what`), read without
 * a context: the poll's arguments cost nothing to convert (Nan::To looks
 * up the current context every call, a fifth of an empty poll).
 */
template <typename Info>
uint32_t uint32Arg(const Info& info, int i, const char* what) {
  v8::Local<v8::Value> value = info[i];
  if (!value->IsUint32()) throw InputError(std::string("charmts binding: ") + what + " must be a uint32");
  return value.As<v8::Uint32>()->Value();
}

/**
 * Returns a count of bytes or messages: a small integer as one (V8 keeps it
 * in the return slot), anything else as a heap number. Send and Drain
 * return one per message; Nan::New(double) made a heap number each time.
 */
template <typename Info>
void returnCount(const Info& info, double count) {
  if (count >= 0 && count <= 1073741823 && count == static_cast<double>(static_cast<int32_t>(count))) {
    info.GetReturnValue().Set(static_cast<int32_t>(count));
  } else {
    info.GetReturnValue().Set(count);
  }
}

bool requireInit() {
  if (world().initialized) return true;
  Nan::ThrowError("charmts binding: MPI is not initialized");
  return false;
}

void setField(v8::Local<v8::Object> target, const char* key, v8::Local<v8::Value> value) {
  Nan::Set(target, Nan::New(key).ToLocalChecked(), value);
}

NAN_METHOD(Init) {
  World& w = world();
  if (w.initialized) return Nan::ThrowError("charmts binding: MPI already initialized");
  guarded([&] {
    int provided = 0;
    // Open MPI's shared-memory transport sends up to 4 KiB eagerly by
    // default, so a call carrying a 4 KiB array (4 KiB and a header) took
    // the rendezvous protocol, which needs both PEs to progress it: 32 KiB
    // made 4-64 KiB round trips 10-25% faster here (docs/internals.md).
    // 33 KiB: a 32 KiB array with its call and the transport's header goes
    // eagerly, as one contiguous message (protocol.h); at 32 KiB the part
    // took a rendezvous for its last bytes. (65 KiB was faster still, but
    // eager fragments come from a sender's one 4 MiB segment: half as many
    // of them, and a PE stuck in a loop held enough of a flooding peer's
    // that the peer could not answer the others.) A value set by the user
    // (environment or mpirun --mca) wins.
    setenv("OMPI_MCA_btl_vader_eager_limit", "33792", 0);
    // Open MPI 4.1's ob1 sends a message of up to 256 B through the
    // transport's immediate send (into the receiver's fast box: the send is
    // complete within MPI_Isend); a larger one, when the transport can send
    // "in place", takes a fragment through the receiver's FIFO and completes
    // only once the receiver has handed the fragment back. Without the
    // in-place flag, ob1 tries the immediate send at every eager size (fast
    // box up to 4 KiB, else a fragment it copies into): 320 B-4 KiB sends
    // complete at once too and skip the fragment's return trip. C, Improbe
    // + Mrecv / Isend + Test as here, np 2, best of 15 x 20,000 round trips:
    // 256 B 1.13-1.14 us both ways, 320 B 1.68 -> 1.18, 512 B 1.69 -> 1.25
    // (load 10-12). The vader defaults less "inplace"; a user's setting wins.
    setenv("OMPI_MCA_btl_vader_flags", "send,put,get,atomics,fetching-atomics", 0);
    // Errors before MPI_ERRORS_RETURN is set abort the job (MPI's default).
    check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
    check(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
    check(MPI_Comm_rank(MPI_COMM_WORLD, &w.rank), "MPI_Comm_rank");
    check(MPI_Comm_size(MPI_COMM_WORLD, &w.size), "MPI_Comm_size");
    check(MPI_Comm_dup(MPI_COMM_WORLD, &w.parts), "MPI_Comm_dup");
    check(MPI_Comm_set_errhandler(w.parts, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
    setUpWaking(MPI_COMM_WORLD);
    const TransportSizes sizes = transportSizesInForce();
    w.eagerBytes = sizes.eagerBytes;
    w.sentAtOnceBytes = sizes.sentAtOnceBytes;
    w.initialized = true;

    // Host layout: ranks reporting the same processor name share a host;
    // hosts are numbered in order of their lowest rank.
    char name[MPI_MAX_PROCESSOR_NAME] = {0};
    int nameLength = 0;
    check(MPI_Get_processor_name(name, &nameLength), "MPI_Get_processor_name");
    std::vector<char> names(static_cast<size_t>(w.size) * MPI_MAX_PROCESSOR_NAME);
    check(MPI_Allgather(name, MPI_MAX_PROCESSOR_NAME, MPI_CHAR, names.data(), MPI_MAX_PROCESSOR_NAME, MPI_CHAR, MPI_COMM_WORLD), "MPI_Allgather");
    std::vector<std::string> distinct;
    v8::Local<v8::Array> hostOfRank = Nan::New<v8::Array>(w.size);
    for (int r = 0; r < w.size; ++r) {
      std::string rankName(&names[static_cast<size_t>(r) * MPI_MAX_PROCESSOR_NAME]);
      size_t host = 0;
      while (host < distinct.size() && distinct[host] != rankName) ++host;
      if (host == distinct.size()) distinct.push_back(rankName);
      Nan::Set(hostOfRank, r, Nan::New(static_cast<uint32_t>(host)));
    }

    v8::Local<v8::Object> result = Nan::New<v8::Object>();
    setField(result, "rank", Nan::New(w.rank));
    setField(result, "size", Nan::New(w.size));
    setField(result, "threadLevel", Nan::New(provided));
    setField(result, "threadFunneled", Nan::New(MPI_THREAD_FUNNELED));
    setField(result, "hostOfRank", hostOfRank);
    setField(result, "processorName", Nan::New(name, nameLength).ToLocalChecked());
    setField(result, "eagerBytes", Nan::New(static_cast<double>(w.eagerBytes)));
    info.GetReturnValue().Set(result);
  });
}

// The two calls made per message, Send and Drain, are plain V8 callbacks:
// nan's wrapper around a callback (finding it through the function's data
// object, two handles) was a quarter of an empty poll's instructions in
// the binding. A V8 fast API call would skip more, but Node 20 installs
// without v8-fast-api-calls.h.
using V8Args = v8::FunctionCallbackInfo<v8::Value>;

// send(dest, header, headerLength, segments?): see sends.h. Returns the
// bytes held by incomplete sends.
void Send(const V8Args& info) {
  if (!requireInit()) return;
  guarded([&] {
    if (!info[1]->IsArrayBufferView()) throw InputError("charmts binding: the header must be an ArrayBufferView");
    if (!info[0]->IsInt32()) throw InputError("charmts binding: Send's destination must be an int32");
    int dest = info[0].As<v8::Int32>()->Value();
    size_t headerLength = uint32Arg(info, 2, "Send's header length");
    if (headerLength > node::Buffer::Length(info[1])) throw std::out_of_range("charmts binding: header length beyond its buffer");
    returnCount(info, send(dest, node::Buffer::Data(info[1]), headerLength, info[3]));
  });
}

// inbox(arena, meta, large, arrival?): registers where Drain puts messages
// (the binding keeps them alive); returns the inbox's number. Registered
// once, so that a poll converts no arguments.
struct Mailbox {
  Nan::Global<v8::Object> arena;
  Nan::Global<v8::Object> meta;
  Nan::Global<v8::Array> large;
  Nan::Global<v8::Object> arrivalArray;
  char* arenaData;
  size_t arenaLength;
  int32_t* metaData;
  size_t metaEntries;
  /** Where a Drain that delivers writes the time (see Drain), or null. */
  double* arrival;
};
// Never destroyed: its handles must not be reset after V8 is gone, at exit.
std::vector<std::unique_ptr<Mailbox>>& inboxes = *new std::vector<std::unique_ptr<Mailbox>>();

NAN_METHOD(Inbox) {
  guarded([&] {
    bool hasArrival = !info[3]->IsUndefined();
    if (!info[0]->IsUint8Array() || !info[1]->IsInt32Array() || !info[2]->IsArray() || (hasArrival && (!info[3]->IsFloat64Array() || info[3].As<v8::Float64Array>()->Length() < 1))) {
      throw InputError("charmts binding: Inbox(arena: Uint8Array, meta: Int32Array, large: ArrayBuffer[], arrival?: Float64Array)");
    }
    auto inbox = std::make_unique<Mailbox>();
    inbox->arena.Reset(info[0].As<v8::Object>());
    inbox->meta.Reset(info[1].As<v8::Object>());
    inbox->large.Reset(info[2].As<v8::Array>());
    inbox->arenaData = node::Buffer::Data(info[0]);
    inbox->arenaLength = node::Buffer::Length(info[0]);
    inbox->metaData = reinterpret_cast<int32_t*>(node::Buffer::Data(info[1]));
    inbox->metaEntries = info[1].As<v8::Int32Array>()->Length() / kMetaFields;
    inbox->arrival = nullptr;
    if (hasArrival) {
      inbox->arrivalArray.Reset(info[3].As<v8::Object>());
      inbox->arrival = reinterpret_cast<double*>(node::Buffer::Data(info[3]));
    }
    inboxes.push_back(std::move(inbox));
    info.GetReturnValue().Set(Nan::New(static_cast<uint32_t>(inboxes.size() - 1)));
  });
}

// drain(inbox, maxMessages): delivers every message that is complete (up
// to maxMessages), in per-source order. Messages of up to 4 KiB go into the
// inbox's arena one after the other, each at an 8-byte aligned offset;
// every other message gets an ArrayBuffer of its own, appended to its
// `large` array. A segment-first or parted message's segments get one
// ArrayBuffer each, appended to `large` in order. For message i,
// meta[5i..5i+4] = source, offset in the arena (or -1 - index of its buffer
// in `large`), length of its inline part (the whole message when
// contiguous), number of segment buffers, index of the first of them in
// `large`. Also completes finished sends (see kSendTestPolls). Returns the number of messages;
// when there are some and the inbox has an arrival array, its element 0 is
// set to the time they were taken, in ms on libuv's clock (uv_hrtime, which
// process.hrtime reads): the scheduler starts their dispatch at it instead
// of reading the clock again in JavaScript (here a clock reading costs
// 31 ns in C, performance.now() 72-78 ns).
constexpr unsigned kSendTestPolls = 8;
unsigned drainsSinceSendTest = 0;
/** The last drain delivered: the next one tests the sends (see Drain). */
bool sendTestDue = false;

void Drain(const V8Args& info) {
  if (!requireInit()) return;
  guarded([&] {
    uint32_t which = uint32Arg(info, 0, "Drain's inbox");
    if (which >= inboxes.size()) throw std::out_of_range("charmts binding: Drain of an inbox that was never registered");
    Mailbox& inbox = *inboxes[which];
    DrainOutput out{v8::Isolate::GetCurrent(),
                    inbox.arenaData,
                    inbox.arenaLength,
                    0,
                    inbox.metaData,
                    std::min(inbox.metaEntries, static_cast<size_t>(uint32Arg(info, 1, "Drain's maxMessages"))),
                    0,
                    &inbox.large};
    drain(out);
    // Sends of more than 256 bytes (Open MPI's ob1 completes only smaller
    // ones at the send) stay incomplete until the receiver hands back the
    // transport's fragment, and an MPI_Testsome that finds none complete
    // makes a progress pass of its own: testing them at every poll added
    // that to each empty poll of a PE waiting for a reply. The probe above
    // progresses MPI already, so the sends are tested at the first drain
    // after one that delivered and every kSendTestPolls drains otherwise
    // (Progress, which back-pressure and the idle path call, tests every
    // time). Not in the drain that delivered: that test (and the release
    // of the send's copy) came between a message's arrival and its entry
    // method, on the way of a ping-pong's reply; the next drain, after the
    // entry method, finds the same sends complete.
    bool testSends = ++drainsSinceSendTest >= kSendTestPolls || (out.count == 0 && sendTestDue);
    sendTestDue = out.count > 0;
    if (testSends) {
      drainsSinceSendTest = 0;
      completeSends();
    }
    if (out.count && inbox.arrival) *inbox.arrival = static_cast<double>(uv_hrtime()) / 1e6;
    info.GetReturnValue().Set(static_cast<uint32_t>(out.count));
  });
}

// Completes finished sends; returns the bytes still held by incomplete ones.
NAN_METHOD(Progress) {
  if (!requireInit()) return;
  guarded([&] {
    completeSends();
    returnCount(info, pendingSendBytes());
  });
}

// idle(maxMicros): sleeps until a message is waiting (true), a sender on
// this host wakes this PE, or maxMicros have passed (false); see wake.h.
NAN_METHOD(Idle) {
  if (!requireInit()) return;
  guarded([&] { info.GetReturnValue().Set(Nan::New(idleWait(MPI_COMM_WORLD, Nan::To<double>(info[0]).FromJust()))); });
}

// handoff(flag: Int32Array): flag[0] is set to 1 whenever this PE wakes a
// sleeping PE of its host or is woken by one (see wake.h); the binding
// keeps the array alive, and JavaScript reads and clears it without a call.
Nan::Global<v8::Object>& handoffFlag = *new Nan::Global<v8::Object>();  // never destroyed, as inboxes

NAN_METHOD(Handoff) {
  guarded([&] {
    if (!info[0]->IsInt32Array() || info[0].As<v8::Int32Array>()->Length() < 1) throw InputError("charmts binding: Handoff(flag: Int32Array)");
    handoffFlag.Reset(info[0].As<v8::Object>());
    setHandoff(reinterpret_cast<int32_t*>(node::Buffer::Data(info[0])));
  });
}

// sharesCore(): whether another awake PE of this host last waited on this
// PE's CPU (see wake.h).
NAN_METHOD(SharesCore) { info.GetReturnValue().Set(Nan::New(sharesCore())); }

// moveToFreeCore(): moves this PE to a CPU no awake PE of its host uses (see wake.h).
NAN_METHOD(MoveToFreeCore) { info.GetReturnValue().Set(Nan::New(moveToFreeCore())); }

// Bytes held by sends MPI has not completed (for back-pressure).
NAN_METHOD(PendingBytes) { returnCount(info, pendingSendBytes()); }

// Messages partly received: the PE must keep polling until they complete.
NAN_METHOD(Receiving) { returnCount(info, receivesInFlight()); }

// copy(view): an ArrayBuffer of its own holding a copy of `view`, in warm
// memory from the message pool (for messages delivered on this PE).
NAN_METHOD(Copy) {
  guarded([&] {
    if (!info[0]->IsArrayBufferView()) throw InputError("charmts binding: Copy(view: ArrayBufferView)");
    size_t length = node::Buffer::Length(info[0]);
    Block block(length);
    if (length) std::memcpy(block.data(), node::Buffer::Data(info[0]), length);
    info.GetReturnValue().Set(block.intoArrayBuffer(v8::Isolate::GetCurrent(), length));
  });
}

// refillPool(budgetBytes): prefaults message buffers of the sizes that
// missed lately (call it when idle); returns the bytes prefaulted.
NAN_METHOD(RefillPool) {
  guarded([&] { info.GetReturnValue().Set(Nan::New(static_cast<double>(refillPool(static_cast<size_t>(Nan::To<double>(info[0]).FromJust()))))); });
}

// Gives every free message buffer back to the system.
NAN_METHOD(TrimPool) { trimPool(); }

NAN_METHOD(PoolStats) {
  PoolCounters s = poolCounters();
  v8::Local<v8::Object> result = Nan::New<v8::Object>();
  setField(result, "hits", Nan::New(s.hits));
  setField(result, "misses", Nan::New(s.misses));
  setField(result, "freeBytes", Nan::New(s.freeBytes));
  setField(result, "prefaultedBytes", Nan::New(s.prefaultedBytes));
  info.GetReturnValue().Set(result);
}

NAN_METHOD(Barrier) {
  if (!requireInit()) return;
  guarded([&] { check(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier"); });
}

// A non-blocking barrier, for shut-down: PEs keep receiving while they wait.
MPI_Request barrierRequest = MPI_REQUEST_NULL;

NAN_METHOD(BarrierStart) {
  if (!requireInit()) return;
  guarded([&] { check(MPI_Ibarrier(MPI_COMM_WORLD, &barrierRequest), "MPI_Ibarrier", -1, "to", true); });
}

NAN_METHOD(BarrierDone) {
  if (!requireInit()) return;
  guarded([&] {
    int done = 0;
    check(MPI_Test(&barrierRequest, &done, MPI_STATUS_IGNORE), "MPI_Test (barrier)", -1, "to", true);
    info.GetReturnValue().Set(Nan::New(done != 0));
  });
}

NAN_METHOD(Wtime) { info.GetReturnValue().Set(Nan::New(MPI_Wtime())); }

// Gives the core to another process: PEs waiting for messages on an
// oversubscribed host let the busy ones run (as mpi_yield_when_idle does).
NAN_METHOD(Yield) { sched_yield(); }

NAN_METHOD(Abort) {
  int code = info.Length() > 0 ? Nan::To<int>(info[0]).FromMaybe(1) : 1;
  if (world().initialized) MPI_Abort(MPI_COMM_WORLD, code);
  // Not initialized, or MPI_Abort failed: end this process at least.
  std::_Exit(code);
}

NAN_METHOD(Finalize) {
  World& w = world();
  if (!w.initialized) return;
  // Sends still pending at a clean shutdown were received by peers that are
  // finalizing too; their memory is released with the process.
  w.initialized = false;
  guarded([&] {
    tearDownWaking();
    check(MPI_Comm_free(&w.parts), "MPI_Comm_free");
    check(MPI_Finalize(), "MPI_Finalize");
  });
}

/** Exports `callback` as `name`, without nan's wrapper (see V8Args). */
void exportPlain(Nan::ADDON_REGISTER_FUNCTION_ARGS_TYPE target, const char* name, v8::FunctionCallback callback, int length) {
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  v8::Local<v8::FunctionTemplate> t = v8::FunctionTemplate::New(isolate, callback, v8::Local<v8::Value>(), v8::Local<v8::Signature>(), length, v8::ConstructorBehavior::kThrow);
  v8::Local<v8::Function> f = Nan::GetFunction(t).ToLocalChecked();
  f->SetName(Nan::New(name).ToLocalChecked());
  Nan::Set(target, Nan::New(name).ToLocalChecked(), f);
}

NAN_MODULE_INIT(InitModule) {
  NAN_EXPORT(target, Init);
  exportPlain(target, "Send", Send, 4);
  NAN_EXPORT(target, Inbox);
  exportPlain(target, "Drain", Drain, 2);
  NAN_EXPORT(target, Progress);
  NAN_EXPORT(target, Idle);
  NAN_EXPORT(target, Handoff);
  NAN_EXPORT(target, SharesCore);
  NAN_EXPORT(target, MoveToFreeCore);
  NAN_EXPORT(target, PendingBytes);
  NAN_EXPORT(target, Receiving);
  NAN_EXPORT(target, Copy);
  NAN_EXPORT(target, RefillPool);
  NAN_EXPORT(target, TrimPool);
  NAN_EXPORT(target, PoolStats);
  NAN_EXPORT(target, Barrier);
  NAN_EXPORT(target, BarrierStart);
  NAN_EXPORT(target, BarrierDone);
  NAN_EXPORT(target, Wtime);
  NAN_EXPORT(target, Yield);
  NAN_EXPORT(target, Abort);
  NAN_EXPORT(target, Finalize);
}

}  // namespace
}  // namespace charmts

NODE_MODULE(charmts_mpi, charmts::InitModule)
