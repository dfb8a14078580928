/**
 * Console output of every PE: whole lines, in the order they were written,
 * not held back by a busy PE and not lost when a PE fails.
 *
 * Measured here (Open MPI 4.1): mpirun forwards each rank's output in the
 * chunks it happens to read, so lines of different ranks get split and
 * glued even when each line is one write (4 ranks x 300 lines: 6 of 100-byte
 * lines broken, 468 of 5000-byte lines). One rank's stream is forwarded in
 * order, though, and Open MPI gives each rank a pty. So every PE on PE 0's
 * host writes its lines straight into PE 0's stdout pty (and stderr pipe),
 * all complete lines of a write in one write(2), which the tty layer keeps
 * whole (4 ranks x 300 lines of up to 100 kB: none broken; a PE that
 * aborts right after writing 2000 lines: all 2000 arrive). No JavaScript
 * of PE 0 is involved, so a long entry method there holds nothing back.
 * A PE on another host (or when PE 0's stdout is not a terminal) sends its
 * lines to PE 0 as Print messages instead. A partial line waits for its
 * newline, or for exit or a failure (which add one).
 *
 * Taps (the live view) see every PE's stdout lines on PE 0: once the first
 * tap is set, PE 0 asks every PE to send it a copy of its stdout lines too
 * (a Print message it does not write), so output never waits for PE 0.
 */
import * as fs from 'fs';
import { readPrint, writePrint } from '../codec/wire';
import type { Reader } from '../codec/reader';
import { setBeforeAbort, writeAll } from '../errors';
import type { Runtime } from '../model/context';
import { findPe0Process } from './pe0';
import { applyColourDecision } from './colour';

/** The streams, as numbered in Print messages; Copy is stdout for the taps only, CopyOn asks for copies. */
const enum Stream {
  CopyOn = 0,
  Out = 1,
  Err = 2,
  Copy = 3,
}

/** One console stream of this PE: its partial line and where whole lines go. */
class LineStream {
  private pending = '';

  /**
   * @param deliver where whole lines go
   * @param atAbort where the unfinished line goes when the job is aborted
   * (a relayed message might not arrive then)
   */
  constructor(
    private readonly deliver: (lines: string) => void,
    private readonly atAbort = deliver,
  ) {}

  write(text: string): void {
    this.pending += text;
    const end = this.pending.lastIndexOf('\n');
    if (end < 0) return;
    const lines = this.pending.slice(0, end + 1);
    this.pending = this.pending.slice(end + 1);
    this.deliver(lines);
  }

  /** Ends an unfinished line (exit, or `aborting` the job). */
  flush(aborting: boolean): void {
    if (!this.pending) return;
    const rest = this.pending + '\n';
    this.pending = '';
    (aborting ? this.atAbort : this.deliver)(rest);
  }
}

const streams: LineStream[] = [];

/** Replaces `stream.write` so that text goes through `lines`, a whole line at a time. */
function capture(stream: NodeJS.WriteStream, lines: LineStream): void {
  const write = (chunk: unknown, encoding?: unknown, callback?: unknown): boolean => {
    lines.write(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString(typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'));
    const done = typeof encoding === 'function' ? encoding : callback;
    if (typeof done === 'function') process.nextTick(done as () => void);
    return true;
  };
  stream.write = write as typeof stream.write;
  streams.push(lines);
}

/** Opens PE 0's stream `fd` for writing if lines written there stay whole (a tty, or a pipe for lines up to PIPE_BUF). */
function openShared(path: string): number | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(path, fs.constants.O_WRONLY | fs.constants.O_NOCTTY);
    const stat = fs.fstatSync(fd);
    if (stat.isCharacterDevice() || stat.isFIFO()) return fd;
  } catch {
    /* not reachable: relay instead */
  }
  if (fd !== undefined) fs.closeSync(fd);
  return undefined;
}

/**
 * Sets up this PE's console output (at start, on every PE): colour decided
 * for the job's real destination, whole lines written into PE 0's streams
 * or relayed to PE 0.
 */
export function setUpOutput(rt: Runtime): void {
  applyColourDecision();
  const relay = (stream: Stream) => (text: string) => {
    writePrint(rt.scheduler.writer, stream, text);
    rt.scheduler.send(0);
  };
  let outFd: number | undefined = 1;
  let errFd: number | undefined = 2;
  if (rt.myPe !== 0) {
    const pe0 = findPe0Process();
    outFd = pe0 === undefined ? undefined : openShared(`/proc/${pe0}/fd/1`);
    errFd = pe0 === undefined ? undefined : openShared(`/proc/${pe0}/fd/2`);
  }
  const direct = (fd: number) => (text: string) => writeAll(fd, text);
  const toOut = outFd === undefined ? relay(Stream.Out) : direct(outFd);
  const copy = rt.myPe === 0 ? feedTaps : relay(Stream.Copy);
  const stdout = (text: string): void => {
    toOut(text);
    if (copying && outFd !== undefined) copy(text);
  };
  capture(process.stdout, new LineStream(stdout, outFd === undefined ? direct(1) : stdout));
  askForCopies = () => {
    writePrint(rt.scheduler.writer, Stream.CopyOn, '');
    rt.scheduler.broadcast();
  };
  capture(process.stderr, errFd === undefined ? new LineStream(relay(Stream.Err), direct(2)) : new LineStream(direct(errFd)));
  // Failures and process.exit: the partial line is written, not lost.
  setBeforeAbort(() => flushOutput(true));
  process.on('exit', () => flushOutput());
}

/** Writes what is left of unfinished lines (at exit, or when `aborting`). */
export function flushOutput(aborting = false): void {
  for (const s of streams) s.flush(aborting);
}

const taps = new Set<(lines: string) => void>();
/** This PE sends copies of its stdout lines to PE 0 for the taps. */
let copying = false;
let askForCopies = (): void => {};

function feedTaps(lines: string): void {
  for (const tap of taps) tap(lines);
}

/**
 * PE 0: calls `tap` with the text of every whole line printed from now on
 * on any PE's stdout (the live view shows them); returns the function that
 * stops it. The output itself goes where it went before.
 */
export function tapOutput(tap: (lines: string) => void): () => void {
  if (taps.size === 0 && !copying) askForCopies();
  taps.add(tap);
  return () => taps.delete(tap);
}

/** Handler of Kind.Print: lines relayed to PE 0 (written there), copies for its taps, or the request for copies. */
export function receivePrint(r: Reader): void {
  const { stream, text } = readPrint(r);
  if (stream === Stream.CopyOn) copying = true;
  else if (stream === Stream.Copy) feedTaps(text);
  else {
    if (stream === Stream.Out) feedTaps(text);
    writeAll(stream === Stream.Err ? 2 : 1, text);
  }
}
