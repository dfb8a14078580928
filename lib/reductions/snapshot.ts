/**
 * A value as a message would deliver it: encoded and decoded through the
 * codec, so the copy shares nothing with the original (typed arrays view a
 * buffer of their own) and a value that cannot be sent is refused here,
 * with a SerializationError naming `where`, exactly as it would be when
 * sent to another PE. Contributions are copied at the call (Charm++'s
 * contribute: "you may use data after the call"), whichever PE reduces them.
 */
import { Reader } from '../codec/reader';
import { Writer } from '../codec/writer';
import { beginLocalCopy, bodyStart } from '../codec/wire';
import { decodeValue, encodeValue } from '../codec/values';

let writer: Writer | undefined;
const reader = new Reader();

/**
 * Refuses, with the SerializationError a send to another PE would raise,
 * a value that could not be sent; passes anything else as it is. For
 * same-PE paths that hand a value over (the same rule on every path).
 */
export function checkSendable(value: unknown, where: string): void {
  if (typeof value !== 'object' && typeof value !== 'function' && typeof value !== 'symbol') return;
  if (value === null) return;
  const w = (writer ??= new Writer());
  beginLocalCopy(w);
  encodeValue(w, value, where);
}

export function snapshot<T>(value: T, where: string): T {
  // Numbers, strings, booleans and the like are values already.
  if (typeof value !== 'object' || value === null) {
    if (typeof value === 'function' || typeof value === 'symbol') encodeValue((writer ??= new Writer()), value, where); // throws, naming `where`
    return value;
  }
  const w = (writer ??= new Writer());
  beginLocalCopy(w);
  encodeValue(w, value, where);
  const bytes = w.detach();
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  reader.reset(buf, new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0, bytes.length, true, -1);
  reader.pos = bodyStart(buf, 0);
  return decodeValue(reader) as T;
}
