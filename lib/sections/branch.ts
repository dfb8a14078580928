/**
 * A section on one of its PEs (Charm++: CkMulticast's section entry on a
 * PE; Charm4py: SectionManager.SectionEntry): its members there, its place
 * in the section's tree, and the reductions it combines.
 *
 * Protocol (Kind.Section messages, target = section id):
 * - Establish: once per section, from the PE that created it, to the
 *   section's root and down the tree of the section's PEs (layout.ts),
 *   carrying the section (members and their PEs); each PE sets up its
 *   branch. Messages for a section not yet established here (a multicast
 *   or a contribution from another PE, which may overtake the Establish)
 *   are held and delivered, in order, when it comes.
 * - Call: a multicast, from the caller to the root and down the tree,
 *   carrying the section id and the call only; each PE sends each of its
 *   members an ordinary call through the collection's routing (a member
 *   that migrated still gets it), replying into the caller's future at
 *   the member's slot.
 * - Contribution: a member's contribution, from wherever the member lives
 *   to its section PE (fixed at creation, so each PE waits for a fixed
 *   number of contributions per reduction), numbered by the member.
 * - Reduction: the reduction manager's steps (lib/reductions/manager.ts)
 *   over the section's span: partials up the tree, the result (allReduce)
 *   and Start down it; the root completes reductions and delivers the
 *   result. Contributions are lifted with their slot, so ordered reducers
 *   (gather, concat) give member order.
 * - Drop: from the creator, to the root and down the tree, once nothing can
 *   name the section any more (its proxy never left the creator's PE in a
 *   message, and was collected there: sections.ts); each PE removes its
 *   branch. It follows the Establish and every call of the creator on the
 *   same edges, so it comes after them everywhere.
 */
import type { Reader } from '../codec/reader';
import { Kind, ReductionStep as Step, SectionOp as Op, methodOf, readSectionCall, readSectionContribution, readSectionEstablish, sectionStepOf, targetOf, writeSectionContribution, writeSectionDrop, writeSectionEstablish } from '../codec/wire';
import { registerSerializable } from '../codec/values';
import { runtime } from '../model/context';
import { Future, futureAt } from '../model/future';
import { deletedError, reportUndelivered } from '../collections/deleted';
import { methodName } from '../model/methodIds';
import type { ChareClassInfo } from '../model/registry';
import { endsDeletedMembers } from '../errors';
import type { CallMode, CollectionRef } from '../model/proxy';
import type { ChareIndex } from '../model/chare';
import { localCollection, sendCall } from '../collections/collections';
import type { ArrayRef } from '../collections/arrays';
import type { LocalArray } from '../collections/localArray';
import { ReductionManager } from '../reductions/manager';
import { STREAMS, Stream } from '../reductions/streams';
import { noteAbandoned, receiveAbandoned, stopGathering } from '../reductions/abandoned';
import type { Span } from '../reductions/span';
import { edgesIn } from '../tree';
import type { ReductionTarget } from '../reductions/targets';
import { membersOf, sectionPes, sizeOf, type LocalMember, type SectionData } from './layout';

/** A remote contributor to an allReduce over a section: its section PE sends it the result. */
export class EveryContributor {
  constructor(readonly future: Future<unknown>) {}
}
registerSerializable(EveryContributor, { name: 'charmts.EveryContributor' });

export const isArray = (ref: CollectionRef): ref is ArrayRef => typeof (ref as Partial<ArrayRef>).homeOf === 'function';

/** The PE a call from here to member `index` goes to first. */
export function firstPe(ref: CollectionRef, index: ChareIndex): number {
  if (!isArray(ref)) return index as number; // group member
  const local = localCollection(ref.id) as LocalArray | undefined;
  return local?.routing.firstHop(index as never) ?? ref.homeOf(index as never);
}

