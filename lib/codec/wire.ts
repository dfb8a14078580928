/**
 * The wire format: the one place where the bytes of every message are laid
 * out. Every message is a fixed binary header followed by a body whose
 * layout depends on the header's kind (and, for kinds with several
 * operations, on its `method` field). Modules write and read messages only
 * through the functions here; docs/internals.md walks through each kind and
 * the message sequences of the protocols built on them.
 *
 * Header (16 bytes, little-endian):
 *
 *   0  u32  inline length   bytes before the out-of-line segments (Writer.finish)
 *   4  u8   kind            which handler receives the message (Kind)
 *   5  u8   flags           Flag bits
 *   6  u16  method          entry-method id, or the kind's operation
 *   8  u32  target          collection id, future id, wave number, exit code ...
 *   12 i32  root            PE a tree broadcast started from, or -1
 *
 * With Flag.Traced a float64 trace-arrow id follows the header. Values in
 * bodies are encoded by lib/codec/values.ts (a tag byte, then the value);
 * typed arrays of 4 KiB and more travel as 8-byte aligned segments after
 * the inline part.
 */
import type { Reader } from './reader';
import type { Writer } from './writer';
import { decodeArgs, decodeValue, encodeArgs, encodeLabelled, encodeValue } from './values';
import { decodeInto } from './fields';
import { SerializationError } from './serializationError';
import { profiling, recordSend } from '../profiling/profile';

export const HEADER_BYTES = 16;

/** Message kinds; each has exactly one handler, registered at start-up (lib/runtime/lifecycle.ts). */
export const enum Kind {
  Call = 0,
  FutureValue,
  Create,
  Exit,
  Print,
  Quiescence,
  Reduction,
  ArrayControl,
  Profile,
  Section,
  Readonly,
  Count, // number of kinds
}

export const enum Flag {
  /** Runtime bookkeeping: not counted by quiescence detection. */
  System = 1,
  /** The call wants its result (or completion) sent to a future. */
  Reply = 2,
  /** The call targets one array element identified by an index in the body. */
  Indexed = 4,
  /** The reply carries no value, only completion. */
  CompletionOnly = 8,
  /** Tracing: a float64 arrow id follows the header. */
  Traced = 16,
  /**
   * An element call, or a location update, sent to the PE that the
   * sender's array map names as the index's home: a receiver (without the
   * element, for a call) checks that its own map agrees (a map that differs
   * between PEs sent calls round them for good).
   */
  Home = 32,
  /**
   * An element call a section's branch handed on (a multicast nobody
   * awaits): after its args, the section's id and the PE that made the
   * multicast (writeMulticastOrigin), so that a member that was deleted
   * since is reported to that PE, naming the section, not to the branch.
   */
  Multicast = 64,
}

// ================================================================ header

/** Starts a message in `w`: the header (and trace word), body to follow. */
export function beginMessage(w: Writer, kind: Kind, flags: number, method: number, target: number, root = -1): void {
  w.reset();
  w.ensure(HEADER_BYTES);
  const v = w.view;
  v.setUint8(4, kind);
  v.setUint8(5, profiling.tracing ? flags | Flag.Traced : flags);
  v.setUint16(6, method, true);
  v.setUint32(8, target, true);
  v.setInt32(12, root, true);
  w.pos = HEADER_BYTES;
  if (profiling.tracing) w.f64(recordSend());
}

/**
 * Starts a blob laid out as a message but never sent: a record of a
 * checkpoint file (lib/checkpoint/). A bare header, never traced.
 */
export function beginLocalCopy(w: Writer): void {
  w.reset();
  w.ensure(HEADER_BYTES);
  w.buf.fill(0, 0, HEADER_BYTES);
  w.pos = HEADER_BYTES;
}

/** `n` rounded up to a multiple of 8: segments start 8-byte aligned after the inline part. */
export const align8 = (n: number): number => (n + 7) & ~7;

/** The inline length: the bytes before the message's out-of-line segments. */
export const inlineLengthOf = (view: DataView, base: number): number => view.getUint32(base, true);
export const setInlineLength = (view: DataView, length: number): void => view.setUint32(0, length, true);

// Header fields of the message starting at `base` in `buf`. Plain byte
// arithmetic: these run on held copies as well as on the receive arena.
export const kindOf = (buf: Uint8Array, base = 0): Kind => buf[base + 4];
export const flagsOf = (buf: Uint8Array, base = 0): number => buf[base + 5];
export const methodOf = (buf: Uint8Array, base = 0): number => buf[base + 6] | (buf[base + 7] << 8);
export const targetOf = (buf: Uint8Array, base = 0): number =>
  (buf[base + 8] | (buf[base + 9] << 8) | (buf[base + 10] << 16) | (buf[base + 11] << 24)) >>> 0;
export const rootOf = (buf: Uint8Array, base = 0): number =>
  buf[base + 12] | (buf[base + 13] << 8) | (buf[base + 14] << 16) | (buf[base + 15] << 24);
/** True when quiescence detection counts the message. */
export const isCounted = (buf: Uint8Array, base = 0): boolean => (buf[base + 5] & Flag.System) === 0;

/** Marks a whole message as a tree broadcast rooted at `pe`. */
export function setRoot(message: Uint8Array, pe: number): void {
  message[12] = pe & 0xff;
  message[13] = (pe >> 8) & 0xff;
  message[14] = (pe >> 16) & 0xff;
  message[15] = (pe >> 24) & 0xff;
}

/** The trace-arrow id of a Traced message. */
export const traceIdOf = (view: DataView, base: number): number => view.getFloat64(base + HEADER_BYTES, true);

/** Where the body of the message at `base` starts (after the header and any trace word). */
export function bodyStart(buf: Uint8Array, base: number): number {
  return base + HEADER_BYTES + (buf[base + 5] & Flag.Traced ? 8 : 0);
}

