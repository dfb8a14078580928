/** Errors the runtime raises, and the fatal path that ends the job. */
import { writeSync } from 'fs';
import { resolve, sep } from 'path';
import { inspect } from 'util';
import { mpi } from './transport/binding';

const REMOTE = Symbol('charmts.remoteError');

/**
 * An entry method threw on another PE (or this one) while a caller awaited
 * its result. The error keeps the class it was thrown as when that is one
 * of JavaScript's built-in error classes (a remote `TypeError` is
 * `instanceof TypeError` here, with `name` 'TypeError'); any other class
 * arrives as an Error with the original `name`. Every such error is also
 * `instanceof RemoteError`, and carries the PE, the `Class.method` and the
 * remote stack (Charm4py re-raises the remote exception in the same way).
 */
export class RemoteError extends Error {
  /** PE the entry method ran on. */
  declare readonly pe: number;
  /** "Class.method (index i)" that threw. */
  declare readonly where: string;
  /** The stack on the PE that threw. */
  declare readonly remoteStack: string;
  /** Name of the original error class (TypeError, ...). */
  declare readonly remoteName: string;

  constructor(message: string, pe: number, where: string, remoteStack: string, remoteName: string) {
    super();
    describeRemote(this, message, pe, where, remoteStack, remoteName);
  }

  /** `e instanceof RemoteError` holds for every error raised on another PE and re-raised here, whatever its class there. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && REMOTE in value;
  }
}

const BUILT_IN: ReadonlyMap<string, ErrorConstructor> = new Map<string, ErrorConstructor>([
  ['TypeError', TypeError],
  ['RangeError', RangeError],
  ['SyntaxError', SyntaxError],
  ['ReferenceError', ReferenceError],
  ['EvalError', EvalError],
  ['URIError', URIError],
]);

/** The error a caller sees when the entry method it awaited threw `remoteName` with `message` on PE `pe`. */
export function remoteError(message: string, pe: number, where: string, remoteStack: string, remoteName: string): RemoteError {
  const Base = BUILT_IN.get(remoteName);
  if (!Base) return new RemoteError(message, pe, where, remoteStack, remoteName);
  const error = new Base();
  describeRemote(error, message, pe, where, remoteStack, remoteName);
  return error as RemoteError;
}

function describeRemote(error: Error, message: string, pe: number, where: string, remoteStack: string, remoteName: string): void {
  const local = (error.stack ?? '').split('\n').slice(1).join('\n');
  Object.defineProperty(error, REMOTE, { value: true });
  Object.defineProperties(error, {
    pe: { value: pe, enumerable: true },
    where: { value: where, enumerable: true },
    remoteStack: { value: remoteStack, enumerable: false }, // part of `stack`: printing the error shows it once
    remoteName: { value: remoteName, enumerable: true },
    name: { value: remoteName || 'Error', writable: true, configurable: true },
    toString: { value: messageOnly, writable: true, configurable: true },
  });
  error.message = `${remoteName} on PE ${pe} in ${where}: ${message}`;
  // The message begins with the class already: "Error: Error on PE 1 …" said it twice (the stack's
  // first line is what a fatal error, console.log and Node print; toString, what String(e) gives).
  error.stack = `${error.message}\n    --- remote stack (PE ${pe}) ---\n${remoteStack}\n    --- local stack ---\n${local}`;
}

/** A remote error's toString: its message, which names its class. */
function messageOnly(this: Error): string {
  return this.message;
}

// ---------------------------------------------------------------- where a promise was made

/** The chare code running now: set around constructors and entry methods (cheap: no allocation). */
export const running: { className: string; method: string; index: unknown } = { className: '', method: '', index: undefined };

const origins = new WeakMap<object, { className: string; method: string; index: unknown }>();

/** Remembers which chare code made `promise` (a future's), to name it should it fail with nobody awaiting it. */
export function noteOrigin(promise: object): void {
  if (running.className) origins.set(promise, { ...running });
}

/** "Cell constructor (index [3])", "Cell.work (index [3])", or undefined if `promise` was made outside chare code. */
export function originOf(promise: unknown): string | undefined {
  const o = typeof promise === 'object' && promise !== null ? origins.get(promise) : undefined;
  return o && describeOrigin(o.className, o.method, o.index);
}

/** "Cell constructor (index [3])" or "Cell.work (index [3])". */
export function describeOrigin(className: string, method: string, index: unknown): string {
  const shown = index instanceof Uint8Array ? `bytes<${Buffer.from(index).toString('hex')}>` : JSON.stringify(index);
  return `${className}${method === 'constructor' ? ' constructor' : `.${method}`} (index ${shown})`;
}

const BROADCAST = Symbol('charmts.broadcastError');
/** Failures a BroadcastError's message names; the rest are counted. */
const NAMED = 10;

/**
 * Members of a broadcast (or section call) failed: the `.ret` or
 * `.awaitable` future of the call rejects with this once every member has
 * replied. It is the first failure (a RemoteError keeping its class, PE,
 * index and `Class.method`), its message followed by `(n members failed;
 * also: …)` naming the next ones, and it carries them all, and every
 * member's result in member order, with the member's RemoteError where it
 * failed (Charm4py gives that list as the result of `ret=True`).
 */
export class BroadcastError extends RemoteError {
  /** Every failure, in member order. */
  declare readonly errors: readonly RemoteError[];
  /** Each member's result in member order, its RemoteError where it failed (undefined for completion calls that succeeded). */
  declare readonly results: readonly unknown[];

