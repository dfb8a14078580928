/**
 * An object's own fields, encoded exactly as the plain object of them
 * would be (values.ts), and decoded straight into an object: a migrating
 * member's state, written from the member and read into the member made on
 * arrival (lib/migration/).
 *
 * Members of a class nearly always have the same fields, in the same
 * order. The first time a class's fields are written or read here, their
 * list becomes the class's shape: its field names encoded once, and a
 * writer and a reader generated for them, whose property loads and stores
 * are by name (one object layout each, where the general path's keyed
 * loads and stores see every class and field). An object whose fields
 * differ, or a message written from another list, takes the general path;
 * the bytes are the same either way.
 */
import type { Reader } from './reader';
import type { Writer } from './writer';
import { Tag } from './tags';
import { decodeValue, encodePart, writeFields } from './values';
import { SerializationError } from './serializationError';

/** Writes one field, its name's bytes and its value (the shape's writer calls it per field). */
type WriteField = (w: Writer, name: Uint8Array, value: unknown, key: string) => void;
/** Reads one field's value; `at`: the field's place in the shape. */
type ReadField = (r: Reader, shape: Shape, at: number) => unknown;

interface Shape {
  readonly keys: readonly string[];
  /** Per field, what precedes its value: its name as `Writer.str` writes it; the first also has the object's tag and field count. */
  readonly names: readonly Uint8Array[];
  /** Writes the values of `o`'s fields, each after its name. */
  readonly write: (w: Writer, o: object, names: readonly Uint8Array[], field: WriteField) => void;
  /** Reads fields into `o` while their names are the shape's; returns how many it read. */
  readonly read: (r: Reader, o: object, shape: Shape, same: (r: Reader, name: Uint8Array) => boolean, field: ReadField) => number;
  /**
   * Per field, the string it last held on arrival (short ASCII ones), or
   * undefined: a field whose text did not change (a label, a name) is
   * given the same string again instead of a new one decoded.
   */
  readonly strings: (string | undefined)[];
}

/** Per class: its shape, or null when none can be made (code generation disallowed, an odd field name). */
const shapes = new Map<unknown, Shape | null>();

/** Longest field string remembered per field (compared byte by byte on arrival). */
const REMEMBERED_STRING = 64;

/**
 * Encodes the own enumerable string-keyed fields of `source`, an object of
 * any class, exactly as the plain object of them would be. A SerializationError
 * names the place as `path()` (built only then) followed by the field.
 * `cls`: its class, when the caller knows it (see classOf).
 */
export function encodeFields(w: Writer, source: object, path: () => string, cls: unknown = classOf(source)): void {
  const keys = Object.keys(source);
  try {
    const shape = shapeOf(cls, keys);
    if (shape && sameKeys(shape.keys, keys)) {
      shape.write(w, source, shape.names, writeField);
      return;
    }
    writeFields(w, source, keys, '', 1);
  } catch (error) {
    if (error instanceof SerializationError) throw error.within('', source).within(path());
    throw error;
  }
}

/**
 * The class an object's shape is filed under: its prototype's constructor
 * (an own field named `constructor` is a field like any other). A member's
 * is known to its collection, which passes it: Object.getPrototypeOf is a
 * call into the runtime (about 150 instructions, on both sides of a move).
 */
function classOf(o: object): unknown {
  return Object.getPrototypeOf(o)?.constructor;
}

/**
 * Decodes a value; a plain object's fields go straight into `target`
 * (assigned in order, as Object.assign would from the decoded object),
 * and `target` is returned: a member's state lands in the member without
 * an object in between. Anything else is decoded and returned.
 */
export function decodeInto(r: Reader, target: object, cls: unknown = classOf(target)): unknown {
  if (r.buf[r.pos] !== Tag.Object) return decodeValue(r);
  const shape = shapes.get(cls);
  if (shape) {
    const read = shape.read(r, target, shape, sameBytes, readField);
    if (read === shape.keys.length) return target;
    // Another list from here on (read > 0: the count matched, and the first `read` fields).
    if (read > 0) {
      readRest(r, target, shape.keys.length - read);
      return target;
    }
  }
  r.pos++;
  const n = r.u32();
  if (shape === undefined) {
    const keys = readRest(r, target, n);
    shapeOf(cls, keys);
  } else readRest(r, target, n);
  return target;
}