// ================================================================ Kind.Call
//
// method = entry-method id (or a pseudo method, see localArray.ts), target = collection id.
//   group member, singleton:  args [reply]
//   array element (Indexed):  route (u8 dims, dims x u32 tuple index or, dims 0, a key index as a value;
//                             u32 origin PE, u8 hops), args [reply]
//   array broadcast:          u32 broadcast number, u32 reply number, u32 broadcast every element has run, args [reply]
// reply (Flag.Reply): u32 future PE, u32 future id, i32 slot (-1, or -2 = the member's own slot)

/** Begins a call of entry method `method` on collection `collection`. */
export function beginCall(w: Writer, flags: number, method: number, collection: number): void {
  beginMessage(w, Kind.Call, flags, method, collection);
}

/** Encodes call arguments; a serialization error is rethrown naming the call (`where` is built only then). */
export function writeArgs(w: Writer, args: readonly unknown[], where: () => string): void {
  try {
    encodeArgs(w, args);
  } catch (error) {
    throw naming(error, where());
  }
}

/**
 * writeArgs for a call of `methods[method]` of class `className`: the name
 * is put together only on error, without a closure made for every call.
 */
export function writeCallArgs(w: Writer, args: readonly unknown[], className: string, methods: readonly string[], method: number): void {
  try {
    encodeArgs(w, args);
  } catch (error) {
    throw naming(error, `${className}.${methods[method]}`);
  }
}

/** A serialization error with `where` before its path; other errors as they are. */
function naming(error: unknown, where: string): unknown {
  return error instanceof SerializationError ? error.within(`${where}: `) : error;
}

/**
 * A call's arguments. A function of this module, not a re-export: a
 * re-export is a getter on the module's exports, and turning one of its
 * fields into a getter put the whole object (90-odd exports, read by every
 * message's handling) in dictionary mode, where each read of an export
 * was a generic property lookup (4-5% of a migration's CPU time).
 */
export function readArgs(r: Reader): unknown[] {
  return decodeArgs(r);
}

/**
 * Where an array call is going, read in place by readElementRoute: the
 * integers of a tuple index stay in the message (readRouteIndex makes the
 * index when it is needed), so that delivering a call to an element makes
 * no index and no route object. Each array keeps one and refills it per
 * call: read what you need of it before anything else runs.
 */
export interface ElementRoute {
  /** 1 to 6: a tuple index of that many integers; 0: a key index (string or bytes, in `key`). */
  dims: number;
  /** The first integer of a tuple index (all of a 1D one). */
  first: number;
  /** Offset of a tuple's integers from the start of the message. */
  tupleAt: number;
  /** A key index, or undefined for a tuple. */
  key: unknown;
  /** The PE that sent the call. */
  origin: number;
  /** Offset of the hop count from the start of the message (to bump it when forwarding). */
  hopsAt: number;
  hops: number;
}

export function newElementRoute(): ElementRoute {
  return { dims: 0, first: 0, tupleAt: 0, key: undefined, origin: 0, hopsAt: 0, hops: 0 };
}

/**
 * An array index, compact: a tuple (normalized: 1 to 6 integers, 0 to
 * 2^31 - 1) as a u8 count and u32 integers, a key as 0 and a value.
 * `room`: bytes the caller writes next, made room for in the same check.
 * One bounds check and byte stores: the index encoded as a general value
 * (tag, length, a tag per integer) was a tenth of an element call's
 * sending.
 */
function writeIndex(w: Writer, index: unknown, room: number): void {
  if (Array.isArray(index)) {
    const dims = index.length;
    w.ensure(1 + 4 * dims + room);
    // The writer's DataView, not byte stores: one store per integer.
    const v = w.view;
    let at = w.pos;
    v.setUint8(at++, dims);
    for (let d = 0; d < dims; d++, at += 4) v.setUint32(at, index[d] as number, true);
    w.pos = at;
    return;
  }
  w.u8(0);
  encodeValue(w, index, 'index');
  w.ensure(room);
}

/** Reads what writeIndex wrote: a new tuple, or the key. */
function readIndex(r: Reader): unknown {
  const dims = r.u8();
  if (dims === 0) return decodeValue(r);
  const index = new Array<number>(dims);
  for (let d = 0; d < dims; d++) index[d] = r.u32();
  return index;
}

/** An element route: the index (writeIndex), then the sending PE and a hop count of 0. */
export function writeElementRoute(w: Writer, index: unknown, origin: number): void {
  writeIndex(w, index, 5);
  const at = w.pos;
  w.view.setUint32(at, origin, true);
  w.view.setUint8(at + 4, 0);
  w.pos = at + 5;
}

/** Reads an element route into `into` (the index of a tuple left in the message: see readRouteIndex). */
export function readElementRoute(r: Reader, into: ElementRoute): ElementRoute {
  const dims = r.u8();
  into.dims = dims;
  if (dims > 0) {
    into.tupleAt = r.pos - r.base;
    into.first = r.u32();
    r.pos += 4 * (dims - 1);
    into.key = undefined;
  } else {
    into.key = decodeValue(r);
  }
  into.origin = r.u32();
  into.hopsAt = r.pos - r.base;
  into.hops = r.u8();
  return into;
}

/** The index of the call `route` was read from (a new tuple, or the key). */
export function readRouteIndex(r: Reader, route: ElementRoute): unknown {
  if (route.dims === 0) return route.key;
  const index = new Array<number>(route.dims);
  const at = r.base + route.tupleAt;
  for (let d = 0; d < route.dims; d++) index[d] = r.view.getUint32(at + 4 * d, true);
  return index;
}

/** Sets the hop count of a copied element call before it is forwarded. */
export function setHops(message: Uint8Array, route: ElementRoute, hops: number): void {
  message[route.hopsAt] = Math.min(hops, 255);
}

/** Marks a copied element call as going to its index's home, or not (Flag.Home). */
export function setToHome(message: Uint8Array, toHome: boolean): void {
  message[5] = toHome ? message[5] | Flag.Home : message[5] & ~Flag.Home;
}

