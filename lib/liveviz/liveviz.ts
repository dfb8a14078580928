/**
 * liveViz: chares deposit pieces of an image, the runtime combines them up
 * the spanning tree into one frame on PE 0 (as Charm++'s liveViz and
 * Charm4py's `liveviz.LiveViz`). A deposit is a contribution to the
 * depositing collection's next reduction, with the image reducer of
 * ./image.ts: so every member of the collection deposits once per frame
 * (an empty rectangle if it has nothing to show), in the same order as its
 * other reductions. The frame goes to the live view's viewers (`+liveview
 * PORT`) and to `onFrame`.
 *
 * Two modes, as in Charm++: poll mode (no `onRequest`), where the program
 * deposits frames when it likes; request mode, where a viewer ready for a
 * frame makes PE 0 call `onRequest` (at most one request outstanding, at
 * most `maxFps` a second) and the members deposit in answer.
 */
import { Chare, type ChareIndex } from '../model/chare';
import { runtime } from '../model/context';
import { classInfo, registerClass } from '../model/registry';
import { groupRef, installGroupMember } from '../collections/groups';
import type { CollectionProxy } from '../model/proxy';
import { registerReducer } from '../reductions/reducers';
import { Callback, callback } from '../reductions/targets';
import { fatal } from '../errors';
import { isRegistered } from '../ccs/ccs';
import { CHANNELS, combinePieces, paintFrame, pieceOf, type CombineRule, type PixelFormat, type Pieces, type Rect } from './image';

export type { PixelFormat, CombineRule, Rect } from './image';

/** The image every deposit is a piece of (Charm++'s liveVizConfig). */
export interface LiveVizConfig {
  /** Width of the whole image, in pixels (1..16384). */
  width: number;
  /** Height of the whole image, in pixels (1..16384). */
  height: number;
  /** Layout of deposited pixels: 'rgb' (3 bytes, the default), 'rgba' (4) or 'gray' (1). Charm++'s `isColor`. */
  format?: PixelFormat;
  /** How overlapping pieces combine: 'sum' (saturating, the default) or 'max'. Charm++'s `liveVizCombine_t`. */
  combine?: CombineRule;
  /** A registered CCS handler the live view's page calls with `{ x, y }` (image pixels) when the image is clicked. */
  clickHandler?: string;
}

/** What PE 0 asks the members for in request mode (Charm++'s liveVizRequest). */
export interface LiveVizRequest {
  /** Number the frame will have. */
  frame: number;
  /** Width of the whole image, in pixels. */
  width: number;
  /** Height of the whole image, in pixels. */
  height: number;
}

/** An assembled frame, on PE 0. */
export interface LiveVizFrame {
  /** 0, 1, 2, ...: frames in the order their deposits completed. */
  frame: number;
  /** Width of the image, in pixels. */
  width: number;
  /** Height of the image, in pixels. */
  height: number;
  /** Bytes per pixel and their meaning (gray, rgb or rgba). */
  format: PixelFormat;
  /** Row-major pixels, `width * height * channels` bytes; pixels no piece covered are 0. */
  pixels: Uint8Array;
}

/** Options of `liveViz.init`. */
export interface LiveVizOptions {
  /**
   * Request mode: called (e.g. `charm.callback(cells, 'draw')`) with a
   * `LiveVizRequest` whenever a viewer is ready for a frame; the members
   * deposit in answer. Without it, the program deposits when it likes (poll mode).
   */
  onRequest?: Callback;
  /** Request mode: at most this many requests a second (default 30). */
  maxFps?: number;
  /** PE 0: called with every assembled frame (to save it, check it, count it). */
  onFrame?: (frame: LiveVizFrame) => void;
}

/** What every PE knows about the image (sent by init). */
interface FrameSettings {
  width: number;
  height: number;
  format: PixelFormat;
  rule: CombineRule;
  clickHandler: string | undefined;
}

/** Collection id of the liveViz group: user collection ids never get this high. */
const LIVEVIZ_GROUP_ID = 0xfffffffd;
const MAX_SIDE = 16384;

const imageReducer = registerReducer<Pieces>('charmts.liveViz', combinePieces);

let settings: FrameSettings | undefined;
/** PE 0 only, from here on. */
let initialized = false;
let options: LiveVizOptions = {};
let framesDone = 0;
let requested = false;
let lastRequest = -Infinity;
let requestTimer: NodeJS.Timeout | undefined;
const listeners = new Set<(frame: LiveVizFrame) => void>();

/** The liveViz group's member on each PE: holds the settings; PE 0's assembles frames. */
export class LiveVizPe extends Chare {
  /** Every PE: the image deposits are pieces of. */
  configure(given: FrameSettings): void {
    settings = given;
  }

  /** PE 0: the deposits of one frame, combined up the tree. */
  frame(pieces: Pieces): void {
    const s = settings!;
    const frame: LiveVizFrame = { frame: framesDone++, width: s.width, height: s.height, format: s.format, pixels: paintFrame(pieces, s.width, s.height) };
    requested = false;
    options.onFrame?.(frame);
    for (const listener of listeners) listener(frame);
  }
}
registerClass(LiveVizPe, 'charmts.LiveViz');

function group(): CollectionProxy<LiveVizPe> {
  return groupRef(LIVEVIZ_GROUP_ID, classInfo(LiveVizPe, 'liveViz')).proxy() as CollectionProxy<LiveVizPe>;
}

/** Creates this PE's member of the liveViz group (charm.start does, on every PE). */
export function installLiveViz(): void {
  installGroupMember(groupRef(LIVEVIZ_GROUP_ID, classInfo(LiveVizPe, 'liveViz')), []);
}

