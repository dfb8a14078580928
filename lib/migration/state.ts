/**
 * A member's state for migration: by default its own enumerable fields; a
 * class may define `pack()` and `unpack(state)` instead (the PUP idea), and
 * `onMigrated()`, called after arrival.
 *
 * While a member's state is encoded for a move, and decoded on arrival, the
 * member is "travelling": runtime objects that belong to one chare (its
 * channels) travel inside its state only, and bind to it on arrival. A
 * checkpoint writes and a restart reads members the same way
 * (member.ts).
 */
import type { Chare } from '../model/chare';
import type { Writer } from '../codec/writer';
import { encodeLabelled } from '../codec/values';
import { encodeFields } from '../codec/fields';
import { SerializationError } from '../codec/serializationError';

/** Optional hooks a migratable chare class may define. */
export interface MigrationHooks {
  /** Returns the state to carry (default: every own enumerable field). */
  pack?(): unknown;
  /** Restores the state `pack` returned, on the new PE (default: assigns the fields). */
  unpack?(state: unknown): void;
  /** Runs on the new PE after the state is restored. */
  onMigrated?(): void;
  /** Set to false to forbid migration: `migrate()` refuses, and load balancers leave the element where it is (pinned). */
  migratable?: boolean;
}

let travelling: Chare<never> | undefined;

/**
 * `chare` travels (its state is being encoded or decoded) from now until
 * `stopTravelling(outer)`, given what this returns; use try/finally. A pair of
 * calls rather than a function taking the work as a closure: a closure
 * per move on each side.
 */
export function startTravelling(chare: Chare<never>): Chare<never> | undefined {
  const outer = travelling;
  travelling = chare;
  return outer;
}

/** Ends what `startTravelling` began (`outer`: what it returned). */
export function stopTravelling(outer: Chare<never> | undefined): void {
  travelling = outer;
}

/** The member whose state is being encoded or decoded for a move, if any. */
export function travellingChare(): Chare<never> | undefined {
  return travelling;
}

/**
 * Writes a member's state as it is now: what its pack() returns, or its
 * own fields (encoded as the object packState makes of them would be);
 * `cls`: its class, when known (codec/fields.ts' classOf).
 */
export function writeState(w: Writer, chare: Chare<never>, describe: () => string, cls?: unknown): void {
  const hooks = chare as unknown as MigrationHooks;
  if (typeof hooks.pack === 'function') encodeLabelled(w, inHook(() => hooks.pack!(), () => `${describe()}.pack(), as it migrates`), () => `state of ${describe()}`);
  else {
    try {
      encodeFields(w, chare, describe, cls); // "state of" goes in front in the catch: no closure per move
    } catch (error) {
      if (!(error instanceof SerializationError)) throw error;
      const named = error.within('state of ');
      throw new SerializationError(named.path, `${named.reason}; an element's own fields travel with it when it migrates: leave this one out with pack() and unpack(state), or keep the element in place (migratable = false)`);
    }
  }
}

export function packState(chare: Chare<never>): unknown {
  const hooks = chare as unknown as MigrationHooks;
  if (typeof hooks.pack === 'function') return hooks.pack();
  const state: Record<string, unknown> = {};
  for (const key of Object.keys(chare)) state[key] = (chare as unknown as Record<string, unknown>)[key];
  return state;
}

/** True when the member restores its state itself (`unpack`). */
export function hasUnpack(chare: Chare<never>): boolean {
  return typeof (chare as unknown as MigrationHooks).unpack === 'function';
}

/** Gives a member its state: its unpack(state), or its fields assigned; `describe` names the member, for an exception from unpack. */
export function unpackState(chare: Chare<never>, state: unknown, describe: () => string): void {
  const hooks = chare as unknown as MigrationHooks;
  if (typeof hooks.unpack === 'function') inHook(() => hooks.unpack!(state), () => `${describe()}.unpack(state), on arrival`);
  else if (state !== null && typeof state === 'object' && Object.getPrototypeOf(state) === Object.prototype) Object.assign(chare, state);
  else throw new TypeError(`${describe()}, on arrival: pack() returned ${state === null ? 'null' : Array.isArray(state) ? 'an array' : typeof state === 'object' ? `a ${(state as object).constructor?.name ?? 'object'}` : `a ${typeof state}`} and the class has no unpack(state) to take it; without unpack, pack must return a plain object, whose properties become the element's fields`);
}

/**
 * Runs a member's hook; an exception from it goes on with the member and
 * hook named at the front of its message (the stack alone did not say
 * which element was moving, nor where to).
 */
function inHook<T>(run: () => T, where: () => string): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof Error) {
      const frames = (error.stack ?? '').split('\n').slice(1).join('\n');
      error.message = `${where()}: ${error.message}`;
      error.stack = `${error.name}: ${error.message}\n${frames}`;
    }
    throw error;
  }
}

/** Runs the arrival hook, once the element is fully in place on its new PE. */
export function runArrivalHook(chare: Chare<never>): void {
  const hooks = chare as unknown as MigrationHooks;
  if (typeof hooks.onMigrated === 'function') hooks.onMigrated();
}

export function isMigratable(chare: Chare<never>): boolean {
  return (chare as unknown as MigrationHooks).migratable !== false;
}