/** An array broadcast before PE 0 has numbered it. */
export function writeBroadcastNumbers(w: Writer): number {
  const at = w.pos;
  w.u32(0);
  w.u32(0xffffffff);
  w.u32(0);
  return at;
}

/**
 * The numbers of an array broadcast, after its header: broadcast number
 * (0: not numbered yet, a request to PE 0), reply number, and the last
 * broadcast every element had run when PE 0 numbered it (0: none known);
 * u32 each, read in place (broadcastNumber). Here: where each lies, from
 * the reader's position before them.
 */
export const enum BroadcastNumber {
  Seq = 0,
  Reply = 4,
  RanUpTo = 8,
}

/**
 * One of the numbers of an array broadcast (the reader before them, not
 * moved). An object of the three, read twice per broadcast and PE, was a
 * twentieth of the bytes an awaited broadcast allocated at np 1.
 */
export function broadcastNumber(r: Reader, which: BroadcastNumber): number {
  return r.view.getUint32(r.pos + which, true);
}

/** Moves the reader past an array broadcast's numbers; returns where they are in the message. */
export function skipBroadcastNumbers(r: Reader): number {
  const numbersAt = r.pos - r.base;
  r.pos += 12;
  return numbersAt;
}

/** PE 0 numbers a copied broadcast request. */
export function setBroadcastNumbers(message: Uint8Array, numbersAt: number, seq: number, replyNumber: number, ranUpTo: number): void {
  // Byte stores, not a DataView made for the purpose: that was a sixth of PE 0's numbering of a broadcast.
  setU32(message, numbersAt, seq);
  setU32(message, numbersAt + 4, replyNumber);
  setU32(message, numbersAt + 8, ranUpTo);
}

function setU32(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value;
  bytes[at + 1] = value >>> 8;
  bytes[at + 2] = value >>> 16;
  bytes[at + 3] = value >>> 24;
}

/** Where a call's result goes: a future and the slot of the result in it. */
export interface ReplyTo {
  pe: number;
  id: number;
  /** -1: the future's only value; -2: the replying member's own slot; else a slot. */
  slot: number;
}

export function writeReplyTo(w: Writer, pe: number, id: number, slot: number): void {
  w.u32(pe);
  w.u32(id);
  w.i32(slot);
}

export function readReplyTo(r: Reader): ReplyTo {
  return { pe: r.u32(), id: r.u32(), slot: r.i32() };
}

/** Where a multicast handed on to a member came from (Flag.Multicast): its section and the PE that made it. */
export interface MulticastOrigin {
  section: number;
  caller: number;
}

/** Ends an element call a section's branch hands on (Flag.Multicast; no reply). */
export function writeMulticastOrigin(w: Writer, section: number, caller: number): void {
  w.u32(section);
  w.u32(caller);
}

/** Reads what writeMulticastOrigin wrote, the reader after the call's args. */
export function readMulticastOrigin(r: Reader): MulticastOrigin {
  return { section: r.u32(), caller: r.u32() };
}

// ================================================================ Kind.FutureValue
//
// method = FutureReply, target = future id; body: i32 slot, value

export const enum FutureReply {
  Value = 0,
  Error = 1,
}

export function writeFutureValue(w: Writer, reply: FutureReply, futureId: number, slot: number, value: unknown, where: string): void {
  beginMessage(w, Kind.FutureValue, 0, reply, futureId);
  w.i32(slot);
  encodeValue(w, value, where);
}

export function readFutureValue(r: Reader): { reply: FutureReply; id: number; slot: number; value: unknown } {
  return { reply: methodOf(r.buf, r.base), id: targetOf(r.buf, r.base), slot: r.i32(), value: decodeValue(r) };
}

// ================================================================ Kind.Create
//
// method = collection kind, target = collection id; body: class name, constructor args, then
//   singleton: u32 PE;   group: its member PEs (GroupPes);   array: the array's shape (ArrayShape)

export function beginCreate(w: Writer, collectionKind: number, id: number, className: string, args: readonly unknown[]): void {
  beginMessage(w, Kind.Create, 0, collectionKind, id);
  w.str(className);
  writeArgs(w, args, () => `${className} constructor`);
}

export function readCreate(r: Reader): { collectionKind: number; id: number; className: string; args: unknown[] } {
  return { collectionKind: methodOf(r.buf, r.base), id: targetOf(r.buf, r.base), className: r.str(), args: decodeArgs(r) };
}

/** Where a singleton lives (in its Create message and its proxies). */
export const writeSingletonPe = (w: Writer, pe: number): void => w.u32(pe);
export const readSingletonPe = (r: Reader): number => r.u32();

/**
 * A group's member PEs (in Create messages and group proxies), sorted;
 * null for a group on every PE. (Issue 13: groups on a subset of PEs.)
 */
export const writeGroupPes = (w: Writer, pes: readonly number[] | undefined): void => encodeValue(w, pes ?? null, 'group PEs');
export const readGroupPes = (r: Reader): number[] | undefined => (decodeValue(r) as number[] | null) ?? undefined;

/** What identifies an array beyond its id and class (in Create messages and array proxies). */
export interface ArrayShape {
  ndims: number;
  extents: readonly number[] | undefined;
  map: string;
  balancer: string;
}

export function writeArrayShape(w: Writer, shape: ArrayShape): void {
  w.u8(shape.ndims);
  encodeValue(w, shape.extents, 'extents');
  w.str(shape.map);
  w.str(shape.balancer);
}

export function readArrayShape(r: Reader): ArrayShape {
  const ndims = r.u8();
  const extents = decodeValue(r) as number[] | undefined;
  return { ndims, extents, map: r.str(), balancer: r.str() };
}

// ================================================================ Kind.Exit
//
// method = ExitStep, target = exit code; no body.

export const enum ExitStep {
  /** To PE 0: please end the job. */
  Request = 0,
  /** From PE 0 down the tree: end now. */
  Exit = 1,
  /** To PE 0: this PE has flushed and is leaving. */
  Done = 2,
  /** From a PE with a fatal error, down the tree rooted there: send it your profile (Profile) before the job is aborted. */
  Abort = 3,
}

