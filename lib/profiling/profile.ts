/**
 * Profiling for users, off unless asked for (`+stats`, `+trace FILE` on the
 * command line, or the options of `charm.start`): per-PE time and count
 * per entry method, messages and bytes, idle time (Charm4py's printStats),
 * and a Chrome trace-event file (one process per PE, arrows for messages)
 * that Perfetto and chrome://tracing draw:
 *
 * - Thread 0 of a PE is its scheduler: one slice per message delivered
 *   (named after the entry method it ran, or else what the runtime's
 *   message is: 'reduction: partial result', 'location update', ...),
 *   idle periods between.
 * - Thread 1 is code outside message delivery (main, the console, code
 *   after an await): its sends get a slice there.
 * - Every arrow (flow event) lies strictly inside a slice of its thread,
 *   so the viewers bind it: times are integer nanoseconds of the host's
 *   monotonic clock, the same for all PEs of a host, and strictly
 *   increasing by at least TICK_NS per PE (a viewer rounds to 1 ns).
 * - Each arrow id has one start and one end: a broadcast or a forwarded
 *   call (one message, several deliveries) becomes one arrow per delivery;
 *   a message never delivered (dropped at exit) or whose end would precede
 *   its start (clocks of different hosts) has no arrow.
 */

import * as fs from 'fs';
import * as path from 'path';
import { trackContinuations } from '../model/activity';

/** A Chrome trace event (https://docs.google.com/document/d/1CvAClvFfyA5R-PhYUmn5OOQtYMH4h6I0nSsKchNAySU). */
export interface TraceEvent {
  name: string;
  ph: 'X' | 's' | 'f' | 'M';
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  id?: number;
  bp?: 'e';
  cat?: string;
  args?: Record<string, unknown>;
}

/** Calls of one entry method on one PE. */
export interface MethodStats {
  /** Number of calls. */
  count: number;
  /** Milliseconds spent in them, across their awaits (suspended time excluded). */
  ms: number;
}

/** What one PE measured. */
export interface PeStats {
  /** The PE. */
  pe: number;
  /** Milliseconds since the runtime started on it. */
  wallMs: number;
  /** Milliseconds spent running the program (entry methods, and the code they resume after an await or a timer) and the runtime's handling of messages; the rest is idle. */
  busyMs: number;
  /** Messages sent to other PEs. */
  messagesSent: number;
  /** Bytes sent to other PEs. */
  bytesSent: number;
  /** Messages received from other PEs. */
  messagesReceived: number;
  /** Bytes received from other PEs. */
  bytesReceived: number;
  /** Per entry method ("Class.method"), when recorded. */
  methods: Record<string, MethodStats>;
}

/** What to record (see `charm.start`). */
export interface ProfileOptions {
  /** Record per-entry-method statistics and print the table at exit. */
  stats?: boolean;
  /** Write a Chrome trace-event file here at exit. */
  trace?: string;
}

/** Switches read on the hot path: plain fields, checked before any work. */
export const profiling = { methods: false, tracing: false };

let options: ProfileOptions = {};
let origin = 0;
const methods = new Map<string, MethodStats>();
const events: TraceEvent[] = [];
let myPe = 0;
let flowCounter = 0;

/** Least step between two trace times of a PE, in ns. */
const TICK_NS = 10;
/** performance.now() (ms) as ns of the host's monotonic clock: offset measured at start. */
let offsetNs = 0;
let lastTick = 0;
/** End of the last top-level slice of the scheduler thread. */
let schedulerEnd = 0;
/** Deliveries (thread 0) and entry methods run outside one (thread 1) still running, innermost last; `message`: what a delivery is (its kind and step), its name unless it runs an entry method. */
const open: { start: number; tid: number; name?: string; method: boolean; message?: string }[] = [];

const SCHEDULER = 0;
const OUTSIDE = 1;

/** The offset between performance.now() and the monotonic clock all PEs of a host share. */
function monotonicOffset(): number {
  let best = Infinity;
  let offset = 0;
  for (let i = 0; i < 5; i++) {
    const before = process.hrtime.bigint();
    const now = performance.now();
    const after = process.hrtime.bigint();
    if (Number(after - before) < best) {
      best = Number(after - before);
      offset = Number(before + (after - before) / 2n) - Math.round(now * 1e6);
    }
  }
  return offset;
}

const toNs = (ms: number): number => Math.floor(ms * 1e6) + offsetNs;

/** Now, in ns, strictly later than any time this PE traced before. */
function tick(): number {
  lastTick = Math.max(toNs(performance.now()), lastTick + TICK_NS);
  return lastTick;
}

