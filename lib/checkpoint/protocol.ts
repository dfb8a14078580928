/**
 * Checkpoint and restart as collectives of the runtime's checkpoint group
 * (one member per PE, like Charm++'s CkCheckpointMgr).
 *
 * Checkpoint (charm.startCheckpoint, from any PE; PE 0 drives):
 *   1. PE 0 waits for quiescence: no message in flight or being processed
 *      anywhere, so every PE is between entry methods with nothing to come.
 *   2. It broadcasts `write`: each PE captures its members at once (one
 *      instant, as no message moves), writes its file (temporary name,
 *      fsync, rename) and returns a report: its file with size and
 *      checksum, its view of every collection's reductions, and what it
 *      cannot save.
 *   3. PE 0 checks that the instant is one a restart can go on from: no
 *      reduction half done (every member at the same reduction number per
 *      stream, PE 0 has completed the ones before, nothing being combined
 *      anywhere), and for arrays no census under way and every element
 *      having run every broadcast. Quiescence detection counts reduction
 *      messages, so a reduction still moving is not quiescence: a half-done
 *      one is waiting for members that will contribute only when told, a
 *      checkpoint asked for away from a synchronization point. That, and
 *      anything else that cannot be saved, fails the checkpoint at once
 *      (the files are dropped).
 *   4. PE 0 writes the manifest (atomically): the checkpoint is complete;
 *      the previous one's files are removed; the callback is called.
 *
 * Restart (`+restart DIR`; `main` does not run; PE 0 drives):
 *   1. `validate`: every PE checks the manifest against this program, and
 *      the files of PEs p with p % numPes == its PE in full (size,
 *      checksum, header). Any problem anywhere: the job ends, printing
 *      them all, before anything is rebuilt.
 *   2. `rebuild` (rebuild.ts): every PE rebuilds its part.
 *   3. PE 0 calls the checkpoint's callback with `restarted: true`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { mpi } from '../transport/binding';
import { Chare } from '../model/chare';
import { runtime } from '../model/context';
import { Future } from '../model/future';
import { classByName, classInfo, registerClass } from '../model/registry';
import type { CollectionProxy } from '../model/proxy';
import { groupRef, installGroupMember } from '../collections/groups';
import { describe } from '../collections/arrayIndex';
import { requestQuiescence } from '../quiescence';
import { Callback, deliverResult, type ReductionTarget } from '../reductions/targets';
import { Reader } from '../codec/reader';
import { Writer } from '../codec/writer';
import { encodeBlob, openBlob } from '../codec/wire';
import { decodeValue, encodeValue } from '../codec/values';
import { fatal, writeAll } from '../errors';
import { requestExit } from '../runtime/lifecycle';
import { capture, type CollectionReport, type PeReport } from './capture';
import { Stream } from '../reductions/streams';
import { checkFile, writeFile } from './files';
import { nextGeneration, readManifest, removeFileOf, removeOtherGenerations, writeManifest, type ListedFile, type Manifest, type SavedCallback, type SavedCollection } from './manifest';
import { incompatibilities } from './compatible';
import { readonlyNames } from '../readonlies';
import { rebuild } from './rebuild';
import { automaticRestarts, flagValue } from './options';
import { runtimeWords } from '../runtime/options';
import { mainProgress } from '../runtime/mainProgress';

/**
 * What the callback of a checkpoint receives: after the checkpoint is
 * written, and again, with `restarted: true`, when a job restarts from it.
 */
export interface CheckpointStatus {
  /** True when a restart calls the callback; false right after the checkpoint was written. */
  restarted: boolean;
  /** The checkpoint's directory (absolute). */
  dir: string;
  /** Its number among the checkpoints written to `dir` (1, 2, ...). */
  generation: number;
  /** PEs of the job that wrote it. */
  pes: number;
  /** Bytes of its files. */
  bytes: number;
  /** Seconds the runtime spent writing and syncing the files, or (restart) checking and reading them and rebuilding. */
  seconds: number;
}

/** Collection id of the checkpoint group (user collection ids never get this high). */
const CHECKPOINT_GROUP_ID = 0xfffffffb;
/** How reductions of each stream (lib/reductions/manager.ts) are named in a refusal. */
const STREAMS = ['', ' (replies to a broadcast)', ' (a load-balancing step)', ' (a census of the array)'];

/** A PE's report with the file it wrote. */
interface WriteReport extends PeReport {
  file?: ListedFile;
}

