/**
 * Channels: point-to-point streams between two chares (Charm4py's
 * channels). Each end creates `new Channel(this, otherProxy)`; values sent
 * at one end are received in order at the other with `await ch.recv()`.
 * Values travel as runtime-level calls on the other chare, so routing
 * (and buffering before the other end exists) is the collections' own;
 * sequence numbers restore the order should forwarding reorder them.
 *
 * Channel ends (sequence numbers, values received and not taken) belong to
 * the chare, not to its object on one PE: a migrating array element takes
 * them along (localArray.ts), so a stream goes on across load-balancing
 * steps. A Channel object kept in the element's state travels inside that
 * state and binds to the element again on arrival (as in Charm4py). An
 * element waiting in `recv` is in the middle of an entry method, so it does
 * not move until the value comes.
 *
 * Closing ends a stream (docs/internals.md, Channels): once every Channel
 * object on a port is closed at both ends, the other end has acknowledged
 * each end of stream and all sent is taken, neither chare keeps anything
 * of the port, so a program opening a new port per step does not grow.
 */
import { inspect } from 'util';
import { Chare, memberOf, type ChareIndex } from './model/chare';
import { CallMode, isProxy, type CallTarget, type ElementProxy } from './model/proxy';
import { resumption } from './model/future';
import { runtime } from './model/context';
import { decodeValue, encodeValue, registerExtension } from './codec/values';
import { copyValue } from './codec/clone';
import { travellingChare } from './migration/state';
import { METHOD_CHANNEL, METHOD_CHANNEL_END } from './model/methodIds';


/** In `arrived`: the other end's end of stream, with whom to acknowledge it to (the other end's proxy, and the port). */
class EndMark {
  constructor(readonly replyTo: CallTarget, readonly port: number) {}
}

/**
 * One end of a stream between two chares on one port. Its numbers go back
 * to 0 when both directions have ended (see `close`): then it is exactly
 * the state a first Channel would make, and is dropped; a later Channel
 * on the port makes it again.
 */
interface EndState {
  /** Channel objects bound to it and not closed: while there are any, it stays. */
  open: number;
  /** Values sent in the current stream (the next value's sequence number). */
  sent: number;
  /** An end of stream is sent and not yet acknowledged: sends wait in `held` (numbering restarts at the acknowledgement). */
  ending: boolean;
  /** Sends (copies, made at the call) and closes (null) made while `ending`, in order. */
  held: (unknown[] | null)[];
  /** The other end's next sequence number to arrive in order. */
  expect: number;
  /** Values (and an end of stream) arrived ahead of `expect`, by sequence number. */
  arrived: Map<number, unknown>;
  /** Values arrived in order, not yet taken: ready[head] is the next. */
  ready: unknown[];
  head: number;
  waiting: ((value: unknown) => void) | undefined;
  /** The other end, once a Channel was bound here (what held sends go to at the acknowledgement). */
  remote: CallTarget | undefined;
  port: number;
}

/** What a closed Channel object holds instead of its end state (which it no longer keeps alive). */
const CLOSED: EndState = newEnd();

function newEnd(): EndState {
  return { open: 0, sent: 0, ending: false, held: [], expect: 0, arrived: new Map(), ready: [], head: 0, waiting: undefined, remote: undefined, port: 0 };
}

/** Per chare object: its channel ends, by "collection/index/port" of the other end. */
const ends = new WeakMap<Chare<never>, Map<string, EndState>>();

function keyOf(collection: number, index: ChareIndex, port: number): string {
  const shown = index instanceof Uint8Array ? `b${Buffer.from(index).toString('hex')}` : JSON.stringify(index);
  return `${collection}/${shown}/${port}`;
}

function endState(chare: Chare<never>, key: string): EndState {
  let table = ends.get(chare);
  if (!table) ends.set(chare, (table = new Map()));
  let state = table.get(key);
  if (!state) table.set(key, (state = newEnd()));
  return state;
}

/** True if `target` is an element of an array deleted whole (a call to it throws; its elements are gone: nothing to end). */
function wholeArrayDeleted(target: CallTarget): boolean {
  return (target.__ref as { deleted?: boolean }).deleted === true;
}

/** Drops `state` if it is as a first Channel would make it (nothing open, numbers at 0, nothing pending): the table then holds only live streams. */
function settle(chare: Chare<never>, key: string, state: EndState): void {
  if (state.open > 0 || state.sent > 0 || state.ending || state.expect > 0 || state.arrived.size > 0 || state.head < state.ready.length || state.waiting) return;
  const table = ends.get(chare);
  if (table?.get(key) !== state) return;
  table.delete(key);
  if (table.size === 0) ends.delete(chare);
}

