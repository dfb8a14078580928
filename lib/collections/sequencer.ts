/**
 * PE 0's part of a chare array: it numbers the array's broadcasts and
 * decides where an inserted element joins the sequence of broadcasts and
 * reductions.
 *
 * Every broadcast gets the next number (and, if it wants results, the next
 * reduction number of stream Replies); every PE runs the broadcasts in that
 * order, and an element runs each number exactly once (localArray.ts).
 *
 * A census is a broadcast of the runtime's own, numbered like the others:
 * each element, when it reaches census c (number s), contributes to
 * reduction c of stream Census the reductions it has started so far (its
 * next number in streams User and Balance), combined with max. When
 * census c completes on PE 0:
 *  - every element has run every broadcast up to s (elements in flight are
 *    waited for by the reduction, as any member is), and every element
 *    created later starts after s: every PE drops broadcasts up to s from
 *    the history it keeps for arriving elements;
 *  - the combined value is the first reduction that no element had started
 *    when it reached s.
 *
 * An insertion takes its place in this order. The element runs the
 * broadcasts after some census s: if broadcasts were numbered since the
 * last census, a new one is numbered and the insertion waits for it, so
 * that a reduction started by a broadcast before the insertion goes on
 * without the new element, and one started after includes it (Charm++:
 * "it is expected to contribute to the next reduction not already in
 * progress"). It joins streams User and Balance at the later of the
 * census value and the first reduction PE 0 has not seen start when the
 * insertion was attached, Replies at the first reply number after s.
 * While an insertion waits, reductions it may join cannot complete (the
 * population may still grow).
 *
 * Censuses are also numbered when the broadcasts kept since the last one
 * pass HISTORY_BYTES, which bounds the history in bytes, not in count.
 *
 * A broadcast's replies say as much as a census: when its reply reduction
 * completes, every element (those inserted since included: they take part
 * in it) has run it and every broadcast before it. The next broadcast
 * numbered carries that number, and every PE drops its history up to it
 * on receipt: an awaited broadcast's history goes at the next broadcast,
 * young (kept until a census, thousands of them outlived the young
 * generation, and each scavenge copied them: 8-22 ms pauses every 0.1-0.3
 * s in a loop of awaited broadcasts at np 1, 0.4-1.6 ms without).
 *
 * Checkpoints (lib/checkpoint/) save the numbering; a restart goes on from
 * it. A checkpoint is taken at quiescence with no census under way and no
 * reduction half done: every element had run every broadcast numbered, and
 * none had started a reduction not complete. That instant is a census of
 * its own, complete, and the restart starts from it as from the last
 * census: an insertion before the next broadcast joins at once, after the
 * last broadcast and at the first reductions not complete.
 */
import { Stream } from '../reductions/streams';
import { emptyList } from '../emptyList';

/** Bytes of broadcasts numbered since the last census that start a new census. */
export const HISTORY_BYTES = 4 << 20;
/** What a kept broadcast costs beyond its bytes (map entry, view). */
export const ENTRY_OVERHEAD_BYTES = 128;

/** What an array has numbered: broadcasts (censuses included), reply reductions, censuses. */
export interface Numbering {
  broadcasts: number;
  replies: number;
  censuses: number;
}

/** Where a sequencer starts: what was numbered, and where the last census had every element (first reduction of streams User and Balance not started). */
export interface SequencerStart extends Numbering {
  join: [user: number, balance: number];
}

/** Where a new element joins: first reduction number per stream, and the broadcasts before it. */
export interface Membership {
  first: number[];
  broadcasts: number;
}

interface Census {
  number: number;
  /** Its broadcast number. */
  seq: number;
  /** Reply reductions numbered before it. */
  replies: number;
  /** The census value (first unstarted reduction per stream), once complete. */
  join?: number[];
  /** Insertions waiting for it, with the first reductions PE 0 had not seen start when each was attached. */
  waiting: { attached: number[]; decide: (m: Membership) => void }[];
}

/** What the sequencer needs from its array (on PE 0). */
export interface SequencedArray {
  /** Broadcasts census `number` as broadcast `seq`. */
  broadcastCensus(seq: number, number: number): void;
  /** Tells every PE that broadcasts up to `seq` are no longer needed. */
  dropHistory(seq: number): void;
  firstUnstarted(stream: Stream): number;
  /** A member joins `stream` from reduction `from` on. */
  join(stream: Stream, from: number): void;
}

