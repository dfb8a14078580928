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
 * Ends live as long as their chare. A deleted element tells the chare at
 * the other end of each of its ends how many values it sent (a gone
 * notice, `channelsGone`), and that end is forgotten once it has taken
 * them: a long-lived chare talking to elements that come and go keeps no
 * end per element for good (Charm4py keeps every channel of a chare).
 */
import { inspect } from 'util';
import { Chare, memberOf, type ChareIndex } from './model/chare';
import { CallMode, describeChare, isProxy, type CallTarget, type ElementProxy } from './model/proxy';
import { resumption } from './model/future';
import { runtime } from './model/context';
import { decodeValue, encodeValue, registerExtension } from './codec/values';
import { travellingChare } from './migration/state';
import { METHOD_CHANNEL } from './model/methodIds';


interface EndState {
  /** Values sent so far (the next value's sequence number). */
  sent: number;
  /** Values received, by sequence number, not yet taken. */
  arrived: Map<number, unknown>;
  nextToTake: number;
  /** The recv (or Channel.select) waiting on this end: given the next value, or refused once none can come. */
  waiting: Waiter | undefined;
  /** The channel as a message names it, once a Channel is bound to this end: the idle hint names what a recv waits on. */
  shown: string;
  /** The values the other end sent in all, once its chare was deleted (-1 before): this end is forgotten once it took them. */
  peerSent: number;
  /** The chare of this end, and the other end as `keyOf` names it (collection/index/port): its entry in the chare's table. */
  owner: Chare<never>;
  key: string;
  /** Set once the chare of this end was deleted (`channelsGone`): its name, for the error of a send or recv after (a suspended async method of it may still run). */
  deletedAs: string;
}

interface Waiter {
  resolve(value: unknown): void;
  reject(error: Error): void;
  /** Told that a value is there, not given it (charm.iwait over channels): the value stays for the recv that follows. */
  peek?: boolean;
}

/** Per chare object: its channel ends, by "collection/index/port" of the other end. */
const ends = new WeakMap<Chare<never>, Map<string, EndState>>();
/** Chares deleted (`channelsGone`), by name: a Channel made by a suspended method of one afterwards is deleted at once. */
const deletedChares = new WeakMap<Chare<never>, string>();

function endsOf(chare: Chare<never>): Map<string, EndState> {
  let table = ends.get(chare);
  if (!table) ends.set(chare, (table = new Map()));
  return table;
}

function keyOf(collection: number, index: ChareIndex, port: number): string {
  const shown = index instanceof Uint8Array ? `b${Buffer.from(index).toString('hex')}` : JSON.stringify(index);
  return `${collection}/${shown}/${port}`;
}

function endState(chare: Chare<never>, key: string): EndState {
  const known = ends.get(chare)?.get(key);
  if (known) return known; // every value received: one lookup
  const deletedAs = deletedChares.get(chare);
  const state: EndState = { sent: 0, arrived: new Map(), nextToTake: 0, waiting: undefined, shown: '', peerSent: -1, owner: chare, key, deletedAs: deletedAs ?? '' };
  if (deletedAs === undefined) endsOf(chare).set(key, state); // else kept nowhere: its chare is gone
  return state;
}

/** A chare's channel ends as data: [key, sent, next to take, [sequence number, value][], values the other end sent before its deletion (-1: not deleted; absent in older records)] each. */
export type ChannelEnds = [string, number, number, [number, unknown][], number?][];

/** No channel ends (nearly every member's): shared, not a list per move. */
const NO_ENDS: Readonly<ChannelEnds> = Object.freeze([]);

/** The channel ends of a migrating element, as data (left in place until `dropChannels`). */
export function exportChannels(chare: Chare<never>): Readonly<ChannelEnds> {
  const table = ends.get(chare);
  if (!table) return NO_ENDS;
  return [...table].map(([key, s]) => [key, s.sent, s.nextToTake, [...s.arrived], s.peerSent]);
}

/** Forgets a chare's channel ends (it left this PE: they travel with it). */
export function dropChannels(chare: Chare<never>): void {
  ends.delete(chare);
}

