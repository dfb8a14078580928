/**
 * Readonly state the program declares (Charm++'s readonly variables):
 * values that are the same on every PE, typically set before the chares
 * that read them are created. A checkpoint saves PE 0's values; a restart
 * sets them on every PE before any chare is rebuilt.
 */

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
  readonlies.set(name, { get, set: set as (value: unknown) => void });
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
