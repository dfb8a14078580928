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
}

export interface MpiBinding {
  Init(): InitInfo;
  /**
   * Sends a copy of the first `headerLength` bytes of `header`, then
   * `payloads` (in place when large). Returns bytes held by incomplete sends.
   */
  Send(dest: number, header: Uint8Array, headerLength: number, payloads?: ArrayBufferView[]): number;
  /** Bytes held by incomplete sends. */
  PendingBytes(): number;
  /** Receives every arrived message (see binding/mpi_binding.cc for the layout). */
  Drain(arena: Uint8Array, meta: Int32Array, large: ArrayBuffer[], maxMessages: number): number;
  /** Completes finished sends; returns bytes held by incomplete ones. */
  Progress(): number;
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
  throw new Error(`charmts: cannot load the MPI binding (run "make build"): ${String(lastError)}`);
}

export const mpi: MpiBinding = load();