export function writeExit(w: Writer, step: ExitStep, code: number): void {
  beginMessage(w, Kind.Exit, Flag.System, step, code);
}

export function readExit(r: Reader): { step: ExitStep; code: number } {
  return { step: methodOf(r.buf, r.base), code: targetOf(r.buf, r.base) };
}

// ================================================================ Kind.Print
//
// header method field: the stream (1 stdout, 2 stderr, 3 a copy of stdout
// lines for PE 0's taps, 0 PE 0 asking for such copies); body: the text
// (whole lines) a PE printed.

export function writePrint(w: Writer, stream: number, text: string): void {
  beginMessage(w, Kind.Print, Flag.System, stream, 0);
  w.str(text);
}

export const readPrint = (r: Reader): { stream: number; text: string } => ({ stream: methodOf(r.buf, r.base), text: r.str() });

// ================================================================ Kind.Profile
//
// body: one value, what a PE measured (sent to PE 0 at exit).

export function writeProfile(w: Writer, profile: unknown): void {
  beginMessage(w, Kind.Profile, Flag.System, 0, 0);
  encodeValue(w, profile, 'profile');
}

export const readProfile = (r: Reader): unknown => decodeValue(r);

// ================================================================ Kind.Readonly
//
// body: one value, PE 0's readonlies by name (lib/readonlies.ts), broadcast
// once; counted by quiescence detection (work is held until it arrives).

export function writeReadonlies(w: Writer, values: Record<string, unknown>): void {
  beginMessage(w, Kind.Readonly, 0, 0, 0);
  encodeValue(w, values, 'readonly values');
}

export const readReadonlies = (r: Reader): Record<string, unknown> => decodeValue(r) as Record<string, unknown>;

// ================================================================ Kind.Quiescence
//
// method = QdStep, target = wave number (Request: 0)
//   Request: the future to fulfil;  Wave: nothing;  Report: f64 created, f64 processed

export const enum QdStep {
  Request = 0,
  Wave = 1,
  Report = 2,
}

export function writeQdRequest(w: Writer, future: unknown): void {
  beginMessage(w, Kind.Quiescence, Flag.System, QdStep.Request, 0);
  encodeValue(w, future, 'quiescence future');
}

export function writeQdWave(w: Writer, wave: number): void {
  beginMessage(w, Kind.Quiescence, Flag.System, QdStep.Wave, wave);
}

export function writeQdReport(w: Writer, wave: number, created: number, processed: number): void {
  beginMessage(w, Kind.Quiescence, Flag.System, QdStep.Report, wave);
  w.f64(created);
  w.f64(processed);
}

export function readQd(r: Reader): { step: QdStep; wave: number } {
  return { step: methodOf(r.buf, r.base), wave: targetOf(r.buf, r.base) };
}

export const readQdFuture = (r: Reader): unknown => decodeValue(r);

export function readQdCounts(r: Reader): { created: number; processed: number } {
  return { created: r.f64(), processed: r.f64() };
}

// ================================================================ Kind.Reduction
//
// method = ReductionStep, target = collection id; body: u8 stream, u32 reduction number, then
//   Partial, Late:    u32 count, reducer (u8: 0 none, its place in REDUCER_NAMES + 1, or 255
//                     and its name), u8 destination kind (0 none, 1 target value,
//                     2 every contributor, 3 runtime step name), destination (none for the
//                     reductions PE 0 numbered: broadcast replies, censuses),
//                     u8 payload (0 none, 1 value, 2 error, 3 entries), payload; entries (the
//                     [index, value] pairs of gather, set and concat): u32 count, then each
//                     pair's index and value
//   Hint, Start:      nothing
//   AllReduceResult:  the result
//   Population:       i32 change of the number of members
//   Abandoned:        the futures of the reductions a PE and those below it held when the
//                     collection was deleted (stream and number 0; lib/reductions/abandoned.ts)
//
// Reduction messages are counted by quiescence detection: a reduction in
// flight is outstanding work (its result wakes entry methods or callbacks).

export const enum ReductionStep {
  /** Up the tree: a PE's partial result. */
  Partial = 0,
  /** Straight to PE 0: a contribution for a reduction this PE already reported. */
  Late = 1,
  /** Up the tree: a PE is waiting for reduction r; please announce it. */
  Hint = 2,
  /** From PE 0 down the tree: reduction r exists. */
  Start = 3,
  /** From PE 0 down the tree: the result, for every contributor. */
  AllReduceResult = 4,
  /** To PE 0: members join or leave from reduction r on. */
  Population = 5,
  /** Up the tree, once the collection is deleted: the futures of the reductions that were under way. */
  Abandoned = 6,
}

/** A partial result as it travels: `destination` is a target value, 'all' or a runtime step name. */
export interface WirePartial {
  count: number;
  reducer?: string;
  destination?: unknown;
  hasAcc: boolean;
  acc?: unknown;
  error?: unknown;
  /** The first contributor's index and PE (user reductions only: what a mixed-reducers error names). */
  by?: unknown;
  byPe?: number;
}

/**
 * Starts a reduction step of collection `target`, or, with kind Section,
 * of section `target` (method SectionOp.Reduction, the step in a u8 before
 * the stream).
 */
export function beginReduction(w: Writer, step: ReductionStep, target: number, stream: number, reduction: number, kind: Kind.Reduction | Kind.Section = Kind.Reduction): void {
  if (kind === Kind.Section) {
    beginMessage(w, Kind.Section, 0, SectionOp.Reduction, target);
    w.u8(step);
  } else {
    beginMessage(w, Kind.Reduction, 0, step, target);
  }
  w.u8(stream);
  w.u32(reduction);
}

export function readReduction(r: Reader): { step: ReductionStep; stream: number; reduction: number } {
  const step = kindOf(r.buf, r.base) === Kind.Section ? r.u8() : methodOf(r.buf, r.base);
  return { step, stream: r.u8(), reduction: r.u32() };
}

