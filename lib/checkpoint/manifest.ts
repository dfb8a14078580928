/**
 * The manifest of a checkpoint directory: format version, the PEs that
 * wrote it, the classes and collections it holds, the callback a restart
 * calls, and each PE file with its size and checksum. The manifest is
 * written last (temporary name, fsync, rename, fsync of the directory):
 * a directory's checkpoint is complete exactly when its manifest names it,
 * and a crash while writing the next one leaves the previous one whole.
 *
 * Plain files only (no runtime): charmrun reads manifests too.
 */
import * as fs from 'fs';
import * as path from 'path';
import { createHash } from 'crypto';

/**
 * Version of the checkpoint format (manifest and PE files); a restart
 * refuses any other. 3: a member's record is a Migrate's, whose index and
 * counters became compact (lib/codec/wire.ts, writeMigrant).
 */
export const FORMAT_VERSION = 3;
export const MANIFEST = 'manifest.json';
const FORMAT = 'charmts checkpoint';

/** A collection as the manifest records it. */
export interface SavedCollection {
  id: number;
  kind: 'chare' | 'group' | 'array';
  class: string;
  /** Chares: the PE it lived on. */
  pe?: number;
  /** Groups created on some PEs only (`onPEs`): those PEs. */
  pes?: number[];
  /** Arrays: dimensions, extents (null: sparse), map and load-balancing strategy ('' for none). */
  shape?: { ndims: number; extents: number[] | null; map: string; balancer: string };
  /** Members in the whole collection. */
  members: number;
  /** Per reduction stream: the first reduction not completed. */
  reductions: number[];
  /** Arrays: broadcasts (censuses included), reply reductions and censuses numbered (every element had run every broadcast). */
  numbering?: { broadcasts: number; replies: number; censuses: number };
  /** Groups: why the checkpoint can only be restarted on as many PEs (members' own waiting calls or channel ends). */
  samePes?: string[];
}

/** The callback a checkpoint names: an entry method (restartable) or a future (not). */
export type SavedCallback = { kind: 'entry method'; target: string; encoded: string } | { kind: 'future'; target: string };

/** A PE file as the manifest lists it. */
export interface ListedFile {
  name: string;
  pe: number;
  bytes: number;
  sha256: string;
}

export interface Manifest {
  format: typeof FORMAT;
  version: number;
  /** Grows with every checkpoint written to the directory. */
  generation: number;
  /** When it was completed (ISO 8601). */
  written: string;
  /** PEs of the job that wrote it. */
  pes: number;
  callback: SavedCallback;
  /** Chare classes in it, with their entry methods (method ids are positions in these lists). */
  classes: Record<string, string[]>;
  /** Names of the readonlies saved (charm.registerReadonly). */
  readonlies: string[];
  collections: SavedCollection[];
  /** Highest section id in use (reduced over, or held by a chare). */
  sections: number;
  /**
   * Highest collection id any PE had issued (lib/collections/ids.ts), those
   * of arrays deleted before the checkpoint included: a restart issues ids
   * above it. Absent in checkpoints written before it was saved: the
   * highest id in `collections` stands in.
   */
  collectionIds?: number;
  /** Main was still running (awaiting) on PE 0 when it was taken: a restart says it does not resume main. Absent in older checkpoints. */
  mainRunning?: boolean;
  /** One per PE, in PE order. */
  files: ListedFile[];
  /** Total bytes of the files. */
  bytes: number;
  /** sha256 of the manifest without this field. */
  checksum?: string;
}

/** Files of checkpoints are named by PE and generation. */
export const fileName = (pe: number, generation: number): string => `pe-${String(pe).padStart(5, '0')}.g${String(generation).padStart(6, '0')}.ckpt`;
const FILE_NAME = /^pe-(\d+)\.g(\d+)\.ckpt(\.tmp)?$/;

const checksumOf = (body: Omit<Manifest, 'checksum'>): string => createHash('sha256').update(JSON.stringify(body)).digest('hex');

