// The interactive console as a user meets it: `charmrun +p2 ++interactive`
// in a real terminal (tmux), driven through the whole tutorial
// (docs/tutorial.md, the Charm4py tutorial in charmts spelling) and the
// console's own cases: arrow keys and history (kept across sessions), Tab
// completion, Ctrl-C mid-line, at an empty prompt and during an await,
// pasted lines, import and require, redefining a class, a failing call,
// Charm4py spellings, printing proxies. Each step waits for what the
// screen shows. Also: plain mpirun with stdin a pipe keeps working.
//   node dist/test/console.test.js
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Tmux } from './helpers/tmux';
import { runJob, show } from './helpers/jobs';

const CHARMRUN = path.join(__dirname, '..', 'lib', 'launcher', 'charmrun.js');
const PROMPT = /(^|\n)>>>$/;

/** One step: keys to send, and what must appear (after it, before the next prompt). */
interface Step {
  /** Typed, then Enter. */
  line?: string;
  /** Pasted (several lines). */
  paste?: string;
  /** Typed keys (names for tmux, e.g. 'Up'), no Enter added. */
  keys?: Array<string | { text: string }>;
  expect: RegExp;
  /** The output must not contain this. */
  never?: RegExp;
  /** How the screen ends when the step is done (default: an empty prompt). */
  ends?: RegExp;
}