/** PE 0: the checkpoint under way (its directory). */
let underWay: string | undefined;
/** The manifest a restart checked, and the files this PE read whole while checking them (kept from `validate` to `rebuild`). */
let checked: { manifest: Manifest; contents: Map<number, Buffer> } | undefined;

/** The checkpoint group's member on each PE. */
export class CheckpointPe extends Chare {
  /** PE 0: a checkpoint asked for from any PE; `reserved`: asked for on PE 0, whose call already set underWay. */
  async request(dir: string, callback: ReductionTarget<CheckpointStatus>, reserved: boolean): Promise<void> {
    if (!reserved && underWay !== undefined) {
      fail(callback, underWayError(dir), dir);
      return;
    }
    underWay = dir;
    try {
      deliverResult(callback, await checkpoint(dir, callback));
    } catch (error) {
      fail(callback, error, dir);
    } finally {
      underWay = undefined;
    }
  }

  /** Every PE: saves its part as generation `generation` of `dir`. */
  write(dir: string, generation: number): WriteReport {
    const rt = runtime();
    const { records, report } = capture();
    if (report.problems.length > 0) return report;
    try {
      return { ...report, file: writeFile(dir, { pe: rt.myPe, numPes: rt.numPes, generation }, records) };
    } catch (error) {
      return { ...report, problems: [`PE ${rt.myPe}: ${error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error)}`] };
    }
  }

  /** Every PE: removes its file of a checkpoint that failed. */
  discard(dir: string, generation: number): void {
    removeFileOf(dir, runtime().myPe, generation);
  }

  /** Every PE at a restart: what is wrong with the manifest or with the files this PE checks. */
  validate(dir: string): string[] {
    let manifest: Manifest;
    try {
      manifest = readManifest(dir);
    } catch (error) {
      return [(error as Error).message];
    }
    const problems = incompatibilities(dir, manifest);
    if (problems.length > 0) return problems;
    const { myPe, numPes } = runtime();
    const contents = new Map<number, Buffer>();
    for (let pe = myPe; pe < manifest.pes; pe += numPes) {
      const result = checkFile(dir, manifest.files[pe], manifest.generation, manifest.pes);
      if ('problem' in result) problems.push(result.problem);
      else if (result.contents) contents.set(pe, result.contents);
    }
    checked = { manifest, contents };
    return problems;
  }

  /** Every PE at a restart: rebuilds and installs its part. */
  rebuild(dir: string): { members: number; bytes: number } {
    const { manifest, contents } = checked!;
    checked = { manifest, contents: new Map() }; // what rebuild does not keep is garbage after it
    return rebuild(dir, manifest, contents);
  }
}
registerClass(CheckpointPe, 'charmts.Checkpoint');

function group(): CollectionProxy<CheckpointPe> {
  return groupRef(CHECKPOINT_GROUP_ID, classInfo(CheckpointPe, 'charm.startCheckpoint')).proxy() as CollectionProxy<CheckpointPe>;
}

/** Creates this PE's member of the checkpoint group (charm.start does, on every PE). */
export function installCheckpoints(): void {
  installGroupMember(groupRef(CHECKPOINT_GROUP_ID, classInfo(CheckpointPe, 'charm.startCheckpoint')), []);
}

/** Why this job takes no checkpoint (set by the interactive console), or undefined. */
let refusal: string | undefined;

/** Refuses every later charm.startCheckpoint of this PE, giving `reason`; the interactive console calls it on every PE. */
export function refuseCheckpoints(reason: string): void {
  refusal = reason;
}

/** Starts a checkpoint of the whole job to `dir`; `callback` gets its CheckpointStatus. */
export function startCheckpoint(dir: string, callback: ReductionTarget<CheckpointStatus>): void {
  const where = 'charm.startCheckpoint';
  runtime(where);
  if (typeof dir !== 'string' || dir === '') throw new TypeError(`${where}: dir must be a directory path (a non-empty string), got ${typeof dir === 'string' ? '""' : typeof dir}`);
  if (!(callback instanceof Callback) && !(callback instanceof Future)) throw new TypeError(`${where}(${dir}): callback must be charm.callback(proxy, 'method') or a Future`);
  if (refusal !== undefined) throw new Error(`${where}(${dir}): ${refusal}`);
  // Refused here rather than at the restart, after a rank has died.
  if (callback instanceof Future && automaticRestarts() > 0) {
    throw new Error(`${where}(${dir}): ${underRestarts()}, and one whose callback is a future cannot be restarted (a future belongs to code that was running, which a checkpoint does not save): give charm.callback(proxy, 'method')`);
  }
  const resolved = path.resolve(dir);
  // PE 0 knows at the call whether one is under way: refused there, the
  // caller can catch it, and the checkpoint under way goes on (a refusal
  // found later ends the job when the callback is an entry method).
  const onRoot = runtime().myPe === 0;
  if (onRoot) {
    if (underWay !== undefined) throw underWayError(resolved);
    underWay = resolved;
  }
  try {
    group()[0].request(resolved, callback, onRoot);
  } catch (error) {
    if (onRoot) underWay = undefined;
    throw error;
  }
}

