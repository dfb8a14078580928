/**
 * Chare classes by name. Every PE runs the same program, registers the same
 * classes and so assigns the same method ids: a method id in a message means
 * the same method everywhere.
 */
import type { Chare, ChareIndex } from './chare';
import { editDistance } from '../spelling';
import { registerClassValue } from '../codec/values';
import { FIRST_RUNTIME_METHOD } from './methodIds';

/** A chare class (any index type). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- constructor arguments of any chare class
export type ChareClass<T extends Chare<ChareIndex> = Chare<ChareIndex>> = abstract new (...args: any[]) => T;

export interface ChareClassInfo {
  readonly name: string;
  readonly cls: ChareClass;
  /** Entry-method names, sorted: the index is the method id. */
  readonly methods: readonly string[];
  readonly methodIds: ReadonlyMap<string, number>;
  /** Set by the proxy module: prototypes of the proxies of this class. */
  proxyPrototypes?: unknown;
}

/** Names a proxy uses for itself; a chare method with one of these names would be unreachable. */
export const RESERVED_METHOD_NAMES = new Set(['ret', 'awaitable', 'at', 'then', 'ckInsert', 'ckDoneInserting', 'ckMigrate', 'ckDestroy', 'ckLocal', 'ckLocalBranch']);

/** Lifecycle hooks the runtime calls itself: not entry methods. */
const HOOKS = new Set(['pack', 'unpack', 'onMigrated', 'onCreated']);

/**
 * Every method the runtime calls by name: the hooks, and resumeFromSync
 * (an entry method the balancer calls after AtSync). A misspelt one is
 * never called and nothing fails: a program waiting in resumeFromSynch
 * simply hangs. Charm++ catches it at compile time (the .ci file, virtual
 * overrides); here registration does, for names within two edits of a long
 * hook name or differing only in case from a short one (`back` and `pick`
 * stay ordinary methods).
 */
const CALLED_BY_NAME = [...HOOKS, 'resumeFromSync'];

/**
 * Charm++'s names for hooks charmts calls by other names: a method so
 * named would be an entry method the runtime never calls (a Charm++ user's
 * `pup` would leave the element's state behind at every move).
 */
const CHARMXX_HOOKS = new Map([
  ['pup', 'pack() (returning what to move) and unpack(state)'],
  ['ckJustMigrated', 'onMigrated()'],
]);

/** The hook `key` looks like a misspelling of, if any. */
function misspeltHook(key: string): string | undefined {
  if (CALLED_BY_NAME.includes(key)) return undefined;
  return CALLED_BY_NAME.find((hook) => key.toLowerCase() === hook.toLowerCase() || (hook.length >= 9 && editDistance(key, hook) <= 2));
}

const byName = new Map<string, ChareClassInfo>();
const byClass = new Map<unknown, ChareClassInfo>();
let basePrototype: object | undefined;

/** Set once by chare.ts: method collection stops at the Chare base class. */
export function setChareBase(prototype: object): void {
  basePrototype = prototype;
}

/**
 * Registers `cls` under `name`. With `replace` (the console redefining a
 * class) the name stands for `cls` from now on; chares of the class it
 * stood for keep their class.
 */
