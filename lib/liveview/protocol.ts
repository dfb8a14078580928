/**
 * THE LIVE VIEW'S WIRE FORMAT: every message that goes over the live
 * view's WebSocket is laid out here, and only here (the page's script in
 * ./page.ts is given the binary offsets below).
 *
 * Text messages are JSON objects with a `type`:
 *
 *   client -> server
 *     { type: 'subscribe', feeds: ['frames' | 'perf' | 'balancing' | 'output', ...] }
 *     { type: 'call', id: u32, handler: name, payload?: JSON }      a CCS call
 *     { type: 'status' }                                             viewers, frames, drops
 *   server -> client
 *     { type: 'hello', numPes, handlers, image, feeds }               on connecting
 *     { type: 'reply', id, value } | { type: 'reply', id, error }     a CCS reply
 *     { type: 'perf', samples } | { type: 'balancing', steps } | { type: 'output', lines, dropped }
 *     { type: 'status', frames, clients }
 *     { type: 'error', message }                                      a refused message
 *
 * Binary messages start with a u8 kind; integers are little-endian:
 *
 *   Frame  (server -> client)  u8 1 | u32 frame | u32 width | u32 height | u8 channels | pixels (width*height*channels bytes)
 *   Reply  (server -> client)  u8 2 | u32 call id | reply bytes
 *   Call   (client -> server)  u8 3 | u32 call id | u16 name length | name (UTF-8) | payload bytes
 */
import type { CcsPayload } from '../ccs/ccs';

/** What a client can subscribe to. */
export const FEEDS = ['frames', 'perf', 'balancing', 'output'] as const;
export type Feed = (typeof FEEDS)[number];

export const enum BinaryKind {
  Frame = 1,
  Reply = 2,
  Call = 3,
}

/** Byte offsets of the binary messages' fields (the page's script gets them too). */
export const OFFSETS = {
  kind: 0,
  frame: { number: 1, width: 5, height: 9, channels: 13, pixels: 14 },
  reply: { id: 1, bytes: 5 },
  call: { id: 1, nameLength: 5, name: 7 },
} as const;
const F = OFFSETS.frame;
const R = OFFSETS.reply;
const C = OFFSETS.call;
const NAME = /^[A-Za-z_][\w.-]{0,63}$/;
const MAX_ID = 0xffffffff;

export type ClientMessage =
  | { type: 'subscribe'; feeds: Feed[] }
  | { type: 'call'; id: number; handler: string; payload: CcsPayload }
  | { type: 'status' };

/** A message the server refuses: the text says what was wrong. */
export class ProtocolError extends Error {}

/** Parses one message from a client, or throws a ProtocolError naming what is wrong with it. */
export function parseClientMessage(data: Buffer, isBinary: boolean): ClientMessage {
  if (isBinary) return parseBinaryCall(data);
  let message: unknown;
  try {
    message = JSON.parse(data.toString('utf8'));
  } catch {
    throw new ProtocolError('a text message must be a JSON object with a "type"');
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message)) throw new ProtocolError('a text message must be a JSON object with a "type"');
  const m = message as Record<string, unknown>;
  switch (m.type) {
    case 'subscribe': {
      const feeds = m.feeds;
      if (!Array.isArray(feeds) || !feeds.every((f) => (FEEDS as readonly unknown[]).includes(f))) {
        throw new ProtocolError(`subscribe: "feeds" must be a list of ${FEEDS.map((f) => `"${f}"`).join(', ')}`);
      }
      return { type: 'subscribe', feeds: [...new Set(feeds as Feed[])] };
    }
    case 'call': {
      const id = callId(m.id);
      if (typeof m.handler !== 'string' || !NAME.test(m.handler)) throw new ProtocolError('call: "handler" must be a handler name');
      return { type: 'call', id, handler: m.handler, payload: (m.payload ?? null) as CcsPayload };
    }
    case 'status':
      return { type: 'status' };
    default:
      throw new ProtocolError(`unknown message type ${JSON.stringify(m.type)} (known: subscribe, call, status)`);
  }
}

function callId(id: unknown): number {
  if (!Number.isInteger(id) || (id as number) < 0 || (id as number) > MAX_ID) throw new ProtocolError('call: "id" must be an integer 0..4294967295');
  return id as number;
}

function parseBinaryCall(data: Buffer): ClientMessage {
  if (data.length < C.name || data[OFFSETS.kind] !== BinaryKind.Call) throw new ProtocolError('a binary message must be a call: u8 3, u32 id, u16 name length, name, payload');
  const id = data.readUInt32LE(C.id);
  const end = C.name + data.readUInt16LE(C.nameLength);
  if (end > data.length) throw new ProtocolError('call: the handler name runs past the end of the message');
  const handler = data.toString('utf8', C.name, end);
  if (!NAME.test(handler)) throw new ProtocolError('call: the handler name is not a valid name');
  return { type: 'call', id, handler, payload: new Uint8Array(data.subarray(end)) };
}

/** A frame as sent to viewers. */
export function encodeFrame(frame: number, width: number, height: number, channels: number, pixels: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(F.pixels + pixels.length);
  out[OFFSETS.kind] = BinaryKind.Frame;
  out.writeUInt32LE(frame, F.number);
  out.writeUInt32LE(width, F.width);
  out.writeUInt32LE(height, F.height);
  out[F.channels] = channels;
  out.set(pixels, F.pixels);
  return out;
}

/** A reply carrying bytes. */
export function encodeBinaryReply(id: number, bytes: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(R.bytes + bytes.length);
  out[OFFSETS.kind] = BinaryKind.Reply;
  out.writeUInt32LE(id, R.id);
  out.set(bytes, R.bytes);
  return out;
}

/** A call carrying bytes (the client side). */
export function encodeBinaryCall(id: number, handler: string, payload: Uint8Array): Buffer {
  const name = Buffer.from(handler, 'utf8');
  const out = Buffer.allocUnsafe(C.name + name.length + payload.length);
  out[OFFSETS.kind] = BinaryKind.Call;
  out.writeUInt32LE(id, C.id);
  out.writeUInt16LE(name.length, C.nameLength);
  name.copy(out, C.name);
  out.set(payload, C.name + name.length);
  return out;
}

/** A binary message from the server, decoded (the client side). */
export type ServerBinary =
  | { kind: 'frame'; frame: number; width: number; height: number; channels: number; pixels: Uint8Array }
  | { kind: 'reply'; id: number; bytes: Uint8Array };

export function decodeServerBinary(data: Buffer): ServerBinary {
  const kind = data[OFFSETS.kind];
  if (kind === BinaryKind.Frame && data.length >= F.pixels) {
    return { kind: 'frame', frame: data.readUInt32LE(F.number), width: data.readUInt32LE(F.width), height: data.readUInt32LE(F.height), channels: data[F.channels], pixels: data.subarray(F.pixels) };
  }
  if (kind === BinaryKind.Reply && data.length >= R.bytes) return { kind: 'reply', id: data.readUInt32LE(R.id), bytes: data.subarray(R.bytes) };
  throw new ProtocolError(`unknown binary message from the server (kind ${kind})`);
}