/** Why a checkpoint must be one a restart can go on from. */
function underRestarts(): string {
  return `this job runs under charmrun +restarts ${automaticRestarts()}, which restarts it from its newest checkpoint when a rank dies`;
}

function underWayError(dir: string): Error {
  return new Error(`charm.startCheckpoint(${dir}): the checkpoint to ${underWay} is under way; start the next one from its callback`);
}

/** Where checkpoints go: `+checkpoint-dir DIR`, else the `+restart DIR` the job restarted from (absolute), else undefined. */
export function checkpointDir(): string | undefined {
  // A job restarted by hand (`+restart DIR` alone) goes on checkpointing where it came from, as charmrun's restarts do
  // (they pass both): a program's `charm.checkpointDir() ?? 'ckpt'` wrote elsewhere.
  const dir = flagValue(runtimeWords(), '+checkpoint-dir') ?? flagValue(runtimeWords(), '+restart');
  return dir === undefined ? undefined : path.resolve(dir);
}

/**
 * Why checkpoints cannot be written to the `+checkpoint-dir` given, or
 * undefined: PE 0 checks at start (as `+trace`'s file), so that a job does
 * not compute until its first checkpoint to end there. The directory, or
 * the nearest of its parents that exists (the first checkpoint makes the
 * rest), is tried by making and removing a directory in it: permissions
 * alone pass for root where the file system refuses (/sys, /proc).
 */
export function checkpointDirProblem(): string | undefined {
  // Only a directory given for checkpoints: a job restarted from one it cannot write (an archive) may never checkpoint.
  const named = flagValue(runtimeWords(), '+checkpoint-dir');
  if (named === undefined) return undefined;
  const dir = path.resolve(named);
  const given = `+checkpoint-dir ${named}`;
  let existing = dir;
  while (!fs.existsSync(existing)) existing = path.dirname(existing);
  if (!fs.statSync(existing).isDirectory()) {
    return existing === dir ? `${given}: that is a file, not a directory; name a directory (made at the first checkpoint if missing)` : `${given}: ${existing} is a file, so the directory ${dir} cannot be made`;
  }
  try {
    fs.rmdirSync(fs.mkdtempSync(path.join(existing, '.charmts-probe-')));
  } catch (error) {
    return `${given}: checkpoints cannot be written ${existing === dir ? 'there' : `in ${existing}, where ${dir} would be made`} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}), so the first checkpoint would end the job`;
  }
  return undefined;
}

/** Reports a failed checkpoint where its callback is: a future rejects; an entry method cannot be told, so the job ends. */
function fail(callback: ReductionTarget<CheckpointStatus>, error: unknown, dir: string): void {
  if (callback instanceof Future) callback.sendError(error, `charm.startCheckpoint(${dir})`);
  else fatal(error, `on PE 0 checkpointing to ${dir}`);
}

function quiescence(): Promise<void> {
  const future = Future.create<void>(1, 'single');
  requestQuiescence(future);
  return future.get();
}

