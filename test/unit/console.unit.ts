// The console's and launcher's pure parts, in process (no MPI): charmrun's
// command line, what code typed at the prompt means for the other PEs
// (lib/console/plan.ts), the console channel's framing and sync markers,
// how the trace file pairs arrows (lib/profiling/profile.ts), and how the
// idle hint names members behind in contributions (lib/console/stuck.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from '../../lib/launcher/arguments';
import { endsEarly, parseInput, plan } from '../../lib/console/plan';
import { FrameReader, FrameType, SYNC_MARKER, frame, syncMarker } from '../../lib/console/channel';
import { traceFile, type TraceEvent } from '../../lib/profiling/profile';
import { stuckLines, type MembersReport } from '../../lib/console/stuck';
import { environmentProblem, exitGraceSeconds, idleAbortSeconds, idleHintSeconds, programArgs, runtimeOptionProblem, runtimeWords, unknownOptionsNotice } from '../../lib/runtime/options';

test('charmrun: PEs in every spelling, mpirun options, runtime flags, program arguments, refusals', () => {
  assert.equal(parse(['+p4', 'app.js', 'x']), { pes: 4, mpirun: [], program: 'app.js', args: ['x'], checkpoints: { restarts: 0 }, help: false });
  assert.equal(parse(['app.js', '+p2']).pes, 2);
  assert.equal(parse(['+p', '3', 'app.js']).pes, 3);
  assert.equal(parse(['-np', '2', 'app.js']).pes, 2);
  assert.equal(parse(['-n', '5', 'app.js']).pes, 5);
  assert.equal(parse(['--hostfile', 'h', '--mca', 'btl', 'self', 'app.js']).mpirun, ['--hostfile', 'h', '--mca', 'btl', 'self']);
  assert.equal(parse(['+stats', 'app.js', '+trace', 't.json', '+balancer', 'GreedyLB', 'n']).args, ['+stats', '+trace', 't.json', '+balancer', 'GreedyLB', 'n']);
  assert.equal(parse(['app.js', '--', '+p9', '+foo']), { pes: 1, mpirun: [], program: 'app.js', args: ['--', '+p9', '+foo'], checkpoints: { restarts: 0 }, help: false });
  assert.equal(parse(['+p2', '++interactive']).program, 'interactive');
  assert.ok(parse(['--help']).help);
  assert.throws(() => parse(['+p0', 'app.js']), /\+p needs a positive number of PEs, got 0/);
  assert.throws(() => parse(['-np', 'two', 'app.js']), /-np needs a positive number of PEs, got two/);
  assert.throws(() => parse(['+p2', 'app.js', '+p4']), /asks for 4 PEs, but 2 were asked for already/);
  assert.throws(() => parse(['+p2', 'app.js', '+foo']), /unknown option \+foo \(runtime options: \+pN, \+\+interactive, \+stats, \+trace, \+balancer, \+lbreport, \+asyncOrigins, \+liveview, \+restart, \+checkpoint-dir, \+restarts; put -- before arguments meant for the program\)/);
  assert.equal(parse(['+p2', 'app.js', '+liveview', '8080']).args, ['+liveview', '8080']);
  assert.throws(() => parse(['+p2', 'app.js', '+trace']), /\+trace needs a value/);
  assert.throws(() => parse(['+p2']), /no program given/);
});

function planOf(code: string) {
  const program = parseInput(code);
  if (program instanceof SyntaxError) throw program;
  return plan(code, program);
}