/** Reads `+stats` and `+trace FILE` from the command line, merged with `given`. */
export function configureProfiling(given: ProfileOptions, argv: readonly string[], pe: number): ProfileOptions {
  const traceAt = argv.indexOf('+trace');
  options = {
    stats: given.stats ?? argv.includes('+stats'),
    trace: given.trace ?? (traceAt >= 0 ? argv[traceAt + 1] : undefined),
  };
  // `+trace` without a file: PE 0 ends the job at start saying so (runtime/options.ts), in the runtime's form, once.
  if (traceAt >= 0 && (!options.trace || options.trace.startsWith('+'))) options.trace = undefined;
  profiling.methods = Boolean(options.stats || options.trace);
  profiling.tracing = Boolean(options.trace);
  if (profiling.methods) trackContinuations(); // entry methods measured across awaits
  origin = performance.now();
  myPe = pe;
  if (profiling.tracing) {
    offsetNs = monotonicOffset();
    events.push({ name: 'process_name', ph: 'M', pid: pe, tid: SCHEDULER, ts: 0, args: { name: `PE ${pe}` } });
    events.push({ name: 'process_sort_index', ph: 'M', pid: pe, tid: SCHEDULER, ts: 0, args: { sort_index: pe } });
    events.push({ name: 'thread_name', ph: 'M', pid: pe, tid: SCHEDULER, ts: 0, args: { name: 'scheduler (messages delivered, idle)' } });
    events.push({ name: 'thread_name', ph: 'M', pid: pe, tid: OUTSIDE, ts: 0, args: { name: 'outside deliveries (main, console, after await)' } });
  }
  return options;
}

/**
 * Why the trace file cannot be written where it is asked for (`+trace FILE`
 * or the `trace` option), or undefined: PE 0 checks at start, so that a
 * run does not compute for nothing and fail at exit, when it writes it.
 */
export function traceProblem(): string | undefined {
  const file = options.trace;
  if (!file) return undefined;
  const dir = path.dirname(path.resolve(file));
  try {
    if (fs.existsSync(file)) {
      if (fs.statSync(file).isDirectory()) return `+trace ${file}: that is a directory; name a file in it (+trace ${path.join(file, 'trace.json')})`;
      fs.accessSync(file, fs.constants.W_OK);
      return undefined;
    }
    if (!fs.statSync(dir).isDirectory()) return `+trace ${file}: ${dir} is not a directory, so the trace cannot be written at exit`;
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return `+trace ${file}: ${code === 'ENOENT' ? `the directory ${dir} does not exist` : `it cannot be written there (${code})`}, so the trace cannot be written at exit`;
  }
  return undefined;
}

export function profileOptions(): ProfileOptions {
  return options;
}

/**
 * An entry method starts (its stats and trace slice): returns the start
 * time for recordMethod. Every call is followed by one recordMethod.
 */
export function methodStarts(): number {
  if (profiling.tracing) open.push({ start: tick(), tid: open.length > 0 ? open[open.length - 1].tid : OUTSIDE, method: true });
  return performance.now();
}

/** An entry method ran from `start` to `end` (performance.now() times): its synchronous part. */
export function recordMethod(name: string, start: number, end: number): void {
  let entry = methods.get(name);
  if (!entry) methods.set(name, (entry = { count: 0, ms: 0 }));
  entry.count++;
  entry.ms += end - start;
  if (!profiling.tracing) return;
  const run = open.pop();
  if (!run) return;
  const delivery = open[open.length - 1];
  // Run by a delivery: the delivery's slice takes the method's name. Otherwise a slice of its own.
  if (delivery && !delivery.method) delivery.name ??= name;
  else events.push({ name, ph: 'X', pid: myPe, tid: run.tid, ts: run.start, dur: tick() - run.start, cat: 'entry' });
}

/** The scheduler delivers a message that carries arrow `id` (before its handler runs); `message` says what it is (codec/messageNames.ts). */
export function beginDelivery(id: number, message: string): void {
  const start = tick();
  if (open.length === 0) schedulerEnd = start;
  open.push({ start, tid: SCHEDULER, method: false, message });
  events.push({ name: 'message', ph: 'f', bp: 'e', pid: myPe, tid: SCHEDULER, ts: tick(), id, cat: 'message' });
}

/** The handler of the message begun last has returned. */
export function endDelivery(): void {
  const delivery = open.pop();
  if (!delivery) return;
  const end = tick();
  if (open.length === 0) schedulerEnd = end;
  events.push({ name: delivery.name ?? delivery.message ?? 'message', ph: 'X', pid: myPe, tid: SCHEDULER, ts: delivery.start, dur: end - delivery.start, cat: delivery.name ? 'entry' : 'runtime' });
}

/**
 * A continuation of entry method `name` (its code after an await) ran
 * from `start` to `end` (performance.now() times): its time counts for the
 * method, not as another call; traced as a slice of its own.
 */
export function recordContinuation(name: string, start: number, end: number): void {
  let entry = methods.get(name);
  if (!entry) methods.set(name, (entry = { count: 0, ms: 0 }));
  entry.ms += end - start;
  if (profiling.tracing) events.push({ name, ph: 'X', pid: myPe, tid: OUTSIDE, ts: toNs(start), dur: Math.max(1, toNs(end) - toNs(start)), cat: 'entry' });
}

/** The PE was idle (sleeping for messages) from `start` to `end` (performance.now() times). */
export function recordIdle(start: number, end: number): void {
  if (!profiling.tracing || open.length > 0) return;
  const from = Math.max(toNs(start), schedulerEnd + TICK_NS);
  const to = Math.max(toNs(end), tick());
  lastTick = to;
  schedulerEnd = to;
  if (to > from) events.push({ name: 'idle', ph: 'X', pid: myPe, tid: SCHEDULER, ts: from, dur: to - from, cat: 'idle' });
}