/** PE 0: takes the checkpoint at the next quiescence and returns its status. */
async function checkpoint(dir: string, callback: ReductionTarget<CheckpointStatus>): Promise<CheckpointStatus> {
  const saved = savedCallback(callback);
  await quiescence();
  // Nothing saves a continuation: a job restarted from here would stop where main was (the idle hint says so, after a restart by hand).
  const mainRunning = mainProgress() === 'running';
  if (mainRunning && automaticRestarts() > 0) {
    throw new Error(`main is still running (awaiting) on PE 0: ${underRestarts()}, and a restart does not resume main, only the checkpoint's callback, so a restarted job would stop where main was; take checkpoints once main has returned, the work driven by entry methods (docs/checkpoint.md)`);
  }
  let made: string | undefined;
  try {
    made = fs.mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new Error(`PE 0 cannot create the directory ${dir}: ${(error as Error).message}`);
  }
  const generation = nextGeneration(dir);
  const started = mpi.Wtime();
  const reports = await group().ret.write(dir, generation);
  const verdict = judge(reports);
  if (verdict.problems.length > 0) {
    await group().awaitable.discard(dir, generation);
    removeMadeDirectories(dir, made);
    throw new Error(`the checkpoint to ${dir} failed (the previous one there, if any, is intact):\n  ${verdict.problems.join('\n  ')}`);
  }
  const files = reports.map((r) => r.file!);
  const bytes = files.reduce((n, f) => n + f.bytes, 0);
  const classes: Record<string, string[]> = {};
  for (const c of verdict.collections) classes[c.class] = [...classByName(c.class).methods];
  if (callback instanceof Callback) classes[callback.proxy.__ref.info.name] = [...callback.proxy.__ref.info.methods];
  writeManifest(dir, {
    generation,
    written: new Date().toISOString(),
    pes: runtime().numPes,
    callback: saved,
    classes,
    readonlies: readonlyNames(),
    collections: verdict.collections,
    sections: verdict.sections,
    collectionIds: Math.max(0, ...reports.map((r) => r.collectionIds)),
    mainRunning,
    files,
    bytes,
  });
  removeOtherGenerations(dir, generation);
  return { restarted: false, dir, generation, pes: runtime().numPes, bytes, seconds: mpi.Wtime() - started };
}

/**
 * After a failed first checkpoint to `dir`: removes the directories this
 * checkpoint created (`made`, the first of them, as mkdirSync reported it,
 * down to `dir`), each only if empty, so a failure leaves nothing behind
 * and never touches a directory that was there before or holds anything.
 */
function removeMadeDirectories(dir: string, made: string | undefined): void {
  if (made === undefined) return;
  const top = path.resolve(made);
  for (let d = path.resolve(dir); d.startsWith(top); d = path.dirname(d)) {
    try {
      fs.rmdirSync(d);
    } catch {
      return; // not empty (something else put a file there) or gone: leave it, and its parents
    }
    if (d === top) return;
  }
}

/** What a half-done reduction at quiescence means, said once after the reductions named. */
const NOT_AT_A_SYNCHRONIZATION_POINT =
  'the job went quiet with the reductions above half done (members that have not contributed wait to be told): ask for a checkpoint where no reduction is under way, as from the callback of one (see docs/checkpoint.md)';

