/**
 * Quiescence detection by counting waves: PE 0 sends a wave down the
 * spanning tree; every PE reports how many counted messages it created and
 * processed, summed up the tree. The job is quiescent when two consecutive
 * waves find created == processed with the same totals.
 */
import { Flag, Kind, beginMessage } from './codec/envelope';
import type { Reader } from './codec/reader';
import { Future } from './model/future';
import { decodeValue, encodeValue } from './codec/values';
import { childrenOf, parentOf } from './tree';
import { runtime } from './model/context';

const enum Step {
  Request = 0,
  Wave = 1,
  Report = 2,
}

/** Delay before another wave when the last one found activity. */
const RETRY_MS = 1;

const waiters: Future<void>[] = [];
let detecting = false;
let previous: [number, number] | undefined;
let wave = 0;
/** Per wave on this PE: reports still expected and sums so far. */
const collecting = new Map<number, { missing: number; created: number; processed: number }>();

function message(step: Step, target: number): ReturnType<typeof runtime> {
  const rt = runtime();
  beginMessage(rt.scheduler.writer, Kind.Quiescence, Flag.System, step, target);
  return rt;
}

/** Asks PE 0 to fulfil `future` at the next quiescence. */
export function requestQuiescence(future: Future<void>): void {
  const rt = message(Step.Request, 0);
  encodeValue(rt.scheduler.writer, future, 'quiescence future');
  rt.scheduler.send(0);
}

function startWave(): void {
  const rt = message(Step.Wave, ++wave);
  rt.scheduler.broadcast();
}

export function receiveQuiescence(r: Reader): void {
  const step = r.view.getUint16(r.base + 6, true) as Step;
  const target = r.view.getUint32(r.base + 8, true);
  const rt = runtime();
  switch (step) {
    case Step.Request:
      waiters.push(decodeValue(r) as Future<void>);
      if (!detecting) {
        detecting = true;
        previous = undefined;
        startWave();
      }
      return;
    case Step.Wave: {
      const { created, processed } = rt.scheduler.counters;
      const missing = childrenOf(rt.myPe, 0, rt.numPes).length;
      collecting.set(target, { missing, created, processed });
      if (missing === 0) report(target);
      return;
    }
    case Step.Report: {
      const sums = collecting.get(target)!;
      sums.created += r.f64();
      sums.processed += r.f64();
      if (--sums.missing === 0) report(target);
      return;
    }
  }
}

function report(waveNumber: number): void {
  const rt = runtime();
  const sums = collecting.get(waveNumber)!;
  collecting.delete(waveNumber);
  const parent = parentOf(rt.myPe, 0, rt.numPes);
  if (parent >= 0) {
    message(Step.Report, waveNumber);
    rt.scheduler.writer.f64(sums.created);
    rt.scheduler.writer.f64(sums.processed);
    rt.scheduler.send(parent);
    return;
  }
  const quiet = sums.created === sums.processed;
  if (quiet && previous && previous[0] === sums.created && previous[1] === sums.processed) {
    detecting = false;
    previous = undefined;
    for (const future of waiters.splice(0)) future.send();
    return;
  }
  previous = quiet ? [sums.created, sums.processed] : undefined;
  if (quiet) startWave();
  else setTimeout(startWave, RETRY_MS);
}
