/**
 * The local part of a collection with one member on this PE and no
 * migration: a group member or a singleton; or with no member here (a
 * group on other PEs than this one), taking part in reductions only.
 * Groups reduce over their members (one per member PE).
 */
import type { Reader } from '../codec/reader';
import { memberOf, type Chare, type MemberServices } from '../model/chare';
import { replyFrom, type Track } from '../model/invoke';
import type { CollectionRef } from '../model/proxy';
import { ReductionManager } from '../reductions/manager';
import { Stream } from '../reductions/streams';
import { checkContribution } from '../reductions/contribute';
import type { Reducer } from '../reductions/reducers';
import type { ReductionTarget } from '../reductions/targets';
import { rebuildMember } from '../migration/member';
import type { LocalSnapshot, RestoredMember } from '../checkpoint/saved';
import { runtime } from '../model/context';
import { construct, localCollection, newMemberState, runCall, trackRunning, type CollectionKind, type LocalCollection } from './collections';

export class OneMember implements LocalCollection, MemberServices {
  /** The member, or undefined on a PE without one. */
  readonly element: Chare<never> | undefined;
  private readonly reductions: ReductionManager | undefined;
  /** Counts the member's suspended async methods (a checkpoint cannot save one). */
  private readonly track: Track | undefined;

  constructor(
    readonly ref: CollectionRef & { readonly kind: CollectionKind },
    private readonly index: number,
    /** Constructor arguments, or undefined when the member is not on this PE (or is restored). */
    args: unknown[] | undefined,
    /** Members taking part in reductions, or 0 when the collection cannot reduce. */
    population: number,
    /** The member's place in member order (its results' slot). */
    private readonly slot = index,
    /** A restart: the first reduction per stream, and the member as a checkpoint saved it, if it is here (rebuilt, its constructor not run). */
    restored?: { next: readonly number[]; member: RestoredMember | undefined },
  ) {
    this.reductions = population > 0 ? new ReductionManager(ref.id, `${ref.info.name} (collection ${ref.id})`, population) : undefined;
    if (restored) this.reductions?.restartAt(restored.next);
    const saved = restored?.member;
    if (!args && !saved) return;
    const member = newMemberState(this, saved?.record.next);
    this.reductions?.addMember(member.next);
    this.element = saved ? rebuildMember(ref.info, member, saved.record, saved.readState, replyFrom) : construct(ref, index, args!, member);
    this.track = trackRunning();
  }

  deliver(r: Reader, flags: number, method: number): void {
    // A PE without a member sees the group's broadcasts only: they are not for it.
    if (this.element) runCall(r, flags, method, this.element, this.ref.info, this.slot, this.track);
  }

  snapshot(): LocalSnapshot {
    return { members: this.element ? [{ chare: this.element, state: memberOf(this.element) }] : [], reductions: this.reductions };
  }

  receiveReduction(r: Reader): void {
    if (!this.reductions) throw new Error(`charmts: reduction message for ${this.ref.info.name}, which does not reduce`);
    this.reductions.receive(r);
  }

  contribute(chare: Chare<never>, data: unknown, reducer: Reducer, target: ReductionTarget | 'all'): Promise<unknown> | undefined {
    const where = `${this.ref.info.name}[${this.index}].contribute`;
    if (!this.reductions) throw new Error(`${where}: a singleton chare cannot contribute to reductions; use a group or an array`);
    checkContribution(where, reducer, target);
    return this.reductions.contribute(memberOf(chare).next, this.index, Stream.User, data, reducer.name, target);
  }

  migrate(): void {
    throw new Error(`${this.ref.info.name}[${this.index}].migrate: only chare-array elements can migrate`);
  }

  atSync(): void {
    throw new Error(`${this.ref.info.name}[${this.index}].AtSync: only chare-array elements take part in load balancing`);
  }
}

/**
 * The member of group or singleton `ref` (`kind`) on this PE, the chare
 * object itself (ckLocalBranch). `pes`: the PEs it has members on
 * (undefined: every PE). There is none here when this PE is not among
 * them, when its creation has not reached this PE yet (a group created
 * here a moment ago), or while the member's own constructor runs (it is
 * `this` there).
 */
export function localBranch(ref: CollectionRef, kind: 'group' | 'chare', pes?: readonly number[]): Chare<never> {
  const part = localCollection(ref.id);
  if (part instanceof OneMember && part.element) return part.element;
  const pe = runtime('ckLocalBranch').myPe;
  const what = kind === 'group' ? `group of ${ref.info.name}` : `singleton ${ref.info.name}`;
  const why =
    pes && !pes.includes(pe)
      ? `has no member on this PE (${pes.length === 1 ? `it lives on PE ${pes[0]}` : `its members are on PEs ${pes.join(', ')}`})`
      : `has not been created on this PE yet (its creation is on its way: \`await charm.awaitCreation(${kind})\` first, or await a call to it; in the member's own constructor, the member is \`this\`)`;
  return thrown(new Error(`charmts: ${what}.ckLocalBranch() on PE ${pe}: the ${what} ${why}`));
}

function thrown(error: Error): never {
  throw error;
}