  /** @internal Made by the runtime (`broadcastError`): the error is of its first failure's class. */
  private constructor() {
    super('', 0, '', '', '');
  }

  /** `e instanceof BroadcastError` holds for the error of a broadcast that failed on some members. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && BROADCAST in value;
  }
}

/** The error of a broadcast whose members failed with `errors` (member order), their results being `results`. */
export function broadcastError(errors: readonly RemoteError[], results: readonly unknown[]): BroadcastError {
  const [first, ...rest] = errors;
  let message = first.message.slice(`${first.remoteName} on PE ${first.pe} in ${first.where}: `.length);
  if (rest.length > 0) {
    const others = rest.slice(0, NAMED - 1).map((e) => e.message);
    if (rest.length > NAMED - 1) others.push(`${rest.length - (NAMED - 1)} more`);
    message = `${message} (${errors.length} members failed; also: ${others.join('; ')})`;
  }
  const error = remoteError(message, first.pe, first.where, first.remoteStack, first.remoteName);
  Object.defineProperty(error, BROADCAST, { value: true });
  Object.defineProperties(error, { errors: { value: errors, enumerable: false }, results: { value: results, enumerable: false }, [inspect.custom]: { value: showBroadcastError } });
  return error as BroadcastError;
}

/**
 * How a BroadcastError prints (the console, console.log): its stack, whose
 * message names the failures, and its fields, with `errors` and `results`
 * counted, not printed. Node prints an error's `errors` in full (as an
 * AggregateError's): every member's remote and local stacks again, about
 * 35 lines a failed member at the console.
 */
function showBroadcastError(this: BroadcastError): string {
  const { pe, where, remoteName, errors, results } = this;
  return `${this.stack} {\n  pe: ${pe},\n  where: ${JSON.stringify(where)},\n  remoteName: ${JSON.stringify(remoteName)},\n  errors: [${errors.length} RemoteError${errors.length === 1 ? '' : 's'}, one a failed member],\n  results: [${results.length} member result${results.length === 1 ? '' : 's'}]\n}`;
}

/** Writes to a file descriptor synchronously, so nothing is lost if the process ends next. */
export function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text);
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(fd, bytes, offset);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') return;
    }
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return typeof error.stack === 'string' ? programStack(error.stack) : `${error.name}: ${error.message}`;
  return String(error);
}

/**
 * The runtime's code: this file's folder (dist/lib, or lib under a
 * TypeScript loader), and lib/ beside dist/ too, where source maps
 * (`--enable-source-maps`, `charmrun app.ts`) point dist/lib's frames.
 */
const RUNTIME_DIRS = [__dirname + sep, ...(__dirname.endsWith(`${sep}dist${sep}lib`) ? [resolve(__dirname, '..', '..', 'lib') + sep] : [])];
/** Where a stack frame points: after the last `, ` of eval's `(eval at f (file), <anonymous>:3:24)`, else in its parentheses, else after `at `. */
const FRAME = /^\s+at (?:.*\((?:.*, )?(.*)\)|(.*))$/;

/**
 * Whether a stack line is a frame of the program's: code at a position of
 * its own (a file outside the runtime, code compiled by eval or the
 * console, `<anonymous>:3:24`, `REPL3:1:30`), not the runtime's files,
 * Node's (`node:internal/...`) or a builtin's (`<anonymous>`, `native`,
 * `Promise.all (index 0)`).
 */
