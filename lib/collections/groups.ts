/**
 * Groups: one member per PE, indexed by PE; or, created with `onPEs`, one
 * member on each of those PEs only. Every PE has the group's local part (a
 * PE without a member still takes part in its reductions' spanning tree);
 * broadcasts reach every PE and run on the members; results come in PE
 * order.
 */
import { CallMode, indexable, makeProxy, type CallTarget } from '../model/proxy';
import { classInfo, type ChareClass, type ChareClassInfo } from '../model/registry';
import { runtime } from '../model/context';
import { readGroupPes, writeGroupPes } from '../codec/wire';
import { CollectionKind, beginCreate, install, registerKind, sendCall, type LocalCollection } from './collections';
import { newCollectionId } from './ids';
import { OneMember, localBranch } from './oneMember';
import { checkConstructorArgs } from '../optionKeys';

/** Options of `charm.createGroup`. */
export interface GroupOptions {
  /** The PEs to create members on (default: every PE); a group on a subset of PEs, as Charm4py's `Group(C, onPEs=...)`. */
  onPEs?: readonly number[];
}

export class GroupRef {
  readonly kind = CollectionKind.Group;
  private whole: unknown;
  private readonly members: unknown[] = [];
  /** Position of each member PE in `pes` (constrained groups). */
  private readonly slotOf: Map<number, number> | undefined;

  constructor(
    readonly id: number,
    readonly info: ChareClassInfo,
    /** The member PEs, sorted, or undefined for every PE. */
    readonly pes: readonly number[] | undefined,
  ) {
    this.slotOf = pes && new Map(pes.map((pe, slot) => [pe, slot]));
  }

  proxy(): unknown {
    if (this.whole) return this.whole;
    const target = makeProxy<object>({ __ref: this, __index: undefined, __call: broadcastCall });
    Object.defineProperty(target, 'ckLocalBranch', { value: () => localBranch(this, 'group', this.pes) });
    return (this.whole = indexable(target, (pe) => this.element(pe)));
  }

  element(pe: unknown): unknown {
    const numPes = runtime().numPes;
    if (typeof pe !== 'number' || !Number.isInteger(pe) || pe < 0 || pe >= numPes) {
      throw new RangeError(`charmts: group of ${this.info.name} has members 0..${numPes - 1}; index ${String(pe)} is out of range`);
    }
    if (this.slotOf && !this.slotOf.has(pe)) throw new RangeError(`charmts: group of ${this.info.name} has members on PEs ${this.pes!.join(', ')} only; PE ${pe} has none`);
    return (this.members[pe] ??= makeProxy({ __ref: this, __index: pe, __call: memberCall }));
  }

  /** Number of members. */
  size(): number {
    return this.pes ? this.pes.length : runtime().numPes;
  }

  /** The member on PE `pe`'s place in member order, or -1 when that PE has none. */
  slot(pe: number): number {
    return this.slotOf ? this.slotOf.get(pe) ?? -1 : pe;
  }
}

function broadcastCall(this: CallTarget, method: number, args: unknown[], mode: CallMode) {
  const ref = this.__ref as GroupRef;
  return sendCall(ref, -1, undefined, method, args, mode, true, ref.size());
}

function memberCall(this: CallTarget, method: number, args: unknown[], mode: CallMode) {
  return sendCall(this.__ref, this.__index as number, undefined, method, args, mode, false, 1);
}

const refs = new Map<number, GroupRef>();

export function groupRef(id: number, info: ChareClassInfo, pes?: readonly number[]): GroupRef {
  let ref = refs.get(id);
  if (!ref) refs.set(id, (ref = new GroupRef(id, info, pes)));
  return ref;
}

/** This PE's part of group `ref`: its member (constructed), or none on a PE outside `onPEs`. */
function member(ref: GroupRef, args: unknown[]): LocalCollection {
  const pe = runtime().myPe;
  const slot = ref.slot(pe);
  return new OneMember(ref, pe, slot >= 0 ? args : undefined, ref.size(), slot);
}

/** Creates this PE's member of a group right away (the runtime's own group needs no message). */
export function installGroupMember(ref: GroupRef, args: unknown[]): void {
  install(member(ref, args));
}

function checkPes(where: string, onPEs: unknown): number[] | undefined {
  if (onPEs === undefined) return undefined;
  const numPes = runtime().numPes;
  if (!Array.isArray(onPEs) || onPEs.length === 0) throw new TypeError(`${where}: onPEs must be a non-empty array of PEs`);
  for (const pe of onPEs) {
    if (!Number.isInteger(pe) || pe < 0 || pe >= numPes) throw new RangeError(`${where}: PE ${String(pe)} in onPEs is out of range (0..${numPes - 1})`);
  }
  return [...new Set(onPEs as number[])].sort((a, b) => a - b);
}

/** Creates a group of `cls` (one member per PE, or per PE of `onPEs`) and returns its proxy at once. */
export function createGroup(cls: ChareClass, args: readonly unknown[], options: GroupOptions = {}): unknown {
  const info = classInfo(cls, 'charm.createGroup');
  const where = `charm.createGroup(${info.name})`;
  runtime('charm.createGroup');
  checkConstructorArgs(where, args);
  const ref = groupRef(newCollectionId(), info, checkPes(where, options.onPEs));
  const w = beginCreate(CollectionKind.Group, ref.id, info, args);
  writeGroupPes(w, ref.pes);
  runtime().scheduler.broadcast();
  return ref.proxy();
}

registerKind(CollectionKind.Group, {
  encodeRef: (w, ref) => writeGroupPes(w, (ref as GroupRef).pes),
  decodeRef: (r, id, info) => groupRef(id, info, readGroupPes(r)),
  create: (r, id, info, args) => member(groupRef(id, info, readGroupPes(r)), args),
  restore(part) {
    const ref = groupRef(part.id, part.info, part.pes);
    const pe = runtime().myPe;
    return new OneMember(ref, pe, undefined, ref.size(), ref.slot(pe), { next: part.next, member: part.members[0] });
  },
});