/** A message leaves: returns the id of its arrow. */
export function recordSend(): number {
  const id = myPe * 1e9 + ++flowCounter;
  const inside = open[open.length - 1];
  if (inside) {
    events.push({ name: 'message', ph: 's', pid: myPe, tid: inside.tid, ts: tick(), id, cat: 'message' });
  } else {
    // Sent outside any delivery or method: a small slice on the other thread holds the arrow's start.
    const start = tick();
    events.push({ name: 'message', ph: 's', pid: myPe, tid: OUTSIDE, ts: tick(), id, cat: 'message' });
    events.push({ name: 'send', ph: 'X', pid: myPe, tid: OUTSIDE, ts: start, dur: tick() - start, cat: 'send' });
  }
  return id;
}

export function peStats(counters: { busyMs: number; messagesSent: number; bytesSent: number; messagesReceived: number; bytesReceived: number }): PeStats {
  return {
    pe: myPe,
    wallMs: performance.now() - origin,
    busyMs: counters.busyMs,
    messagesSent: counters.messagesSent,
    bytesSent: counters.bytesSent,
    messagesReceived: counters.messagesReceived,
    bytesReceived: counters.bytesReceived,
    methods: Object.fromEntries(methods),
  };
}

/** What this PE traced; slices still open (the exit being delivered) end now. */
export function traceEvents(): TraceEvent[] {
  while (open.length > 0) {
    const run = open[open.length - 1];
    if (run.method) recordMethod(run.name ?? 'entry method', 0, 0);
    else endDelivery();
  }
  return events;
}

/**
 * The trace file's content: every PE's events, arrows paired (one start
 * and one end per id, the end not before the start), times in
 * microseconds from the first event.
 */
export function traceFile(perPe: readonly TraceEvent[][]): string {
  const all = perPe.flat();
  const starts = new Map<number, TraceEvent>();
  for (const e of all) if (e.ph === 's') starts.set(e.id!, e);
  const out: TraceEvent[] = [];
  let arrows = 0;
  let unmatched = 0;
  const delivered = new Set<number>();
  for (const e of all) {
    if (e.ph === 's') continue;
    if (e.ph !== 'f') {
      out.push(e);
      continue;
    }
    const start = starts.get(e.id!);
    if (!start) unmatched++;
    if (!start || start.ts >= e.ts) continue;
    delivered.add(e.id!);
    const id = ++arrows;
    out.push({ ...start, id }, { ...e, id });
  }
  for (const id of starts.keys()) if (!delivered.has(id)) unmatched++;
  let first = Infinity;
  for (const e of out) if (e.ph !== 'M' && e.ts < first) first = e.ts;
  for (const e of out) {
    if (e.ph === 'M') continue;
    e.ts = (e.ts - first) / 1000;
    if (e.dur !== undefined) e.dur /= 1000;
  }
  return JSON.stringify({ traceEvents: out, displayTimeUnit: 'ms', otherData: { arrows, messagesWithoutArrow: unmatched } });
}

/** The stats table, as printed at exit or by charm.printStats(). */
export function formatStats(all: readonly PeStats[]): string {
  const lines: string[] = ['charmts stats', ''];
  const pad = (s: string | number, n: number): string => String(s).padStart(n);
  lines.push(`${'PE'.padEnd(4)}${pad('wall ms', 11)}${pad('busy ms', 11)}${pad('idle %', 8)}${pad('msgs out', 10)}${pad('MB out', 9)}${pad('msgs in', 10)}${pad('MB in', 9)}`);
  for (const s of all) {
    const idle = s.wallMs > 0 ? (100 * (s.wallMs - s.busyMs)) / s.wallMs : 0;
    lines.push(
      `${String(s.pe).padEnd(4)}${pad(s.wallMs.toFixed(1), 11)}${pad(s.busyMs.toFixed(1), 11)}${pad(idle.toFixed(1), 8)}` +
        `${pad(s.messagesSent, 10)}${pad((s.bytesSent / 1e6).toFixed(2), 9)}${pad(s.messagesReceived, 10)}${pad((s.bytesReceived / 1e6).toFixed(2), 9)}`,
    );
  }
  const names = [...new Set(all.flatMap((s) => Object.keys(s.methods)))].sort();
  if (names.length) {
    lines.push('', `${'entry method'.padEnd(36)}${'PE'.padStart(4)}${pad('count', 10)}${pad('total ms', 11)}${pad('us/call', 10)}`);
    for (const name of names) {
      for (const s of all) {
        const m = s.methods[name];
        if (!m) continue;
        lines.push(`${name.slice(0, 35).padEnd(36)}${pad(s.pe, 4)}${pad(m.count, 10)}${pad(m.ms.toFixed(2), 11)}${pad(((1000 * m.ms) / m.count).toFixed(2), 10)}`);
      }
    }
  }
  return lines.join('\n') + '\n';
}