/** The step of a section's reduction message (Kind.Section, SectionOp.Reduction), without moving the reader. */
export const sectionStepOf = (buf: Uint8Array, base: number): ReductionStep => buf[bodyStart(buf, base)];

/**
 * `withDestination` false: the root knows where the reduction goes (it
 * numbered it), so the partial need not say. `withContributor`: the
 * partial names its first contributor (user reductions, whose members
 * choose the reducer).
 */
export function writePartial(w: Writer, piece: WirePartial, where: string, withDestination = true, withContributor = false): void {
  w.u32(piece.count);
  writeReducer(w, piece.reducer);
  const d = withDestination ? piece.destination : undefined;
  w.u8(d === 'all' ? 2 : typeof d === 'string' ? 3 : d ? 1 : 0);
  if (typeof d === 'string' && d !== 'all') w.str(d);
  else if (d && d !== 'all') encodeValue(w, d, 'reduction target');
  if (piece.error !== undefined) {
    w.u8(2);
    encodeValue(w, piece.error, 'reduction error');
  } else if (piece.hasAcc && COLLECTING.has(piece.reducer!)) {
    w.u8(3);
    writeEntries(w, piece.acc as [unknown, unknown][], where);
  } else if (piece.hasAcc && piece.reducer === COMPLETIONS) {
    w.u8(4);
    writeCompletions(w, piece.acc as unknown[], where);
  } else {
    w.u8(piece.hasAcc ? 1 : 0);
    if (piece.hasAcc) encodeValue(w, piece.acc, where);
  }
  if (withContributor) {
    w.i32(piece.byPe ?? -1);
    encodeValue(w, piece.by, 'index');
  }
}

/**
 * The built-in reducers (reductions/reducers.ts), named in partials by
 * their place here: the name as a string cost a third of a completion
 * partial's encoding and decoding. Others (tuples, custom reducers) go by
 * name. Append only: the place is the wire's.
 */
const REDUCER_NAMES = ['sum', 'product', 'max', 'min', 'logicalAnd', 'logicalOr', 'logicalXor', 'bitAnd', 'bitOr', 'bitXor', 'gather', 'set', 'concat', 'random', 'statistics', 'nop', '@completions'];
const REDUCER_CODES = new Map(REDUCER_NAMES.map((name, i) => [name, i + 1]));
const REDUCER_BY_NAME = 255;

function writeReducer(w: Writer, name: string | undefined): void {
  const code = name === undefined ? 0 : REDUCER_CODES.get(name);
  w.u8(code ?? REDUCER_BY_NAME);
  if (code === undefined) w.str(name!);
}

function readReducer(r: Reader): string | undefined {
  const code = r.u8();
  return code === 0 ? undefined : code === REDUCER_BY_NAME ? r.str() : REDUCER_NAMES[code - 1];
}

/**
 * Reducers whose partial is a list of [member index, value] pairs
 * (reductions/reducers.ts): every broadcast's replies are one. The pairs
 * travel flat, without the arrays around them: encoding and decoding a
 * completion's [[[i], undefined]] as a value (with the reducer's name)
 * took 0.4-0.5 us in a microbenchmark, on the way of an awaited broadcast
 * at np 2 (4.4-5 us); 0.2-0.3 us now.
 */
const COLLECTING = new Set(['gather', 'set', 'concat']);

function writeEntries(w: Writer, entries: readonly [unknown, unknown][], where: string): void {
  w.u32(entries.length);
  for (const [index, value] of entries) {
    encodeValue(w, index, where);
    encodeValue(w, value, where);
  }
}

/**
 * The runtime's reducer of completion replies (reductions/reducers.ts,
 * COMPLETIONS): a 1D member's completion is a number (an f64 here), any
 * other reply a pair.
 */
const COMPLETIONS = '@completions';

function writeCompletions(w: Writer, replies: readonly unknown[], where: string): void {
  w.u32(replies.length);
  for (const reply of replies) {
    if (typeof reply === 'number') {
      w.u8(0);
      w.f64(reply);
    } else {
      const [index, value] = reply as [unknown, unknown];
      w.u8(1);
      encodeValue(w, index, where);
      encodeValue(w, value, where);
    }
  }
}

function readCompletions(r: Reader): unknown[] {
  const replies = new Array<unknown>(r.u32());
  for (let i = 0; i < replies.length; i++) replies[i] = r.u8() === 0 ? r.f64() : [decodeValue(r), decodeValue(r)];
  return replies;
}

function readEntries(r: Reader): [unknown, unknown][] {
  const entries = new Array<[unknown, unknown]>(r.u32());
  for (let i = 0; i < entries.length; i++) entries[i] = [decodeValue(r), decodeValue(r)];
  return entries;
}

export function readPartial(r: Reader, withContributor = false): WirePartial {
  const count = r.u32();
  const reducer = readReducer(r);
  const kind = r.u8();
  const destination = kind === 2 ? 'all' : kind === 3 ? r.str() : kind === 1 ? decodeValue(r) : undefined;
  const has = r.u8();
  // Every field set, in the order the reduction manager creates its partials (one hidden class).
  const payload = has === 0 ? undefined : has === 3 ? readEntries(r) : has === 4 ? readCompletions(r) : decodeValue(r);
  const hasAcc = has === 1 || has >= 3;
  const byPe = withContributor ? r.i32() : -1;
  return { count, reducer, destination, acc: hasAcc ? payload : undefined, hasAcc, error: has === 2 ? payload : undefined, by: withContributor ? decodeValue(r) : undefined, byPe };
}

export const writePopulationChange = (w: Writer, delta: number): void => w.i32(delta);
export const readPopulationChange = (r: Reader): number => r.i32();