export class Sequencer {
  private broadcasts: number;
  private replies: number;
  private censuses: number;
  private bytesSinceCensus = 0;
  /** Censuses numbered and not complete, and the last one completed (number -1: the array's creation, or the checkpoint a restart came from). */
  private readonly pending = new Map<number, Census>();
  private latest: Census;
  /** Broadcasts with replies whose reply reduction has not completed: pairs reply number, broadcast number, in number order from `replyingHead`. */
  private replying: number[] = [];
  private replyingHead = 0;
  /** The last broadcast every element has run, as far as completed replies tell (0: none). */
  private ran = 0;

  constructor(
    private readonly array: SequencedArray,
    start: SequencerStart = { broadcasts: 0, replies: 0, censuses: 0, join: [0, 0] },
  ) {
    ({ broadcasts: this.broadcasts, replies: this.replies, censuses: this.censuses } = start);
    const number = start.censuses - 1;
    this.latest = { number, seq: start.broadcasts, replies: start.replies, join: joinOf(number, start.replies, start.join), waiting: [] };
  }

  /** Checkpoints: what is numbered so far, and how many censuses are not complete (a checkpoint needs none). */
  numbering(): Numbering & { pendingCensuses: number } {
    return { broadcasts: this.broadcasts, replies: this.replies, censuses: this.censuses, pendingCensuses: this.pending.size };
  }

  /** Numbers a broadcast of `bytes` bytes; a census may follow it. */
  number(bytes: number, wantsReply: boolean): { seq: number; reply: number | undefined } {
    const seq = ++this.broadcasts;
    const reply = wantsReply ? this.replies++ : undefined;
    if (reply !== undefined) this.replying.push(reply, seq);
    this.bytesSinceCensus += bytes + ENTRY_OVERHEAD_BYTES;
    return { seq, reply };
  }

  /** The last broadcast every element is known to have run (0: none), which the next broadcast carries. */
  get ranUpTo(): number {
    return this.ran;
  }

  /** Reply reduction `reply` completed (they complete in number order): every element has run its broadcast. */
  repliesCompleted(reply: number): void {
    const q = this.replying;
    while (this.replyingHead < q.length && q[this.replyingHead] <= reply) {
      this.ran = q[this.replyingHead + 1];
      this.replyingHead += 2;
    }
    if (this.replyingHead === q.length) {
      emptyList(q);
      this.replyingHead = 0;
    } else if (this.replyingHead > 64 && this.replyingHead * 2 > q.length) {
      this.replying = q.slice(this.replyingHead);
      this.replyingHead = 0;
    }
  }

  /** After a broadcast is sent: a census if the history has grown past its bound. */
  afterBroadcast(): void {
    if (this.bytesSinceCensus >= HISTORY_BYTES) this.startCensus();
  }

  /** Broadcasts up to this number were numbered before the element (it does not run them). */
  get numbered(): number {
    return this.broadcasts;
  }

  /** Decides where an element inserted now joins; `decide` runs at once or when a census completes. */
  insert(decide: (m: Membership) => void): void {
    const census = this.latest.seq === this.broadcasts ? this.latest : this.startCensus();
    const attached = [this.array.firstUnstarted(Stream.User), census.replies, this.array.firstUnstarted(Stream.Balance), census.number + 1];
    if (census.join) this.decide(census, attached, decide);
    else census.waiting.push({ attached, decide });
  }

  /** A reduction of `stream` at or after the first one an insertion waiting for a census may join must wait. */
  held(stream: Stream, r: number): boolean {
    if (stream === Stream.Census || this.pending.size === 0) return false;
    for (const census of this.pending.values()) for (const w of census.waiting) if (r >= w.attached[stream]) return true;
    return false;
  }

  /** Census `number` completed with `join` (the first unstarted reduction of streams User and Balance). */
  completed(number: number, join: [number, number]): void {
    const census = this.pending.get(number)!;
    this.pending.delete(number);
    census.join = joinOf(number, census.replies, join);
    this.array.dropHistory(census.seq);
    for (const w of census.waiting.splice(0)) this.decide(census, w.attached, w.decide);
  }

  private decide(census: Census, attached: number[], decide: (m: Membership) => void): void {
    const first = census.join!.map((n, stream) => Math.max(n, attached[stream]));
    for (let stream = 0; stream < first.length; stream++) this.array.join(stream, first[stream]);
    decide({ first, broadcasts: census.seq });
  }

  private startCensus(): Census {
    const census: Census = { number: this.censuses++, seq: ++this.broadcasts, replies: this.replies, waiting: [] };
    this.bytesSinceCensus = 0;
    this.pending.set(census.number, census);
    this.latest = census;
    this.array.broadcastCensus(census.seq, census.number);
    return census;
  }
}

/** Where census `number` (with `replies` reply reductions numbered before it) has new elements join each stream, given its value `join`. */
function joinOf(number: number, replies: number, join: [number, number]): number[] {
  return [join[0], replies, join[1], number + 1];
}
