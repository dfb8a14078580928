/**
 * A restart on one PE, once every file has been checked: the readonlies,
 * then this PE's part of every saved collection, rebuilt without running
 * constructors (each member from its record as a migrating element is,
 * lib/migration/member.ts: its `unpack`, or its fields assigned) and
 * installed together at the end.
 *
 * Who gets what, with M PEs now and N at the checkpoint:
 * - array elements go to their home under the array's map for M PEs;
 * - a group gets one member per PE: with M = N each from its own PE's
 *   record; otherwise from PE 0's reduction numbers and its state, or the
 *   state the class's static `restoreMember(saved, pe, numPes)` returns
 *   given every old member's (a checkpoint whose group members hold
 *   waiting calls or channel ends is refused on another M: compatible.ts);
 * - a singleton chare goes to its old PE modulo M.
 *
 * Each PE reads every file's table (small) and only the records it gets.
 */
import * as path from 'path';
import { runtime } from '../model/context';
import { classByName, type ChareClassInfo } from '../model/registry';
import { CollectionKind, install, reserveCollectionIds, restoreCollection } from '../collections/collections';
import { ArrayRef } from '../collections/arrays';
import { denseIndices, keyOf, type ArrayIndex } from '../collections/arrayIndex';
import { reestablishSections, reserveSectionIds } from '../sections/sections';
import { readMigrant, readMigrantState } from '../codec/wire';
import { decodeValue } from '../codec/values';
import { FileReader, READONLIES, type TableEntry } from './files';
import { restoreReadonlies } from '../readonlies';
import type { Manifest, SavedCollection } from './manifest';
import type { RestoredMember, RestoredPart } from './saved';

/**
 * A group class may define this static method: the state of its member
 * on PE `pe` when a restart runs on another number of PEs than the
 * checkpoint (`saved[p]` is what member p's pack() returned then). By
 * default every member gets PE 0's state, as in Charm++.
 */
export interface GroupRestartHook {
  /** The state member `pe` of `numPes` unpacks; `saved[p]` is what member p of the checkpointed run packed. */
  restoreMember?(saved: unknown[], pe: number, numPes: number): unknown;
}

const KINDS = { chare: CollectionKind.Singleton, group: CollectionKind.Group, array: CollectionKind.Array } as const;

/**
 * Rebuilds and installs this PE's part of the checkpoint in `dir`
 * (`contents`: files this PE read whole while checking them, by PE);
 * returns the members rebuilt and the bytes of their records.
 */
export function rebuild(dir: string, manifest: Manifest, contents: ReadonlyMap<number, Buffer>): { members: number; bytes: number } {
  const files = manifest.files.map((f) => new FileReader(path.join(dir, f.name), contents.get(f.pe)));
  try {
    const tables = files.map((f) => f.table());
    // Every record, by collection: [old PE, table entry].
    const byCollection = new Map<number, [number, TableEntry][]>();
    tables.forEach((table, pe) => {
      for (const entry of table.entries) {
        const list = byCollection.get(entry[0]);
        if (list) list.push([pe, entry]);
        else byCollection.set(entry[0], [[pe, entry]]);
      }
    });
    let bytes = 0;
    const read = ([pe, entry]: [number, TableEntry]): RestoredMember => {
      bytes += entry[3];
      const r = files[pe].record(entry);
      const record = readMigrant(r);
      // Section reductions start over: none was under way (capture.ts) and the sections are set up anew (below).
      record.sections = {};
      return { record, readState: (into) => readMigrantState(r, into) };
    };
    const readonlies = byCollection.get(READONLIES)?.[0];
    if (readonlies) restoreReadonlies(decodeValue(files[0].record(readonlies[1])) as Record<string, unknown>);
    const parts = manifest.collections.map((c) => partOf(c, byCollection.get(c.id) ?? [], read, manifest.pes));
    const built = parts.filter((p): p is [SavedCollection, RestoredPart] => p !== undefined).map(([c, part]) => restoreCollection(KINDS[c.kind], part));
    for (const collection of built) install(collection);
    reserveCollectionIds(Math.max(manifest.collectionIds ?? 0, ...manifest.collections.map((c) => c.id)));
    reserveSectionIds(manifest.sections);
    reestablishSections();
    return { members: parts.reduce((n, p) => n + (p?.[1].members.length ?? 0), 0), bytes };
  } finally {
    for (const f of files) f.close();
  }
}

/** What this PE rebuilds of collection `c` (undefined: nothing, a singleton elsewhere). */
function partOf(c: SavedCollection, records: [number, TableEntry][], read: (r: [number, TableEntry]) => RestoredMember, oldPes: number): [SavedCollection, RestoredPart] | undefined {
  const { myPe, numPes } = runtime();
  const info = classByName(c.class);
  const part: RestoredPart = { id: c.id, info, next: c.reductions, population: c.members, members: [], deleted: [], pe: myPe, pes: c.pes, shape: undefined, numbering: c.numbering };
  switch (c.kind) {
    case 'chare':
      if (c.pe! % numPes !== myPe) return undefined;
      part.members.push(read(recordOf(c, records, c.pe!)));
      break;
    case 'group':
      // A group on some PEs only restarts on as many PEs (compatible.ts): its members stay on them.
      if (!c.pes || c.pes.includes(myPe)) part.members.push(groupMember(c, info, records, read, oldPes));
      break;
    case 'array': {
      const shape = c.shape!;
      part.shape = { ndims: shape.ndims, extents: shape.extents ?? undefined, map: shape.map, balancer: shape.balancer };
      const ref = new ArrayRef(c.id, info, { ndims: shape.ndims, extents: shape.extents ?? undefined }, shape.map, shape.balancer);
      for (const record of records) if (ref.homeOf(record[1][1] as ArrayIndex) === myPe) part.members.push(read(record));
      if (shape.extents) {
        const saved = new Set(records.map(([, entry]) => keyOf(entry[1] as ArrayIndex)));
        for (const index of denseIndices(shape.extents)) if (ref.homeOf(index) === myPe && !saved.has(keyOf(index))) part.deleted.push(index);
      }
      break;
    }
  }
  return [c, part];
}

/**
 * This PE's member of a group: its own record on as many PEs as before;
 * else PE 0's reduction numbers with PE 0's state or the one the class's
 * hook returns (read when the member is rebuilt, every old member's state
 * then travelling into it).
 */
function groupMember(c: SavedCollection, info: ChareClassInfo, records: [number, TableEntry][], read: (r: [number, TableEntry]) => RestoredMember, oldPes: number): RestoredMember {
  const { myPe, numPes } = runtime();
  if (numPes === oldPes) return read(recordOf(c, records, myPe));
  const first = read(recordOf(c, records, 0));
  // Waiting calls and channel ends are a member's own: compatible.ts refuses them here.
  const record = { ...first.record, index: myPe, waiting: [], channels: [] };
  const hook = (info.cls as unknown as GroupRestartHook).restoreMember;
  if (!hook) return { record, readState: first.readState };
  const others = Array.from({ length: oldPes - 1 }, (_, p) => read(recordOf(c, records, p + 1)));
  return { record, readState: () => hook.call(info.cls, [first, ...others].map((m) => m.readState()), myPe, numPes) };
}

/** The record of collection `c` in the file of old PE `pe`. */
function recordOf(c: SavedCollection, records: [number, TableEntry][], pe: number): [number, TableEntry] {
  const record = records.find(([p]) => p === pe);
  if (!record) throw new Error(`the file of PE ${pe} holds no member of ${c.class} (collection ${c.id}), which the manifest lists`);
  return record;
}
