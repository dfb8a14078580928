/**
 * Profiling for users, off unless asked for (`+stats`, `+trace FILE` on the
 * command line, or the options of `charm.start`): per-PE time and count
 * per entry method, messages and bytes, idle time (Charm4py's printStats),
 * and a Chrome trace-event file (one track per PE, one slice per
 * entry-method execution, arrows for messages, idle periods as slices).
 */

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
  /** Milliseconds spent handling messages (the rest is idle). */
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

/** Reads `+stats` and `+trace FILE` from the command line, merged with `given`. */
export function configureProfiling(given: ProfileOptions, argv: readonly string[], pe: number): ProfileOptions {
  const traceAt = argv.indexOf('+trace');
  options = {
    stats: given.stats ?? argv.includes('+stats'),
    trace: given.trace ?? (traceAt >= 0 ? argv[traceAt + 1] : undefined),
  };
  if (traceAt >= 0 && !options.trace) throw new Error('charm.start: +trace needs a file name');
  profiling.methods = Boolean(options.stats || options.trace);
  profiling.tracing = Boolean(options.trace);
  if (profiling.methods) trackContinuations(); // entry methods measured across awaits
  origin = performance.now();
  myPe = pe;
  if (profiling.tracing) events.push({ name: 'process_name', ph: 'M', pid: pe, tid: 0, ts: 0, args: { name: `PE ${pe}` } });
  return options;
}

export function profileOptions(): ProfileOptions {
  return options;
}

/** Trace timestamps: microseconds on the host's clock, comparable between PEs of a host. */
const micros = (t: number): number => (performance.timeOrigin + t) * 1000;

/**
 * A piece of an entry method ran from `start` to `end` (performance.now()
 * times): its synchronous part (`call`: counted as a call), or a
 * continuation after an await.
 */
export function recordMethod(name: string, start: number, end: number, call = true): void {
  let entry = methods.get(name);
  if (!entry) methods.set(name, (entry = { count: 0, ms: 0 }));
  if (call) entry.count++;
  entry.ms += end - start;
  if (profiling.tracing) events.push({ name, ph: 'X', pid: myPe, tid: 0, ts: micros(start), dur: Math.max(1, (end - start) * 1000), cat: 'entry' });
}

/** The PE was idle (sleeping for messages) from `start` to `end`. */
export function recordIdle(start: number, end: number): void {
  if (profiling.tracing) events.push({ name: 'idle', ph: 'X', pid: myPe, tid: 0, ts: micros(start), dur: (end - start) * 1000, cat: 'idle' });
}

/** A message leaves: returns the id of its arrow. */
export function recordSend(): number {
  const id = myPe * 1e9 + ++flowCounter;
  events.push({ name: 'message', ph: 's', pid: myPe, tid: 0, ts: micros(performance.now()), id, cat: 'message' });
  return id;
}

/** A message with arrow `id` arrives. */
export function recordReceive(id: number): void {
  events.push({ name: 'message', ph: 'f', bp: 'e', pid: myPe, tid: 0, ts: micros(performance.now()), id, cat: 'message' });
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

export function traceEvents(): TraceEvent[] {
  return events;
}

/** The trace file's content: every PE's events, timestamps starting near 0. */
export function traceFile(perPe: readonly TraceEvent[][]): string {
  const all = perPe.flat();
  let first = Infinity;
  for (const e of all) if (e.ph !== 'M' && e.ts < first) first = e.ts;
  for (const e of all) if (e.ph !== 'M') e.ts -= first;
  return JSON.stringify({ traceEvents: all, displayTimeUnit: 'ms' });
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
