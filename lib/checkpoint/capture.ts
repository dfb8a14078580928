/**
 * What one PE saves at a checkpoint: every member of every user
 * collection with a part here, as its record (lib/migration/member.ts:
 * reduction numbers, last broadcast, load, calls waiting on `when`
 * conditions, channel ends) followed by its packed state; the readonlies
 * on PE 0; and a report for PE 0: the collections as the manifest records
 * them, this PE's view of their reductions and broadcasts, and what cannot
 * be saved (async entry methods or set-ups suspended, futures in a chare's
 * state, in a waiting call or a channel, a waiting call whose caller
 * awaits it).
 *
 * Runs inside one message handler, between entry methods: the state it
 * reads is one instant of this PE.
 */
import { runtime } from '../model/context';
import { Future } from '../model/future';
import type { ChareIndex, MemberState } from '../model/chare';
import type { ChareClassInfo } from '../model/registry';
import type { MigrantState } from '../codec/wire';
import { isProxy } from '../model/proxy';
import { CollectionKind, localCollections, type LocalCollection } from '../collections/collections';
import type { SingletonRef } from '../collections/singletons';
import type { GroupRef } from '../collections/groups';
import type { ArrayRef } from '../collections/arrays';
import { describe } from '../collections/arrayIndex';
import { highestIssued, isRuntimeCollection } from '../collections/ids';
import { packState } from '../migration/state';
import { recordOf, writeMember } from '../migration/member';
import type { ChannelEnds } from '../channels';
import { READONLIES, valueRecord, type FileRecord } from './files';
import { readonlyValues } from '../readonlies';
import type { SavedCollection } from './manifest';
import { sectionsUnderWay } from '../sections/branch';


/** One collection as one PE reports it. */
export interface CollectionReport {
  saved: Omit<SavedCollection, 'members' | 'reductions'>;
  /** Members on this PE. */
  members: number;
  /** Per stream: the lowest and highest next reduction number of the members here (empty with no members). */
  lowest: number[];
  highest: number[];
  /** Arrays: the lowest and highest last broadcast the elements here ran (empty with no members). */
  broadcastsRun: number[];
  /** Per stream: the first reduction not completed (meaningful on PE 0). */
  firstIncomplete: number[];
  /** A reduction is being combined here. */
  underWay: boolean;
  /** Arrays, PE 0: what the array numbered, and its censuses not complete. */
  numbering?: { broadcasts: number; replies: number; censuses: number; pendingCensuses: number };
  /** Groups: why members here can only be restarted on as many PEs (their waiting calls and channel ends are their own). */
  samePes: string[];
}

/** What a PE tells PE 0 after writing its part of a checkpoint. */
export interface PeReport {
  pe: number;
  /** What cannot be saved (the checkpoint fails). */
  problems: string[];
  collections: CollectionReport[];
  /** Highest section id a member here reduced over or holds a proxy of (-1: none). */
  sections: number;
  /** Highest collection id this PE has issued (ids.ts): deleted arrays' included, so that a restart never issues one again. */
  collectionIds: number;
}

const KIND_NAMES = { [CollectionKind.Singleton]: 'chare', [CollectionKind.Group]: 'group', [CollectionKind.Array]: 'array' } as const;

/** This PE's records and its report. */
export function capture(): { records: FileRecord[]; report: PeReport } {
  const rt = runtime();
  const records: FileRecord[] = [];
  const report: PeReport = { pe: rt.myPe, problems: [], collections: [], sections: -1, collectionIds: highestIssued() };
  if (rt.myPe === 0) records.push(valueRecord(READONLIES, 0, readonlyValues(), 'readonlies'));
  for (const collection of localCollections()) {
    if (isRuntimeCollection(collection.ref.id)) continue;
    const snapshot = collection.snapshot();
    const { info, kind } = collection.ref;
    const entry: CollectionReport = {
      saved: describeCollection(collection),
      members: snapshot.members.length,
      lowest: [],
      highest: [],
      broadcastsRun: [],
      firstIncomplete: [],
      underWay: false,
      numbering: snapshot.numbering,
      samePes: [],
    };
    for (const { chare, state } of snapshot.members) {
      const index = chare.thisIndex as ChareIndex;
      const who = `${info.name}${typeof index === 'number' ? `[${index}]` : describe(index)}`;
      const packed = packState(chare);
      const record = recordOf(chare, state);
      const seen = inspectMember(who, info, state, record, packed);
      report.problems.push(...seen.problems);
      if (kind === CollectionKind.Group && (record.waiting.length > 0 || (record.channels as ChannelEnds).length > 0)) entry.samePes.push(`${who} has calls waiting on a when condition or channel ends`);
      report.sections = Math.max(report.sections, seen.sections);
      records.push({ collection: collection.ref.id, index, write: (w) => writeMember(w, chare, record, () => who, { value: packed }) });
      state.next.forEach((r, s) => {
        entry.lowest[s] = Math.min(entry.lowest[s] ?? r, r);
        entry.highest[s] = Math.max(entry.highest[s] ?? r, r);
      });
      if (kind === CollectionKind.Array) entry.broadcastsRun = [Math.min(entry.broadcastsRun[0] ?? state.bcastSeq, state.bcastSeq), Math.max(entry.broadcastsRun[1] ?? state.bcastSeq, state.bcastSeq)];
      for (const id of Object.keys(state.sections)) report.sections = Math.max(report.sections, Number(id));
    }
    if (snapshot.reductions) Object.assign(entry, snapshot.reductions.checkpointState());
    report.collections.push(entry);
  }
  for (const id of sectionsUnderWay()) report.problems.push(`a reduction over section ${id} has contributions waiting to be combined on PE ${rt.myPe}: ask for a checkpoint where no reduction is under way, as from the callback of one (see docs/checkpoint.md)`);
  return { records, report };
}

