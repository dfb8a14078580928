/**
 * Quiescence detection by counting waves: PE 0 sends a wave down the
 * spanning tree; every PE reports how many counted messages it created and
 * processed, summed up the tree. The job is quiescent when two consecutive
 * waves find created == processed with the same totals: it was quiescent
 * when the first of them ended (nothing counted was created or processed
 * from its snapshots to the second's).
 *
 * That moment can come before a request that joins a detection under way:
 * its sender may have sent work after its own PE's snapshot in the first
 * wave (woken by something QD does not count: a plain timer, stdin), and a
 * wave missing that work on every PE it touched looks as quiet as the one
 * before. So a request counts only waves started after it reached PE 0
 * (their snapshots come after the requester's sends): it is answered by
 * two equal quiet waves the first of which started after it arrived, and
 * the detection goes on while a request is unanswered.
 */
import type { Reader } from './codec/reader';
import { Future } from './model/future';
import { QdStep as Step, readQd, readQdCounts, readQdFuture, writeQdReport, writeQdRequest, writeQdWave } from './codec/wire';
import { childrenOf, parentOf } from './tree';
import { runtime } from './model/context';

/** Delay before another wave when the last one found activity. */
const RETRY_MS = 1;

/** Requests at PE 0: each future, and the first wave that counts for it (the first started after the request came). */
const waiters: { future: Future<void>; from: number }[] = [];
let detecting = false;
/** The last wave, if it was quiet: its number and totals. */
let previous: { wave: number; created: number; processed: number } | undefined;
/** The last wave started (PE 0). */
let wave = 0;
/** Counted messages created in the whole job at the last quiescence (PE 0). */
let lastTotal = 0;

/** Counted messages the whole job had created at the last quiescence detected (PE 0 only). */
export function quiescentTotal(): number {
  return lastTotal;
}
/**
 * Per wave on this PE: reports still expected (the children's, and this
 * PE's own counts, taken when the wave reaches it) and sums so far. A
 * child's report may come first: a PE handles its own copy of a broadcast
 * from its local queue, which waits while it drains MPI (scheduler.ts).
 */
const collecting = new Map<number, { missing: number; created: number; processed: number }>();

/** The sums of wave `target` on this PE, started when its first part (own counts or a child's report) comes. */
function sumsOf(target: number): { missing: number; created: number; processed: number } {
  let sums = collecting.get(target);
  if (!sums) {
    const rt = runtime();
    sums = { missing: childrenOf(rt.myPe, 0, rt.numPes).length + 1, created: 0, processed: 0 };
    collecting.set(target, sums);
  }
  return sums;
}

/** Asks PE 0 to fulfil `future` at the next quiescence. */
export function requestQuiescence(future: Future<void>): void {
  const rt = runtime();
  writeQdRequest(rt.scheduler.writer, future);
  rt.scheduler.send(0);
}

function startWave(): void {
  const rt = runtime();
  writeQdWave(rt.scheduler.writer, ++wave);
  rt.scheduler.broadcast();
}

export function receiveQuiescence(r: Reader): void {
  const { step, wave: target } = readQd(r);
  const rt = runtime();
  switch (step) {
    case Step.Request:
      waiters.push({ future: readQdFuture(r) as Future<void>, from: wave + 1 });
      if (!detecting) {
        detecting = true;
        previous = undefined;
        startWave();
      }
      return;
    case Step.Wave: {
      const sums = sumsOf(target);
      sums.created += rt.scheduler.counters.created;
      sums.processed += rt.scheduler.counters.processed;
      if (--sums.missing === 0) report(target);
      return;
    }
    case Step.Report: {
      const sums = sumsOf(target);
      const counts = readQdCounts(r);
      sums.created += counts.created;
      sums.processed += counts.processed;
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
    writeQdReport(rt.scheduler.writer, waveNumber, sums.created, sums.processed);
    rt.scheduler.send(parent);
    return;
  }
  const quiet = sums.created === sums.processed;
  if (quiet && previous && previous.created === sums.created && previous.processed === sums.processed) {
    // Quiescent when wave previous.wave ended: news for the requests that came before it started.
    lastTotal = sums.created;
    answer(previous.wave);
    if (waiters.length === 0) {
      detecting = false;
      previous = undefined;
      return;
    }
  }
  previous = quiet ? { wave: waveNumber, created: sums.created, processed: sums.processed } : undefined;
  if (quiet) startWave();
  else setTimeout(startWave, RETRY_MS);
}

/** Fulfils the requests that wave `quietFrom` (and every wave after it) counts for, keeping the later ones. */
function answer(quietFrom: number): void {
  let kept = 0;
  const due: Future<void>[] = [];
  for (const waiter of waiters) {
    if (waiter.from <= quietFrom) due.push(waiter.future);
    else waiters[kept++] = waiter;
  }
  waiters.length = kept;
  for (const future of due) future.send();
}