/** Reads `n` fields, name and value, into `target`; returns their names. */
function readRest(r: Reader, target: object, n: number): string[] {
  const keys: string[] = [];
  for (; n > 0; n--) {
    const key = r.str();
    const value = decodeValue(r);
    // Decoded into an object, "__proto__" would have set its prototype, not a field to assign.
    if (key !== '__proto__') (target as Record<string, unknown>)[key] = value;
    keys.push(key);
  }
  return keys;
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function writeField(w: Writer, name: Uint8Array, value: unknown, key: string): void {
  // Byte by byte: a few bytes each, where Buffer's set() costs a call into the typed-array builtins.
  const n = name.length;
  w.ensure(n);
  const buf = w.buf;
  const at = w.pos;
  for (let i = 0; i < n; i++) buf[at + i] = name[i];
  w.pos = at + n;
  encodePart(w, value, '', 1, '.', key, '');
}

/** True, past them, when the next bytes are `name`'s; else false, nothing read. */
function sameBytes(r: Reader, name: Uint8Array): boolean {
  const buf = r.buf;
  const at = r.pos;
  const n = name.length;
  if (at + n > r.inlineEnd) return false;
  for (let i = 0; i < n; i++) if (buf[at + i] !== name[i]) return false;
  r.pos = at + n;
  return true;
}

function readField(r: Reader, shape: Shape, at: number): unknown {
  if (r.buf[r.pos] !== Tag.String) return decodeValue(r);
  const last = shape.strings[at];
  if (last !== undefined && sameText(r, last)) return last;
  const value = decodeValue(r) as string;
  shape.strings[at] = value.length <= REMEMBERED_STRING && isAscii(value) ? value : undefined;
  return value;
}

/** True, past it, when the next value is the ASCII string `s` (its tag, length and bytes). */
function sameText(r: Reader, s: string): boolean {
  const buf = r.buf;
  const at = r.pos + 5;
  const n = s.length;
  if (at + n > r.inlineEnd || r.view.getUint32(r.pos + 1, true) !== n) return false;
  for (let i = 0; i < n; i++) if (buf[at + i] !== s.charCodeAt(i)) return false;
  r.pos = at + n;
  return true;
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** The class's shape, made from `keys` the first time the class comes here. */
function shapeOf(cls: unknown, keys: readonly string[]): Shape | null {
  let shape = shapes.get(cls);
  if (shape === undefined) {
    shape = makeShape(keys);
    shapes.set(cls, shape);
  }
  return shape;
}

function makeShape(keys: readonly string[]): Shape | null {
  // "__proto__" assigned by name would set the prototype (the general path skips it on arrival);
  // no fields, nothing to gain.
  if (keys.length === 0 || keys.includes('__proto__')) return null;
  const names = keys.map((key, i) => {
    const text = Buffer.from(key, 'utf8');
    const head = i === 0 ? 5 : 0;
    const bytes = new Uint8Array(head + 4 + text.length);
    const view = new DataView(bytes.buffer);
    if (i === 0) {
      bytes[0] = Tag.Object;
      view.setUint32(1, keys.length, true);
    }
    view.setUint32(head, text.length, true);
    bytes.set(text, head + 4);
    return bytes;
  });
  // Field names as string literals (JSON's quoting is JavaScript's).
  const at = keys.map((key) => `[${JSON.stringify(key)}]`);
  try {
    const write = new Function('w', 'o', 'names', 'field', ["'use strict';", ...keys.map((key, i) => `field(w, names[${i}], o${at[i]}, ${JSON.stringify(key)});`)].join('\n')) as Shape['write'];
    const read = new Function('r', 'o', 'shape', 'same', 'field', [
      "'use strict';", // as the general path (module code): a store to a getter-only or read-only field throws
      ...keys.map((_, i) => `if (!same(r, shape.names[${i}])) return ${i}; o${at[i]} = field(r, shape, ${i});`),
      `return ${keys.length};`,
    ].join('\n')) as Shape['read'];
    return { keys: [...keys], names, write, read, strings: keys.map(() => undefined) };
  } catch {
    // Code generation from strings disallowed (node --disallow-code-generation-from-strings): the general path.
    return null;
  }
}
