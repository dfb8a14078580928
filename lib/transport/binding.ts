/** The native MPI binding, typed. Nothing but MPI calls lives behind it. */
import * as path from 'path';

export interface InitInfo {
  rank: number;
  size: number;
  threadLevel: number;
  threadFunneled: number;
  /** Host number of every rank: ranks with the same processor name share one. */
  hostOfRank: number[];
  processorName: string;
  /** Messages up to this many bytes are received into the arena (the transports' eager limit in force, or 4096). */
  eagerBytes: number;
}

/** What the binding's message pool counted (see binding/pool.h). */
export interface PoolCounters {
  /** Buffers taken warm from the pool. */
  hits: number;
  /** Buffers that had to be freshly allocated. */
  misses: number;
  /** Bytes of free buffers kept. */
  freeBytes: number;
  /** Bytes prefaulted by RefillPool. */
  prefaultedBytes: number;
}

/**
 * The binding's functions. Each failing MPI call throws an Error naming the
 * call, the peer and MPI_Error_string; one that leaves a message half sent
 * or received has `fatal: true` (the job cannot go on).
 */
export interface MpiBinding {
  Init(): InitInfo;
  /**
   * Sends the first `headerLength` bytes of `header`, then `segments`. A
   * segment given as a view is copied before Send returns; one given as an
   * ArrayBuffer is transferred: detached at the call, its memory sent in
   * place. Returns the bytes held by incomplete sends.
   */
  Send(dest: number, header: Uint8Array, headerLength: number, segments?: (ArrayBufferView | ArrayBuffer)[]): number;
  /**
   * For an idle PE: sleeps until a message is waiting (true), a sender on
   * this host wakes this PE, or `maxMicros` have passed (false).
   */
  Idle(maxMicros: number): boolean;
  /**
   * Registers `flag`, whose element 0 the binding sets to 1 when this PE
   * wakes a sleeping PE of its host or is woken by one (the two may then
   * share a core for a while); the caller clears it. Kept alive by the binding.
   */
  Handoff(flag: Int32Array): void;
  /**
   * Whether another awake PE of this host last waited on the CPU this PE
   * runs on now (the kernel can keep two PEs on one core while another is
   * free); notes this PE's CPU for the others.
   */
  SharesCore(): boolean;
  /** Moves this PE to a CPU of its affinity mask that no awake PE of its host uses (keeping the mask); false if there is none. */
  MoveToFreeCore(): boolean;
  /** Bytes held by incomplete sends. */
  PendingBytes(): number;
  /** Messages partly received (the PE must keep polling until they complete). */
  Receiving(): number;
  /**
   * Registers where Drain puts messages (kept alive by the binding; `meta`
   * holds META_FIELDS per message, `arrival[0]` the time a Drain that
   * delivered took its messages, in ms on process.hrtime's clock); returns
   * the inbox's number.
   */
  Inbox(arena: Uint8Array, meta: Int32Array, large: ArrayBuffer[], arrival?: Float64Array): number;
  /**
   * Delivers every complete message into `inbox`, in per-source order. For
   * message i, meta[META_FIELDS * i ...] = source, offset of its inline part
   * in the arena (or -1 - index of its buffer in `large`), inline length,
   * number of segments, index in `large` of the first segment's buffer.
   */
  Drain(inbox: number, maxMessages: number): number;
  /** Completes finished sends; returns bytes held by incomplete ones. */
  Progress(): number;
  /** A copy of `view` in an ArrayBuffer of its own, in warm memory from the message pool. */
  Copy(view: ArrayBufferView): ArrayBuffer;
  /** Prefaults message buffers of the sizes that missed lately, up to about `budgetBytes`; returns the bytes prefaulted. */
  RefillPool(budgetBytes: number): number;
  /** Gives every free message buffer back to the system. */
  TrimPool(): void;
  PoolStats(): PoolCounters;
  Barrier(): void;
  /** Starts a non-blocking barrier (one at a time). */
  BarrierStart(): void;
  /** True once every rank has started the barrier. */
  BarrierDone(): boolean;
  Wtime(): number;
  /** sched_yield(): lets another process have the core. */
  Yield(): void;
  Abort(code: number): never;
  Finalize(): void;
}

/** Int32 fields per message in an inbox's meta array (binding/receives.h). */
export const META_FIELDS = 5;

function load(): MpiBinding {
  // From dist/lib/transport (compiled) or lib/transport (TypeScript run through tsx).
  const root = path.resolve(__dirname, '..', '..', path.basename(path.resolve(__dirname, '..', '..')) === 'dist' ? '..' : '');
  const candidates = ['build/Release/charmts_mpi.node', 'build/Debug/charmts_mpi.node'];
  let lastError: unknown;
  for (const candidate of candidates) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return require(path.join(root, candidate)) as MpiBinding;
    } catch (error) {
      lastError = error;
    }
  }
  throw new Error(`charmts: cannot load the MPI binding (build it: "make build" in a checkout, "npm rebuild charmts" in a project that depends on it): ${String(lastError)}`);
}

/**
 * The binding's functions as fields of an object literal. The addon's own
 * exports object is in dictionary mode (its 22 functions are set on it one
 * by one), where each `mpi.X` read, one per send and per poll, was a
 * generic property lookup (about 1.5% of a migration's CPU time, the
 * largest part of what LoadIC still took after lib/codec/wire.ts); a
 * literal's fields are read directly.
 */
function fixedShape(b: MpiBinding): MpiBinding {
  return {
    Init: b.Init,
    Send: b.Send,
    Idle: b.Idle,
    Handoff: b.Handoff,
    SharesCore: b.SharesCore,
    MoveToFreeCore: b.MoveToFreeCore,
    PendingBytes: b.PendingBytes,
    Receiving: b.Receiving,
    Inbox: b.Inbox,
    Drain: b.Drain,
    Progress: b.Progress,
    Copy: b.Copy,
    RefillPool: b.RefillPool,
    TrimPool: b.TrimPool,
    PoolStats: b.PoolStats,
    Barrier: b.Barrier,
    BarrierStart: b.BarrierStart,
    BarrierDone: b.BarrierDone,
    Wtime: b.Wtime,
    Yield: b.Yield,
    Abort: b.Abort,
    Finalize: b.Finalize,
  };
}

export const mpi: MpiBinding = fixedShape(load());
