/**
 * What one PE saves at a checkpoint: every member of every user
 * collection with a part here (its index, next reduction numbers and
 * packed state), the readonlies on PE 0, and a report for PE 0: the
 * collections as the manifest records them, this PE's view of their
 * reductions, and what cannot be saved (async entry methods suspended,
 * calls waiting on a `when` condition, futures in a chare's state).
 *
 * Runs inside one message handler, between entry methods: the state it
 * reads is one instant of this PE.
 */
import { runtime } from '../model/context';
import { Future } from '../model/future';
import type { ChareIndex } from '../model/chare';
import { isProxy } from '../model/proxy';
import { CollectionKind, localCollections, type LocalCollection } from '../collections/collections';
import type { SingletonRef } from '../collections/singletons';
import type { ArrayRef } from '../collections/arrays';
import { describe } from '../collections/arrayIndex';
import { packState } from '../migration/state';
import { waitingCalls } from '../when';
import { READONLIES, type FileRecord } from './files';
import { readonlyValues } from './readonlies';
import type { SavedCollection } from './manifest';
import type { SavedMember } from './saved';

/** Collections of the runtime itself (charm.thisProxy, the pool, CCS, liveViz, checkpoints): never saved. */
export const isRuntimeCollection = (id: number): boolean => id === 0 || id >= 0xffff0000;

/** One collection as one PE reports it. */
export interface CollectionReport {
  saved: Omit<SavedCollection, 'members' | 'reductions'>;
  /** Members on this PE. */
  members: number;
  /** Per stream: the lowest and highest next reduction number of the members here (empty with no members). */
  lowest: number[];
  highest: number[];
  /** Per stream: the first reduction not completed (meaningful on PE 0). */
  firstIncomplete: number[];
  /** A reduction is being combined here. */
  underWay: boolean;
}

/** What a PE tells PE 0 after writing its part of a checkpoint. */
export interface PeReport {
  pe: number;
  /** What cannot be saved (the checkpoint fails). */
  problems: string[];
  collections: CollectionReport[];
  /** Highest section id a member here reduced over or holds a proxy of (-1: none). */
  sections: number;
}

const KIND_NAMES = { [CollectionKind.Singleton]: 'chare', [CollectionKind.Group]: 'group', [CollectionKind.Array]: 'array' } as const;

/** This PE's records and its report. */
export function capture(): { records: FileRecord[]; report: PeReport } {
  const rt = runtime();
  const records: FileRecord[] = [];
  const report: PeReport = { pe: rt.myPe, problems: [], collections: [], sections: -1 };
  if (rt.myPe === 0) records.push({ collection: READONLIES, index: 0, value: readonlyValues(), where: 'readonlies' });
  for (const collection of localCollections()) {
    if (isRuntimeCollection(collection.ref.id)) continue;
    const snapshot = collection.snapshot();
    const name = collection.ref.info.name;
    const entry: CollectionReport = { saved: describeCollection(collection), members: snapshot.members.length, lowest: [], highest: [], firstIncomplete: [], underWay: false };
    for (const { chare, state } of snapshot.members) {
      const index = chare.thisIndex as ChareIndex;
      const who = `${name}${typeof index === 'number' ? `[${index}]` : describe(index)}`;
      if (state.running > 0) report.problems.push(`${who} on PE ${rt.myPe} has ${state.running} async entry method(s) suspended (awaiting): a checkpoint cannot save a suspended method; take it when no entry method awaits (see docs/checkpoint.md)`);
      const waiting = waitingCalls(chare);
      if (waiting > 0) report.problems.push(`${who} on PE ${rt.myPe} has ${waiting} call(s) waiting on a when condition: a checkpoint cannot save them`);
      const packed = packState(chare);
      const seen = inspect(packed, who);
      for (const at of seen.futures) report.problems.push(`${at} is a future: a future cannot be saved, since nobody waits on it after a restart; use a callback (charm.callback) instead`);
      report.sections = Math.max(report.sections, seen.sections);
      const value: Omit<SavedMember, 'index'> = { next: state.next, sections: state.sections, packed };
      records.push({ collection: collection.ref.id, index, value, where: `state of ${who}` });
      state.next.forEach((r, s) => {
        entry.lowest[s] = Math.min(entry.lowest[s] ?? r, r);
        entry.highest[s] = Math.max(entry.highest[s] ?? r, r);
      });
      for (const id of Object.keys(state.sections)) report.sections = Math.max(report.sections, Number(id));
    }
    if (snapshot.reductions) Object.assign(entry, snapshot.reductions.checkpointState());
    report.collections.push(entry);
  }
  return { records, report };
}

function describeCollection(collection: LocalCollection): CollectionReport['saved'] {
  const ref = collection.ref;
  const saved: CollectionReport['saved'] = { id: ref.id, kind: KIND_NAMES[ref.kind], class: ref.info.name };
  if (ref.kind === CollectionKind.Singleton) saved.pe = (ref as unknown as SingletonRef).pe;
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
