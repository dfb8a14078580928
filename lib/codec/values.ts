/**
 * Argument encoding. Numbers, strings, booleans and typed arrays take fast
 * paths; arrays, plain objects, Map, Set, Date, BigInt, RegExp and errors
 * are encoded structurally; runtime objects (proxies, futures) go through
 * extensions; instances of user classes registered with
 * `charm.registerSerializable` travel as their class name and their data,
 * and registered classes themselves (chare classes included) as their
 * name. Other functions and symbols are refused.
 */
import type { Reader } from './reader';
import type { Writer } from './writer';
import { Tag } from './tags';
import { decodeTypedInline, decodeTypedSegment, encodeTyped, typedKindOf } from './typed';
import { MAX_DEPTH, NestedTooDeeply, SerializationError } from './serializationError';

/** How a class of runtime objects (proxy, future, callback, section) is encoded. */
export interface Extension<T = unknown> {
  /** Stable id, identical on every PE. */
  id: number;
  matches(value: object): value is T & object;
  encode(w: Writer, value: T): void;
  decode(r: Reader): T;
}

const extensions: Extension[] = [];
const extensionById = new Map<number, Extension>();
const extensionByConstructor = new Map<unknown, Extension>();

/** Registers an extension; `constructors` gives an O(1) match for exact classes. */
export function registerExtension<T>(ext: Extension<T>, constructors: unknown[] = []): void {
  if (extensionById.has(ext.id)) throw new Error(`codec extension ${ext.id} registered twice`);
  extensions.push(ext as Extension);
  extensionById.set(ext.id, ext as Extension);
  for (const c of constructors) extensionByConstructor.set(c, ext as Extension);
}

// ---------------------------------------------------------------- user classes

/** How instances of a class registered with `charm.registerSerializable` travel. */
export interface SerializableOptions<T> {
  /** The name every PE knows the class by (default: the class's own name); give one when two classes share a name. */
  name?: string;
  /** What an instance travels as (default: its own enumerable fields); anything that can be sent. */
  pack?(value: T): unknown;
  /** Rebuilds an instance from what `pack` returned (default: an object of the class given those fields, without running its constructor). */
  unpack?(data: unknown): T;
}

/** A constructor of instances of `T` (any arguments). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- constructor arguments of any class
export type ClassOf<T> = abstract new (...args: any[]) => T;

interface UserClass {
  name: string;
  pack(value: object): unknown;
  unpack(data: unknown): unknown;
}

const userClasses = new Map<string, UserClass>();
const userClassOf = new Map<unknown, UserClass>();
const classNames = new Map<unknown, string>();
const classesByName = new Map<string, unknown>();

/** Lets class `cls` itself travel as a value, under `name` (chare classes, serializable classes, array maps); `replace` lets a redefinition take the name. */
export function registerClassValue(cls: unknown, name: string, replace = false): void {
  const other = classesByName.get(name);
  if (other !== undefined && other !== cls && !replace) throw new Error(`charmts: another class already travels as "${name}"`);
  classNames.set(cls, name);
  classesByName.set(name, cls);
}

function ownFields(value: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = (value as Record<string, unknown>)[key];
  return out;
}

/**
 * A method on the prototype of a class whose instances cannot be sent at
 * all, registered or not (a chare, `charm`): it says what to send instead.
 */
export const UNSENDABLE = Symbol('charmts.unsendable');

interface Unsendable {
  [UNSENDABLE](): string;
}

/**
 * Lets instances of `cls` be sent in messages, reduced and carried by
 * migrating chares (Charm4py pickles any class). Call it at module load,
 * on every PE. By default an instance travels as its own enumerable fields
 * and arrives as an object of the class with those fields (its constructor
 * does not run, as with pickle); `pack` and `unpack` choose another form.
 */
export function registerSerializable<T extends object>(cls: ClassOf<T>, options: SerializableOptions<T> = {}): void {
  if (typeof cls !== 'function' || typeof cls.prototype !== 'object') throw new TypeError(`charm.registerSerializable: expected a class, got ${typeof cls}`);
  const name = options.name ?? cls.name;
  if (typeof name !== 'string' || !name) throw new TypeError('charm.registerSerializable: the class has no name; pass { name }');
  if ((options.pack === undefined) !== (options.unpack === undefined)) throw new TypeError(`charm.registerSerializable(${name}): give both pack and unpack, or neither`);
  const unsendable = (cls.prototype as Partial<Unsendable>)[UNSENDABLE];
  if (unsendable) throw new TypeError(`charm.registerSerializable(${name}): its instances cannot be sent, registered or not: ${unsendable.call(undefined)}`);
  const existing = userClasses.get(name);
  if (existing && userClassOf.get(cls) !== existing) throw new Error(`charm.registerSerializable: another class is already registered as "${name}"; pass { name } to tell them apart`);
  if (userClassOf.has(cls)) throw new Error(`charm.registerSerializable: class ${name} is registered already`);
  const proto = cls.prototype as object;
  const user: UserClass = {
    name,
    pack: options.pack ? (v) => options.pack!(v as T) : ownFields,
    unpack: options.unpack ? (d) => options.unpack!(d) : (d) => Object.assign(Object.create(proto) as object, d),
  };
  userClasses.set(name, user);
  userClassOf.set(cls, user);
  registerClassValue(cls, `data:${name}`);
}

