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
    this.stack = `${this.name}: ${this.message}\n    --- remote stack (PE ${pe}) ---\n${remoteStack}\n    --- local stack ---\n${(this.stack ?? '').split('\n').slice(1).join('\n')}`;
  }
}

/**
 * Members of a broadcast (or section call) failed: the `.ret` or
 * `.awaitable` future of the call rejects with this once every member has
 * replied. It is the first failure (a RemoteError naming its PE, index and
 * `Class.method`) and carries them all, and every member's result in member
 * order, with the member's RemoteError where it failed (Charm4py gives that
 * list as the result of `ret=True`).
 */
export class BroadcastError extends RemoteError {
  constructor(
    /** Every failure, in member order. */
    readonly errors: readonly RemoteError[],
    /** Each member's result in member order, its RemoteError where it failed (undefined for completion calls that succeeded). */
    readonly results: readonly unknown[],
  ) {
    const first = errors[0];
    super(first.message.slice(`${first.remoteName} on PE ${first.pe} in ${first.where}: `.length), first.pe, first.where, first.remoteStack, first.remoteName);
    this.name = 'BroadcastError';
    this.message = `${errors.length} of ${results.length} members failed; first: ${first.message}`;
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

/** Prints `error` with its context and ends the whole job with a non-zero exit. */
export function fatal(error: unknown, context: string): never {
  if (!aborting) {
    aborting = true;
    writeAll(2, `charmts: fatal error ${context}:\n${describe(error)}\n`);
  }
  return mpi.Abort(1);
}