/** A chare's channel ends as data: [key, sent, ending, held, expect, arrived ([seq, value], or [seq, proxy, port] for an end of stream), values ready, other end (or null), port] each. */
export type ChannelEnds = [string, number, boolean, (unknown[] | null)[], number, ([number, unknown] | [number, CallTarget, number])[], unknown[], CallTarget | null, number][];

/** No channel ends (nearly every member's): shared, not a list per move. */
const NO_ENDS: Readonly<ChannelEnds> = Object.freeze([]);

/** The channel ends of a migrating element, as data (left in place until `dropChannels`). */
export function exportChannels(chare: Chare<never>): Readonly<ChannelEnds> {
  const table = ends.get(chare);
  if (!table) return NO_ENDS;
  return [...table].map(([key, s]) => [
    key, s.sent, s.ending, s.held, s.expect,
    [...s.arrived].map(([seq, v]): [number, unknown] | [number, CallTarget, number] => (v instanceof EndMark ? [seq, v.replyTo, v.port] : [seq, v])),
    s.ready.slice(s.head),
    s.remote ?? null,
    s.port,
  ]);
}

/** Forgets a chare's channel ends (it left this PE or was deleted). */
export function dropChannels(chare: Chare<never>): void {
  ends.delete(chare);
}

/** Gives an arrived element the channel ends it had before it moved (before its state, whose Channels bind to them). */
export function restoreChannels(chare: Chare<never>, data: ChannelEnds): void {
  for (const [key, sent, ending, held, expect, arrived, ready, remote, port] of data) {
    const state = endState(chare, key);
    Object.assign(state, { sent, ending, held, expect, ready, head: 0, remote: remote ?? undefined, port });
    for (const entry of arrived) state.arrived.set(entry[0], entry.length === 3 ? new EndMark(entry[1], entry[2]) : entry[1]);
  }
}

/** Runtime side: channel data arrived for `chare` (args: sender collection, sender index, port, sequence, values). */
export function deliverChannelData(chare: Chare<never>, args: unknown[]): void {
  const [collection, index, port, seq, values] = args as [number, ChareIndex, number, number, unknown[]];
  arrive(chare, keyOf(collection, index, port), seq, values.length === 1 ? values[0] : values);
}

/**
 * Runtime side: an end of stream or its acknowledgement arrived for
 * `chare` (args: sender collection, sender index, port, then the end's
 * sequence number and the sender's proxy, or -1 for an acknowledgement).
 */
export function deliverChannelEnd(chare: Chare<never>, args: unknown[]): void {
  const [collection, index, port, seq, replyTo] = args as [number, ChareIndex, number, number, CallTarget | undefined];
  const key = keyOf(collection, index, port);
  if (seq >= 0) arrive(chare, key, seq, new EndMark(replyTo!, port));
  else acknowledged(chare, key);
}

/** Our end of stream is in at the other end: our numbering starts again at 0, with the sends and closes that waited for it. */
function acknowledged(chare: Chare<never>, key: string): void {
  const state = endState(chare, key);
  state.ending = false;
  state.sent = 0;
  const held = state.held;
  state.held = [];
  if (held.length) {
    const sender: Sender = [memberOf(chare).services.ref.id, chare.thisIndex];
    for (let i = 0; i < held.length; i++) {
      const values = held[i];
      if (values) transmit(state, sender, values);
      else if (state.sent > 0) {
        endStream(chare, state, sender);
        state.held = held.slice(i + 1);
        break;
      }
    }
  }
  settle(chare, key, state);
}

/** This end as a sender: its collection and index. */
type Sender = [number, ChareIndex];

/** Sends values numbered next in the stream of `state`. */
function transmit(state: EndState, sender: Sender, values: unknown[]): void {
  state.remote!.__call(METHOD_CHANNEL, [sender[0], sender[1], state.port, state.sent++, values], CallMode.Send);
}

/** Ends the stream of `state`: the other end acknowledges once all of it is in, and numbering starts again at 0 (docs/internals.md). */
function endStream(chare: Chare<never>, state: EndState, sender: Sender): void {
  const self = memberOf(chare).services.ref.element(chare.thisIndex);
  state.remote!.__call(METHOD_CHANNEL_END, [sender[0], sender[1], state.port, state.sent, self], CallMode.Send);
  state.ending = true;
}

