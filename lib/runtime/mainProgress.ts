/**
 * How far PE 0's main has got: running (from its call until its promise
 * settles; a main chare's set-up until it is created), returned, or never
 * run because the job restarted from a checkpoint. A checkpoint records
 * whether main was still running, which no restart can resume, and the
 * idle hint says what an idle job is waiting for. PE 0 only.
 */
export type MainProgress = 'running' | 'returned' | 'restarted';

let progress: MainProgress = 'running';

export function setMainProgress(now: MainProgress): void {
  progress = now;
}

export function mainProgress(): MainProgress {
  return progress;
}