function encodeNumber(w: Writer, value: number): void {
  // One bounds check for tag and value (numbers fill indices, arguments, state).
  w.ensure(9);
  const at = w.pos;
  if ((value | 0) === value && (value !== 0 || 1 / value > 0)) {
    w.buf[at] = Tag.Int32;
    w.view.setInt32(at + 1, value, true);
    w.pos = at + 5;
  } else {
    w.buf[at] = Tag.Float64;
    w.view.setFloat64(at + 1, value, true);
    w.pos = at + 9;
  }
}

/** Numbers, strings, booleans, bigints, null and undefined: values already, which a copy (clone.ts) returns as they are. */
export function isImmutable(value: unknown): boolean {
  return value === null || (typeof value !== 'object' && typeof value !== 'function' && typeof value !== 'symbol');
}

/**
 * Writes the leading numbers of an array (often all of it: arrays of
 * numbers are common state) as encodeNumber would; returns the index of
 * its first item that is not a number. The items are read here, next to
 * their writes: a double read from an array and passed on to a call that
 * is not inlined is boxed, a heap number per item (256 bytes for each
 * move of a migrating element with 16 doubles, most of what encoding its
 * state allocated).
 */
function writeNumbers(w: Writer, items: readonly unknown[]): number {
  // Room for the leading numbers only: an array of 10M booleans reserved
  // 90 MB, which the writer then kept.
  let n = 0;
  while (n < items.length && typeof items[n] === 'number') n++;
  if (n === 0) return 0;
  w.ensure(9 * n);
  const buf = w.buf;
  const view = w.view;
  let at = w.pos;
  let i = 0;
  for (; i < n; i++) {
    const item = items[i] as number;
    if ((item | 0) === item && (item !== 0 || 1 / item > 0)) {
      buf[at] = Tag.Int32;
      view.setInt32(at + 1, item, true);
      at += 5;
    } else {
      buf[at] = Tag.Float64;
      view.setFloat64(at + 1, item, true);
      at += 9;
    }
  }
  w.pos = at;
  return i;
}

export function encodeValue(w: Writer, value: unknown, path: string, depth = 0): void {
  switch (typeof value) {
    case 'number':
      encodeNumber(w, value);
      return;
    case 'string':
      w.u8(Tag.String);
      w.str(value);
      return;
    case 'boolean':
      w.u8(value ? Tag.True : Tag.False);
      return;
    case 'undefined':
      w.u8(Tag.Undefined);
      return;
    case 'bigint':
      w.u8(Tag.BigInt);
      w.str(value.toString());
      return;
    case 'object':
      if (value === null) {
        w.u8(Tag.Null);
        return;
      }
      if (depth > MAX_DEPTH) throw new NestedTooDeeply(path, []);
      encodeObject(w, value, path, depth + 1);
      return;
    case 'function': {
      const name = classNames.get(value);
      if (name === undefined) throw new SerializationError(path, `a function (${value.name || 'anonymous'}) cannot be sent; send data, or a proxy to a chare (a function registered on every PE with charm.pool.register(fn) at module load travels as its name)`);
      w.u8(Tag.Class);
      w.str(name);
      return;
    }
    case 'symbol':
      throw new SerializationError(path, `a symbol (${String(value)}) cannot be sent`);
  }
}

/**
 * Encodes a part of a value (an element, a field) at `path` + `open` +
 * `key` + `close` (`[3]`, `.data`). The part's path is spelled out only
 * when it cannot be encoded: building it for every element sent cost more
 * than encoding the element (a number-to-string and a concatenation each).
 */
export function encodePart(w: Writer, value: unknown, path: string, depth: number, open: string, key: string | number, close: string): void {
  try {
    encodeValue(w, value, '', depth);
  } catch (error) {
    if (error instanceof SerializationError) throw error.within(`${path}${open}${key}${close}`, value as object);
    throw error;
  }
}

