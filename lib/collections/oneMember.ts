/**
 * The local part of a collection with one member on this PE and no
 * migration: a group member or a singleton. Groups reduce over their
 * members (one per PE).
 */
import type { Reader } from '../codec/reader';
import { memberOf, type Chare, type MemberServices } from '../model/chare';
import { replyFrom, type Track } from '../model/invoke';
import type { CollectionRef } from '../model/proxy';
import { ReductionManager, Stream } from '../reductions/manager';
import { checkContribution } from '../reductions/contribute';
import type { Reducer } from '../reductions/reducers';
import type { ReductionTarget } from '../reductions/targets';
import { rebuildMember } from '../migration/member';
import type { LocalSnapshot, RestoredMember } from '../checkpoint/saved';
import { construct, newMemberState, runCall, trackRunning, type CollectionKind, type LocalCollection } from './collections';

export class OneMember implements LocalCollection, MemberServices {
  readonly element: Chare<never>;
  private readonly reductions: ReductionManager | undefined;
  private readonly track: Track;

  constructor(
    readonly ref: CollectionRef & { readonly kind: CollectionKind },
    private readonly index: number,
    args: unknown[],
    /** Members taking part in reductions, or 0 when the collection cannot reduce. */
    population: number,
    /** A restart: the member as a checkpoint saved it (rebuilt, its constructor not run), and the first reduction per stream. */
    restored?: RestoredMember & { next: readonly number[] },
  ) {
    this.reductions = population > 0 ? new ReductionManager(ref.id, `${ref.info.name} (collection ${ref.id})`, population) : undefined;
    const member = newMemberState(this, restored?.record.next);
    this.reductions?.addMember(member.next);
    if (restored) {
      this.reductions?.restartAt(restored.next);
      this.element = rebuildMember(ref.info, member, restored.record, restored.readState, replyFrom).chare;
    } else {
      this.element = construct(ref, index, args, member);
    }
    // Counted so that a checkpoint can tell it cannot save a suspended method.
    this.track = trackRunning(member);
  }

  deliver(r: Reader, flags: number, method: number): void {
    runCall(r, flags, method, this.element, this.ref.info, this.index, this.track);
  }

  snapshot(): LocalSnapshot {
    return { members: [{ chare: this.element, state: memberOf(this.element) }], reductions: this.reductions };
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
