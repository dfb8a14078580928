// Node's types: the declarations below use Buffer and util. A reference here
// loads them for a program whose tsconfig names no `types` (TypeScript 7's
// default loads none).
/// <reference types="node" preserve="true" />
/**
 * charmts: the Charm++ / Charm4py programming model for TypeScript on
 * Node.js, over MPI. Launch with `mpirun -np N node app.js`.
 *
 * @packageDocumentation
 */
export { charm, Charm } from './runtime/charm';
export type { CreateArgs, ConstructorArgs, WhenMatch, RegisterOptions, Creatable, MethodArgs } from './runtime/charmTypes';
export type { StartOptions, MainChareClass } from './runtime/start';
export type { ScheduleOptions } from './runtime/timers';
export type { TreeEdges } from './topology';
export type { GroupOptions } from './collections/groups';
export type { SerializableOptions, ClassOf } from './codec/values';
export type { PeStats, MethodStats, ProfileOptions } from './profiling/profile';
export { CharmRemote } from './runtime/charmGroup';
export { Chare, type ChareIndex } from './model/chare';
export { Future } from './model/future';
export type {
  ElementProxy,
  CollectionProxy,
  ArrayProxy,
  ArrayElementProxy,
  InsertOptions,
  IndexArg,
  ThisProxy,
  ThisElement,
  ProxyOf,
  Broadcasts,
  AnyMethod,
  NotAnEntryMethod,
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
  ProxyForIndex,
} from './model/proxy';
export type { ChareClass } from './model/registry';
export type { ChareOptions } from './collections/singletons';
export type { ArrayDims, DimsOf, DimsArg, TupleDims, KeyDims, SparseDims, ArrayOptions } from './collections/arrays';
export type { ArrayIndex, ArrayMapFunction } from './collections/arrayIndex';
export { Reducer, type KindOf } from './reductions/reducers';
export type { Statistics, ReducerKind, CustomKind, TupleKind, InputOf, ResultOf, TargetOf, TupleInput, Widen, Truth, NumericData, IntegerData, LogicalData } from './reductions/kinds';
export type { TypedArray } from './codec/transfer';
export { Callback, type ReductionTarget, type WaitingFuture, type NotBaseMember } from './reductions/targets';
export type { MigrationHooks } from './migration/state';
export type { CheckpointStatus } from './checkpoint/protocol';
export type { GroupRestartHook } from './checkpoint/rebuild';
export { RemoteError, BroadcastError } from './errors';
export { SerializationError } from './codec/serializationError';
export { Channel, type ChannelSendArgs } from './channels';
export { Pool, type MapOptions, type MultiFutureOptions, type IndexedResult, type TaskFunction, type Registered, type TaskCall, type TaskResults } from './pool/pool';
export type { Section, Selection, Slice, Collection } from './sections/sections';
export { liveViz, LiveViz, type LiveVizConfig, type LiveVizOptions, type LiveVizFrame, type LiveVizRequest, type PixelFormat, type CombineRule, type Rect } from './liveviz/liveviz';
export { Ccs, type CcsHandler, type CcsPayload } from './ccs/ccs';
export type { LiveViewOptions } from './liveview/settings';
