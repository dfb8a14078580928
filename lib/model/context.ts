/** The running PE's runtime state, reachable from every module once started. */
import type { Scheduler } from '../scheduler/scheduler';

export interface Runtime {
  readonly myPe: number;
  readonly numPes: number;
  /** Host number of every PE. */
  readonly hostOfPe: readonly number[];
  readonly numHosts: number;
  readonly scheduler: Scheduler;
}

let current: Runtime | undefined;

export function setRuntime(rt: Runtime): void {
  current = rt;
}

/** The runtime; `where` names the API called too early in the error. */
export function runtime(where = 'this call'): Runtime {
  if (!current) throw new Error(`charmts: ${where} needs the runtime: call charm.start(main) first`);
  return current;
}

export function isStarted(): boolean {
  return current !== undefined;
}
