/**
 * The fixed binary header every message starts with. All fields are
 * integers at fixed offsets so that dispatch never parses anything generic.
 *
 *   0  u32  inline length (written by Writer.finish)
 *   4  u8   kind        which handler receives the message
 *   5  u8   flags
 *   6  u16  method      entry-method id, or a kind-specific small integer
 *   8  u32  target      collection id, future id, ...
 *   12 i32  root        PE the broadcast started from, or -1 for point-to-point
 */
import type { Writer } from './writer';
import { profiling, recordSend } from '../profiling/profile';

export const HEADER_BYTES = 16;

/** Message kinds; each has exactly one handler, registered by its module. */
export const enum Kind {
  Call = 0,
  FutureValue,
  Create,
  Exit,
  Print,
  Quiescence,
  Reduction,
  ArrayControl,
  Profile,
  Section,
  Count, // number of kinds
}

export const enum Flag {
  /** Runtime bookkeeping: not counted by quiescence detection. */
  System = 1,
  /** The call wants its result (or completion) sent to a future. */
  Reply = 2,
  /** The call targets one element identified by an index in the body. */
  Indexed = 4,
  /** The reply carries no value, only completion. */
  CompletionOnly = 8,
  /** Tracing: a float64 arrow id follows the header. */
  Traced = 16,
}

export function beginMessage(w: Writer, kind: Kind, flags: number, method: number, target: number, root = -1): void {
  w.reset();
  w.ensure(HEADER_BYTES);
  const v = w.view;
  v.setUint8(4, kind);
  v.setUint8(5, profiling.tracing ? flags | Flag.Traced : flags);
  v.setUint16(6, method, true);
  v.setUint32(8, target, true);
  v.setInt32(12, root, true);
  w.pos = HEADER_BYTES;
  if (profiling.tracing) w.f64(recordSend());
}

/** Where the body of the message at `base` starts (after the header and any trace word). */
export function bodyStart(buf: Uint8Array, base: number): number {
  return base + HEADER_BYTES + (buf[base + 5] & Flag.Traced ? 8 : 0);
}
