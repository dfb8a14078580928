/**
 * The broadcasts one PE keeps for elements that arrive (migrate in, or are
 * created) having missed some. Broadcasts reach every PE in their number
 * order; an arriving element runs the ones after its own last broadcast.
 * PE 0 says when every element has run a broadcast (a census, or the
 * replies to a broadcast completing, carried by the next broadcast:
 * sequencer.ts); then it and everything before it are dropped.
 */
import { ENTRY_OVERHEAD_BYTES } from './sequencer';

/**
 * `M`: how a kept broadcast is held (its bytes, with whatever reading it
 * needs). Kept in an array by number (they come one number after the
 * other, and leave from the front): a Map's insertions and deletions were
 * a twentieth of PE 0's time in an awaited broadcast at np 1.
 */
export class BroadcastHistory<M extends { readonly byteLength: number } = Uint8Array> {
  /** kept[head + i] is broadcast first + i (undefined: not received here, or dropped). */
  private kept: (M | undefined)[] = [];
  private head = 0;
  private first = 0;
  private bytes = 0;

  /**
   * `last`: the last broadcast this PE received (a restart goes on from a
   * checkpoint's); `release` is told of each message dropped.
   */
  constructor(
    public last = 0,
    private readonly release: (message: M) => void = () => {},
  ) {}

  /** Broadcast `seq` would be added after every one kept (in the order they are dropped in). */
  appends(seq: number): boolean {
    return seq > this.last;
  }

  add(seq: number, message: M): void {
    // Emptied (every broadcast kept was dropped): go on after the dropped
    // slots, which dropUpTo compacts away now and then. Truncating the
    // array here made it grow again from nothing at every broadcast, when
    // each drops the one before it (awaited broadcasts, sequencer.ts).
    if (this.head === this.kept.length) this.first = seq;
    const at = this.head + seq - this.first;
    if (at < this.head) return; // dropped already: every element has run it
    while (this.kept.length < at) this.kept.push(undefined);
    const old = this.kept[at];
    if (old) this.bytes -= old.byteLength + ENTRY_OVERHEAD_BYTES;
    this.kept[at] = message;
    this.bytes += message.byteLength + ENTRY_OVERHEAD_BYTES;
    this.last = seq;
  }

  get(seq: number): M | undefined {
    return seq >= this.first ? this.kept[this.head + seq - this.first] : undefined;
  }

  /** Forgets broadcasts up to `seq` (kept in number order, so from the front). */
  dropUpTo(seq: number): void {
    while (this.head < this.kept.length && this.first <= seq) {
      const message = this.kept[this.head];
      if (message) {
        this.bytes -= message.byteLength + ENTRY_OVERHEAD_BYTES;
        this.release(message);
      }
      this.kept[this.head++] = undefined;
      this.first++;
    }
    // Compacted once the dropped front is most of the array.
    if (this.head > 64 && this.head * 2 > this.kept.length) {
      this.kept = this.kept.slice(this.head);
      this.head = 0;
    }
  }

  /** Bytes kept, for tests and statistics. */
  get keptBytes(): number {
    return this.bytes;
  }
}
