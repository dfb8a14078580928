/** Singleton chares: one object on a chosen PE. */
import { CallMode, indexable, makeProxy, type CallTarget } from '../model/proxy';
import { classInfo, type ChareClass, type ChareClassInfo } from '../model/registry';
import { runtime } from '../model/context';
import { CollectionKind, beginCreate, registerKind, sendCall } from './collections';
import { newCollectionId } from './ids';
import { OneMember, localBranch } from './oneMember';
import { readSingletonPe, writeSingletonPe } from '../codec/wire';
import { checkConstructorArgs } from '../optionKeys';

export class SingletonRef {
  readonly kind = CollectionKind.Singleton;
  private whole: unknown;
  private member: unknown;

  constructor(readonly id: number, readonly info: ChareClassInfo, readonly pe: number) {}

  /** A collection of one: calls on it gather the one result into an array, like any collection. */
  proxy(): unknown {
    if (this.whole) return this.whole;
    const target = makeProxy<object>({ __ref: this, __index: undefined, __call: wholeCall });
    Object.defineProperty(target, 'ckLocalBranch', { value: () => localBranch(this, 'chare', [this.pe]) });
    return (this.whole = indexable(target, (i) => this.element(i)));
  }

  element(index: unknown): unknown {
    if (index !== 0) throw new RangeError(`charmts: singleton ${this.info.name} has only index 0; index ${String(index)} is out of range`);
    return (this.member ??= makeProxy({ __ref: this, __index: 0, __call: memberCall }));
  }
}

function wholeCall(this: CallTarget, method: number, args: unknown[], mode: CallMode) {
  return sendCall(this.__ref, (this.__ref as SingletonRef).pe, undefined, method, args, mode, true, 1);
}

function memberCall(this: CallTarget, method: number, args: unknown[], mode: CallMode) {
  return sendCall(this.__ref, (this.__ref as SingletonRef).pe, undefined, method, args, mode, false, 1);
}

/** Options of `charm.createChare`. */
export interface ChareOptions {
  /** PE to create the chare on (default: chosen by the runtime, spreading chares over the PEs, as Charm4py's `onPE=-1`). */
  onPE?: number;
}

/** Chares this PE has placed itself (the next goes one PE further). */
let placed = 0;

/**
 * Where a chare created without `onPE` goes: each PE deals its chares out
 * over the PEs in turn, starting with the next PE, so that chares creating
 * chares (recursive algorithms) spread over the machine.
 */
function choosePe(myPe: number, numPes: number): number {
  return (myPe + 1 + placed++) % numPes;
}

/** Creates one chare of `cls` on PE `onPE` (or one the runtime chooses) and returns its proxy at once. */
export function createChare(cls: ChareClass, args: readonly unknown[], options: ChareOptions = {}): unknown {
  const info = classInfo(cls, 'charm.createChare');
  checkConstructorArgs(`charm.createChare(${info.name})`, args);
  const rt = runtime('charm.createChare');
  const pe = options.onPE ?? choosePe(rt.myPe, rt.numPes);
  if (!Number.isInteger(pe) || pe < 0 || pe >= rt.numPes) {
    throw new RangeError(`charm.createChare(${info.name}): onPE ${String(pe)} is out of range (0..${rt.numPes - 1})`);
  }
  const ref = singletonRef(newCollectionId(true), info, pe);
  beginCreate(CollectionKind.Singleton, ref.id, info, args);
  writeSingletonPe(rt.scheduler.writer, pe);
  rt.scheduler.send(pe);
  return ref.element(0);
}

const refs = new Map<number, SingletonRef>();

/** The reference of singleton `id`: one object per singleton, so its proxies are the same objects however obtained. */
function singletonRef(id: number, info: ChareClassInfo, pe: number): SingletonRef {
  let ref = refs.get(id);
  if (!ref) refs.set(id, (ref = new SingletonRef(id, info, pe)));
  return ref;
}

registerKind(CollectionKind.Singleton, {
  encodeRef(w, ref) {
    writeSingletonPe(w, (ref as SingletonRef).pe);
  },
  // A proxy saved by a checkpoint of more PEs names a PE that may not exist
  // now: a restart moves the chare to its PE modulo the PEs (restore below).
  decodeRef: (r, id, info) => singletonRef(id, info, readSingletonPe(r) % runtime().numPes),
  create(r, id, info, args) {
    return new OneMember(singletonRef(id, info, readSingletonPe(r)), 0, args, 0);
  },
  restore: (part) => new OneMember(singletonRef(part.id, part.info, part.pe), 0, undefined, 0, 0, { next: part.next, member: part.members[0] }),
});
