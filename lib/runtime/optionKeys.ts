/** The keys of the options objects `charm` takes (see lib/optionKeys.ts): a key the compiler requires here is one the runtime reads. */
import type { OptionKeys } from '../optionKeys';
import type { ChareOptions } from '../collections/singletons';
import type { GroupOptions } from '../collections/groups';
import type { ArrayOptions } from '../collections/arrays';
import type { StartOptions } from './start';
import type { ScheduleOptions } from './timers';

export const CHARE_OPTIONS: OptionKeys<ChareOptions> = { onPE: true };
export const GROUP_OPTIONS: OptionKeys<GroupOptions> = { onPEs: true };
export const ARRAY_OPTIONS: OptionKeys<ArrayOptions> = { map: true, loadBalancing: true };
export const START_OPTIONS: OptionKeys<StartOptions> = { remoteCode: true, treeBranching: true, liveView: true, idleHint: true, stats: true, trace: true };
export const SCHEDULE_OPTIONS: OptionKeys<ScheduleOptions> = { countsForQD: true };
