/**
 * The broadcasts one PE keeps for elements that arrive (migrate in, or are
 * created) having missed some. Broadcasts reach every PE in their number
 * order; an arriving element runs the ones after its own last broadcast.
 * PE 0 says when every element has run a broadcast (a census,
 * sequencer.ts); then it and everything before it are dropped.
 */
import { ENTRY_OVERHEAD_BYTES } from './sequencer';

/** `M`: how a kept broadcast is held (its bytes, with whatever reading it needs). */
export class BroadcastHistory<M extends { readonly byteLength: number } = Uint8Array> {
  private readonly kept = new Map<number, M>();
  private bytes = 0;

  /** `last`: the last broadcast this PE received (a restart goes on from a checkpoint's). */
  constructor(public last = 0) {}

  add(seq: number, message: M): void {
    this.kept.set(seq, message);
    this.bytes += message.byteLength + ENTRY_OVERHEAD_BYTES;
    this.last = seq;
  }

  get(seq: number): M | undefined {
    return this.kept.get(seq);
  }

  /** Forgets broadcasts up to `seq` (kept in number order, so from the front). */
  dropUpTo(seq: number): void {
    for (const [n, message] of this.kept) {
      if (n > seq) break;
      this.kept.delete(n);
      this.bytes -= message.byteLength + ENTRY_OVERHEAD_BYTES;
    }
  }

  /** Bytes kept, for tests and statistics. */
  get keptBytes(): number {
    return this.bytes;
  }
}