/** Value (or end of stream) number `seq` from the other end: in order, it joins the values ready (and wakes a waiting recv). */
function arrive(chare: Chare<never>, key: string, seq: number, value: unknown): void {
  const state = endState(chare, key);
  if (seq !== state.expect || state.arrived.size > 0) {
    state.arrived.set(seq, value);
    if (!state.arrived.has(state.expect)) return;
    value = state.arrived.get(state.expect);
    state.arrived.delete(state.expect);
  }
  for (;;) {
    if (value instanceof EndMark) endOfStream(chare, state, value);
    else {
      state.expect++;
      state.ready.push(value);
    }
    if (!state.arrived.has(state.expect)) break;
    value = state.arrived.get(state.expect);
    state.arrived.delete(state.expect);
  }
  if (state.waiting && state.head < state.ready.length) {
    const resolve = state.waiting;
    state.waiting = undefined;
    resumption.pending = true; // the receiver resumes before the next message
    resolve(take(state));
  }
  settle(chare, key, state);
}

/**
 * The other end's stream is in, all of it: the next one numbers from 0,
 * which we tell the other end (it sends nothing more before it hears).
 */
function endOfStream(chare: Chare<never>, state: EndState, end: EndMark): void {
  state.expect = 0;
  const ref = memberOf(chare).services.ref;
  end.replyTo.__call(METHOD_CHANNEL_END, [ref.id, chare.thisIndex, end.port, -1], CallMode.Send);
}

function take(state: EndState): unknown {
  const value = state.ready[state.head];
  state.ready[state.head++] = undefined;
  if (state.head === state.ready.length) {
    state.ready.length = 0;
    state.head = 0;
  } else if (state.head >= 32 && state.head * 2 >= state.ready.length) {
    state.ready.splice(0, state.head); // a receiver a few values behind for good keeps a bounded list
    state.head = 0;
  }
  return value;
}

/**
 * What `send` takes on a channel of `T`: one `T`; for a tuple of two or
 * more, its elements as separate arguments too (they arrive as the tuple);
 * on an untyped channel, any values.
 */
export type ChannelSendArgs<T> = unknown extends T
  ? unknown[]
  : [T] extends [readonly [unknown, unknown, ...unknown[]]]
    ? [value: T] | [...T]
    : [value: T];

/**
 * One end of a channel between `owner` and the chare behind `remote`
 * (Charm4py: `Channel(self, remote)`). A second Channel object for the
 * same two chares and port continues the same stream. A chare's channel to
 * itself is one stream, both ends at once: what it sends, it receives.
 *
 * @typeParam T - what travels on it, both ways: `new Channel<Float64Array>(this, peer)`
 * sends and receives typed arrays. Untyped (`unknown`), `send` takes any
 * values and `recv` gives `unknown`.
 */
export class Channel<T = unknown> {
  private closed = false;
  private state!: EndState;
  private key!: string;
  private remote!: CallTarget;
  private describe!: string;
  private owner!: Chare<never>;
  private sender!: Sender;
  /** Tells this channel apart from others between the same two chares (the constructor's `port`, 0 by default). */
  readonly port!: number;

  /** How a channel prints: its two ends and port. */
  [inspect.custom](): string {
    return `Channel (port ${this.port}, to ${inspect(this.remote)})`;
  }

  /**
   * @param owner the chare at this end (`this` in an entry method)
   * @param remote a proxy of one chare: the other end
   * @param port tells apart several channels between the same two chares
   */
  constructor(owner: Chare<ChareIndex>, remote: ElementProxy<unknown>, port = 0) {
    if (!(owner instanceof Chare)) throw new TypeError('new Channel: the owner must be a chare (pass `this` from an entry method)');
    const target = remote as unknown as CallTarget;
    if (typeof remote !== 'object' || remote === null || !isProxy(target) || target.__index === undefined) {
      throw new TypeError('new Channel: the remote end must be a proxy of one chare (an element, a group member or a singleton)');
    }
    if (!Number.isInteger(port) || port < 0) throw new RangeError(`new Channel: port must be a non-negative integer, got ${String(port)}`);
    this.bind(owner as Chare<never>, target, port);
  }

  /** Ties this end to its chare and the other end (at construction, and after the chare migrated; a closed one to no end state). */
  private bind(owner: Chare<never>, target: CallTarget, port: number, closed = false): void {
    const ref = memberOf(owner).services.ref;
    (this as { port: number }).port = port;
    this.owner = owner;
    this.remote = target;
    this.describe = `channel ${ref.info.name}${JSON.stringify(owner.thisIndex)} <-> ${target.__ref.info.name}${JSON.stringify(target.__index)} port ${port}`;
    this.key = keyOf(target.__ref.id, target.__index as ChareIndex, port);
    this.closed = closed;
    this.state = closed ? CLOSED : endState(owner, this.key);
    if (!closed) {
      this.state.open++;
      this.state.remote = target;
      this.state.port = port;
    }
    this.sender = [ref.id, owner.thisIndex];
  }

