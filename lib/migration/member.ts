/**
 * A member as data: the one record of a chare apart from its object. A
 * migrating array element travels as it (lib/collections/localArray.ts),
 * and a checkpoint saves every member, of every kind, as it
 * (lib/checkpoint/), so that a restart rebuilds members exactly as an
 * arrival does.
 *
 * The record (lib/codec/wire.ts, MigrantState) holds the runtime's
 * bookkeeping (reduction numbers per stream and per section, the last
 * array broadcast run, the load measured, the location epoch), the calls
 * waiting on `when` conditions (method, arguments, reply as data) and the
 * channel ends. The member's own state (its `pack()` or its fields)
 * follows the record, and is encoded and decoded while the member
 * travels: Channel objects in it belong to the member and bind to it.
 */
import { writeMigrant, type MigrantState } from '../codec/wire';
import type { Writer } from '../codec/writer';
import { memberOf, revive, type Chare, type ChareIndex, type MemberState } from '../model/chare';
import type { ChareClassInfo } from '../model/registry';
import type { Reply, ReplyData } from '../model/invoke';
import { exportChannels, restoreChannels, type ChannelEnds } from '../channels';
import { hasWaiting, restoreWaiting, waitingCalls, type WaitingCall } from '../when';
import { encodeLabelled } from '../codec/values';
import { describeMember } from '../collections/arrayIndex';
import { hasUnpack, startTravelling, stopTravelling, unpackState, writeState } from './state';

/** No waiting calls (nearly every member's): shared, not a list per move. */
const NO_WAITING: readonly WaitingCall[] = Object.freeze([]);
const NO_RECORDED: MigrantState['waiting'] = Object.freeze([]);

/** The record of `chare` as it is now (with `epoch`, the one of its next stay); nothing is taken from it (its waiting calls and channel ends stay). */
export function recordOf(chare: Chare<never>, state: MemberState, epoch = state.epoch): MigrantState {
  // hasWaiting first: no lookup of the member's queue on a PE where no call ever waited.
  const waiting: readonly WaitingCall[] = hasWaiting(chare) ? waitingCalls(chare) : NO_WAITING;
  return {
    index: chare.thisIndex,
    epoch,
    bcastSeq: state.bcastSeq,
    balancing: state.balancing,
    load: state.load,
    sections: state.sections,
    next: state.next,
    waiting: waiting.length ? waiting.map((call) => [call.methodId, call.args, (call.reply as Reply | undefined)?.data ?? null]) : NO_RECORDED,
    channels: exportChannels(chare),
  };
}

/**
 * Writes `record` and then the member's state, with the member travelling:
 * `packed.value` when given (what packState returned, for a checkpoint
 * that inspected it), or else the state as it is now (writeState).
 */
export function writeMember(w: Writer, chare: Chare<never>, record: MigrantState, describe: () => string, packed?: { value: unknown }): void {
  const outer = startTravelling(chare);
  try {
    writeMigrant(w, record, describe);
    if (packed) encodeLabelled(w, packed.value, () => `state of ${describe()}`);
    else writeState(w, chare, describe, memberOf(chare).services.ref.info.cls);
  } finally {
    stopTravelling(outer);
  }
}

/**
 * Makes a member from its record without running its constructor: its
 * identity and runtime `state` (made by the collection from the record's
 * reduction numbers, last broadcast and epoch) first, then its channel
 * ends, then its own state, read by `readState` while it travels (its
 * `unpack`, or its fields assigned), then its waiting calls, whose
 * replies `replyOf` rebuilds from their data and the member's index (they
 * are the when.ts queue's then: `waitingCalls`). The caller's functions
 * are its own, not made per member (an arrival made two closures and a
 * result object).
 */
export function rebuildMember(
  info: ChareClassInfo,
  state: MemberState,
  record: MigrantState,
  readState: (into?: object) => unknown,
  replyOf: (data: ReplyData, methodId: number, index: ChareIndex) => Reply,
): Chare<never> {
  state.load = record.load;
  state.sections = record.sections;
  state.balancing = record.balancing;
  const chare = revive(info.cls, { index: record.index as ChareIndex, member: state });
  const channels = record.channels as ChannelEnds;
  if (channels.length) restoreChannels(chare, channels);
  const into = hasUnpack(chare) ? undefined : chare;
  const outer = startTravelling(chare);
  let own: unknown;
  try {
    own = readState(into);
  } finally {
    stopTravelling(outer);
  }
  if (own !== into) unpackState(chare, own, () => `${describeMember(info.name, record.index)}`);
  // Usually none: then no closure and list per arrival.
  if (record.waiting.length === 0) return chare;
  const index = record.index as ChareIndex;
  restoreWaiting(
    chare,
    record.waiting.map(([methodId, args, data]) => ({ methodId, args, reply: data ? replyOf(data as ReplyData, methodId, index) : undefined })),
  );
  return chare;
}