/** PE 0: the image as the live view describes it to viewers, or undefined before init. */
export function imageSettings(): Readonly<FrameSettings> | undefined {
  return settings;
}

/** PE 0: calls `listener` with every frame; returns the function that stops it. */
export function onFrames(listener: (frame: LiveVizFrame) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * PE 0, request mode: a viewer is ready for a frame. Asks the members for
 * one unless a request is outstanding; at most `maxFps` a second.
 */
export function wantFrame(): void {
  const target = options.onRequest;
  if (!target || requested || requestTimer || !settings) return;
  const wait = lastRequest + 1000 / (options.maxFps ?? 30) - performance.now();
  if (wait > 0) {
    requestTimer = setTimeout(() => {
      requestTimer = undefined;
      wantFrame();
    }, wait);
    return;
  }
  requested = true;
  lastRequest = performance.now();
  const request: LiveVizRequest = { frame: framesDone, width: settings.width, height: settings.height };
  try {
    target.send(request);
  } catch (error) {
    fatal(error, 'on PE 0 calling the liveViz request callback');
  }
}

let target: Callback | undefined;

/** `liveViz`: image pieces deposited by chares, combined into frames on PE 0 (Charm4py's `liveviz.LiveViz`). */
export class LiveViz {
  /**
   * Sets up the image, on PE 0 (in main), before any deposit: resolves
   * once every PE knows it (Charm4py's `LiveViz.init(cfg, cb, poll)`;
   * poll mode is the default here, `onRequest` gives request mode).
   *
   * @throws Error when not on PE 0 or called twice; TypeError or
   * RangeError naming the bad field of `config` or `options`.
   * @example
   * await liveViz.init({ width: 800, height: 600, clickHandler: 'disturb' });
   */
  async init(config: LiveVizConfig, initOptions: LiveVizOptions = {}): Promise<void> {
    const where = 'liveViz.init';
    const rt = runtime(where);
    if (rt.myPe !== 0) throw new Error(`${where}: call it on PE 0 (in main), not on PE ${rt.myPe}`);
    if (typeof config !== 'object' || config === null) throw new TypeError(`${where}: config must be an object { width, height, ... }`);
    for (const side of ['width', 'height'] as const) {
      const v = config[side];
      if (!Number.isInteger(v) || v < 1 || v > MAX_SIDE) throw new RangeError(`${where}: config.${side} must be an integer 1..${MAX_SIDE}, got ${String(v)}`);
    }
    const format = config.format ?? 'rgb';
    if (!Object.hasOwn(CHANNELS, format)) throw new TypeError(`${where}: config.format must be 'rgb', 'rgba' or 'gray', got ${JSON.stringify(format)}`);
    const rule = config.combine ?? 'sum';
    if (rule !== 'sum' && rule !== 'max') throw new TypeError(`${where}: config.combine must be 'sum' or 'max', got ${JSON.stringify(rule)}`);
    const click = config.clickHandler;
    if (click !== undefined && !isRegistered(click)) {
      throw new Error(`${where}: config.clickHandler ${JSON.stringify(click)} is not a registered CCS handler; register it with charm.ccs.register first`);
    }
    const { onRequest, onFrame, maxFps } = initOptions;
    if (onRequest !== undefined && !(onRequest instanceof Callback)) {
      throw new TypeError(`${where}: options.onRequest must be a callback from charm.callback(proxy, 'method')`);
    }
    if (onFrame !== undefined && typeof onFrame !== 'function') throw new TypeError(`${where}: options.onFrame must be a function`);
    if (maxFps !== undefined && !(typeof maxFps === 'number' && maxFps > 0)) throw new RangeError(`${where}: options.maxFps must be a positive number, got ${String(maxFps)}`);
    if (initialized) throw new Error(`${where}: liveViz is already set up; call it once per job`);
    initialized = true;
    options = initOptions;
    await group().awaitable.configure({ width: config.width, height: config.height, format, rule, clickHandler: click });
  }

  /**
   * Deposits `chare`'s piece of the current frame: `pixels` (row-major,
   * `width * height` pixels in the configured format) cover `rect`. Every
   * member of the chare's collection deposits once per frame; one with
   * nothing to show deposits an empty rectangle (`width` or `height` 0,
   * empty pixels). Charm++'s `liveVizDeposit`, Charm4py's `LiveViz.deposit`.
   * The pixels are copied: the buffer may be reused at once.
   *
   * @throws Error before `liveViz.init` has reached this PE; TypeError or
   * RangeError for a rectangle outside the image or pixels of the wrong
   * type or length.
   * @example
   * liveViz.deposit(this, { x: 0, y: 0, width: 50, height: 50 }, pixels);
   */
  deposit(chare: Chare<ChareIndex>, rect: Rect, pixels: Uint8Array | Uint8ClampedArray): void {
    const where = 'liveViz.deposit';
    const s = settings;
    if (!s) throw new Error(`${where}: liveViz is not set up on PE ${runtime(where).myPe}; await liveViz.init(config) on PE 0 before members deposit`);
    if (!(chare instanceof Chare)) throw new TypeError(`${where}: the first argument must be the depositing chare (this)`);
    const piece = pieceOf(where, s, rect, pixels);
    const pieces: Pieces = { channels: CHANNELS[s.format], rule: s.rule, list: piece[2] && piece[3] ? [piece] : [] };
    target ??= callback(group()[0], 'frame');
    chare.contribute(pieces, imageReducer, target);
  }
}

/** The liveViz API. */
export const liveViz = new LiveViz();