  /** @internal A Channel travels only inside its owner's state, when the owner migrates. */
  static encode(w: Parameters<typeof encodeValue>[0], channel: Channel): void {
    if (travellingChare() !== channel.owner) {
      throw new TypeError(`${channel.describe}: a Channel cannot be sent; it travels only inside its own chare's state when that chare migrates`);
    }
    encodeValue(w, channel.remote, 'channel remote end');
    w.u32(channel.port);
    w.u8(channel.closed ? 1 : 0);
  }

  /** @internal The Channel of an arriving chare, bound to it again. */
  static decode(r: Parameters<typeof decodeValue>[0]): Channel {
    const owner = travellingChare();
    if (!owner) throw new Error('charmts: a Channel arrived outside a migrating chare\'s state');
    const channel = Object.create(Channel.prototype) as Channel;
    const remote = decodeValue(r) as CallTarget;
    const port = r.u32();
    channel.bind(owner, remote, port, r.u8() === 1);
    return channel;
  }

  /**
   * Sends values to the other end: copies, made at the call (wrap a typed
   * array in `charm.transfer` to move it instead); several values arrive
   * as one array.
   *
   * @throws Error after `close`.
   */
  send(...values: ChannelSendArgs<T>): void {
    if (this.closed) throw new Error(`${this.describe}: send after close`);
    runtime('Channel.send');
    // Our end of stream not acknowledged yet, this value opens the next stream, numbered from 0 once it is.
    if (this.state.ending) this.state.held.push(copyValue(values, `${this.describe}: send`));
    else transmit(this.state, this.sender, values);
  }

  /**
   * The next value from the other end (an array if it sent several at
   * once). Rejects after `close`, or if another `recv` is waiting.
   */
  recv(): Promise<T> {
    if (this.closed) return Promise.reject(new Error(`${this.describe}: recv after close`));
    if (this.state.waiting) return Promise.reject(new Error(`${this.describe}: recv while another recv is waiting`));
    if (this.state.head < this.state.ready.length) return Promise.resolve(this.taken() as T);
    return new Promise((resolve) => (this.state.waiting = resolve as (value: unknown) => void));
  }

  /** The next value ready (there is one), and the end state dropped if that left it as a new one. */
  private taken(): unknown {
    const value = take(this.state);
    settle(this.owner, this.key, this.state);
    return value;
  }

  /**
   * Closes this end; later send or recv calls on it are errors. Once every
   * Channel object on the port is closed at both ends, and all sent is
   * taken, neither end keeps anything of the stream (a later Channel on
   * the port starts a new one). Charm4py keeps its channels for good.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const state = this.state;
    this.state = CLOSED;
    if (--state.open === 0) {
      if (state.ending) {
        if (state.held.length) state.held.push(null); // the stream opened since ends too
      } else if (state.sent > 0 && !wholeArrayDeleted(this.remote)) {
        endStream(this.owner, state, this.sender);
      }
    }
    settle(this.owner, this.key, state);
  }

  /**
   * Resolves with the first of `channels` to have a value, and that value
   * (Charm4py: `charm.iwait` over channels).
   *
   * @throws RangeError (rejects) for an empty list; Error if one is closed or already waited on.
   */
  static async select<T>(channels: readonly Channel<T>[]): Promise<[Channel<T>, T]> {
    if (channels.length === 0) throw new RangeError('Channel.select: give at least one channel');
    const ready = channels.find((c) => !c.closed && c.state.head < c.state.ready.length);
    if (ready) return [ready, ready.taken() as T];
    return new Promise((resolve, reject) => {
      for (const c of channels) {
        if (c.closed || c.state.waiting) {
          reject(new Error(`Channel.select: ${c.describe} is ${c.closed ? 'closed' : 'already being waited on'}`));
          return;
        }
      }
      const finish = (winner: Channel<T>, value: unknown): void => {
        for (const c of channels) c.state.waiting = undefined;
        resolve([winner, value as T]);
      };
      for (const c of channels) c.state.waiting = (value) => finish(c, value);
    });
  }
}

registerExtension<Channel>({ id: 8, matches: (v): v is Channel => v instanceof Channel, encode: Channel.encode, decode: Channel.decode }, [Channel]);