/** The id of entry method `method` (numbered by the first part's class) in part `p`'s class. */
export function methodIn(data: SectionData, p: number, method: number): number {
  const first = data.parts[0].collection.__ref.info;
  const info = data.parts[p].collection.__ref.info;
  if (info === first || method >= first.methods.length) return method;
  const name = first.methods[method];
  const id = info.methodIds.get(name);
  if (id === undefined) throw new TypeError(`section call: chare class ${info.name} (a collection of the section) has no entry method "${name}"`);
  return id;
}

class Branch {
  readonly children: number[];
  readonly members: LocalMember[];
  readonly reductions: ReductionManager;

  constructor(readonly data: SectionData) {
    const rt = runtime();
    const pes = sectionPes(data.pes);
    const { parent, children } = edgesIn(pes, rt.myPe);
    this.children = children;
    this.members = membersOf(data, rt.myPe);
    const span: Span = {
      kind: Kind.Section,
      root: pes[0],
      parent: () => parent,
      children: () => this.children.length,
      // Down the tree from the root as it is received (see receiveSection).
      broadcast: () => rt.scheduler.send(rt.myPe),
    };
    const name = data.parts[0].collection.__ref.info.name;
    this.reductions = new ReductionManager(data.id, `section ${data.id} of ${name}`, sizeOf(data.parts), span);
    for (let k = 0; k < this.members.length; k++) this.reductions.addMember(new Array<number>(STREAMS).fill(0));
  }

  /** Passes the message being read on to this PE's children in the section's tree. */
  forward(r: Reader): void {
    passOn(this.children, r);
  }
}

/** Passes the message being read on to `children`. */
function passOn(children: readonly number[], r: Reader): void {
  if (children.length === 0) return;
  const message = r.copyMessage();
  for (const child of children) runtime().scheduler.sendMessage(child, message);
}

/** This PE's branches, by section id. */
const branches = new Map<number, Branch>();

/**
 * What this PE keeps of a branch of a section over an array deleted whole,
 * for a multicast that was in flight at the deletion: it goes on down the
 * tree, and each member's result is refused (the section was dropped with
 * the array: sections.ts dropSectionsOf). Ids and numbers only, so that
 * nothing of the array is kept.
 */
interface Dropped {
  readonly children: readonly number[];
  readonly slots: readonly number[];
  readonly arrayId: number;
  readonly className: string;
  /** The section's first class (its calls are numbered by it): a refused call names its method. */
  readonly calls: ChareClassInfo;
}
/** The branches dropped last (a multicast in flight when its array was deleted arrives soon after); older ones are forgotten. */
const DROPPED_KEPT = 256;
const dropped = new Map<number, Dropped>();
/** Messages for sections not established here yet. */
const held = new Map<number, Uint8Array[]>();

/** Sets the section up on its PEs: Establish to its root, down its tree. Called once, by the creator. */
export function establish(section: object, data: SectionData): void {
  const rt = runtime();
  writeSectionEstablish(rt.scheduler.writer, data.id, section);
  rt.scheduler.send(data.pes[0]);
}

/** Removes the branches of section `id`, rooted at PE `root`, on every PE (see Drop above): nothing names it any more. */
export function dropSection(id: number, root: number): void {
  const rt = runtime();
  writeSectionDrop(rt.scheduler.writer, id);
  rt.scheduler.send(root);
}

/** This PE's entries for sections: branches, and sections with messages held (tests: bounded). */
export function sectionEntries(): number {
  return branches.size + held.size;
}