export function registerClass(cls: ChareClass, name = cls.name, replace = false): ChareClassInfo {
  if (typeof cls !== 'function') throw new TypeError(`charm.register: expected a chare class, got ${typeof cls}`);
  const existing = byClass.get(cls);
  if (existing) return existing;
  if (!basePrototype || !(cls.prototype instanceof (basePrototype.constructor as ChareClass))) {
    throw new TypeError(`charm.register: class ${name} does not extend Chare`);
  }
  if (typeof name !== 'string' || !name) throw new TypeError('charm.register: a chare class needs a name; pass { name }');
  if (byName.has(name) && !replace) throw new Error(`charm.register: another class is already registered as "${name}"; give this one its own name: charm.register(${cls.name}, { name: 'module.${cls.name}' })`);
  const names = new Set<string>();
  for (let proto = cls.prototype; proto && proto !== basePrototype; proto = Object.getPrototypeOf(proto)) {
    for (const key of Object.getOwnPropertyNames(proto)) {
      const descriptor = Object.getOwnPropertyDescriptor(proto, key);
      if (key === 'constructor' || HOOKS.has(key) || !descriptor || typeof descriptor.value !== 'function') continue;
      if (RESERVED_METHOD_NAMES.has(key)) {
        throw new Error(`charm.register: ${name}.${key} is a reserved name on proxies; rename the method (every method of a chare class is an entry method, TypeScript's private ones too: a helper can be a #private method or a function outside the class)`);
      }
      if (Object.hasOwn(basePrototype, key)) {
        // Charm4py refuses these names too (chare.py, "reserved"): the runtime and the user's own code call them.
        throw new Error(`charm.register: ${name}.${key} would replace Chare's own ${key}, which the runtime and the chare's code rely on (the class's ${key} would stand in for the runtime's wherever this.${key} is used); rename the method`);
      }
      const charmxx = CHARMXX_HOOKS.get(key);
      if (charmxx !== undefined) {
        throw new Error(`charm.register: ${name}.${key} is Charm++'s name; charmts calls ${charmxx} instead and would never call ${key} (docs/charmxx.md); rename it`);
      }
      const hook = misspeltHook(key);
      if (hook !== undefined) {
        throw new Error(`charm.register: ${name}.${key} looks like a misspelling of ${hook}, which the runtime calls by that exact name (it would never call ${key}); rename it`);
      }
      names.add(key);
    }
  }
  // pack alone is legitimate (its object's properties become the fields), so a
  // near miss of unpack beside it is found here: `unpak` would never be called.
  const own = (key: string): boolean => typeof (cls.prototype as Record<string, unknown>)[key] === 'function';
  if (own('pack') && !own('unpack')) {
    const near = [...names].find((key) => editDistance(key.toLowerCase(), 'unpack') <= 2);
    if (near !== undefined) throw new Error(`charm.register: ${name}.${near} looks like a misspelling of unpack, which the runtime calls by that exact name after a move (with what pack() returned); rename it`);
  }
  const methods = [...names].sort();
  if (methods.length > FIRST_RUNTIME_METHOD) throw /* ids from there up are the runtime's (methodIds.ts) */ new Error(`charm.register: ${name} has too many methods`);
  const info: ChareClassInfo = { name, cls, methods, methodIds: new Map(methods.map((m, i) => [m, i])) };
  byName.set(name, info);
  byClass.set(cls, info);
  registerClassValue(cls, `chare:${name}`, replace); // a chare class can be an argument (e.g. to create a collection on another PE)
  return info;
}

/**
 * The error for a call, callback or condition naming a method the class
 * does not have: the closest name when the miss looks like a misspelling
 * (`Get` for `get`), and the methods it has. `where`: the API refusing it.
 */
export function noEntryMethod(info: ChareClassInfo, method: string, where: string): TypeError {
  const lower = method.toLowerCase();
  let close = info.methods.find((m) => m.toLowerCase() === lower);
  let distance = 3;
  for (const m of close === undefined ? info.methods : []) {
    const d = m.length >= 4 ? editDistance(method, m) : 3;
    if (d < distance) [close, distance] = [m, d];
  }
  const guess = close === undefined ? '' : `did you mean "${close}"? `;
  return new TypeError(`${where}: chare class ${info.name} has no entry method "${method}" (${guess}it has: ${info.methods.join(', ') || 'none'})`);
}

export function classInfo(cls: unknown, where: string): ChareClassInfo {
  const info = byClass.get(cls);
  if (info) return info;
  const name = typeof cls === 'function' ? cls.name : String(cls);
  throw new Error(`${where}: class ${name} is not registered; call charm.register(${name}) at module load, on every PE`);
}

export function classByName(name: string): ChareClassInfo {
  const info = byName.get(name);
  if (!info) throw new Error(`charmts: chare class "${name}" is not registered on this PE; register it at module load so every PE has it`);
  return info;
}
