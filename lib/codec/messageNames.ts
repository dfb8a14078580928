/**
 * What a runtime message is, for a person reading a trace: its kind and
 * step (or the runtime's pseudo method of a call). A delivery that runs an
 * entry method is named after the method instead (profiling/profile.ts);
 * these name the rest (reduction steps, location and migration control,
 * QD waves, section operations, channel data, ...), which otherwise showed
 * as anonymous slices. Only read when tracing.
 */
import { ArrayControl, ExitStep, Kind, QdStep, ReductionStep, SectionOp } from './wire';
import { METHOD_CENSUS, METHOD_CHANNEL, METHOD_CREATED, METHOD_DESTROY, METHOD_MIGRATE } from '../model/methodIds';

const CALLS: Record<number, string> = {
  [METHOD_CHANNEL]: 'channel data',
  [METHOD_CENSUS]: 'broadcast census',
  [METHOD_MIGRATE]: 'ckMigrate',
  [METHOD_DESTROY]: 'ckDestroy',
  [METHOD_CREATED]: 'awaitCreation',
};

const EXIT: Record<ExitStep, string> = {
  [ExitStep.Request]: 'exit: request',
  [ExitStep.Exit]: 'exit',
  [ExitStep.Done]: 'exit: done',
  [ExitStep.Abort]: 'abort: profiles',
};

const QD: Record<QdStep, string> = {
  [QdStep.Request]: 'QD: request',
  [QdStep.Wave]: 'QD: wave',
  [QdStep.Report]: 'QD: report',
};

const REDUCTION: Record<ReductionStep, string> = {
  [ReductionStep.Partial]: 'reduction: partial result',
  [ReductionStep.Late]: 'reduction: late contribution',
  [ReductionStep.Hint]: 'reduction: hint',
  [ReductionStep.Start]: 'reduction: start',
  [ReductionStep.AllReduceResult]: 'reduction: result',
  [ReductionStep.Population]: 'reduction: population',
  [ReductionStep.Abandoned]: 'reduction: abandoned',
};

const CONTROL: Record<ArrayControl, string> = {
  [ArrayControl.InsertRequest]: 'array: insert request',
  [ArrayControl.Insert]: 'array: insert',
  [ArrayControl.CreateElement]: 'array: create element',
  [ArrayControl.Created]: 'array: created',
  [ArrayControl.DoneInserting]: 'array: done inserting',
  [ArrayControl.Migrate]: 'migration: element arrives',
  [ArrayControl.LocationUpdate]: 'location update',
  [ArrayControl.Deleted]: 'array: element deleted',
  [ArrayControl.Undeliverable]: 'location: undeliverable call',
  [ArrayControl.BalanceDecision]: 'load balancing: decision',
  [ArrayControl.Resume]: 'load balancing: resume',
  [ArrayControl.InsertNotice]: 'array: insert notice',
  [ArrayControl.HistoryDrop]: 'location: history drop',
  [ArrayControl.DeletionNotice]: 'array: deletion notice',
  [ArrayControl.DeleteArray]: 'array: delete',
  [ArrayControl.ArrayDeleted]: 'array: deleted',
};

const SECTION: Record<SectionOp, string> = {
  [SectionOp.Establish]: 'section: establish',
  [SectionOp.Call]: 'section: multicast',
  [SectionOp.Contribution]: 'section: contribution',
  [SectionOp.Reduction]: 'section: reduction',
  [SectionOp.Drop]: 'section: drop',
};

const CREATE = ['create', 'create: singleton', 'create: group', 'create: array'];

/** The name of a message of kind `kind` whose header's method field is `method`. */
export function messageName(kind: Kind, method: number): string {
  switch (kind) {
    case Kind.Call:
      // An entry method's call that ran none here was passed on (an element elsewhere) or kept.
      return CALLS[method] ?? 'call: forwarded or held';
    case Kind.FutureValue:
      return 'future value';
    case Kind.Create:
      return CREATE[method] ?? 'create';
    case Kind.Exit:
      return EXIT[method as ExitStep] ?? 'exit';
    case Kind.Print:
      return 'output';
    case Kind.Quiescence:
      return QD[method as QdStep] ?? 'QD';
    case Kind.Reduction:
      return REDUCTION[method as ReductionStep] ?? 'reduction';
    case Kind.ArrayControl:
      return CONTROL[method as ArrayControl] ?? 'array control';
    case Kind.Profile:
      return 'profile';
    case Kind.Section:
      return SECTION[method as SectionOp] ?? 'section';
    case Kind.Readonly:
      return 'readonlies';
    default:
      return 'message';
  }
}