/**
 * The chare was deleted: forgets its channel ends, and tells the chare at
 * the other end of each how many values this end sent (a gone notice: a
 * channel call with sequence number -1 - sent), so that it forgets its end
 * once it has taken them (`peerOf`: the other end's proxy, if this PE knows
 * its collection). Not told: the chare itself (a channel to itself).
 */
export function channelsGone(chare: Chare<never>, peerOf: (collection: number, index: ChareIndex) => unknown): void {
  const ref = memberOf(chare).services.ref;
  const name = describeChare(ref, chare.thisIndex);
  deletedChares.set(chare, name);
  const table = ends.get(chare);
  ends.delete(chare);
  if (!table) return;
  const own = ref.id;
  const ownKey = (port: number): string => keyOf(own, chare.thisIndex, port);
  for (const [key, state] of table) {
    state.deletedAs = name; // its Channels refuse sends: the count told would be wrong
    refuseWaiting(state, `recv: ${name} was deleted while it waited`);
    const [collection, index, port] = parseKey(key);
    if (key === ownKey(port)) continue;
    (peerOf(collection, index) as CallTarget | undefined)?.__call(METHOD_CHANNEL, [own, chare.thisIndex, port, -1 - state.sent, []], CallMode.Send);
  }
}

/** Refuses the recv waiting on `state`, if any, with `why` (nothing can reach it now). */
function refuseWaiting(state: EndState, why: string): void {
  const waiter = state.waiting;
  if (!waiter) return;
  state.waiting = undefined;
  waiter.reject(new Error(`${state.shown}: ${why}`));
}

/** Why nothing more can come to `state`: its other end was deleted and every value it sent was taken; else ''. */
function exhausted(state: EndState): string {
  return state.peerSent >= 0 && state.nextToTake >= state.peerSent ? `recv: the other end was deleted after sending ${state.peerSent} value${state.peerSent === 1 ? '' : 's'}, all taken` : '';
}

/** A gone notice (channelsGone) that found the other end deleted too: nothing is left to forget. */
export function isGoneNotice(method: number, args: unknown[]): boolean {
  return method === METHOD_CHANNEL && (args[3] as number) < 0;
}

/** The collection, index and port of the other end that `keyOf` named. */
function parseKey(key: string): [number, ChareIndex, number] {
  const first = key.indexOf('/');
  const last = key.lastIndexOf('/');
  const shown = key.slice(first + 1, last);
  const index = shown.startsWith('b') ? new Uint8Array(Buffer.from(shown.slice(1), 'hex')) : (JSON.parse(shown) as ChareIndex);
  return [Number(key.slice(0, first)), index, Number(key.slice(last + 1))];
}

/** Forgets `state`'s end once the other end's chare was deleted and this end took all it sent, with no recv waiting. */
function forgetIfDone(state: EndState): void {
  if (state.peerSent < 0 || state.nextToTake < state.peerSent || state.waiting !== undefined || state.arrived.size > 0) return;
  const table = ends.get(state.owner);
  if (table?.get(state.key) !== state) return;
  table.delete(state.key);
  if (table.size === 0) ends.delete(state.owner);
}

/** The channel ends `chare` keeps on this PE (for tests: channels.mpi.test.ts). */
export function channelEnds(chare: Chare<ChareIndex>): number {
  return ends.get(chare as Chare<never>)?.size ?? 0;
}

/** Gives an arrived element the channel ends it had before it moved. */
export function restoreChannels(chare: Chare<never>, data: ChannelEnds): void {
  for (const [key, sent, nextToTake, arrived, peerSent] of data) {
    const state = endState(chare, key);
    state.sent = sent;
    state.nextToTake = nextToTake;
    state.peerSent = peerSent ?? -1;
    for (const [seq, value] of arrived) state.arrived.set(seq, value);
    // Kept even when done: the Channel objects in the chare's state bind to it next (member.ts), and a
    // forgotten end would come back fresh, its counts reset.
  }
}