// ================================================================ Kind.ArrayControl
//
// method = ArrayControl operation, target = array id. Bodies:
//   InsertRequest (to PE 0):      index, i32 PE asked for (-1: the map's), u32 requesting PE, u32 insertion id, args
//   InsertNotice (to the home):   index, u32 requesting PE, u32 insertion id
//   DeletionNotice (to the home): index, u32 asking PE, u32 deletion number at the asker
//   Insert (PE 0 to the home):    index, i32 PE, u32 requesting PE, u32 insertion id, first reduction numbers,
//                                 u32 broadcasts before the element, args
//   CreateElement (home to PE):   index, u32 epoch, first reduction numbers, u32 broadcasts before the element, args
//   Created (to PE 0):            nothing
//   DoneInserting (to PE 0):      the future to complete
//   Migrate (to the new PE):      the travelling element (MigrantState)
//   LocationUpdate:               index, i32 PE, u32 epoch, u8 deleted
//   Deleted (to the home):        index, u32 epoch, u32 asking PE, u32 deletion number, the future to complete
//   Undeliverable (to the caller): the error message
//   BalanceDecision (broadcast):  u32 reduction number of the step, the moves
//   Resume (broadcast):           nothing
//   HistoryDrop (broadcast, System): u32 broadcast number: every element has run it and all before it
//   DeleteArray (to PE 0):        the caller's future
//   ArrayDeleted (broadcast by PE 0): a future of PE 0's that takes one value per PE

export const enum ArrayControl {
  InsertRequest = 0,
  Insert,
  CreateElement,
  Created,
  DoneInserting,
  Migrate,
  LocationUpdate,
  Deleted,
  Undeliverable,
  BalanceDecision,
  Resume,
  InsertNotice,
  HistoryDrop,
  DeletionNotice,
  DeleteArray,
  ArrayDeleted,
}

/** Begins an array control message (counted by quiescence detection unless flagged System). */
export function beginControl(w: Writer, arrayId: number, op: ArrayControl, flags = 0): void {
  beginMessage(w, Kind.ArrayControl, flags, op, arrayId);
}

export const controlOf = (r: Reader): ArrayControl => methodOf(r.buf, r.base);

/** An insertion as it travels from the requester through PE 0 and the home to its PE. */
export interface Insertion {
  index: unknown;
  /** PE to create it on (-1 in a request: where the map puts it). */
  pe: number;
  requester: number;
  /** Numbers the requester's insertions: (requester, id) names one insertion. */
  id: number;
  args: unknown[];
}

export function writeInsertRequest(w: Writer, ins: Insertion, where: () => string): void {
  encodeValue(w, ins.index, 'index');
  w.i32(ins.pe);
  w.u32(ins.requester);
  w.u32(ins.id);
  writeArgs(w, ins.args, where);
}

export function readInsertRequest(r: Reader): Insertion {
  return { index: decodeValue(r), pe: r.i32(), requester: r.u32(), id: r.u32(), args: decodeArgs(r) };
}

/** The requester tells the home an insertion is on its way (so calls made after it wait for it). */
export function writeInsertNotice(w: Writer, index: unknown, requester: number, id: number): void {
  encodeValue(w, index, 'index');
  w.u32(requester);
  w.u32(id);
}

export function readInsertNotice(r: Reader): { index: unknown; requester: number; id: number } {
  return { index: decodeValue(r), requester: r.u32(), id: r.u32() };
}

/** The asker travels in the body, as an InsertNotice's requester: a notice held until the array existed is delivered again with the home as its sender. */
export function writeDeletionNotice(w: Writer, index: unknown, asker: number, id: number): void {
  encodeValue(w, index, 'index');
  w.u32(asker);
  w.u32(id);
}

export function readDeletionNotice(r: Reader): { index: unknown; asker: number; id: number } {
  return { index: decodeValue(r), asker: r.u32(), id: r.u32() };
}

/** What PE 0 decides for an insertion: the reductions and broadcasts the element takes part in. */
export interface Membership {
  /** First reduction number per stream. */
  first: number[];
  /** Broadcasts numbered before the element exists (it does not run them). */
  broadcasts: number;
}

export function writeInsert(w: Writer, ins: Insertion, m: Membership): void {
  encodeValue(w, ins.index, 'index');
  w.i32(ins.pe);
  w.u32(ins.requester);
  w.u32(ins.id);
  encodeValue(w, m.first, 'reduction numbers');
  w.u32(m.broadcasts);
  encodeArgs(w, ins.args);
}

export function readInsert(r: Reader): Insertion & Membership {
  const index = decodeValue(r);
  const pe = r.i32();
  const requester = r.u32();
  const id = r.u32();
  const first = decodeValue(r) as number[];
  const broadcasts = r.u32();
  return { index, pe, requester, id, first, broadcasts, args: decodeArgs(r) };
}

export function writeCreateElement(w: Writer, index: unknown, epoch: number, m: Membership, args: readonly unknown[]): void {
  encodeValue(w, index, 'index');
  w.u32(epoch);
  encodeValue(w, m.first, 'reduction numbers');
  w.u32(m.broadcasts);
  encodeArgs(w, args);
}

export function readCreateElement(r: Reader): { index: unknown; epoch: number; args: unknown[] } & Membership {
  const index = decodeValue(r);
  const epoch = r.u32();
  const first = decodeValue(r) as number[];
  const broadcasts = r.u32();
  return { index, epoch, first, broadcasts, args: decodeArgs(r) };
}

/** An element on its way to another PE: its identity, the runtime's bookkeeping and its own state. */
export interface MigrantState {
  index: unknown;
  epoch: number;
  /** Last broadcast it ran. */
  bcastSeq: number;
  /** Moving as part of a load-balancing step. */
  balancing: boolean;
  /** Milliseconds of work measured since the last balancing step. */
  load: number;
  /** Next reduction number per section id. */
  sections: Record<number, number>;
  /** Next reduction number per stream. */
  next: number[];
  /** Calls waiting for their `when` condition: [method id, args, reply as data or null]. */
  waiting: readonly [number, unknown[], unknown][];
  /** Its channel ends (lib/channels.ts). */
  channels: unknown;
}

/** Which optional parts of a MigrantState follow its fixed fields. */
const enum MigrantParts {
  Balancing = 1,
  Sections = 2,
  Waiting = 4,
  Channels = 8,
}

