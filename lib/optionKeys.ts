/**
 * Refuses keys the runtime does not read in the options objects programs
 * pass (creation, `charm.start`, the pool, timers). TypeScript catches them
 * in typed code; in JavaScript, the console or behind `as any`, a Charm4py
 * habit (`{ useAtSync: true }`, `{ onPe: 1 }`) or a slip of case
 * (`{ loadbalancing: true }`) would otherwise be dropped without a word and
 * the option stay off. Checked once per call that creates or configures,
 * never per message.
 */
import { editDistance } from './spelling';

/** Every key of an options type, each mapped to true: written out so that the compiler keeps the list whole. */
export type OptionKeys<T> = Readonly<Record<keyof Required<T>, true>>;

/** Charm4py's and Charm++'s names for options charmts spells otherwise. */
const FOREIGN: Readonly<Record<string, string>> = { useAtSync: 'loadBalancing', usesAtSync: 'loadBalancing', onPe: 'onPE', onPes: 'onPEs', multi_future: 'multiFuture', remote_exec: 'remoteCode' };

/**
 * Throws a TypeError naming `where`, the first key of `options` that is not
 * one of `valid`, the valid key it most likely meant and the valid keys.
 * Options that are not an object at all (a PE number where `{ onPE }` goes,
 * Charm4py's `Chare(C, onPE=1)` said positionally) are refused too: the
 * calls read `options.key`, so a number was dropped without a word.
 */
export function checkOptionKeys(where: string, options: unknown, valid: Readonly<Record<string, true>>): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    const got = options === null ? 'null' : Array.isArray(options) ? 'an array' : `${typeof options} ${String(options)}`;
    throw new TypeError(`${where}: options must be an object (its options: ${Object.keys(valid).join(', ')}), got ${got}`);
  }
  for (const key in options) {
    if (Object.prototype.hasOwnProperty.call(valid, key)) continue;
    const keys = Object.keys(valid);
    const meant = closest(key, keys);
    throw new TypeError(`${where}: unknown option "${key}"${meant ? `; did you mean "${meant}"?` : ''} (its options: ${keys.join(', ')})`);
  }
}

/** The valid key `key` most likely stands for: a foreign name's counterpart, the same in another case, or one a few edits away. */
function closest(key: string, keys: readonly string[]): string | undefined {
  const foreign = FOREIGN[key];
  if (foreign !== undefined && keys.includes(foreign)) return foreign;
  const lower = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(key.length / 3)) + 1;
  for (const k of keys) {
    const d = editDistance(lower, k.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

/**
 * Refuses constructor arguments that are not an array, naming what came
 * instead: an object there is most often the options, one place early
 * (`charm.createChare(C, { onPE: 1 })`, which TypeScript refuses too).
 */
export function checkConstructorArgs(where: string, args: unknown): void {
  if (Array.isArray(args)) return;
  const got = typeof args === 'object' && args !== null
    ? `an object ({ ${Object.keys(args).join(', ')} }): options come after the constructor arguments (pass [] for none)`
    : args === null ? 'null' : typeof args;
  throw new TypeError(`${where}: constructor arguments must be an array, got ${got}`);
}