/** Runtime side: channel data arrived for `chare` (args: sender collection, sender index, port, sequence, values). */
export function deliverChannelData(chare: Chare<never>, args: unknown[]): void {
  const [collection, index, port, seq, values] = args as [number, ChareIndex, number, number, unknown[]];
  const state = endState(chare, keyOf(collection, index, port));
  if (seq < 0) {
    state.peerSent = -1 - seq; // a gone notice (channelsGone)
    const why = exhausted(state);
    if (why) refuseWaiting(state, why);
    forgetIfDone(state);
    return;
  }
  state.arrived.set(seq, values.length === 1 ? values[0] : values);
  if (state.waiting && state.arrived.has(state.nextToTake)) {
    const waiter = state.waiting;
    state.waiting = undefined;
    resumption.pending = true; // the receiver resumes before the next message
    waiter.resolve(waiter.peek ? undefined : take(state));
  }
}

/**
 * Withdraws every recv, Channel.select and charm.iwait `chare` waits in on
 * its channels, without settling them (the console's Ctrl-C: nobody awaits
 * them any more): a value that comes later stays for the next recv rather
 * than going to a promise nobody reads.
 */
export function withdrawWaits(chare: Chare<ChareIndex>): void {
  // An end never waits once it is exhausted (its other end gone, all taken): recv and select refuse such an end, and a
  // gone notice that exhausts it refuses its waiter and forgets it (deliverChannelData). So none is left to forget here.
  for (const state of ends.get(chare as Chare<never>)?.values() ?? []) state.waiting = undefined;
}

/** The channels `chare` waits on in a recv (or Channel.select) now, as messages name them: the idle hint's (console/stuck.ts). */
export function channelsAwaited(chare: Chare<never>): string[] {
  const out: string[] = [];
  for (const state of ends.get(chare)?.values() ?? []) if (state.waiting !== undefined) out.push(state.shown);
  return out;
}