/**
 * Writes a migrating element's runtime part; its own state (what its
 * pack() returned, or its fields) follows (lib/migration/state.ts). The
 * reader reads the two parts separately, so the element can be in place
 * when its state is decoded. The runtime's part is binary, its parts that are mostly empty (sections,
 * waiting calls, channel ends) present only when not: it is sent at every
 * move (generic encoding of it took a third of a small element's encode).
 *   index (writeIndex), var epoch, var last broadcast, f64 load, u8 MigrantParts,
 *   u8 streams, var next reduction per stream,
 *   [Sections: u32 count, (u32 section id, u32 next reduction) each]
 *   [Waiting: the calls] [Channels: the channel ends]
 * Compact (the index as routes write it, the counters as varints: 21 bytes
 * less than u32s and a general index, for a 1D element with four streams)
 * because Open MPI's ob1 completes a send inside MPI_Isend only up to 256
 * bytes (binding/sends.cc): a larger one waits for the receiver to hand its
 * fragment back, and its PE keeps polling for that. A small element's move
 * (16 numbers and a label, bench/cases/migration.ts) was 263 bytes.
 */
export function writeMigrant(w: Writer, m: MigrantState, describe: () => string): void {
  writeIndex(w, m.index, 0);
  writeVarU32(w, m.epoch);
  writeVarU32(w, m.bcastSeq);
  w.f64(m.load);
  const sections = hasKeys(m.sections) ? Object.keys(m.sections) : NONE;
  const channels = m.channels as unknown[];
  w.u8((m.balancing ? MigrantParts.Balancing : 0) | (sections.length ? MigrantParts.Sections : 0) | (m.waiting.length ? MigrantParts.Waiting : 0) | (channels.length ? MigrantParts.Channels : 0));
  w.u8(m.next.length);
  for (const n of m.next) writeVarU32(w, n);
  if (sections.length) {
    w.u32(sections.length);
    for (const id of sections) {
      w.u32(Number(id));
      w.u32(m.sections[Number(id)]);
    }
  }
  if (m.waiting.length) encodeLabelled(w, m.waiting, () => `calls of ${describe()} waiting for their when condition`);
  if (channels.length) encodeLabelled(w, channels, () => `channels of ${describe()}`);
}

/** The absent parts of a record (nearly every move's), shared: a list made for each was garbage per move. */
const NONE: readonly never[] = Object.freeze([]);

function hasKeys(object: object): boolean {
  for (const _ in object) return true;
  return false;
}

/** An unsigned integer below 2^32 in 1 to 5 bytes: 7 bits a byte, low first, the top bit set on all but the last (LEB128). */
function writeVarU32(w: Writer, n: number): void {
  w.ensure(5);
  const buf = w.buf;
  let at = w.pos;
  for (; n > 0x7f; n >>>= 7) buf[at++] = (n & 0x7f) | 0x80;
  buf[at++] = n;
  w.pos = at;
}

function readVarU32(r: Reader): number {
  const buf = r.buf;
  let at = r.pos;
  let n = 0;
  let scale = 1;
  let byte: number;
  do {
    byte = buf[at++];
    n += (byte & 0x7f) * scale;
    scale *= 128;
  } while (byte & 0x80);
  r.pos = at;
  return n;
}

/** The runtime's part of a migrating element; then `readMigrantState` reads its own state. */
export function readMigrant(r: Reader): MigrantState {
  const index = readIndex(r);
  const epoch = readVarU32(r);
  const bcastSeq = readVarU32(r);
  const load = r.f64();
  const parts = r.u8();
  const next = new Array<number>(r.u8());
  for (let s = 0; s < next.length; s++) next[s] = readVarU32(r);
  const sections: Record<number, number> = {};
  if (parts & MigrantParts.Sections) {
    for (let n = r.u32(); n > 0; n--) {
      const id = r.u32();
      sections[id] = r.u32();
    }
  }
  const waiting = parts & MigrantParts.Waiting ? (decodeValue(r) as [number, unknown[], unknown][]) : NONE;
  const channels = parts & MigrantParts.Channels ? decodeValue(r) : NONE;
  return { index, epoch, bcastSeq, balancing: (parts & MigrantParts.Balancing) !== 0, load, sections, next, waiting, channels };
}

/** A migrating element's own state; with `into` (a member without an unpack hook), a plain object's fields are assigned to it and it is returned (decodeInto). */
export const readMigrantState = (r: Reader, into?: object): unknown => (into ? decodeInto(r, into) : decodeValue(r));

/** A location record: where an element is (or that it was deleted), with its epoch. */
export function writeLocation(w: Writer, index: unknown, pe: number, epoch: number, deleted: boolean): void {
  encodeValue(w, index, 'index');
  w.i32(pe);
  w.u32(epoch);
  w.u8(deleted ? 1 : 0);
}

export function readLocation(r: Reader): { index: unknown; pe: number; epoch: number; deleted: boolean } {
  return { index: decodeValue(r), pe: r.i32(), epoch: r.u32(), deleted: r.u8() === 1 };
}

export function writeDeleted(w: Writer, index: unknown, epoch: number, asker: number, id: number, done: unknown): void {
  encodeValue(w, index, 'index');
  w.u32(epoch);
  w.u32(asker);
  w.u32(id);
  encodeValue(w, done, 'future');
}

export function readDeleted(r: Reader): { index: unknown; epoch: number; asker: number; id: number; done: unknown } {
  return { index: decodeValue(r), epoch: r.u32(), asker: r.u32(), id: r.u32(), done: decodeValue(r) };
}

export const writeHistoryDrop = (w: Writer, upTo: number): void => w.u32(upTo);
export const readHistoryDrop = (r: Reader): number => r.u32();

export function writeBalanceDecision(w: Writer, reduction: number, moves: unknown): void {
  w.u32(reduction);
  encodeValue(w, moves, 'load-balancing moves');
}

export function readBalanceDecision(r: Reader): { reduction: number; moves: unknown } {
  return { reduction: r.u32(), moves: decodeValue(r) };
}

