/**
 * charmts: the Charm++ / Charm4py programming model for TypeScript on
 * Node.js, over MPI. Launch with `mpirun -np N node app.js`.
 *
 * @packageDocumentation
 */
export { charm, Charm, type StartOptions, type WhenMatch, type RegisterOptions, type ScheduleOptions, type MainChareClass } from './runtime/charm';
export type { TreeEdges } from './topology';
export type { GroupOptions } from './collections/groups';
export type { SerializableOptions } from './codec/values';
export type { PeStats, MethodStats, ProfileOptions } from './profiling/profile';
export { CharmRemote } from './runtime/charmGroup';
export { Chare, type ChareIndex } from './model/chare';
export { Future } from './model/future';
export type {
  ElementProxy,
  CollectionProxy,
  EntryMethodNames,
  IndexOf,
  SendCalls,
  ResultCalls,
  GatherCalls,
  CompletionCalls,
  SendCall,
  ResultCall,
  GatherCall,
  CompletionCall,
  ChareBaseMember,
  Result,
} from './model/proxy';
export type { ChareClass } from './model/registry';
export type { ChareOptions } from './collections/singletons';
export type { ArrayProxy, ArrayElementProxy, ArrayDims, ArrayOptions, InsertOptions } from './collections/arrays';
export type { ArrayIndex, ArrayMapFunction } from './collections/arrayIndex';
export { Reducer, type Statistics } from './reductions/reducers';
export { Callback, type ReductionTarget } from './reductions/targets';
export type { MigrationHooks } from './migration/state';
export { RemoteError, BroadcastError } from './errors';
export { SerializationError } from './codec/values';
export { Channel } from './channels';
export { Pool, type MapOptions, type MultiFutureOptions, type IndexedResult, type TaskFunction, type TaskCall, type TaskResults } from './pool/pool';
export type { Section, Selection, Slice, Collection } from './sections/sections';
