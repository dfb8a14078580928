/**
 * Readonly state the program declares (Charm++'s readonly variables):
 * values set on PE 0 by main's synchronous part (before its first await)
 * or by the main chare's constructor, the same on every PE afterwards.
 *
 * As in Charm++: when main's synchronous part (or the main chare's
 * constructor) has run, PE 0 broadcasts every readonly's value
 * (Kind.Readonly); every other PE keeps each other message it receives
 * (scheduler.holdAllBut, which swaps handlers: nothing per message after)
 * until those values are set, so no chare code anywhere runs before it can
 * read them, even code that main's own synchronous part started.
 * Quiescence counts the broadcast, so nothing held can look finished.
 *
 * A checkpoint saves PE 0's values; a restart sets them on every PE before
 * any chare is rebuilt.
 */
import { isStarted, runtime } from './model/context';
import { Kind, readReadonlies, writeReadonlies } from './codec/wire';

interface Accessors {
  get(): unknown;
  set(value: unknown): void;
}

const readonlies = new Map<string, Accessors>();

/** Registers readonly `name`, read with `get` and restored with `set` (at module load, on every PE). */
export function registerReadonly(name: string, get: () => unknown, set: (value: never) => void): void {
  const where = 'charm.registerReadonly';
  if (typeof name !== 'string' || name === '') throw new TypeError(`${where}: name must be a non-empty string, got ${typeof name === 'string' ? '""' : typeof name}`);
  if (typeof get !== 'function' || typeof set !== 'function') throw new TypeError(`${where}(${name}): get and set must be functions`);
  if (readonlies.has(name)) throw new Error(`${where}: a readonly named "${name}" is registered already`);
  // Every PE must know them before the first message: the others hold messages until PE 0's values arrive.
  if (isStarted()) throw new Error(`${where}(${name}): register readonlies at module load, before charm.start, on every PE`);
  readonlies.set(name, { get, set: set as (value: unknown) => void });
}

let sent = false;

/**
 * On every PE, before any message can arrive (all registrations are done:
 * they happen at module load): PEs other than 0 start holding messages
 * until PE 0's values arrive. Nothing without readonlies or on one PE.
 */
export function awaitReadonlies(): void {
  const rt = runtime();
  if (readonlies.size === 0 || rt.numPes === 1) return;
  const release = rt.myPe === 0 ? undefined : rt.scheduler.holdAllBut([Kind.Readonly, Kind.Exit]);
  rt.scheduler.on(Kind.Readonly, (r) => {
    const values = readReadonlies(r);
    if (rt.myPe !== 0) restoreReadonlies(values);
    release?.();
  });
}

/**
 * On PE 0, once main's synchronous part or the main chare's constructor
 * has run (or a restart begins): sends every readonly's value to every
 * PE, once.
 */
export function sendReadonlies(): void {
  const rt = runtime();
  if (sent || readonlies.size === 0 || rt.numPes === 1) return;
  sent = true;
  writeReadonlies(rt.scheduler.writer, readonlyValues());
  rt.scheduler.broadcast();
}

/** The names registered, sorted. */
export function readonlyNames(): string[] {
  return [...readonlies.keys()].sort();
}

/** Every readonly's value on this PE. */
export function readonlyValues(): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [name, accessors] of readonlies) values[name] = accessors.get();
  return values;
}

/** Sets every readonly from saved values (a restart). */
export function restoreReadonlies(values: Record<string, unknown>): void {
  for (const [name, accessors] of readonlies) accessors.set(values[name]);
}