test('the prompt: classes, functions, requires and imports run on every PE; other code on PE 0 only', () => {
  const cls = planOf('class A extends Chare { m() { return 1; } }');
  assert.equal(cls.classes, ['A']);
  assert.is(cls.broadcasts.length, 1);
  assert.match(cls.local, /^globalThis\.A = class A extends Chare \{ m\(\) \{ return 1; \} \}; __charmtsConsole\.define\(globalThis\.A\);$/);
  assert.is(cls.broadcasts[0].code, cls.local);
  const two = planOf("class A extends Chare {}\nclass B extends A {}\nx = charm.createChare(B)");
  assert.equal(two.classes, ['A', 'B']);
  assert.is(two.broadcasts.length, 2, 'the line using them runs on PE 0 only');
  assert.match(two.local, /\nx = charm\.createChare\(B\)$/);
  const fn = planOf('function fib(n) { return n; }\nconst sq = (x) => x * x; let n = 3');
  assert.equal(fn.functions, ['fib', 'sq']);
  assert.equal(fn.broadcasts.map((b) => b.code), ['function fib(n) { return n; }', 'var sq = (x) => x * x;']);
  const req = planOf("const { join, resolve: r } = require('path')");
  assert.equal(req.imported, ['join', 'r']);
  assert.is(req.broadcasts[0].code, "var { join, resolve: r } = require('path')");
  const imp = planOf("import fs, { readFileSync as rf } from 'fs'\nimport * as os from 'node:os'");
  assert.equal(imp.imported, ['fs', 'rf', 'os']);
  assert.ok(imp.broadcasts.every((b) => b.async));
  assert.match(imp.local, /globalThis\.fs = \(await import\("fs"\)\)\.default; globalThis\.rf = \(await import\("fs"\)\)\["readFileSync"\];\nglobalThis\.os = \(await import\("node:os"\)\);/);
  assert.equal(planOf('await charm.sleep(1); 1 + 1').broadcasts, [], 'top-level await is complete code, run on PE 0');
});

test('the prompt: input that ends early asks for more lines; other syntax errors do not', () => {
  for (const code of ['class A {', 'foo(1,', 'x = `abc']) {
    const result = parseInput(code);
    assert.instance(result, SyntaxError, code);
    assert.ok(endsEarly(result as SyntaxError, code), code);
  }
  const bad = parseInput('1 +* 2');
  assert.instance(bad, SyntaxError);
  assert.not.ok(endsEarly(bad as SyntaxError, '1 +* 2'));
});

test('the console channel: frames split anywhere come out whole, in order; sync markers are recognised', () => {
  const bytes = Buffer.concat([frame(FrameType.Input, 'abc'), frame(FrameType.Resize, '{"columns":80}'), frame(FrameType.Redraw)]);
  for (let cut = 0; cut <= bytes.length; cut++) {
    const reader = new FrameReader();
    const frames = [...reader.push(bytes.subarray(0, cut)), ...reader.push(bytes.subarray(cut))];
    assert.equal(frames.map(([type, payload]) => [type, payload.toString()]), [[FrameType.Input, 'abc'], [FrameType.Resize, '{"columns":80}'], [FrameType.Redraw, '']]);
  }
  assert.is(SYNC_MARKER.exec(syncMarker(42).replace(/\n$/, ''))?.[1], '42');
  assert.not.ok(SYNC_MARKER.test('charmts-sync 42'));
});

test('the trace file: one arrow per delivery, none for undelivered messages or ends before starts; times in microseconds', () => {
  const x = (pid: number, ts: number, dur: number): TraceEvent => ({ name: 'm', ph: 'X', pid, tid: 0, ts, dur });
  const s = (pid: number, ts: number, id: number): TraceEvent => ({ name: 'message', ph: 's', pid, tid: 0, ts, id });
  const f = (pid: number, ts: number, id: number): TraceEvent => ({ name: 'message', ph: 'f', bp: 'e', pid, tid: 0, ts, id });
  // A broadcast (id 1) delivered on PEs 1 and 2; id 2 never delivered; id 3 ends before it starts.
  const file = JSON.parse(
    traceFile([
      [x(0, 1000, 5000), s(0, 2000, 1), s(0, 3000, 2), s(0, 9000, 3)],
      [x(1, 10000, 2000), f(1, 11000, 1), f(1, 8000, 3)],
      [x(2, 12000, 2000), f(2, 13000, 1)],
    ]),
  ) as { traceEvents: TraceEvent[]; otherData: { arrows: number; messagesWithoutArrow: number } };
  const flows = file.traceEvents.filter((e) => e.ph === 's' || e.ph === 'f');
  assert.equal(file.otherData, { arrows: 2, messagesWithoutArrow: 2 });
  assert.equal(flows.map((e) => [e.ph, e.pid, e.id, e.ts]), [['s', 0, 1, 1], ['f', 1, 1, 10], ['s', 0, 2, 1], ['f', 2, 2, 12]]);
  assert.equal(file.traceEvents.filter((e) => e.ph === 'X').map((e) => [e.ts, e.dur]), [[0, 5], [9, 2], [11, 2]]);
});


// ---------------------------------------------------------------- what a stuck job waits on (console/stuck.ts)