/** PE 0: the collections to record from every PE's report, and what cannot be saved. */
function judge(reports: WriteReport[]): { collections: SavedCollection[]; sections: number; problems: string[] } {
  const problems = reports.flatMap((r) => r.problems);
  const halfDone: string[] = [];
  const merged = new Map<number, CollectionReport>();
  for (const report of reports) {
    for (const c of report.collections) {
      const m = merged.get(c.saved.id);
      if (!m) {
        merged.set(c.saved.id, { ...c, lowest: [...c.lowest], highest: [...c.highest], broadcastsRun: [...c.broadcastsRun], samePes: [...c.samePes] });
        continue;
      }
      m.members += c.members;
      m.underWay ||= c.underWay;
      m.numbering ??= c.numbering;
      m.samePes.push(...c.samePes);
      if (c.members === 0) continue;
      c.lowest.forEach((r, s) => (m.lowest[s] = Math.min(m.lowest[s] ?? r, r)));
      c.highest.forEach((r, s) => (m.highest[s] = Math.max(m.highest[s] ?? r, r)));
      if (c.broadcastsRun.length) m.broadcastsRun = [Math.min(m.broadcastsRun[0] ?? c.broadcastsRun[0], c.broadcastsRun[0]), Math.max(m.broadcastsRun[1] ?? c.broadcastsRun[1], c.broadcastsRun[1])];
    }
  }
  const collections: SavedCollection[] = [];
  for (const m of merged.values()) {
    const name = `${m.saved.class} (${m.saved.kind} ${m.saved.id})`;
    if (m.underWay) halfDone.push(`a reduction of ${name} has contributions waiting to be combined`);
    if (m.members > 0) {
      m.firstIncomplete.forEach((r, s) => {
        if (m.lowest[s] !== m.highest[s]) halfDone.push(`reduction ${m.lowest[s]}${STREAMS[s]} of ${name}: some members have contributed, others not`);
        else if (m.lowest[s] !== r) halfDone.push(`reduction ${r}${STREAMS[s]} of ${name}: its result is not delivered yet`);
      });
    }
    const n = m.numbering;
    if (n) {
      // Invariants at quiescence (sequencer.ts): a restart goes on from this numbering.
      if (n.pendingCensuses > 0) halfDone.push(`a census of ${name} is under way`);
      if (n.replies !== m.firstIncomplete[Stream.Replies] || n.censuses !== m.firstIncomplete[Stream.Census]) {
        halfDone.push(`${name} numbered ${n.replies} broadcast replies and ${n.censuses} censuses, of which ${m.firstIncomplete[Stream.Replies]} and ${m.firstIncomplete[Stream.Census]} are complete`);
      }
      if (m.members > 0 && (m.broadcastsRun[0] !== n.broadcasts || m.broadcastsRun[1] !== n.broadcasts)) {
        problems.push(`${name}: its elements ran broadcasts up to ${m.broadcastsRun[0]}..${m.broadcastsRun[1]} of ${n.broadcasts} at quiescence (a runtime error: please report it)`);
      }
    }
    const collection: SavedCollection = { ...m.saved, members: m.members, reductions: m.firstIncomplete };
    if (n) collection.numbering = { broadcasts: n.broadcasts, replies: n.replies, censuses: n.censuses };
    if (m.samePes.length) collection.samePes = m.samePes;
    collections.push(collection);
  }
  if (halfDone.length) problems.push(...halfDone, NOT_AT_A_SYNCHRONIZATION_POINT);
  collections.sort((a, b) => a.id - b.id);
  return { collections, sections: Math.max(-1, ...reports.map((r) => r.sections)), problems };
}

/** The callback as the manifest records it: an entry method, encoded, or a future (which no restart can call). */
function savedCallback(callback: ReductionTarget<CheckpointStatus>): SavedCallback {
  if (callback instanceof Future) return { kind: 'future', target: `a future of PE ${callback.pe}` };
  const target = callback.proxy;
  const info = target.__ref.info;
  const member = target.__index === undefined ? '' : typeof target.__index === 'number' ? `[${target.__index}]` : describe(target.__index);
  const blob = encodeBlob(new Writer(), (w) => encodeValue(w, callback, 'checkpoint callback'));
  return { kind: 'entry method', target: `${info.name}${member}.${info.methods[callback.method]}`, encoded: Buffer.concat(blob.parts).toString('base64') };
}

/** Starts a restart if the command line asks for one (`+restart DIR`); returns whether it did. */
export function restartIfAsked(): boolean {
  const dir = flagValue(runtimeWords(), '+restart');
  if (dir === undefined) return false;
  if (runtime().myPe === 0) void restart(path.resolve(dir));
  return true;
}

/** PE 0: the restart from `dir` (see the header). */
async function restart(dir: string): Promise<void> {
  const started = mpi.Wtime();
  let manifest: Manifest;
  try {
    const problems = [...new Set((await group().ret.validate(dir)).flat())];
    if (problems.length > 0) return refuse(dir, problems);
    await group().ret.rebuild(dir);
    manifest = checked!.manifest;
  } catch (error) {
    return refuse(dir, [(error as Error).message]);
  }
  const saved = manifest.callback as Extract<SavedCallback, { kind: 'entry method' }>;
  const encoded = Buffer.from(saved.encoded, 'base64');
  const callback = decodeValue(openBlob(new Reader(), encoded, 0, encoded.length)) as Callback;
  const status: CheckpointStatus = { restarted: true, dir, generation: manifest.generation, pes: manifest.pes, bytes: manifest.bytes, seconds: mpi.Wtime() - started };
  deliverResult(callback, status);
  if (manifest.mainRunning) {
    writeAll(2, `charmts: restarted from ${dir}, a checkpoint taken while main was still running: a restart does not run main again or resume it, only the checkpoint's callback (${saved.target}), so the job goes on only if that callback sets the work going (docs/checkpoint.md)\n`);
  }
}

function refuse(dir: string, problems: string[]): void {
  writeAll(2, `charmts: cannot restart from ${dir}:\n  ${problems.join('\n  ')}\nNothing was restored.\n`);
  requestExit(1);
}