function programFrame(line: string): boolean {
  const m = FRAME.exec(line);
  if (!m) return false;
  const at = (m[1] ?? m[2]).replace(/^file:\/\//, '');
  return !(RUNTIME_DIRS.some((dir) => at.startsWith(dir)) || at.startsWith('node:') || at === '<anonymous>' || at === 'native' || at.startsWith('index '));
}

/** The header lines of a RemoteError's stack (describeRemote): `--- remote stack (PE n) ---`, `--- local stack ---`. */
const SECTION = /^\s+--- .* ---$/;
const LOCAL_SECTION = /^\s+--- local stack ---$/;

/**
 * `stack` without the runtime's frames below the program's last one: the
 * scheduler and dispatch that ran the entry method, eight lines or so of
 * each fatal error that say nothing about it; one line counts them.
 * Frames above the program's (an error thrown inside a charmts call)
 * stay, and a stack with no frame of the program's is left whole: it is
 * a runtime error, frames and all. A RemoteError's remote and local stacks
 * are trimmed each on its own; its local stack, the dispatch that
 * delivered the failure, often has no program frame and becomes its count.
 */
export function programStack(stack: string): string {
  const sections: string[][] = [[]];
  for (const line of stack.split('\n')) {
    if (SECTION.test(line)) sections.push([line]);
    else sections[sections.length - 1].push(line);
  }
  return sections.map((lines) => trimSection(lines, LOCAL_SECTION.test(lines[0]))).join('\n');
}

/** `lines` trimmed below the program's last frame; `delivery`: a RemoteError's local stack, counted whole when it has no program frame. */
function trimSection(lines: string[], delivery: boolean): string {
  let last = -1;
  let first = lines.length;
  for (let i = 0; i < lines.length; i++) {
    if (!/^\s+at /.test(lines[i])) continue;
    first = Math.min(first, i);
    if (programFrame(lines[i])) last = i;
  }
  if (last < 0 && (!delivery || first === lines.length)) return lines.join('\n');
  const kept = last < 0 ? first : last + 1;
  const below = lines.length - kept;
  if (below === 0) return lines.join('\n');
  const more = kept > first ? 'more ' : '';
  return `${lines.slice(0, kept).join('\n')}\n    (${below} ${more}frame${below === 1 ? '' : 's'} in charmts and Node)`;
}

let aborting = false;
let beforeAbort = (): void => {};
let fatalReport = (): void => {};

/** Set by the console output: unfinished lines are written before the job is aborted. */
export function setBeforeAbort(flush: () => void): void {
  beforeAbort = flush;
}

/** Set by the runtime: on a fatal error, the +stats table and +trace file with what the PEs measured (runtime/profiles.ts). */
export function setFatalReport(report: () => void): void {
  fatalReport = report;
}

/** Ends the whole job at once with exit code 1, after writing what this PE has printed. */
export function abortNow(): never {
  try {
    beforeAbort();
  } catch {
    /* the abort matters more */
  }
  return mpi.Abort(1);
}

let keepGoing = false;

/**
 * The interactive console: an error nobody waits for (a fire-and-forget
 * call, an unhandled rejection) is printed and the session goes on.
 * Programs fail fast instead.
 */
export function keepGoingAfterErrors(): void {
  keepGoing = true;
}

/**
 * Errors that end what the members of an array deleted whole were
 * awaiting (their allReduce: wholeDeletion.ts), and a reduction over a
 * section of it (lib/sections/), a live member's of a combined section
 * too, awaited or joined after the deletion. A member's method that lets
 * one through, with nobody awaiting the method, ends silently: the member
 * or the section is gone, as in Charm++ and Charm4py, where a deleted
 * element's suspended method never resumes. A caller awaiting the method
 * gets it.
 */
const memberEndings = new WeakSet<object>();

export function endsDeletedMembers<E extends Error>(error: E): E {
  memberEndings.add(error);
  return error;
}

export function endedByDeletion(error: unknown): boolean {
  return typeof error === 'object' && error !== null && memberEndings.has(error);
}

/** An error nobody can receive: fatal for a program, printed in the console. */
export function uncaught(error: unknown, context: string): void {
  if (!keepGoing) fatal(error, context);
  process.stderr.write(`charmts: error ${context}:\n${describe(error)}\n`);
}

/** Prints `error` with its context and ends the whole job with a non-zero exit. */
export function fatal(error: unknown, context: string): never {
  if (!aborting) {
    aborting = true;
    writeAll(2, `charmts: fatal error ${context}:\n${describe(error)}\n`);
    try {
      fatalReport();
    } catch (failure) {
      // Said after the error, which stays the job's end.
      writeAll(2, `charmts: the +stats table or +trace file could not be written after that error: ${failure instanceof Error ? failure.message : String(failure)}\n`);
    }
  }
  return abortNow();
}