/** Handler of Kind.Section messages. */
export function receiveSection(r: Reader): void {
  const id = targetOf(r.buf, r.base);
  const op = methodOf(r.buf, r.base);
  const branch = branches.get(id);
  if (op === Op.Establish) {
    if (!branch) establishHere(id, r);
    return; // a restart re-establishes a section from every PE that holds it: the first did
  }
  if (!branch) {
    const gone = dropped.get(id);
    if (gone) {
      if (op === Op.Call) refuseMulticast(id, gone, r);
      else if (op === Op.Contribution) refuseContribution(id, gone, r);
      else if (op === Op.Drop) {
        // A child that had the Drop before the deletion has no branch to report from: what this PE gathered goes up now.
        passOn(gone.children, r);
        dropped.delete(id);
        stopGathering(id);
      }
      else receiveAbandoned(Kind.Section, id, r); // the section's reductions were abandoned with its array
      return;
    }
    // A Drop, or a child's report of its reductions abandoned, comes after the section's Establish on
    // its edge: with neither branch nor record here, the branch was dropped (or its record forgotten).
    if (op === Op.Drop) return;
    if (op === Op.Reduction && sectionStepOf(r.buf, r.base) === Step.Abandoned) return receiveAbandoned(Kind.Section, id, r); // still gathering if its record was evicted
    const list = held.get(id);
    if (list) list.push(r.copyMessage());
    else held.set(id, [r.copyMessage()]);
    return;
  }
  switch (op) {
    case Op.Call:
      branch.forward(r);
      deliver(branch, r);
      return;
    case Op.Contribution:
      collect(branch, r);
      return;
    case Op.Drop:
      branch.forward(r);
      branches.delete(id);
      return;
    case Op.Reduction: {
      const step = sectionStepOf(r.buf, r.base);
      if (step === Step.Start || step === Step.AllReduceResult) branch.forward(r);
      branch.reductions.receive(r);
      return;
    }
  }
}

function establishHere(id: number, r: Reader): void {
  const message = r.copyMessage();
  const section = readSectionEstablish(r) as { __section: SectionData };
  const branch = new Branch(section.__section);
  // Reaching a PE that has deleted one of its arrays already: a dropped section from the start (passed on all the same).
  const deleted = section.__section.parts.find((p) => isArray(p.collection.__ref) && p.collection.__ref.deleted)?.collection.__ref as ArrayRef | undefined;
  if (deleted) abandon(id, branch, deleted);
  else branches.set(id, branch);
  for (const child of branch.children) runtime().scheduler.sendMessage(child, message);
  const waiting = held.get(id);
  if (!waiting) return;
  held.delete(id);
  runtime().scheduler.deliverHeld(waiting);
}

/** A multicast reaching this PE: an ordinary call to each member here. */
function deliver(branch: Branch, r: Reader): void {
  const { method, mode, caller, reply, args } = readSectionCall(r);
  const data = branch.data;
  // Nobody awaits: a member deleted since is reported to the caller, naming the section (localArray.ts undeliverable).
  const multicast = reply ? undefined : { section: data.id, caller };
  for (const { slot, part, index } of branch.members) {
    const ref = data.parts[part].collection.__ref;
    const into = reply ? { pe: reply[0], id: reply[1], slot } : undefined;
    sendCall(ref, firstPe(ref, index), isArray(ref) ? index : undefined, methodIn(data, part, method), args, mode as CallMode, true, 0, into, false, multicast);
  }
}

/**
 * Member `slot`'s contribution to its reduction `number` over the section;
 * with 'all', a promise of the result. Checked by the caller.
 */
export function contribute(data: SectionData, slot: number, number: number, value: unknown, reducer: string, target: ReductionTarget | 'all', where: string): Promise<unknown> | undefined {
  const rt = runtime();
  const pe = data.pes[slot];
  const branch = branches.get(data.id);
  if (pe === rt.myPe && branch) return branch.reductions.contribute([number], slot, Stream.User, value, reducer, target);
  let future: Future<unknown> | undefined;
  if (target === 'all') future = Future.create<unknown>(1, 'single');
  writeSectionContribution(rt.scheduler.writer, data.id, { number, slot, reducer, target: future ? new EveryContributor(future) : target, data: value }, where);
  rt.scheduler.send(pe);
  return future?.get();
}