/** Encodes `value`; a SerializationError names the place as `path()` (built only then) followed by the path inside the value. */
export function encodeLabelled(w: Writer, value: unknown, path: () => string): void {
  try {
    encodeValue(w, value, '');
  } catch (error) {
    if (error instanceof SerializationError) throw error.within('', value as object).within(path());
    throw error;
  }
}

/** A plain object's encoding: its field count, then each field's name and value. */
export function writeFields(w: Writer, value: object, keys: string[], path: string, depth: number): void {
  w.u8(Tag.Object);
  w.u32(keys.length);
  for (const key of keys) {
    w.str(key);
    encodePart(w, (value as Record<string, unknown>)[key], path, depth, '.', key, '');
  }
}


function encodeObject(w: Writer, value: object, path: string, depth: number): void {
  const ctor = value.constructor;
  if (ctor === Array) {
    const items = value as unknown[];
    w.u8(Tag.Array);
    w.u32(items.length);
    for (let i = writeNumbers(w, items); i < items.length; i++) {
      const item = items[i];
      // Numbers cannot fail: no error path to set up (arrays of numbers are common state).
      if (typeof item === 'number') encodeNumber(w, item);
      else encodePart(w, item, path, depth, '[', i, ']');
    }
    return;
  }
  // Typed arrays before the user classes: no registered class is a typed array's own constructor.
  const kind = typedKindOf.get(ctor);
  if (kind !== undefined) {
    encodeTyped(w, value as ArrayBufferView, kind, path);
    return;
  }
  const user = userClassOf.get(ctor);
  if (user) {
    w.u8(Tag.Instance);
    w.str(user.name);
    encodePart(w, user.pack(value), path, depth, '<', user.name, '>');
    return;
  }
  const ext = extensionByConstructor.get(ctor) ?? extensions.find((e) => e.matches(value));
  if (ext) {
    w.u8(Tag.Extension);
    w.u16(ext.id);
    ext.encode(w, value);
    return;
  }
  if (ctor === undefined || ctor === Object || Object.getPrototypeOf(value) === null) {
    const keys = Object.keys(value);
    const symbols = Object.getOwnPropertySymbols(value);
    if (symbols.length) throw new SerializationError(path, `a symbol-keyed property (${String(symbols[0])}) cannot be sent; use a string key`);
    writeFields(w, value, keys, path, depth);
    return;
  }
  if (value instanceof Map) {
    w.u8(Tag.Map);
    w.u32(value.size);
    let i = 0;
    for (const [k, v] of value) {
      encodePart(w, k, path, depth, '<key ', i, '>');
      encodePart(w, v, path, depth, '<value ', i++, '>');
    }
    return;
  }
  if (value instanceof Set) {
    w.u8(Tag.Set);
    w.u32(value.size);
    let i = 0;
    for (const v of value) encodePart(w, v, path, depth, '<item ', i++, '>');
    return;
  }
  if (value instanceof Date) {
    w.u8(Tag.Date);
    w.f64(value.getTime());
    return;
  }
  if (value instanceof RegExp) {
    w.u8(Tag.RegExp);
    w.str(value.source);
    w.str(value.flags);
    return;
  }
  if (value instanceof Error) {
    // A cause that is an error or a primitive travels (an error's chain); others, which could fail to encode and lose the error itself, do not.
    const cause: unknown = value.cause;
    const caused = cause instanceof Error || (cause !== undefined && isImmutable(cause));
    w.u8(caused ? Tag.ErrorWithCause : Tag.Error);
    w.str(value.name);
    w.str(value.message);
    w.str(value.stack ?? '');
    if (caused) encodePart(w, cause, path, depth, '.', 'cause', '');
    return;
  }
  if (ArrayBuffer.isView(value)) throw new SerializationError(path, `${ctor.name} cannot be sent; send a typed array`);
  throw new SerializationError(path, unsendableInstance(value, ctor));
}

/** Why an instance of `ctor` cannot be sent, and what to do instead. */
function unsendableInstance(value: object, ctor: Function): string {
  if (typeof (value as { then?: unknown }).then === 'function') {
    return `a ${ctor.name || 'thenable'} cannot be sent: send the value it resolves to (did you forget an await?)`;
  }
  const unsendable = (value as Partial<Unsendable>)[UNSENDABLE];
  if (unsendable) return unsendable.call(value);
  // A class of the platform's own (WeakMap, URL, ...): registering it would not carry its hidden state.
  if (isPlatformClass(ctor)) return `an instance of ${ctor.name} cannot be sent; send the data it holds (plain objects, arrays, Maps, typed arrays)`;
  return `an instance of class ${ctor.name} cannot be sent; register it with charm.registerSerializable(${ctor.name}) or send a plain object`;
}