function take(state: EndState): unknown {
  const value = state.arrived.get(state.nextToTake);
  state.arrived.delete(state.nextToTake++);
  if (state.peerSent >= 0) forgetIfDone(state);
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
  private remote!: CallTarget;
  private describe!: string;
  private owner!: Chare<never>;
  private sender!: [number, ChareIndex];
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

  /** Ties this end to its chare and the other end (at construction, and after the chare migrated). */
  private bind(owner: Chare<never>, target: CallTarget, port: number): void {
    const ref = memberOf(owner).services.ref;
    (this as { port: number }).port = port;
    this.owner = owner;
    this.remote = target;
    this.describe = `channel ${describeChare(ref, owner.thisIndex)} <-> ${describeChare(target.__ref, target.__index as ChareIndex)} port ${port}`;
    this.state = endState(owner, keyOf(target.__ref.id, target.__index as ChareIndex, port));
    this.state.shown = this.describe;
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
    channel.bind(owner, remote, r.u32());
    channel.closed = r.u8() === 1;
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
    if (this.state.deletedAs) throw new Error(`${this.describe}: send after ${this.state.deletedAs} was deleted (its other end was told how many values it sent)`);
    runtime('Channel.send');
    // The number is taken only once the call is made: one that throws (a value that cannot be sent) must not
    // leave a gap the other end would wait on for good.
    const seq = this.state.sent;
    this.remote.__call(METHOD_CHANNEL, [this.sender[0], this.sender[1], this.port, seq, values], CallMode.Send);
    this.state.sent = seq + 1;
  }

  /**
   * The next value from the other end (an array if it sent several at
   * once). Rejects after `close`, if another `recv` is waiting, once the
   * other end's chare was deleted and every value it sent was taken, or
   * when this end's chare is deleted while it waits.
   */
  recv(): Promise<T> {
    if (this.closed) return Promise.reject(new Error(`${this.describe}: recv after close`));
    if (this.state.deletedAs) return Promise.reject(new Error(`${this.describe}: recv after ${this.state.deletedAs} was deleted (nothing reaches it now)`));
    if (this.state.waiting) return Promise.reject(new Error(`${this.describe}: recv while another recv is waiting`));
    if (this.state.arrived.has(this.state.nextToTake)) return Promise.resolve(take(this.state) as T);
    const why = exhausted(this.state);
    if (why) return Promise.reject(new Error(`${this.describe}: ${why}`));
    return new Promise((resolve, reject) => (this.state.waiting = { resolve: resolve as (value: unknown) => void, reject }));
  }

  /** Closes this end; later send or recv calls on it are errors. */
  close(): void {
    this.closed = true;
  }

  /**
   * Resolves with the first of `channels` to have a value, and that value
   * (taken, as `recv` takes it). Charm4py's `charm.iwait(channels)`, which
   * gives each channel once, is `charm.iwait(channels)` here too.
   *
   * @throws RangeError (rejects) for an empty list; Error if one is closed or already waited on.
   */
  static async select<T>(channels: readonly Channel<T>[]): Promise<[Channel<T>, T]> {
    return Channel.firstOf(channels, 'Channel.select', false) as Promise<[Channel<T>, T]>;
  }

  /**
   * @internal `charm.iwait(channels)`.
   * Yields each of `channels` once, as soon as it has a value to take, in
   * the order their values come (Charm4py's `charm.iwait(channels)`): the
   * value stays on the channel, so `await ch.recv()` right after gives it.
   * A channel that had a second value before the others had one is still
   * yielded once; the others come first. Throws as `Channel.select` does
   * (its messages naming `charm.iwait`).
   */
  static async *readyInTurn<T>(channels: readonly Channel<T>[]): AsyncGenerator<Channel<T>> {
    const left = [...channels];
    while (left.length > 0) {
      const [ready] = await Channel.firstOf(left, 'charm.iwait', true);
      left.splice(left.indexOf(ready), 1);
      yield ready;
    }
  }

  /**
   * The first of `channels` to have a value, and the value taken from it
   * (`peek`: left on it, undefined here). `where` names the API in errors.
   * Every channel's end gets a waiter; the first value to come settles them
   * all. A channel whose other end was deleted after sending all it took
   * drops out; the wait fails only when none is left.
   */
  private static async firstOf<T>(channels: readonly Channel<T>[], where: string, peek: boolean): Promise<[Channel<T>, T | undefined]> {
    if (channels.length === 0) throw new RangeError(`${where}: give at least one channel`);
    const deleted = channels.find((c) => c.state.deletedAs);
    if (deleted) throw new Error(`${where}: ${deleted.describe} is of ${deleted.state.deletedAs}, which was deleted`);
    const ready = channels.find((c) => !c.closed && c.state.arrived.has(c.state.nextToTake));
    if (ready) return [ready, peek ? undefined : (take(ready.state) as T)];
    return new Promise((resolve, reject) => {
      for (const c of channels) {
        const why = c.closed ? 'closed' : c.state.waiting ? 'already being waited on' : '';
        if (why) {
          reject(new Error(`${where}: ${c.describe} is ${why}`));
          return;
        }
      }
      // Ends with nothing more to come lose; if every one is such, nothing can win.
      const open = channels.filter((c) => !exhausted(c.state));
      const noneLeft = (): Error => new Error(`${where}: every channel's other end was deleted and all it sent was taken (${channels[0].describe}, …)`);
      if (open.length === 0) {
        reject(noneLeft());
        return;
      }
      const settle = (): void => {
        for (const c of open) {
          c.state.waiting = undefined;
          if (c.state.peerSent >= 0) forgetIfDone(c.state); // a loser whose other end is gone and all taken
        }
      };
      for (const c of open) {
        c.state.waiting = {
          peek,
          resolve: (value) => {
            settle();
            resolve([c, value as T | undefined]);
          },
          reject: () => {
            // This end's chare was deleted (every end is refused: settle once), or this channel's other end is
            // exhausted: it drops out, and the wait fails only when none is left. Its own error, not recv's.
            c.state.waiting = undefined;
            if (c.state.deletedAs) {
              settle();
              reject(new Error(`${where}: ${c.describe} is of ${c.state.deletedAs}, which was deleted while the ${where === 'Channel.select' ? 'select' : 'wait'} waited`));
            } else if (open.every((o) => o.state.waiting === undefined)) {
              settle();
              reject(noneLeft());
            }
          },
        };
      }
    });
  }
}

registerExtension<Channel>({ id: 8, matches: (v): v is Channel => v instanceof Channel, encode: Channel.encode, decode: Channel.decode }, [Channel]);