const TUTORIAL: Step[] = [
  { line: 'self', expect: /InteractiveConsole \(chare #\d+ on PE 0\)/ },
  { line: 'charm.myPe()', expect: /^0$/m },
  { line: 'charm.numPes()', expect: /^2$/m },
  { line: 'charm.numHosts()', expect: /^1$/m },
  {
    paste: `class Simple extends Chare {
  sayHi() {
    console.log('Hello from PE', charm.myPe());
    return 'hi done';
  }
}
`,
    expect: /charmts> Registered Simple on every PE/,
  },
  { line: 'chare = charm.createChare(Simple, [], { onPE: 1 })', expect: /Proxy<Simple> \(chare #\d+ on PE 1\)/ },
  { line: 'chare.sayHi()', expect: /Hello from PE 1/ },
  // The future may print before or after the line of PE 1 arrives.
  { line: 'f = chare.ret.sayHi()', expect: /Hello from PE 1[\s\S]*Future \{|Future \{[\s\S]*Hello from PE 1/ },
  { line: 'await f', expect: /'hi done'/ },
  {
    paste: `class AsyncSimple extends Chare {
  async sayHi() {
    await charm.sleep(0.5);
    console.log('Hello from PE', charm.myPe());
    return 'hi done';
  }
}
`,
    expect: /Registered AsyncSimple on every PE/,
  },
  { line: 'import * as os from "os"', expect: /charmts> Imported os on every PE/ },
  { line: 'chare = charm.createChare(AsyncSimple, [], { onPE: 1 }); await chare.awaitable.sayHi(); "completed"', expect: /Hello from PE 1\n'completed'/ },
  { line: "s = charm.createChare(Simple, [], { onPE: 1 }); s.sayHi(); await charm.waitQD(); 'quiescent'", expect: /Hello from PE 1\n'quiescent'/ },
  { line: 'g = charm.createGroup(AsyncSimple)', expect: /Proxy<AsyncSimple> \(group #\d+\)/ },
  { line: 'await g.ret.sayHi()', expect: /Hello from PE \d\nHello from PE \d\n\[ 'hi done', 'hi done' \]/ },
  { line: 'await g[1].ret.sayHi()', expect: /Hello from PE 1\n'hi done'/ },
  {
    paste: `class Test extends Chare {
  start() {
    console.log('I am element', this.thisIndex, 'on PE', charm.myPe(), 'sending a msg to element 1');
    this.thisProxy[1].sayHi();
  }
  sayHi() {
    console.log('Hello from element', JSON.stringify(this.thisIndex), 'on PE', charm.myPe());
  }
}
`,
    expect: /Registered Test on every PE/,
  },
  { line: "g = charm.createGroup(Test); g[0].start(); await charm.waitQD(); 'done'", expect: /I am element 0 on PE 0 sending a msg to element 1\nHello from element 1 on PE 1\n'done'/ },
  { line: 'elem = g[0]; elem.sayHi(); await charm.waitQD()', expect: /Hello from element 0 on PE 0/ },
  { line: 'a = charm.createArray(Test, 4); a.sayHi(); await charm.waitQD()', expect: /(Hello from element \[\d\] on PE \d\n){4}/ },
  { line: 'a = charm.createArray(Test, [2, 2]); a.sayHi(); await charm.waitQD()', expect: /Hello from element \[1,0\] on PE 1/ },
  { line: 'a.at([1, 0]).sayHi(); await charm.waitQD()', expect: /Hello from element \[1,0\] on PE 1/ },
  { line: 'await charm.thisProxy[1].ret.myPe()', expect: /^1$/m },
  { line: "await charm.thisProxy[1].ret.eval('charm.myPe()')", expect: /^1$/m },
  { line: 'await charm.thisProxy.awaitable.updateGlobals({ MY_GLOBAL: 1234 })', expect: /^>>> await charm.thisProxy.awaitable.updateGlobals/m },
  { line: "await charm.thisProxy.ret.eval('MY_GLOBAL')", expect: /\[ 1234, 1234 \]/ },
  {
    paste: `class RedTest extends Chare {
  work(data, callback) {
    this.contribute(data, Reducer.sum, callback);
  }
  printResult(result) {
    console.log('[' + this.thisIndex[0] + '] Result is', result);
  }
}
`,
    expect: /Registered RedTest on every PE/,
  },
  { paste: 'a = charm.createArray(RedTest, 20)\nf = charm.createFuture()\na.work(1, f)\nawait f\n', expect: /^20$/m },
  { line: "a.work(1, charm.callback(a[7], 'printResult')); await charm.waitQD()", expect: /\[7\] Result is 20/ },
  { paste: 'f = charm.createFuture()\na.work(new Float64Array([1, 2, 3]), f)\nawait f\n', expect: /Float64Array\(3\) \[ 20, 40, 60 \]/ },
  {
    paste: `class Echo extends Chare {
  async run(remote) {
    const ch = new Channel(this, remote);
    for (;;) ch.send(await ch.recv());
  }
}
`,
    expect: /Registered Echo on every PE/,
  },
  { paste: "chare = charm.createChare(Echo, [], { onPE: 1 })\nchare.run(self.thisElement)\nch = new Channel(self, chare)\nch.send('hello')\nawait ch.recv()\n", expect: /Channel \(port 0, to Proxy<Echo> \(chare #\d+ on PE 1\)\)[\s\S]*'hello'/ },
  { line: 'ch.send(1, 2, 3); await ch.recv()', expect: /\[ 1, 2, 3 \]/ },
  { line: 'await charm.pool.map(Math.abs, [-1, -2, -3, -4])', expect: /\[ 1, 2, 3, 4 \]/ },
];

const CONSOLE_CASES: Step[] = [
  // Keys: history with Up, editing with Left, Tab completion of charm members, globals and proxy methods.
  { keys: ['Up', 'Up', 'Enter'], expect: /^>>> ch.send\(1, 2, 3\); await ch.recv\(\)\n\[ 1, 2, 3 \]/m, never: /\^\[\[A|\x1b/ },
  { keys: [{ text: 'charm.myP()' }, 'Left', 'Left', { text: 'e' }, 'Enter'], expect: /^>>> charm.myPe\(\)\n0$/m },
  { keys: [{ text: 'charm.numP' }, 'Tab', { text: '()' }, 'Enter'], expect: /^>>> charm.numPes\(\)\n2$/m },
  { keys: [{ text: 'RedT' }, 'Tab', { text: '.name' }, 'Enter'], expect: /^>>> RedTest.name\n'RedTest'$/m },
  { keys: [{ text: 's = charm.createChare(Simple, [], { onPE: 1 }); s.sa' }, 'Tab', { text: '()' }, 'Enter'], expect: /s.sayHi\(\)\nHello from PE 1/ },
  { keys: [{ text: 'charm.create' }, 'Tab', 'Tab'], expect: /createArray\s+charm.createChare\s+charm.createFuture\s+charm.createGroup/, ends: /\n>>> charm\.create$/ },
  // Ctrl-C mid-line clears it; at an empty prompt it says how to leave; during an await it stops the wait, saying so in one line (Charm4py's KeyboardInterrupt), and the job lives on.
  { keys: ['C-u', { text: 'this is not run' }, 'C-c', { text: '40 + 2' }, 'Enter'], expect: /^42$/m, never: /ReferenceError|SyntaxError/ },
  { keys: ['C-c'], expect: /\(To exit, press Ctrl\+D or type \.exit\)/ },
  { keys: ['C-c'], expect: /\(To exit, press Ctrl\+D or type \.exit\)/ },
  { line: 'await charm.sleep(60)', expect: /await charm.sleep\(60\)$/, ends: />>> await charm\.sleep\(60\)$/ },
  { keys: ['C-c'], expect: /^Interrupted \(Ctrl-C\): stopped waiting; calls already sent still run$/m, never: /ERR_SCRIPT_EXECUTION_INTERRUPTED|Uncaught|SIGINT/ },
  { line: 'await charm.thisProxy[1].ret.myPe()', expect: /^1$/m },
  // Ctrl-C stops code at the prompt stuck in a synchronous loop (it reads no key: charmrun sends PE 0 SIGINT), and the session goes on.
  // (The loop alone on its line: a declaration beside it would go to every PE first, and a Ctrl-C then would stop that instead.)
  { line: 'let spins = 0', expect: /^>>> let spins = 0$/m },
  { line: 'while (true) spins++', expect: /while \(true\) spins\+\+$/, ends: /while \(true\) spins\+\+$/ },
  { keys: ['C-c'], expect: /^Interrupted \(Ctrl-C\)/m, never: /Uncaught|exit code/ },
  { line: 'spins > 0', expect: /^true$/m },
  // Ctrl-C during a channel's recv withdraws it: the next value goes to the next recv, not to the one interrupted.
  { line: 'await ch.recv()', expect: /await ch\.recv\(\)$/, ends: />>> await ch\.recv\(\)$/ },
  { keys: ['C-c'], expect: /^Interrupted \(Ctrl-C\)/m },
  { line: "ch.send('after'); await ch.recv()", expect: /^'after'$/m },
  // A paste: two classes, the second extending the first, and a line using them: run in order.
  {
    paste: `class Base extends Chare {
  who() { return 'base on PE ' + charm.myPe(); }
}
class Derived extends Base {
  who() { return 'derived on PE ' + charm.myPe(); }
}
await charm.createChare(Derived, [], { onPE: 1 }).ret.who()
`,
    expect: /Registered Base on every PE[\s\S]*Registered Derived on every PE[\s\S]*'derived on PE 1'/,
  },
  // require and import bind names on every PE; a function defined at the prompt is a pool task, also recursively.
  { line: "const pathmod = require('path')", expect: /Imported pathmod on every PE/ },
  { line: "await charm.thisProxy.ret.eval('pathmod.join(\"a\", \"b\") + typeof os.cpus')", expect: /\[ 'a\/bfunction', 'a\/bfunction' \]/ },
  { line: 'function fib(n) { return n < 2 ? n : Promise.all([charm.pool.submit(fib, n - 1), charm.pool.submit(fib, n - 2)]).then(([x, y]) => x + y); }', expect: /Defined fib on every PE/ },
  { line: 'await charm.pool.submit(fib, 7)', expect: /^13$/m },
  // Redefining a class: new chares get the new definition.
  { paste: "class Simple extends Chare {\n  sayHi() { return 'new hi from PE ' + charm.myPe(); }\n}\n", expect: /Registered Simple on every PE/ },
  { line: 'await charm.createChare(Simple, [], { onPE: 1 }).ret.sayHi()', expect: /'new hi from PE 1'/ },
  // A failing fire-and-forget call: the error is printed with PE, class and method; the session goes on.
  { paste: "class Faulty extends Chare {\n  fail() { throw new Error('failing on purpose'); }\n}\n", expect: /Registered Faulty/ },
  { line: 'charm.createChare(Faulty, [], { onPE: 1 }).fail(); await charm.waitQD()', expect: /charmts: error on PE 1 in Faulty\.fail \(index 0\):\nError: failing on purpose/ },
  { line: 'await charm.createChare(Faulty, [], { onPE: 1 }).ret.fail()', expect: /Uncaught Error on PE 1 in Faulty\.fail \(index 0\): failing on purpose/ },
  // A constructor that throws: printed with PE, class and index; the session goes on.
  { paste: "class Bad extends Chare {\n  constructor() { super(); throw new Error('ctor fails'); }\n}\n", expect: /Registered Bad/ },
  { line: 'charm.createChare(Bad, [], { onPE: 1 }); await charm.waitQD()', expect: /charmts: error on PE 1 constructing Bad \(index 0\):\nError: ctor fails/ },
  { line: 'charm.numPes()', expect: /^2$/m },
  // Charm4py spellings get the charmts spelling, and do not run.
  { line: 'Array(Test, 4)', expect: /charmts> Array\(Test, 4\) is Charm4py's spelling; in charmts: charm\.createArray\(Test, 4\)/ },
  { line: 'Group(Test)', expect: /in charmts: charm\.createGroup\(Test\)/ },
  { line: 'Chare(Simple, onPE=1)', expect: /in charmts: charm\.createChare\(Simple, \[\], \{ onPE: 1 \}\)/ },
  { line: 'Future()', expect: /in charmts: charm\.createFuture\(\)/ },
  { line: 'f.get()', expect: /gives a promise; to wait for the value: await f/ },
  { line: 'chare.run(ret=True)', expect: /in charmts: chare\.ret\.run\(\.\.\.\) returns a Future/ },
  { line: "'ret' in globalThis", expect: /^false$/m },
  // Printing what the runtime hands out never throws.
  { line: "console.log('g', g, g[1].awaitable, a.at([3]), f)", expect: /g Proxy<Test> \(group #\d+\) Proxy<Test>\.awaitable \(group #\d+ member 1 on PE 1\) Proxy<RedTest> \(array #\d+ element \[3\], home PE 0\) Future \{ Float64Array/ },
];

function lastPromptLine(screen: string): number {
  return screen.split('\n').length - 1;
}

async function play(term: Tmux, steps: Step[]): Promise<void> {
  let ready = PROMPT;
  for (const step of steps) {
    const before = await term.waitFor((s) => ready.test(s), `the prompt (${ready})`);
    ready = step.ends ?? PROMPT;
    const from = lastPromptLine(before);
    if (step.line !== undefined) {
      term.type(step.line);
      term.press('Enter');
    } else if (step.paste !== undefined) term.paste(step.paste);
    else for (const key of step.keys ?? []) typeof key === 'string' ? term.press(key) : term.type(key.text);
    const what = step.line ?? step.paste ?? JSON.stringify(step.keys);
    const after = await term.waitFor((s) => step.expect.test(s.split('\n').slice(from).join('\n')) && ready.test(s), `${step.expect} after ${what}`);
    if (step.never) assert.not.match(after.split('\n').slice(from).join('\n'), step.never, `after ${what}:\n${after.split('\n').slice(from).join('\n')}`);
  }
}

test('charmrun +p2 ++interactive in a terminal: the tutorial, then keys, Ctrl-C, pastes, imports, redefinition, failures, hints', async () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'charmts-console-'));
  const env = { ...process.env, CHARMTS_REPL_HISTORY: path.join(home, 'history'), TERM: 'xterm-256color', NODE_DISABLE_COLORS: '1' };
  const term = new Tmux(`${process.execPath} ${CHARMRUN} +p2 ++interactive`, env);
  try {
    await play(term, TUTORIAL);
    await play(term, CONSOLE_CASES);
    term.press('C-d');
    const end = await term.waitFor((s) => /\[exit code \d+\]/.test(s), 'the end of the job');
    assert.match(end, /\[exit code 0\]/, 'Ctrl-D ends the job cleanly');
    assert.not.match(end, /DeprecationWarning|\^\[\[A/);
  } finally {
    term.close();
  }
  // History is kept across sessions: Up shows the last line of the one before; .exit leaves.
  const again = new Tmux(`${process.execPath} ${CHARMRUN} +p2 ++interactive`, env);
  try {
    await again.waitFor((s) => PROMPT.test(s), 'the prompt');
    again.press('Up');
    await again.waitFor((s) => s.endsWith(">>> console.log('g', g, g[1].awaitable, a.at([3]), f)"), 'the last line of the session before');
    again.press('C-u');
    again.type('.exit');
    again.press('Enter');
    assert.match(await again.waitFor((s) => /\[exit code \d+\]/.test(s), 'the end of the job'), /\[exit code 0\]/);
  } finally {
    again.close();
    fs.rmSync(home, { recursive: true, force: true });
  }
});

/** The console at np 2 under plain mpirun, given `lines` on stdin (a pipe) once it prompts. */
async function runScript(lines: string[]): Promise<Awaited<ReturnType<typeof runJob>>> {
  let sent = false;
  return runJob({
    program: path.join('..', '..', 'lib', 'console', 'interactive.js'),
    np: 2,
    timeoutMs: 60_000,
    onStdout: (all, child) => {
      if (!sent && all.includes('>>> ')) {
        sent = true;
        child.stdin.end(lines.join('\n') + '\n');
      }
    },
  });
}

test('plain mpirun -np 2 node interactive.js with stdin a pipe: lines in, results out, end of input ends the job', async () => {
  const lines = [
    "class Simple extends Chare { sayHi() { console.log('Hello from PE', charm.myPe()); return 'hi done'; } }",
    'chare = charm.createChare(Simple, [], { onPE: 1 })',
    'await chare.ret.sayHi()',
    'await charm.pool.map(Math.abs, [-5, 6])',
  ];
  const r = await runScript(lines);
  assert.is(r.code, 0, show(r));
  assert.match(r.stdout, /Registered Simple on every PE/);
  assert.match(r.stdout, /Proxy<Simple> \(chare #\d+ on PE 1\)/);
  assert.match(r.stdout, /'hi done'/);
  assert.match(r.stdout, /Hello from PE 1/);
  assert.match(r.stdout, /\[ 5, 6 \]/);
});

test('a script on stdin with lines that fail (a checkpoint among them): the lines after them still run, and the job ends with exit code 1', async () => {
  // A directory of the test's own: a regression would write the checkpoint there, not in the repository.
  const dir = path.join(os.tmpdir(), `charmts-console-ckpt-${process.pid}`);
  const r = await runScript(['noSuchFunction()', `charm.startCheckpoint(${JSON.stringify(dir)}, charm.createFuture())`, '40 + 2']);
  fs.rmSync(dir, { recursive: true, force: true });
  assert.match(r.stdout + r.stderr, /ReferenceError: noSuchFunction is not defined/, show(r));
  // Refused at the call, not at PE 0 with a suspended method the user cannot end.
  assert.match(r.stdout + r.stderr, `charm.startCheckpoint(${dir}): a checkpoint cannot be taken from the interactive console`, show(r));
  assert.match(r.stdout, /^(>>> )?42$/m, show(r));
  assert.is(r.code, 1, show(r));
});

test.run();