/** A constructor of the JavaScript engine's or Node's own: a global, or native code. */
function isPlatformClass(ctor: Function): boolean {
  return (globalThis as Record<string, unknown>)[ctor.name] === ctor || /\{\s*\[native code\]\s*\}$/.test(Function.prototype.toString.call(ctor));
}

/** The standard error classes, by name: an error arrives as the class it was sent as, when it is one of them. */
const ERROR_CLASSES: Record<string, ErrorConstructor | undefined> = { Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError };

function decodeError(r: Reader, caused: boolean): Error {
  const name = r.str();
  const message = r.str();
  const cls = Object.hasOwn(ERROR_CLASSES, name) ? ERROR_CLASSES[name]! : Error;
  const error = new cls(message);
  if (error.name !== name) error.name = name;
  error.stack = r.str();
  if (caused) error.cause = decodeValue(r);
  return error;
}

export function decodeValue(r: Reader): unknown {
  const tag = r.u8();
  switch (tag) {
    case Tag.Undefined: return undefined;
    case Tag.Null: return null;
    case Tag.False: return false;
    case Tag.True: return true;
    case Tag.Int32: return r.i32();
    case Tag.Float64: return r.f64();
    case Tag.String: return r.str();
    case Tag.Array: {
      const n = r.u32();
      const out = new Array<unknown>(n);
      // Numbers read in place, the position kept in a local (a store to the
      // reader per number otherwise): arrays of numbers are common state (and array indices).
      const buf = r.buf;
      const view = r.view;
      let at = r.pos;
      for (let i = 0; i < n; i++) {
        const next = buf[at];
        if (next === Tag.Float64) {
          out[i] = view.getFloat64(at + 1, true);
          at += 9;
        } else if (next === Tag.Int32) {
          out[i] = view.getInt32(at + 1, true);
          at += 5;
        } else {
          r.pos = at;
          out[i] = decodeValue(r);
          at = r.pos;
        }
      }
      r.pos = at;
      return out;
    }
    case Tag.Object: {
      const n = r.u32();
      const out: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) {
        const key = r.str();
        out[key] = decodeValue(r);
      }
      return out;
    }
    case Tag.TypedInline: return decodeTypedInline(r);
    case Tag.TypedSegment: return decodeTypedSegment(r);
    case Tag.BigInt: return BigInt(r.str());
    case Tag.Map: {
      const n = r.u32();
      const out = new Map<unknown, unknown>();
      for (let i = 0; i < n; i++) {
        const k = decodeValue(r);
        out.set(k, decodeValue(r));
      }
      return out;
    }
    case Tag.Set: {
      const n = r.u32();
      const out = new Set<unknown>();
      for (let i = 0; i < n; i++) out.add(decodeValue(r));
      return out;
    }
    case Tag.Date: return new Date(r.f64());
    case Tag.Error:
    case Tag.ErrorWithCause:
      return decodeError(r, tag === Tag.ErrorWithCause);
    case Tag.Instance: {
      const name = r.str();
      const user = userClasses.get(name);
      if (!user) throw new Error(`charmts: a message holds an instance of class "${name}", not registered on this PE; call charm.registerSerializable at module load, on every PE`);
      return user.unpack(decodeValue(r));
    }
    case Tag.RegExp: {
      const source = r.str();
      return new RegExp(source, r.str());
    }
    case Tag.Class: {
      const name = r.str();
      const cls = classesByName.get(name);
      if (!cls) throw new Error(`charmts: a message holds class "${name}", not registered on this PE; register it at module load, on every PE`);
      return cls;
    }
    case Tag.Extension: {
      const id = r.u16();
      const ext = extensionById.get(id);
      if (!ext) throw new Error(`charmts: message uses codec extension ${id}, unknown on this PE`);
      return ext.decode(r);
    }
    default:
      throw new Error(`charmts: corrupt message (value tag ${tag})`);
  }
}

/** Encodes a list of call arguments, naming the argument at fault on error. */
export function encodeArgs(w: Writer, args: readonly unknown[]): void {
  if (args.length > 255) throw new SerializationError('arguments', 'more than 255 arguments');
  w.u8(args.length);
  for (let i = 0; i < args.length; i++) encodePart(w, args[i], '', 0, 'argument ', i, '');
}

export function decodeArgs(r: Reader): unknown[] {
  const n = r.u8();
  const out = new Array<unknown>(n);
  for (let i = 0; i < n; i++) out[i] = decodeValue(r);
  return out;
}
