// The +trace file loads in Perfetto and chrome://tracing with its arrows
// drawn: checked structurally on real runs (np 1, 3, 4). Slices of a
// thread nest; every flow event lies inside a slice of its own thread;
// each arrow id has one start and one end, and no end precedes its start.
//   node dist/test/trace.test.js
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runJob, show } from './helpers/jobs';

interface Event {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  id?: number;
  bp?: string;
}

/** Times as integer nanoseconds, as the viewers read them. */
const ns = (us: number): number => Math.round(us * 1000);

/** Everything wrong with the trace, as readable lines. */
export function traceProblems(events: Event[]): string[] {
  const problems: string[] = [];
  const tracks = new Map<string, Event[]>();
  for (const e of events) {
    if (e.ph === 'M') continue;
    if (!['X', 's', 'f'].includes(e.ph)) problems.push(`unexpected phase ${e.ph}`);
    if (typeof e.ts !== 'number' || !Number.isFinite(e.ts)) problems.push(`bad ts in ${JSON.stringify(e)}`);
    const key = `${e.pid}/${e.tid}`;
    if (!tracks.has(key)) tracks.set(key, []);
    tracks.get(key)!.push(e);
  }
  for (const [track, list] of tracks) {
    const slices = list.filter((e) => e.ph === 'X').sort((a, b) => ns(a.ts) - ns(b.ts) || ns(b.dur!) - ns(a.dur!));
    // Nesting: a slice starting inside another ends inside it.
    const stack: Event[] = [];
    for (const s of slices) {
      if (!(s.dur! >= 0)) problems.push(`${track}: slice ${s.name} with duration ${s.dur}`);
      while (stack.length && ns(stack[stack.length - 1].ts) + ns(stack[stack.length - 1].dur!) <= ns(s.ts)) stack.pop();
      const parent = stack[stack.length - 1];
      if (parent && ns(s.ts) + ns(s.dur!) > ns(parent.ts) + ns(parent.dur!)) problems.push(`${track}: ${s.name} at ${s.ts} overlaps ${parent.name} at ${parent.ts} without nesting`);
      stack.push(s);
    }
    for (const flow of list.filter((e) => e.ph !== 'X')) {
      const t = ns(flow.ts);
      if (!slices.some((s) => ns(s.ts) < t && t < ns(s.ts) + ns(s.dur!))) problems.push(`${track}: ${flow.ph} of arrow ${flow.id} at ${flow.ts} is inside no slice`);
      if (flow.ph === 'f' && flow.bp !== 'e') problems.push(`arrow ${flow.id}: its end does not bind to the enclosing slice`);
    }
  }
  const byId = new Map<number, { s: Event[]; f: Event[] }>();
  for (const e of events) {
    if (e.ph !== 's' && e.ph !== 'f') continue;
    if (!byId.has(e.id!)) byId.set(e.id!, { s: [], f: [] });
    byId.get(e.id!)![e.ph].push(e);
  }
  for (const [id, { s, f }] of byId) {
    if (s.length !== 1 || f.length !== 1) problems.push(`arrow ${id}: ${s.length} starts and ${f.length} ends`);
    else if (ns(f[0].ts) < ns(s[0].ts)) problems.push(`arrow ${id} ends (${f[0].ts}) before it starts (${s[0].ts})`);
  }
  return problems;
}

for (const np of [1, 3, 4]) {
  test(`+trace at np ${np}: slices nest, every arrow binds to slices, one start and one end per arrow, none backwards`, async () => {
    const file = path.join(os.tmpdir(), `charmts-trace-${process.pid}-${np}.json`);
    const r = await runJob({ program: 'traced.js', args: ['+trace', file], np, timeoutMs: 60_000 });
    assert.is(r.code, 0, show(r));
    const trace = JSON.parse(fs.readFileSync(file, 'utf8')) as { traceEvents: Event[]; otherData: { arrows: number } };
    fs.unlinkSync(file);
    const events = trace.traceEvents;
    assert.equal(traceProblems(events).slice(0, 10), []);
    const arrows = events.filter((e) => e.ph === 'f');
    assert.is(arrows.length, trace.otherData.arrows);
    assert.ok(arrows.length > (np > 1 ? 50 : 10), `${arrows.length} arrows`);
    const starts = new Map(events.filter((e) => e.ph === 's').map((e) => [e.id, e]));
    if (np > 1) assert.ok(arrows.some((f) => starts.get(f.id)!.pid !== f.pid), 'arrows between PEs');
    assert.ok(events.some((e) => e.ph === 'X' && e.name === 'Worker.work'), 'deliveries named after their entry methods');
    // The runtime's own messages are named for what they are, none left anonymous.
    const slices = new Set(events.filter((e) => e.ph === 'X').map((e) => e.name));
    assert.not.ok(slices.has('message'), 'a delivery named just "message"');
    for (const name of ['QD: wave', 'create: array', ...(np > 1 ? ['reduction: start', 'reduction: partial result', 'channel data', 'QD: report'] : [])]) assert.ok(slices.has(name), `a slice named "${name}" in ${[...slices].join(', ')}`);
    assert.ok(events.some((e) => e.ph === 's' && e.tid === 1), 'sends outside deliveries have their own thread');
    assert.equal(events.filter((e) => e.name === 'process_name').length, np);
  });
}

