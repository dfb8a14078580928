/**
 * What the live view shows besides the image, gathered on PE 0 into
 * bounded histories: per-PE busy fraction and message rates, sampled from
 * the counters `+stats` reports (the scheduler's, via each PE's
 * `charm.thisProxy[pe].stats()`), only while someone watches; the
 * load-balancing steps PE 0 decides (balancing/step.ts); the job's output
 * lines (console/output.ts).
 */
import type { PeStats } from '../profiling/profile';
import { observeSteps, type StepReport } from '../balancing/step';
import { tapOutput } from '../console/output';

/** One PE over one sampling interval. */
export interface PeSample {
  /** Fraction of the interval spent handling messages (0..1). */
  busy: number;
  /** Messages per second received from and sent to other PEs. */
  msgsIn: number;
  msgsOut: number;
  /** Bytes per second received and sent. */
  bytesIn: number;
  bytesOut: number;
}

/** Every PE over one interval ending `t` seconds after the live view started. */
export interface PerfSample {
  t: number;
  pes: PeSample[];
}

/** Sampling period while someone watches the performance feed. */
const SAMPLE_MS = 1000;
const PERF_HISTORY = 300;
const STEP_HISTORY = 100;
const OUTPUT_HISTORY = 500;
/** Longer output lines are cut here: the feed holds lines to read, not bulk data. */
const MAX_LINE = 2000;

export interface MonitorEvents {
  perf(sample: PerfSample): void;
  balancing(step: StepReport): void;
  /** New output lines; `skipped` more came at once than the history keeps. */
  output(lines: string[], skipped: number): void;
}

export class Monitor {
  readonly perf: PerfSample[] = [];
  readonly steps: StepReport[] = [];
  readonly output: string[] = [];
  private readonly started = performance.now();
  private previous: PeStats[] | undefined;
  private timer: NodeJS.Timeout | undefined;
  private sampling = false;

  constructor(
    /** Every PE's counters, in PE order. */
    private readonly sampleStats: () => PromiseLike<PeStats[]>,
    private readonly events: MonitorEvents,
  ) {
    observeSteps((step) => {
      push(this.steps, step, STEP_HISTORY);
      events.balancing(step);
    });
    tapOutput((text) => {
      const all = text.replace(/\n$/, '').split('\n');
      const lines = all.slice(-OUTPUT_HISTORY).map((l) => (l.length > MAX_LINE ? `${l.slice(0, MAX_LINE)} [${l.length - MAX_LINE} more characters]` : l));
      for (const line of lines) push(this.output, line, OUTPUT_HISTORY);
      events.output(lines, all.length - lines.length);
    });
  }

  /** Samples every SAMPLE_MS while `wanted` (someone subscribes to the performance feed). */
  watchPerf(wanted: boolean): void {
    if (wanted && !this.timer) {
      this.timer = setInterval(() => this.sample(), SAMPLE_MS);
      this.sample();
    } else if (!wanted && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
      this.previous = undefined; // a gap in watching is not one long interval
    }
  }

  /** One sample; skipped while the last one is still outstanding (a busy job answers late). */
  private sample(): void {
    if (this.sampling) return;
    this.sampling = true;
    this.sampleStats().then(
      (stats) => {
        this.sampling = false;
        const before = this.previous;
        this.previous = stats;
        if (!before || !this.timer) return;
        const sample: PerfSample = { t: (performance.now() - this.started) / 1000, pes: stats.map((s, pe) => rates(before[pe], s)) };
        push(this.perf, sample, PERF_HISTORY);
        this.events.perf(sample);
      },
      () => {
        this.sampling = false; // the job is ending
      },
    );
  }
}

function rates(a: PeStats, b: PeStats): PeSample {
  const seconds = Math.max(1e-3, (b.wallMs - a.wallMs) / 1000);
  return {
    busy: Math.min(1, Math.max(0, (b.busyMs - a.busyMs) / (b.wallMs - a.wallMs || 1))),
    msgsIn: (b.messagesReceived - a.messagesReceived) / seconds,
    msgsOut: (b.messagesSent - a.messagesSent) / seconds,
    bytesIn: (b.bytesReceived - a.bytesReceived) / seconds,
    bytesOut: (b.bytesSent - a.bytesSent) / seconds,
  };
}

function push<T>(list: T[], item: T, limit: number): void {
  list.push(item);
  if (list.length > limit) list.splice(0, list.length - limit);
}
