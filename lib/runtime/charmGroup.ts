/** The runtime as a group: `charm.thisProxy[pe].ret.myPe()` asks another PE. */
import { Chare } from '../model/chare';
import { runtime } from '../model/context';
import { classInfo, registerClass, type ChareClass } from '../model/registry';
import type { ArrayProxy, CollectionProxy, ElementProxy } from '../model/proxy';
import { CollectionKind, localCollections, whenCreated } from '../collections/collections';
import { createArray, type ArrayDims, type ArrayOptions } from '../collections/arrays';
import { createGroup, groupRef, installGroupMember, type GroupOptions } from '../collections/groups';
import { createChare, type ChareOptions } from '../collections/singletons';
import { forwardValue, type Future } from '../model/future';
import { requestExit, abortJob } from './lifecycle';
import { peStats, type PeStats } from '../profiling/profile';
import { evalHere, execHere, updateGlobalsHere } from '../console/remoteCode';
import { SAMPLES, type MembersReport } from '../console/stuck';
import { describe } from '../collections/arrayIndex';
import { Stream } from '../reductions/streams';
import { channelsAwaited } from '../channels';

/** The chare class of `charm.thisProxy`: one member per PE, answering for the runtime there. */
export class CharmRemote extends Chare {
  /** The PE this member runs on. */
  myPe(): number {
    return runtime().myPe;
  }
  /** Number of PEs in the job. */
  numPes(): number {
    return runtime().numPes;
  }
  /** Host number of this member's PE. */
  myHost(): number {
    const rt = runtime();
    return rt.hostOfPe[rt.myPe];
  }
  /** Number of hosts in the job. */
  numHosts(): number {
    return runtime().numHosts;
  }
  /** What this PE measured (see charm.printStats). */
  stats(): PeStats {
    return peStats(runtime().scheduler.counters);
  }
  /** Ends the job with `code`. */
  exit(code = 0): void {
    requestExit(code);
  }
  /** Runs `code` (statements) in this PE's global scope. Needs remote code enabled. */
  exec(code: string): void {
    execHere(code);
  }
  /** Evaluates `expression` in this PE's global scope and returns its value. Needs remote code enabled. */
  eval(expression: string): unknown {
    return evalHere(expression);
  }
  /** Sets global variables on this PE. Needs remote code enabled. */
  updateGlobals(globals: Record<string, unknown>): void {
    updateGlobalsHere(globals);
  }

  /** @internal This PE's members per collection: how many contributions each made, which are suspended, and the calls held here for indices with no element (the idle hint names those behind or waiting). */
  membersReport(): MembersReport[] {
    const pe = runtime().myPe;
    const out: MembersReport[] = [];
    for (const collection of localCollections()) {
      const { members, reductions } = collection.snapshot();
      const held = collection.heldAtHome?.() ?? [];
      if (members.length === 0 && held.length === 0) continue;
      const byCount = new Map<number, [number, number, string[]]>();
      const bySyncs = new Map<number, [number, number, string[]]>();
      const report: MembersReport = { id: collection.ref.id, name: collection.ref.info.name, pe, counts: [], syncs: [], suspended: 0, suspendedSamples: [] };
      // As a user writes them: W[2, 1] (array element), G[1] (group member), S (singleton).
      const kind = collection.ref.kind;
      const named = (chare: Chare<never>): string => (kind === CollectionKind.Array ? describe(chare.thisIndex) : kind === CollectionKind.Group ? `[${String(chare.thisIndex)}]` : '');
      for (const { chare, state } of members) {
        if (reductions) {
          count(byCount, state.next[Stream.User], named(chare));
          count(bySyncs, Math.ceil(state.next[Stream.Balance] / 2), named(chare)); // each step takes two (@balance at AtSync, @resume after the moves)
        }
        const running = state.running;
        if (running && report.suspended++ < SAMPLES) report.suspendedSamples.push([named(chare), running.length, running[running.length - 1], channelsAwaited(chare)]);
      }
      report.counts = [...byCount.values()];
      report.syncs = [...bySyncs.values()];
      if (held.length > 0) report.held = { indices: held.length, calls: held.reduce((sum, [, calls]) => sum + calls, 0), samples: held.slice(0, SAMPLES) };
      out.push(report);
    }
    return out;
  }

  /** @internal On the PE owning `future`: sends its value, once it has it, into `slot` of `to` (a future sent a future). */
  forwardFuture(future: Future<unknown>, to: Future<unknown>, slot: number): void {
    forwardValue(future, to, slot);
  }

  /**
   * Creates a chare array on this PE and returns its proxy once every
   * element exists and has finished its set-up (Charm4py's
   * `charm.thisProxy[pe].createArray(...)`, for creation from anywhere).
   */
  async createArray<C extends ChareClass>(cls: C, dims: ArrayDims, args: ConstructorParameters<C> | [] = [], options?: ArrayOptions): Promise<ArrayProxy<InstanceType<C>>> {
    const proxy = createArray(cls, dims, args, options) as ArrayProxy<InstanceType<C>>;
    await whenCreated(proxy, 'charm.thisProxy.createArray');
    return proxy;
  }

  /** Creates a group on this PE and returns its proxy once every member has finished its set-up. */
  async createGroup<C extends ChareClass>(cls: C, args: ConstructorParameters<C> | [] = [], options?: GroupOptions): Promise<CollectionProxy<InstanceType<C>>> {
    const proxy = createGroup(cls, args, options) as CollectionProxy<InstanceType<C>>;
    await whenCreated(proxy, 'charm.thisProxy.createGroup');
    return proxy;
  }

  /** Creates a chare from this PE and returns its proxy once it has finished its set-up. */
  async createChare<C extends ChareClass>(cls: C, args: ConstructorParameters<C> | [] = [], options?: ChareOptions): Promise<ElementProxy<InstanceType<C>>> {
    const proxy = createChare(cls, args, options) as ElementProxy<InstanceType<C>>;
    await whenCreated(proxy, 'charm.thisProxy.createChare');
    return proxy;
  }

  /** Aborts the job with `message`. */
  abort(message: string): void {
    abortJob(message);
  }
}

/** Collection id of the runtime's own group. */
const CHARM_GROUP_ID = 0;

registerClass(CharmRemote);

/** Makes this PE's member of the runtime group (at start, before any message arrives). */
export function installCharmGroup(): void {
  installGroupMember(groupRef(CHARM_GROUP_ID, classInfo(CharmRemote, 'charm')), []);
}

/** The runtime group's proxy: `charm.thisProxy`. */
export function charmGroup(): CollectionProxy<CharmRemote> {
  return groupRef(CHARM_GROUP_ID, classInfo(CharmRemote, 'charm')).proxy() as CollectionProxy<CharmRemote>;
}

/** Counts a member that made `made` contributions (or AtSync calls) in `counts`, naming up to SAMPLES of each count. */
function count(counts: Map<number, [number, number, string[]]>, made: number, index: string): void {
  let entry = counts.get(made);
  if (!entry) counts.set(made, (entry = [made, 0, []]));
  entry[1]++;
  if (entry[2].length < SAMPLES) entry[2].push(index);
}