// A fatal error ends the job by MPI_Abort: the PE that has it gathers every PE's profile first (runtime/profiles.ts).
for (const [mode, np, failing] of [['send', 2, 1], ['main', 3, 0]] as const) {
  test(`a fatal error on PE ${failing} (errors.js ${mode}, np ${np}): the +stats table and the +trace file of every PE are written before the abort`, async () => {
    const file = path.join(os.tmpdir(), `charmts-trace-fatal-${process.pid}-${np}.json`);
    const r = await runJob({ program: 'errors.js', args: [mode, '+stats', '+trace', file], np, timeoutMs: 30_000 });
    assert.ok(r.code !== 0 && r.code !== null, `non-zero exit${show(r)}`);
    assert.match(r.stderr, `charmts: fatal error on PE ${failing}`, show(r));
    for (let pe = 0; pe < np; pe++) assert.match(r.stdout, new RegExp(`\\n${pe} +\\d`), `PE ${pe}'s row of the stats table${show(r)}`);
    assert.match(r.stdout, `charmts: trace of ${np} PEs written to ${file} (the job ended on the fatal error above, on PE ${failing})`, show(r));
    const events = (JSON.parse(fs.readFileSync(file, 'utf8')) as { traceEvents: Event[] }).traceEvents;
    fs.unlinkSync(file);
    assert.equal(traceProblems(events).slice(0, 10), []);
    assert.equal(events.filter((e) => e.name === 'process_name').length, np);
  });
}

test('a fatal error while another PE is stuck in a synchronous loop: the wait for its profile is bounded, the others are written and the stuck PE named', async () => {
  const file = path.join(os.tmpdir(), `charmts-trace-stuck-${process.pid}.json`);
  const r = await runJob({ program: 'errors.js', args: ['stuck-fatal', '+stats', '+trace', file], np: 2, timeoutMs: 30_000 });
  assert.ok(r.code !== 0 && r.code !== null, `non-zero exit${show(r)}`);
  assert.match(r.stderr, 'main went wrong', show(r));
  assert.match(r.stdout, `charmts: trace of 1 PEs written to ${file} (the job ended on the fatal error above, on PE 0; PE 1 did not answer within 2 s)`, show(r));
  fs.unlinkSync(file);
});

test('the checker itself: it finds an arrow outside slices, a doubled end, an end before its start, a bad nesting', () => {
  const slice = (pid: number, ts: number, dur: number): Event => ({ name: 'x', ph: 'X', pid, tid: 0, ts, dur });
  const good: Event[] = [slice(0, 0, 10), slice(1, 20, 10), { name: 'm', ph: 's', pid: 0, tid: 0, ts: 5, id: 1 }, { name: 'm', ph: 'f', bp: 'e', pid: 1, tid: 0, ts: 25, id: 1 }];
  assert.equal(traceProblems(good), []);
  assert.match(traceProblems([...good, { name: 'm', ph: 'f', bp: 'e', pid: 1, tid: 0, ts: 26, id: 1 }]).join(), /1 starts and 2 ends/);
  assert.match(traceProblems([good[0], good[1], { ...good[2], ts: 11 }, good[3]]).join(), /inside no slice/);
  assert.match(traceProblems([slice(0, 0, 10), slice(1, 0, 10), { ...good[2], ts: 5 }, { ...good[3], ts: 4 }]).join(), /before it starts/);
  assert.match(traceProblems([slice(0, 0, 10), slice(0, 5, 10)]).join(), /without nesting/);
});

test.run();