function collect(branch: Branch, r: Reader): void {
  const { number, slot, reducer, target, data } = readSectionContribution(r);
  if (target instanceof EveryContributor) {
    // Rejected when the section's array is deleted before the result (dropBranchesOf): the contributor is told.
    void branch.reductions.contribute([number], slot, Stream.User, data, reducer, 'all')!.then(
      (result) => target.future.send(result),
      (error: unknown) => target.future.sendError(error, 'a reduction over a section'),
    );
  } else {
    void branch.reductions.contribute([number], slot, Stream.User, data, reducer, target as ReductionTarget);
  }
}

/**
 * Array `arrayId` was deleted whole: this PE's branches of the sections
 * over it go (their reductions are abandoned), leaving what refuses a
 * multicast still on its way (Dropped).
 */
export function dropBranchesOf(arrayId: number): void {
  for (const [id, branch] of branches) {
    const ref = branch.data.parts.find((p) => p.collection.__ref.id === arrayId)?.collection.__ref as ArrayRef | undefined;
    if (!ref) continue;
    branches.delete(id);
    abandon(id, branch, ref);
  }
}

/**
 * The branch of section `id` goes with `deleted`, an array of it: its
 * members' awaited allReduce here, and the futures of the section's
 * reductions under way, get the deleted error once (abandoned.ts; the
 * section's PEs report the targets up its tree even when the Establish
 * comes after the deletion), and a record remains for the messages still
 * on their way.
 */
function abandon(id: number, branch: Branch, deleted: ArrayRef): void {
  // A member's method that lets it through, with nobody awaiting the method, ends quietly (endsDeletedMembers), a live member of a combined section's too.
  branch.reductions.abandon(endsDeletedMembers(deletedError(deleted.id, 'a reduction over a section of it did not complete', deleted.info)), `section ${id} of the ${deleted.info.name} array`);
  if (dropped.size >= DROPPED_KEPT) dropped.delete(dropped.keys().next().value!);
  dropped.set(id, { children: branch.children, slots: branch.members.map((m) => m.slot), arrayId: deleted.id, className: deleted.info.name, calls: branch.data.parts[0].collection.__ref.info });
}

/** A contribution reaching a dropped section (a member of another collection of a combined section, or one sent before the deletion): its future, if any, is told. */
function refuseContribution(id: number, gone: Dropped, r: Reader): void {
  const { slot, target } = readSectionContribution(r);
  const error = deletedError(gone.arrayId, `a contribution of member ${slot} to a reduction over a section of it was not combined`);
  const where = `section of the ${gone.className} array`;
  if (target instanceof EveryContributor) target.future.sendError(error, where);
  else if (!noteAbandoned(id, target) && target instanceof Future) target.sendError(error, where);
}

/**
 * A multicast reaching a dropped branch: on down the tree; each member
 * here has its slot of the caller's future refused, or, with nobody
 * awaiting the call, the caller is told, as for a call to an element of a
 * deleted array (deleted.ts: fatal there).
 */
function refuseMulticast(id: number, gone: Dropped, r: Reader): void {
  const rt = runtime();
  passOn(gone.children, r);
  const { method, caller, reply } = readSectionCall(r);
  if (!reply) {
    const what = `a call to ${gone.calls.name}.${methodName(gone.calls.methods, method)} on section ${id}, sent from PE ${caller}, reached ${gone.slots.length === 1 ? 'its member' : `its ${gone.slots.length} members`} on PE ${rt.myPe} (slot${gone.slots.length === 1 ? '' : 's'} ${gone.slots.join(', ')}) and was not delivered`;
    reportUndelivered(gone.arrayId, caller, deletedError(gone.arrayId, what).message);
    return;
  }
  const future = futureAt(reply[0], reply[1]);
  const where = `section of the ${gone.className} array`;
  for (const slot of gone.slots) future.sendError(deletedError(gone.arrayId, `a section call reached member ${slot} of a section over it`), where, rt.myPe, slot);
}

/** Checkpoints: the sections with a reduction under way on this PE (a restart starts their numbering over). */
export function sectionsUnderWay(): number[] {
  return [...branches].filter(([, b]) => b.reductions.checkpointState().underWay).map(([id]) => id);
}
