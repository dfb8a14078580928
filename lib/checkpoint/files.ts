/**
 * The checkpoint file of one PE: the members it held, each a blob of the
 * codec, listed by a table (layout in lib/codec/wire.ts, "checkpoint
 * files"). A file is written under a temporary name, synced, then renamed,
 * so a name in the directory always holds a complete file; a generation
 * number in the name keeps the files of the previous checkpoint untouched
 * until the manifest of the next one replaces it (manifest.ts).
 *
 * Reading: `checkFile` hashes a whole file against the manifest and checks
 * its table; `FileReader` then reads the table and single records (a
 * restart reads only the members each PE gets).
 */
import * as fs from 'fs';
import * as path from 'path';
import { createHash } from 'crypto';
import { PREAMBLE_BYTES, align8, encodeBlob, openBlob, readPreamble, writePreamble } from '../codec/wire';
import { decodeValue, encodeValue } from '../codec/values';
import { Reader } from '../codec/reader';
import { Writer } from '../codec/writer';
import { FORMAT_VERSION, fileName, type ListedFile } from './manifest';

/** A record: the collection (-1: the readonlies), the member's index, where its blob is, relative to the end of the table. */
export type TableEntry = [collection: number, index: unknown, offset: number, length: number];

/** What a file says of itself. */
export interface FileTable {
  pe: number;
  numPes: number;
  generation: number;
  entries: TableEntry[];
}

/** The collection number of the readonlies' record (in PE 0's file). */
export const READONLIES = -1;

const ZEROS = new Uint8Array(8);
/** Parts smaller than this are gathered into one write. */
const GATHER_BYTES = 1 << 20;

/** One record to write: its place in the table and how to write its body (when the file is written; a SerializationError names what cannot be saved). */
export interface FileRecord {
  collection: number;
  index: unknown;
  write: (w: Writer) => void;
}

/** A record of one value. */
export const valueRecord = (collection: number, index: unknown, value: unknown, where: string): FileRecord => ({ collection, index, write: (w) => encodeValue(w, value, where) });

/**
 * Writes the file of PE `pe` (temporary name, fsync, rename) and returns
 * it as the manifest lists it. Throws with the file's path on any failure;
 * a SerializationError names the record whose value cannot be saved.
 */
export function writeFile(dir: string, table: Omit<FileTable, 'entries'>, records: readonly FileRecord[]): ListedFile {
  const w = new Writer();
  const blobs = records.map((r) => encodeBlob(w, r.write));
  const entries: TableEntry[] = [];
  let offset = 0;
  records.forEach((r, i) => {
    entries.push([r.collection, r.index, offset, blobs[i].bytes]);
    offset = align8(offset + blobs[i].bytes);
  });
  const head = encodeBlob(w, (w) => encodeValue(w, { ...table, entries }, 'checkpoint table'));
  const name = fileName(table.pe, table.generation);
  const final = path.join(dir, name);
  const temporary = `${final}.tmp`;
  let out: HashedOutput | undefined;
  try {
    out = new HashedOutput(temporary);
    out.write(writePreamble(FORMAT_VERSION, head.bytes));
    for (const part of head.parts) out.write(part);
    out.pad();
    for (const blob of blobs) {
      for (const part of blob.parts) out.write(part);
      out.pad();
    }
    out.close();
    fs.renameSync(temporary, final);
  } catch (error) {
    out?.abandon();
    throw new Error(`cannot write ${final}: ${(error as Error).message}`);
  }
  return { name, pe: table.pe, bytes: out.bytes, sha256: out.digest() };
}

/** A file written in order, hashed as it goes, small parts gathered; synced before it is closed. */
class HashedOutput {
  private readonly fd: number;
  private readonly hash = createHash('sha256');
  private readonly staging = Buffer.allocUnsafeSlow(GATHER_BYTES);
  private staged = 0;
  bytes = 0;

  constructor(private readonly file: string) {
    this.fd = fs.openSync(file, 'w');
  }

  write(part: Uint8Array): void {
    this.hash.update(part);
    this.bytes += part.byteLength;
    if (part.byteLength >= GATHER_BYTES) {
      this.flush();
      writeAll(this.fd, part);
      return;
    }
    if (this.staged + part.byteLength > GATHER_BYTES) this.flush();
    this.staging.set(part, this.staged);
    this.staged += part.byteLength;
  }

  /** Pads to a multiple of 8 bytes (the next blob starts aligned). */
  pad(): void {
    const n = align8(this.bytes) - this.bytes;
    if (n) this.write(ZEROS.subarray(0, n));
  }

  close(): void {
    this.flush();
    fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
  }