/** A report of one PE's part of collection `id` named `name`: counts as given, nobody suspended unless given. */
function part(id: number, name: string, pe: number, counts: MembersReport['counts'], suspendedSamples: MembersReport['suspendedSamples'] = [], suspended = suspendedSamples.length, syncs: MembersReport['syncs'] = []): MembersReport {
  return { id, name, pe, counts, syncs, suspended, suspendedSamples };
}

test('runtime options under plain mpirun: main gets the rest; a missing value, an unknown balancer and a near miss are refused by name', () => {
  assert.equal(programArgs(['8', '+balancer', 'GreedyLB', '+stats', 'x', '+trace', 't.json', '+liveview', '0', '+tracer', '+p2']), ['8', 'x', '+tracer', '+p2']);
  assert.is(runtimeOptionProblem(['8', '+balancer', 'RefineLB', '+stats', '+lbreport', '+liveview', '127.0.0.1:0', '+tracer', '+foo']), undefined);
  assert.is(runtimeOptionProblem(['+balancer']), '+balancer needs a value (+balancer NAME; one of GreedyLB, GreedyRefineLB, RefineLB, RotateLB, RandCentLB, none)');
  assert.match(runtimeOptionProblem(['+trace', '+stats'])!, /^\+trace needs a value \(\+trace FILE\)$/);
  assert.match(runtimeOptionProblem(['+balancer', 'Greedy'])!, /^\+balancer Greedy: unknown load balancer \(known: GreedyLB, /);
  assert.match(runtimeOptionProblem(['+balancr', 'GreedyLB'])!, /^\+balancr looks like a misspelling of \+balancer, which would stay off \(the runtime's options: \+stats, \+trace FILE, \+balancer NAME, \+lbreport, \+asyncOrigins, \+liveview \[HOST:\]PORT, \+restart DIR, \+checkpoint-dir DIR; other \+words go to the program\)$/);
  assert.match(runtimeOptionProblem(['+Stats'])!, /^\+Stats looks like a misspelling of \+stats/);
  assert.match(runtimeOptionProblem(['+checkpointdir', 'd'])!, /misspelling of \+checkpoint-dir/);
  assert.is(runtimeOptionProblem(['+restarts', '2']), undefined, "charmrun's own option: the notice names it");
  // `--` ends the runtime's options: what follows is the program's as it is, the `--` is not.
  assert.equal(runtimeWords(['node', 'app.js', '8', '+stats', '--', '+stats', '+balancr', 'x']), ['8', '+stats']);
  assert.equal(runtimeWords(['node', 'app.js', '+stats']), ['+stats']);
  assert.equal(programArgs(['8', '+stats', '--', '+stats', '+trace', '--', 'x']), ['8', '+stats', '+trace', '--', 'x']);
  assert.is(runtimeOptionProblem(runtimeWords(['node', 'app.js', '--', '+balancr', 'GreedyLB'])), undefined, 'a near miss after -- is the program\'s word');
});

test('options charmts does not know under plain mpirun: one notice naming each with what to do; known options, their values, plain words, signed numbers and what follows -- are left out', () => {
  assert.is(unknownOptionsNotice(runtimeWords(['node', 'app.js', '8', '+balancer', 'RefineLB', '+stats', '+trace', '+x.json', 'x', '-v', '+5', '+.5', '--', '+bar']), 2), undefined);
  const notice = unknownOptionsNotice(['++ppn', '2', '+restarts', '1', '+pemap'], 4)!;
  assert.match(notice, /^charmts: \+\+ppn \(the number of PEs is mpirun's -np: 4 in this job; or charmrun \+pN\), \+restarts \(charmrun's option: run the job with charmrun\), \+pemap are not options of charmts: they reach the program/);
  assert.match(unknownOptionsNotice(['+Stat'], 1)!, /^charmts: \+Stat \(did you mean \+stats\?\) is not an option of charmts: it reaches the program as an argument and the runtime ignores it\. The runtime's options: \+stats, /);
});

test('CHARMTS_IDLE_HINT: seconds 0 or more (10 when unset); any other form is refused by name at start, with the form it takes', () => {
  assert.is(idleHintSeconds({}), 10);
  assert.is(idleHintSeconds({ CHARMTS_IDLE_HINT: '0' }), 0);
  assert.is(idleHintSeconds({ CHARMTS_IDLE_HINT: '2' }), 2);
  assert.is(idleHintSeconds({ CHARMTS_IDLE_HINT: '0.5' }), 0.5);
  assert.is(idleHintSeconds({ CHARMTS_IDLE_HINT: ' 30 ' }), 30);
  assert.is(environmentProblem({}), undefined);
  assert.is(environmentProblem({ CHARMTS_IDLE_HINT: '0' }), undefined);
  for (const bad of ['abc', '-1', '', ' ', 'Infinity', '1e3', '10s', '0x10', 'NaN']) {
    assert.ok(Number.isNaN(idleHintSeconds({ CHARMTS_IDLE_HINT: bad })), `CHARMTS_IDLE_HINT=${JSON.stringify(bad)}`);
    assert.is(
      environmentProblem({ CHARMTS_IDLE_HINT: bad }),
      `CHARMTS_IDLE_HINT=${JSON.stringify(bad)} is not a number of seconds: it takes the seconds a job stays idle before PE 0 prints the idle hint, a number 0 or more (CHARMTS_IDLE_HINT=30; 0 for never)`,
    );
  }
});

test('CHARMTS_IDLE_ABORT: seconds 0 or more (0, never, when unset); any other form is refused by name at start', () => {
  assert.is(idleAbortSeconds({}), 0);
  assert.is(idleAbortSeconds({ CHARMTS_IDLE_ABORT: '0' }), 0);
  assert.is(idleAbortSeconds({ CHARMTS_IDLE_ABORT: ' 60 ' }), 60);
  assert.is(idleAbortSeconds({ CHARMTS_IDLE_ABORT: '2.5' }), 2.5);
  assert.is(environmentProblem({ CHARMTS_IDLE_ABORT: '60' }), undefined);
  for (const bad of ['abc', '-1', '', '1e3', '10s']) {
    assert.ok(Number.isNaN(idleAbortSeconds({ CHARMTS_IDLE_ABORT: bad })), `CHARMTS_IDLE_ABORT=${JSON.stringify(bad)}`);
    assert.is(
      environmentProblem({ CHARMTS_IDLE_ABORT: bad }),
      `CHARMTS_IDLE_ABORT=${JSON.stringify(bad)} is not a number of seconds: it takes the seconds a job stays idle before PE 0 ends it with exit code 1, a number 0 or more (CHARMTS_IDLE_ABORT=60; 0 for never)`,
    );
  }
});

test('CHARMTS_EXIT_GRACE: seconds above 0 (10 when unset); any other form is refused by name at start', () => {
  assert.is(exitGraceSeconds({}), 10);
  assert.is(exitGraceSeconds({ CHARMTS_EXIT_GRACE: '2' }), 2);
  assert.is(exitGraceSeconds({ CHARMTS_EXIT_GRACE: '0.5' }), 0.5);
  for (const bad of ['abc', '0', '-1', '', 'Infinity', '10s']) {
    assert.ok(Number.isNaN(exitGraceSeconds({ CHARMTS_EXIT_GRACE: bad })), `CHARMTS_EXIT_GRACE=${JSON.stringify(bad)}`);
    assert.match(environmentProblem({ CHARMTS_EXIT_GRACE: bad })!, `CHARMTS_EXIT_GRACE=${JSON.stringify(bad)} is not a number of seconds: it takes the seconds the PEs have to answer an exit before the job is aborted, a number above 0`);
  }
});

test('stuck: names the members behind the largest count over all PEs, with their PE, and counts the unnamed', () => {
  const reports = [[part(6, 'W', 0, [[5, 3, ['[0]', '[1]', '[2]']]])], [part(6, 'W', 1, [[4, 6, ['[3]', '[4]', '[5]', '[6]']], [5, 1, ['[9]']]]), part(8, 'G', 1, [[2, 1, ['1']]])], [part(8, 'G', 2, [[2, 1, ['2']]])]];
  assert.equal(stuckLines(reports), ['W (collection 6): 6 of 10 members made fewer contributions than the others (up to 5, by W[0] on PE 0, W[1] on PE 0, W[2] on PE 0, W[9] on PE 1): W[3] on PE 1 made 4, W[4] on PE 1 made 4, W[5] on PE 1 made 4, W[6] on PE 1 made 4, and 2 more']);
});

test('stuck: when fewer members are ahead than behind, those ahead are named (one member a contribution ahead of the rest is the odd one)', () => {
  const oneAhead = [[part(3, 'B', 0, [[164, 8, ['[0]', '[1]', '[2]', '[3]']]])], [part(3, 'B', 1, [[164, 7, ['[8]', '[9]', '[10]', '[11]']], [165, 1, ['[14]']]])]];
  assert.equal(stuckLines(oneAhead), ['B (collection 3): 15 of 16 members made fewer contributions than the others (up to 165, by B[14] on PE 1): B[0] on PE 0 made 164, B[1] on PE 0 made 164, B[2] on PE 0 made 164, B[3] on PE 0 made 164, B[8] on PE 1 made 164, B[9] on PE 1 made 164, B[10] on PE 1 made 164, B[11] on PE 1 made 164, and 7 more']);
});

test('stuck: a PE whose members are all behind is named though they agree among themselves; equal counts everywhere name nobody', () => {
  const behindTogether = [[part(2, 'B', 0, [[3, 2, ['[0, 0]', '[0, 1]']]])], [part(2, 'B', 1, [[2, 2, ['[1, 0]', '[1, 1]']]])]];
  assert.equal(stuckLines(behindTogether), ['B (collection 2): 2 of 4 members made fewer contributions than the others (up to 3): B[1, 0] on PE 1 made 2, B[1, 1] on PE 1 made 2']);
  assert.equal(stuckLines([[part(2, 'B', 0, [[3, 2, ['[0]', '[1]']]])], []]), []);
});

test('stuck: members suspended in an await are named with their PE, method and the channels they receive on, in collections that do not reduce too', () => {
  const channel = 'channel W[3] <-> W[4] port 0';
  const reports = [[part(3, 'Main', 0, [], [['', 1, 'run', []]])], [part(5, 'W', 1, [[1, 6, ['[0]']]], [['[2]', 2, 'step', []], ['[3]', 1, 'exchange', [channel]], ['[4]', 1, 'wait', []], ['[5]', 1, 'exchange', []]], 7)]];
  assert.equal(stuckLines(reports), [
    'Main (collection 3): 1 member has async entry methods suspended in an await: Main on PE 0 (in run)',
    `W (collection 5): 7 members have async entry methods suspended in an await: W[2] on PE 1 (2 methods, the last to start step), W[3] on PE 1 (in exchange, awaiting recv on ${channel}), W[4] on PE 1 (in wait), W[5] on PE 1 (in exchange), and 3 more`,
  ]);
});

test('stuck: members that called AtSync fewer times than the others are named: the load-balancing step waits for them', () => {
  const reports = [[part(7, 'L', 0, [[0, 2, ['[0]', '[1]']]], [], 0, [[3, 2, ['[0]', '[1]']]])], [part(7, 'L', 1, [[0, 2, ['[2]', '[3]']]], [], 0, [[3, 1, ['[2]']], [2, 1, ['[3]']]])]];
  assert.equal(stuckLines(reports), ['L (collection 7): 1 of 4 members called AtSync fewer times than the others, so the load-balancing step waits for them (up to 3): L[3] on PE 1 called it 2 times']);
});

test('stuck: calls held at the home for indices with no element are named with their home PE and counted', () => {
  const held = (indices: number, calls: number, samples: [string, number][]): MembersReport => ({ ...part(4, 'S', 1, []), held: { indices, calls, samples } });
  assert.equal(stuckLines([[], [held(1, 1, [['[5, 5]', 1]])]]), ['S (collection 4): 1 call waits at the home PE for an index with no element, held until one is inserted there (ckInsert): S[5, 5] (home PE 1, one call)']);
  const many = [[{ ...held(6, 9, [['[0]', 4], ['[1]', 1], ['[2]', 1], ['[3]', 1]]), pe: 0 }], [held(1, 2, [['[7]', 2]])]];
  assert.equal(stuckLines(many), ['S (collection 4): 11 calls wait at the home PE for 7 indices with no element, held until one is inserted there (ckInsert): S[0] (home PE 0, 4 calls), S[1] (home PE 0, one call), S[2] (home PE 0, one call), S[3] (home PE 0, one call), S[7] (home PE 1, 2 calls), and 2 more']);
  assert.equal(stuckLines([[held(0, 0, [])]]), []);
});

test.run();
