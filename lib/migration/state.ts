/**
 * A member's state for migration: by default its own enumerable fields; a
 * class may define `pack()` and `unpack(state)` instead (the PUP idea), and
 * `onMigrated()`, called after arrival.
 */
import { adopt, type Chare, type ChareIndex, type MemberState } from '../model/chare';
import type { ChareClass } from '../model/registry';

/** Optional hooks a migratable chare class may define. */
export interface MigrationHooks {
  /** Returns the state to carry (default: every own enumerable field). */
  pack?(): unknown;
  /** Restores the state `pack` returned, on the new PE (default: assigns the fields). */
  unpack?(state: unknown): void;
  /** Runs on the new PE after the state is restored. */
  onMigrated?(): void;
  /** Set to false to forbid migration. */
  migratable?: boolean;
}

export function packState(chare: Chare<never>): unknown {
  const hooks = chare as unknown as MigrationHooks;
  if (typeof hooks.pack === 'function') return hooks.pack();
  const state: Record<string, unknown> = {};
  for (const key of Object.keys(chare)) state[key] = (chare as unknown as Record<string, unknown>)[key];
  return state;
}

export function unpackState(chare: Chare<never>, state: unknown): void {
  const hooks = chare as unknown as MigrationHooks;
  if (typeof hooks.unpack === 'function') hooks.unpack(state);
  else Object.assign(chare, state as object);
}

/** A member rebuilt from its packed state without its constructor (a restart): identity set, then `unpack`. */
export function restoreChare(cls: ChareClass, index: ChareIndex, member: MemberState, packed: unknown): Chare<never> {
  const chare = Object.create(cls.prototype as object) as Chare<never>;
  adopt(chare, { index, member });
  unpackState(chare, packed);
  return chare;
}

/** Runs the arrival hook, once the element is fully in place on its new PE. */
export function runArrivalHook(chare: Chare<never>): void {
  const hooks = chare as unknown as MigrationHooks;
  if (typeof hooks.onMigrated === 'function') hooks.onMigrated();
}

export function isMigratable(chare: Chare<never>): boolean {
  return (chare as unknown as MigrationHooks).migratable !== false;
}