  abandon(): void {
    try {
      fs.closeSync(this.fd);
      fs.rmSync(this.file, { force: true });
    } catch {
      /* closed already, or not ours to remove */
    }
  }

  digest(): string {
    return this.hash.digest('hex');
  }

  private flush(): void {
    if (this.staged) writeAll(this.fd, this.staging.subarray(0, this.staged));
    this.staged = 0;
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.byteLength; ) done += fs.writeSync(fd, bytes, done, bytes.byteLength - done);
}

/** Files up to this size are checked in one read and kept for the restart to decode in place. */
const KEEP_BYTES = 1 << 30;

/**
 * Checks one file against the manifest's description: present, of the
 * size and checksum recorded, and a checkpoint file of that PE and
 * generation. Returns what is wrong, naming the file; or the file's
 * contents (a file up to 1 GiB, read once: the restart decodes its
 * records from them in place).
 */
export function checkFile(dir: string, expected: ListedFile, generation: number, numPes: number): { problem: string } | { contents: Buffer | undefined } {
  const file = path.join(dir, expected.name);
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { problem: code === 'ENOENT' ? `${file} is missing (a partial checkpoint: the manifest lists ${numPes} PE files)` : `cannot read ${file}: ${(error as Error).message}` };
  }
  try {
    const bytes = fs.fstatSync(fd).size;
    if (bytes !== expected.bytes) return { problem: `${file} has ${bytes} bytes where the manifest says ${expected.bytes}: a partial checkpoint, or a file changed since` };
    const hash = createHash('sha256');
    const contents = bytes <= KEEP_BYTES ? Buffer.allocUnsafeSlow(bytes) : undefined;
    const chunk = contents ?? Buffer.allocUnsafeSlow(4 << 20);
    for (let at = 0; at < bytes; ) {
      const n = fs.readSync(fd, chunk, contents ? at : 0, contents ? bytes - at : chunk.length, at);
      if (n <= 0) return { problem: `${file}: read ended at byte ${at} of ${bytes}` };
      hash.update(chunk.subarray(contents ? at : 0, (contents ? at : 0) + n));
      at += n;
    }
    const sha256 = hash.digest('hex');
    if (sha256 !== expected.sha256) return { problem: `${file} is corrupted: its checksum is sha256 ${sha256.slice(0, 16)}..., the manifest says ${expected.sha256.slice(0, 16)}...` };
    const table = new FileReader(file, contents).table();
    if (table.pe !== expected.pe || table.generation !== generation || table.numPes !== numPes) {
      return { problem: `${file} belongs to another checkpoint: it is PE ${table.pe} of ${table.numPes}, generation ${table.generation}; the manifest expects PE ${expected.pe} of ${numPes}, generation ${generation}` };
    }
    return { contents };
  } catch (error) {
    return { problem: `cannot read ${file}: ${(error as Error).message}` };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Reads a checked file: its table, then records by their table entries;
 * from its `contents` when checking read them (typed arrays then view the
 * contents in place), else from the file.
 */
export class FileReader {
  private recordsStart = 0;
  private readonly fd: number | undefined;

  constructor(
    readonly file: string,
    private readonly contents?: Buffer,
  ) {
    this.fd = contents ? undefined : fs.openSync(file, 'r');
  }

  table(): FileTable {
    const preamble = readPreamble(this.read(0, PREAMBLE_BYTES));
    if (!preamble.magic) throw new Error(`${this.file} is not a charmts checkpoint file`);
    if (preamble.version !== FORMAT_VERSION) throw new Error(`${this.file} has format version ${preamble.version}; this charmts reads version ${FORMAT_VERSION}`);
    this.recordsStart = align8(PREAMBLE_BYTES + preamble.tableBytes);
    return decodeValue(openBlob(new Reader(), this.read(PREAMBLE_BYTES, preamble.tableBytes), 0, preamble.tableBytes)) as FileTable;
  }

  /** A reader of a record's body, its own (call `table` first). */
  record(entry: TableEntry): Reader {
    const [, , offset, length] = entry;
    return openBlob(new Reader(), this.read(this.recordsStart + offset, length), 0, length);
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
  }

  /** `length` bytes at `position`: a view of the contents (8-byte aligned), or a buffer of their own. */
  private read(position: number, length: number): Buffer {
    if (this.contents) {
      if (position + length > this.contents.length) throw new Error(`${this.file} ends before byte ${position + length}`);
      return this.contents.subarray(position, position + length);
    }
    const buf = Buffer.allocUnsafeSlow(length);
    for (let done = 0; done < length; ) {
      const n = fs.readSync(this.fd!, buf, done, length - done, position + done);
      if (n <= 0) throw new Error(`${this.file} ends before byte ${position + length}`);
      done += n;
    }
    return buf;
  }
}