/** What keeps member `who` from being saved (naming it, and its PE), and the highest section id its state holds. */
function inspectMember(who: string, info: ChareClassInfo, state: MemberState, record: MigrantState, packed: unknown): { problems: string[]; sections: number } {
  const at = `${who} on PE ${runtime().myPe}`;
  const problems: string[] = [];
  if (state.running) problems.push(`${at} has ${state.running.length} async entry method(s) suspended (awaiting): a checkpoint cannot save a suspended method; take it when no entry method awaits (see docs/checkpoint.md)`);
  if (state.created) problems.push(`${at} has its async set-up (onCreated) suspended: a checkpoint cannot save a suspended method; take it once creation is complete (charm.awaitCreation)`);
  const seen = inspect(packed, who);
  record.waiting.forEach(([method, args, reply], i) => {
    const call = `${who}'s call to ${info.methods[method]} waiting on its when condition`;
    if (reply) problems.push(`${call} on PE ${runtime().myPe} has a caller awaiting its result (a future), which a checkpoint cannot save since nobody waits on it after a restart; call it without .ret/.awaitable, or take the checkpoint when no awaited call waits`);
    inspect(args, `${call} (number ${i + 1}), its arguments`, seen);
  });
  inspect(record.channels, `${who}'s channel ends`, seen);
  for (const future of seen.futures) problems.push(`${future} is a future: a future cannot be saved, since nobody waits on it after a restart; use a callback (charm.callback) instead`);
  return { problems, sections: seen.sections };
}

function describeCollection(collection: LocalCollection): CollectionReport['saved'] {
  const ref = collection.ref;
  const saved: CollectionReport['saved'] = { id: ref.id, kind: KIND_NAMES[ref.kind], class: ref.info.name };
  if (ref.kind === CollectionKind.Singleton) saved.pe = (ref as unknown as SingletonRef).pe;
  const pes = ref.kind === CollectionKind.Group ? (ref as unknown as GroupRef).pes : undefined;
  if (pes) saved.pes = [...pes];
  if (ref.kind === CollectionKind.Array) {
    const a = ref as unknown as ArrayRef;
    saved.shape = { ndims: a.shape.ndims, extents: a.shape.extents ? [...a.shape.extents] : null, map: a.mapName, balancer: a.balancer };
  }
  return saved;
}

/** What a state holds that needs care: where futures are, and the highest id of a section proxy (walking plain objects, arrays, maps and sets; `at` names the value). */
function inspect(value: unknown, at: string, seen = { futures: [] as string[], sections: -1 }, depth = 0): { futures: string[]; sections: number } {
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value) || depth > 64) return seen;
  if (value instanceof Future) {
    seen.futures.push(at);
  } else if (isProxy(value)) {
    // Asked with `in`: reading a name a proxy's class does not have throws.
    if ('__section' in value) seen.sections = Math.max(seen.sections, (value as { __section: { id: number } }).__section.id);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => inspect(v, `${at}[${i}]`, seen, depth + 1));
  } else if (value instanceof Map) {
    for (const [k, v] of value) inspect(v, `${at}<${String(k)}>`, seen, depth + 1);
  } else if (value instanceof Set) {
    for (const v of value) inspect(v, `${at}<item>`, seen, depth + 1);
  } else if (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null) {
    for (const [k, v] of Object.entries(value)) inspect(v, `${at}.${k}`, seen, depth + 1);
  }
  return seen;
}
