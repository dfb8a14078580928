/**
 * Console output of every PE appears on PE 0's stdout, a whole line at a
 * time: other PEs send their complete lines to PE 0 as messages.
 */
import { readPrint, writePrint } from '../codec/wire';
import type { Reader } from '../codec/reader';
import { writeAll } from '../errors';
import type { Runtime } from '../model/context';

let pending = '';
let route: ((text: string) => void) | undefined;

/** On PEs other than 0, sends stdout to PE 0 line by line. */
export function routeStdoutToPe0(rt: Runtime): void {
  if (rt.myPe === 0) return;
  route = (text) => {
    writePrint(rt.scheduler.writer, text);
    rt.scheduler.send(0);
  };
  const write = (chunk: unknown, encoding?: unknown, callback?: unknown): boolean => {
    pending += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString(typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
    const end = pending.lastIndexOf('\n');
    if (end >= 0) {
      const lines = pending.slice(0, end + 1);
      pending = pending.slice(end + 1);
      route?.(lines);
    }
    const done = typeof encoding === 'function' ? encoding : callback;
    if (typeof done === 'function') process.nextTick(done as () => void);
    return true;
  };
  process.stdout.write = write as typeof process.stdout.write;
}

/** Sends what is left of an unfinished line (at exit). */
export function flushStdout(): void {
  if (route && pending) route(pending.endsWith('\n') ? pending : pending + '\n');
  pending = '';
}

let sink: ((text: string) => void) | undefined;

/** Where PE 0 writes lines from other PEs (the interactive console keeps its prompt intact). */
export function setLineSink(write: (text: string) => void): void {
  sink = write;
}

const taps = new Set<(lines: string) => void>();
let ownPending = '';

/**
 * PE 0: calls `tap` with the text of every whole line printed from now on
 * on any PE's stdout (the live view shows them); returns the function that
 * stops it. The output itself goes where it went before.
 */
export function tapOutput(tap: (lines: string) => void): () => void {
  if (!ownTapped) tapOwnStdout();
  taps.add(tap);
  return () => taps.delete(tap);
}

let ownTapped = false;

/** PE 0's own writes reach the taps line by line, then stdout as before. */
function tapOwnStdout(): void {
  ownTapped = true;
  const write = process.stdout.write;
  process.stdout.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
    if (taps.size) {
      ownPending += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString();
      const end = ownPending.lastIndexOf('\n');
      if (end >= 0) {
        const lines = ownPending.slice(0, end + 1);
        ownPending = ownPending.slice(end + 1);
        for (const tap of taps) tap(lines);
      }
    }
    return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof process.stdout.write;
}

/** Handler of Kind.Print on PE 0. */
export function receivePrint(r: Reader): void {
  const text = readPrint(r);
  for (const tap of taps) tap(text);
  if (sink) sink(text);
  else writeAll(1, text);
}
