/** Errors the runtime raises, and the fatal path that ends the job. */
import { writeSync } from 'fs';
import { mpi } from './transport/binding';

/** An entry method threw on another PE (or this one) while a caller awaited its result. */
export class RemoteError extends Error {
  constructor(
    message: string,
    /** PE the entry method ran on. */
    readonly pe: number,
    /** "Class.method" that threw. */
    readonly where: string,
    /** The stack on the PE that threw. */
    readonly remoteStack: string,
    /** Name of the original error class (TypeError, ...). */
    readonly remoteName: string,
  ) {
    super(`${remoteName} on PE ${pe} in ${where}: ${message}`);
    this.name = 'RemoteError';
    // The remote stack is part of `stack`: printing the error shows it once.
    Object.defineProperty(this, 'remoteStack', { enumerable: false });
    this.stack = `${this.name}: ${this.message}\n    --- remote stack (PE ${pe}) ---\n${remoteStack}\n    --- local stack ---\n${(this.stack ?? '').split('\n').slice(1).join('\n')}`;
  }
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
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return String(error);
}

let aborting = false;
let beforeAbort = (): void => {};

/** Set by the console output: unfinished lines are written before the job is aborted. */
export function setBeforeAbort(flush: () => void): void {
  beforeAbort = flush;
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
  }
  return abortNow();
}
