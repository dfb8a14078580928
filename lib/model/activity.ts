/**
 * Which chare's entry method is running, across its awaits. An entry
 * method runs in pieces: its synchronous part, then one continuation per
 * `await` that resumes. Each piece is charged to the chare (its `load`,
 * read by the load balancer, and `+stats`), and after each continuation the
 * chare's waiting `when` calls and `wait` conditions are tried again, as
 * after an entry method (Charm4py flushes a chare's wait queues when one of
 * its threads resumes).
 *
 * Algorithm: V8's promise hooks. A promise created while a chare's code
 * runs belongs to that chare (`onInit`); when a reaction of a promise that
 * belongs to a chare runs (`onBefore`/`onAfter`), that is a continuation of
 * the chare's code: the time between the two hooks is charged to it, and
 * promises created meanwhile belong to it too. Suspended time is charged to
 * nobody. The hooks cost every promise operation something, so they are
 * installed only once something needs them (a balanced array, `+stats`,
 * `when` conditions, `wait`, and `+asyncOrigins`). The same ownership names
 * the entry method that made a promise nobody handled (`madeIn`).
 */
import { performance } from '../clock';
import { promiseHooks } from 'v8';
import type { Chare, MemberState } from './chare';
import { doubleFields } from '../shapes';

/** One entry method's execution: whose it is and where its time goes. */
export interface Activation {
  readonly chare: Chare<never>;
  readonly member: MemberState;
  /** Called with each continuation's start and end (performance.now() times), for `+stats` (the synchronous part is recorded by its caller). */
  readonly record: ((start: number, end: number) => void) | undefined;
  /** The entry method's name, to name it in errors. */
  readonly method: string;
}

/**
 * The scheduler's clock reading at the start of its current run of
 * dispatches (performance.now()), or -1 outside one: the first entry
 * method run straight from a dispatch starts then, and each one's end is
 * the next one's start. A reading costs 60 to 120 ns here, and a small
 * message took seven (a quarter of a round trip): this saves two per
 * message. What runs between two entry methods of one run (decoding the
 * next one's arguments, a future's value) is charged to the next.
 */
export const dispatchClock = doubleFields({ at: -1 });

// The activation running now, as its parts: the object is made only when a
// promise hook needs one (runAs runs once per message; until hooks are
// installed nobody does).
let currentChare: Chare<never> | undefined;
let currentMember: MemberState | undefined;
let currentRecord: Activation['record'];
let currentMethod = '';
let current: Activation | undefined;
let installed = false;
let pieceStart = 0;
/** Whose continuation runs now (between onBefore and onAfter), or undefined. */
let pieceMember: MemberState | undefined;
const owners = new WeakMap<Promise<unknown>, Activation>();
let afterPiece: (chare: Chare<never>) => void = () => {};

function currentActivation(): Activation | undefined {
  if (currentChare === undefined) return undefined;
  return (current ??= { chare: currentChare, member: currentMember!, record: currentRecord, method: currentMethod });
}

function enter(activation: Activation | undefined): void {
  currentChare = activation?.chare;
  currentMember = activation?.member;
  currentRecord = activation?.record;
  currentMethod = activation?.method ?? '';
  current = activation;
}

/**
 * Runs the synchronous part of an activation of `chare`: `fn` (its entry
 * method `method`) applied to `chare` with `args`, its time charged to `member`.
 */
export function runAs<T>(chare: Chare<never>, member: MemberState, record: Activation['record'], method: string, fn: (...args: unknown[]) => T, args: readonly unknown[]): T {
  const outerChare = currentChare;
  const outerMember = currentMember;
  const outerRecord = currentRecord;
  const outerMethod = currentMethod;
  const outer = current;
  const chained = outerChare === undefined && dispatchClock.at >= 0;
  const start = chained ? dispatchClock.at : performance.now();
  dispatchClock.at = -1;
  currentChare = chare;
  currentMember = member;
  currentRecord = record;
  currentMethod = method;
  current = undefined;
  try {
    // One argument (the common call) without apply's spreading of the list (CallWithArrayLike).
    return args.length === 1 ? fn.call(chare, args[0]) : fn.apply(chare, args as unknown[]);
  } finally {
    currentChare = outerChare;
    currentMember = outerMember;
    currentRecord = outerRecord;
    currentMethod = outerMethod;
    current = outer;
    const end = performance.now();
    member.load += end - start;
    if (chained) dispatchClock.at = end;
  }
}

/** Charges a continuation of `activation` (its synchronous part is charged by runAs). */
function charge(activation: Activation, start: number, end: number): void {
  activation.member.load += end - start;
  activation.record?.(start, end);
}

/**
 * Milliseconds that `member`'s continuation running now has run (0 if none
 * of its runs): a continuation is charged only when it ends, so a reading
 * of `load` inside one (AtSync after an await) would miss it.
 */
export function pieceSoFar(member: MemberState): number {
  return pieceMember === member ? performance.now() - pieceStart : 0;
}

/** What runs after each continuation of a chare's code (the retry of its waiting calls: model/invoke.ts). */
export function afterContinuations(after: (chare: Chare<never>) => void): void {
  afterPiece = after;
}

/** Whether the promise hooks are installed: only then can `madeIn` name the entry method that made a promise. */
export function followingPromises(): boolean {
  return installed;
}

/**
 * The entry method whose code made `promise`, its synchronous part or a
 * continuation: its class name, method and the chare's index; undefined if
 * the hooks were not installed then, or if no entry method made it (main,
 * a constructor, a timer or I/O callback, the runtime between deliveries).
 */
export function madeIn(promise: Promise<unknown>): { className: string; method: string; index: unknown } | undefined {
  const owner = owners.get(promise);
  if (owner === undefined) return undefined;
  return { className: owner.member.services.ref.info.name, method: owner.method, index: owner.chare.thisIndex };
}

/** Installs the promise hooks (once): from now on, continuations are charged, then followed by the `afterContinuations` function. */
export function trackContinuations(): void {
  if (installed) return;
  installed = true;
  promiseHooks.onInit((promise) => {
    const activation = currentActivation();
    if (activation !== undefined) owners.set(promise, activation);
  });
  promiseHooks.onBefore((promise) => {
    const owner = owners.get(promise);
    if (owner === undefined) return;
    enter(owner);
    pieceMember = owner.member;
    pieceStart = performance.now();
  });
  promiseHooks.onAfter((promise) => {
    const owner = owners.get(promise);
    if (owner === undefined) return;
    enter(undefined);
    pieceMember = undefined;
    charge(owner, pieceStart, performance.now());
    const chare = owner.chare;
    queueMicrotask(() => afterPiece(chare));
  });
}