/** One value as a whole body (DoneInserting's future, Undeliverable's message). */
export const writeBodyValue = (w: Writer, value: unknown, where: string): void => encodeValue(w, value, where);
export const readBodyValue = (r: Reader): unknown => decodeValue(r);

// ================================================================ Kind.Section
//
// method = SectionOp, target = section id.
//   Establish:     the section (its extension value: members and their PEs), once, down the section's tree
//   Call:          u16 method (the first collection's numbering), u8 call mode, u32 caller PE, reply ([pe, future id] or null), args
//   Contribution:  u32 reduction number, u32 slot, reducer name, target, data (to the member's section PE)
//   Reduction:     u8 step, then as Kind.Reduction's body (beginReduction)
//   Drop:          nothing: the section is gone (its proxy, never sent, was collected on its creator), down its tree

export const enum SectionOp {
  Establish = 0,
  Call = 1,
  Contribution = 2,
  Reduction = 3,
  Drop = 4,
}

export function writeSectionEstablish(w: Writer, sectionId: number, section: unknown): void {
  beginMessage(w, Kind.Section, 0, SectionOp.Establish, sectionId);
  encodeValue(w, section, 'section');
}

export const readSectionEstablish = (r: Reader): unknown => decodeValue(r);

export function writeSectionDrop(w: Writer, sectionId: number): void {
  beginMessage(w, Kind.Section, 0, SectionOp.Drop, sectionId);
}

export interface SectionCall {
  method: number;
  mode: number;
  /** The PE that made the call (told should the call, with no reply, reach a section dropped with its array). */
  caller: number;
  reply: [number, number] | null;
  args: unknown[];
}

export function writeSectionCall(w: Writer, sectionId: number, c: SectionCall, where: () => string): void {
  beginMessage(w, Kind.Section, 0, SectionOp.Call, sectionId);
  w.u16(c.method);
  w.u8(c.mode);
  w.u32(c.caller);
  encodeValue(w, c.reply, 'reply');
  writeArgs(w, c.args, where);
}

export function readSectionCall(r: Reader): SectionCall {
  return { method: r.u16(), mode: r.u8(), caller: r.u32(), reply: decodeValue(r) as [number, number] | null, args: decodeArgs(r) };
}

export interface SectionContribution {
  number: number;
  slot: number;
  reducer: string;
  target: unknown;
  data: unknown;
}

export function writeSectionContribution(w: Writer, sectionId: number, c: SectionContribution, where: string): void {
  beginMessage(w, Kind.Section, 0, SectionOp.Contribution, sectionId);
  w.u32(c.number);
  w.u32(c.slot);
  w.str(c.reducer);
  encodeValue(w, c.target, 'reduction target');
  encodeValue(w, c.data, where);
}

export function readSectionContribution(r: Reader): SectionContribution {
  return { number: r.u32(), slot: r.u32(), reducer: r.str(), target: decodeValue(r), data: decodeValue(r) };
}

// ================================================================ checkpoint files
//
// Not messages, but laid out with the codec (lib/checkpoint/files.ts):
//   preamble (16 bytes): magic "charmts\0", u32 format version, u32 bytes of the table
//   table:   a blob whose value lists the file's records (lib/checkpoint/files.ts, FileTable)
//   records: blobs, each at an offset that is a multiple of 8: a member's
//            is its record as a migrating element's (writeMigrant, then its
//            own state); the readonlies' one value
// A blob is laid out as a message is: a bare header (beginLocalCopy), the
// body, then its out-of-line segments (large typed arrays, 8-byte aligned).

export const CHECKPOINT_MAGIC = 'charmts\0';
export const PREAMBLE_BYTES = 16;

export function writePreamble(version: number, tableBytes: number): Buffer {
  const b = Buffer.alloc(PREAMBLE_BYTES);
  b.write(CHECKPOINT_MAGIC, 0, 'latin1');
  b.writeUInt32LE(version, 8);
  b.writeUInt32LE(tableBytes, 12);
  return b;
}

/** The preamble's fields; `magic` is false for a file that is not a checkpoint file. */
export function readPreamble(b: Buffer): { magic: boolean; version: number; tableBytes: number } {
  if (b.length < PREAMBLE_BYTES) return { magic: false, version: 0, tableBytes: 0 };
  return { magic: b.toString('latin1', 0, 8) === CHECKPOINT_MAGIC, version: b.readUInt32LE(8), tableBytes: b.readUInt32LE(12) };
}

/**
 * A body written by `write` as a blob: the parts to write in order (the
 * inline bytes, a copy; then each segment in place, after the padding that
 * aligns it to 8, as in a contiguous message) and their total length.
 */
export function encodeBlob(w: Writer, write: (w: Writer) => void): { parts: Uint8Array[]; bytes: number } {
  beginLocalCopy(w);
  write(w);
  const inline = w.finish();
  w.keep();
  const parts = [Uint8Array.prototype.slice.call(w.buf, 0, inline) as Uint8Array];
  let at = inline;
  for (const s of w.segments) {
    if (align8(at) > at) parts.push(BLOB_PADDING.subarray(0, align8(at) - at));
    // A typed array marked for transfer is saved, not detached: a file is a copy.
    const bytes = s instanceof ArrayBuffer ? new Uint8Array(s) : new Uint8Array(s.buffer, s.byteOffset, s.byteLength);
    parts.push(bytes);
    at = align8(at) + bytes.byteLength;
  }
  return { parts, bytes: inline + w.segmentBytes };
}

const BLOB_PADDING = new Uint8Array(8);

/** Points `r` at the body of the blob of `length` bytes at `offset` (a multiple of 8) in `buf`; typed arrays read from it get copies of their own, as from any contiguous message. */
export function openBlob(r: Reader, buf: Buffer, offset: number, length: number): Reader {
  r.reset(buf, new DataView(buf.buffer, buf.byteOffset, buf.byteLength), offset, length, true, -1);
  r.pos = bodyStart(buf, offset);
  return r;
}
