/** Groups: one member per PE, indexed by PE. */
import { CallMode, indexable, makeProxy, type CallTarget } from '../model/proxy';
import { classInfo, type ChareClass, type ChareClassInfo } from '../model/registry';
import { runtime } from '../model/context';
import { CollectionKind, beginCreate, install, newCollectionId, registerKind, sendCall, type LocalCollection } from './collections';
import { OneMember } from './oneMember';

export class GroupRef {
  readonly kind = CollectionKind.Group;
  private whole: unknown;
  private readonly members: unknown[] = [];

  constructor(readonly id: number, readonly info: ChareClassInfo) {}

  proxy(): unknown {
    return (this.whole ??= indexable(makeProxy<object>({ __ref: this, __index: undefined, __call: broadcastCall }), (pe) => this.element(pe)));
  }

  element(pe: unknown): unknown {
    const numPes = runtime().numPes;
    if (typeof pe !== 'number' || !Number.isInteger(pe) || pe < 0 || pe >= numPes) {
      throw new RangeError(`charmts: group of ${this.info.name} has members 0..${numPes - 1}; index ${String(pe)} is out of range`);
    }
    return (this.members[pe] ??= makeProxy({ __ref: this, __index: pe, __call: memberCall }));
  }
}

function broadcastCall(this: CallTarget, method: number, args: unknown[], mode: CallMode) {
  return sendCall(this.__ref, -1, undefined, method, args, mode, true, runtime().numPes);
}

function memberCall(this: CallTarget, method: number, args: unknown[], mode: CallMode) {
  return sendCall(this.__ref, this.__index as number, undefined, method, args, mode, false, 1);
}

const refs = new Map<number, GroupRef>();

export function groupRef(id: number, info: ChareClassInfo): GroupRef {
  let ref = refs.get(id);
  if (!ref) refs.set(id, (ref = new GroupRef(id, info)));
  return ref;
}

/** Constructs this PE's member of group `ref` and returns it as a local collection. */
function member(ref: GroupRef, args: unknown[]): LocalCollection {
  const rt = runtime();
  return new OneMember(ref, rt.myPe, args, rt.numPes);
}

/** Creates this PE's member of a group right away (the runtime's own group needs no message). */
export function installGroupMember(ref: GroupRef, args: unknown[]): void {
  install(member(ref, args));
}

/** Creates a group of `cls` (one member per PE) and returns its proxy at once. */
export function createGroup(cls: ChareClass, args: readonly unknown[]): unknown {
  const info = classInfo(cls, 'charm.createGroup');
  runtime('charm.createGroup');
  if (!Array.isArray(args)) throw new TypeError(`charm.createGroup(${info.name}): constructor arguments must be an array`);
  const ref = groupRef(newCollectionId(), info);
  beginCreate(CollectionKind.Group, ref.id, info, args);
  runtime().scheduler.broadcast();
  return ref.proxy();
}

registerKind(CollectionKind.Group, {
  encodeRef() {},
  decodeRef: (_r, id, info) => groupRef(id, info),
  create: (_r, id, info, args) => member(groupRef(id, info), args),
  restore: (part) => new OneMember(groupRef(part.id, part.info), runtime().myPe, [], runtime().numPes, { ...part.members[0], next: part.next }),
});