/** Writes the manifest atomically; from then on the directory's checkpoint is this one. */
export function writeManifest(dir: string, body: Omit<Manifest, 'format' | 'version' | 'checksum'>): void {
  const content: Omit<Manifest, 'checksum'> = { format: FORMAT, version: FORMAT_VERSION, ...body };
  const file = path.join(dir, MANIFEST);
  const temporary = `${file}.tmp`;
  try {
    const fd = fs.openSync(temporary, 'w');
    try {
      fs.writeSync(fd, `${JSON.stringify({ ...content, checksum: checksumOf(content) }, null, 1)}\n`);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temporary, file);
    syncDirectory(dir);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw new Error(`cannot write ${file}: ${(error as Error).message}`);
  }
}

/** Makes renames in `dir` durable. */
function syncDirectory(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Reads and checks the manifest of `dir`: present, a charmts manifest, of
 * this format version, its checksum right. Throws an Error naming the file
 * and what is wrong.
 */
export function readManifest(dir: string): Manifest {
  const file = path.join(dir, MANIFEST);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(fs.existsSync(dir) ? `${file} is missing: ${dir} holds no complete checkpoint` : `${dir} does not exist`);
    throw new Error(`cannot read ${file}: ${(error as Error).message}`);
  }
  let parsed: Partial<Manifest>;
  try {
    parsed = JSON.parse(text) as Partial<Manifest>;
  } catch (error) {
    throw new Error(`${file} is corrupted: it is not valid JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || parsed.format !== FORMAT) throw new Error(`${file} is not a charmts checkpoint manifest`);
  if (parsed.version !== FORMAT_VERSION) throw new Error(`${file} has format version ${String(parsed.version)}; this charmts reads version ${FORMAT_VERSION}`);
  const { checksum, ...body } = parsed as Manifest;
  if (checksum !== checksumOf(body)) throw new Error(`${file} is corrupted: its checksum does not match its contents`);
  if (!Array.isArray(body.files) || body.files.length !== body.pes) throw new Error(`${file} is corrupted: it lists ${String(body.files?.length)} files for ${body.pes} PEs`);
  return body;
}

/** The complete checkpoint of `dir`, or undefined if it holds none (charmrun asks before a restart). */
export function latestCheckpoint(dir: string): Manifest | undefined {
  try {
    return readManifest(dir);
  } catch {
    return undefined;
  }
}

/**
 * The generation of the next checkpoint written to `dir`: the one after
 * its manifest's. Files of that generation left by a checkpoint that
 * failed are overwritten (each is written under a temporary name first).
 */
export function nextGeneration(dir: string): number {
  return (latestCheckpoint(dir)?.generation ?? 0) + 1;
}

/** Removes the files of every other generation (older checkpoints, and leftovers of failed ones). */
export function removeOtherGenerations(dir: string, generation: number): void {
  for (const name of fs.readdirSync(dir)) {
    const m = FILE_NAME.exec(name);
    if (m && Number(m[2]) !== generation) removeQuietly(path.join(dir, name));
  }
}

/** Removes the file of PE `pe` of one generation, written or not (a checkpoint that failed). */
export function removeFileOf(dir: string, pe: number, generation: number): void {
  const file = path.join(dir, fileName(pe, generation));
  removeQuietly(file);
  removeQuietly(`${file}.tmp`);
}

/** Cleaning up is best effort: a file that cannot be removed is of another generation, which no manifest names. */
function removeQuietly(file: string): void {
  try {
    fs.rmSync(file, { force: true });
  } catch {
    /* left behind, harmless */
  }
}

/** One line about a checkpoint (charmrun's report of a restart). */
export function describeCheckpoint(dir: string, m: Manifest): string {
  return `checkpoint ${m.generation} in ${dir} (written ${m.written} by ${m.pes} PEs, ${m.bytes} bytes)`;
}
