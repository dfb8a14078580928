// charmrun as HPC users type it: Charm++'s order and mpirun's, --help,
// runtime flags anywhere, unknown +flags refused, TypeScript run directly,
// the exit code passed on, the PEs' node options, as real launches (the parser itself: test/unit/console.unit.ts).
//   node dist/test/charmrun.test.js
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { RUNTIME_OPTIONS } from '../lib/runtime/options';

const CHARMRUN = path.join(__dirname, '..', 'lib', 'launcher', 'charmrun.js');
const HELLO = path.join(__dirname, '..', 'examples', 'hello', 'hello.js');

function charmrunWith(env: NodeJS.ProcessEnv, ...args: string[]) {
  return spawnSync(process.execPath, [CHARMRUN, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, NODE_DISABLE_COLORS: '1', ...env } });
}
const charmrun = (...args: string[]) => charmrunWith({}, ...args);

const helloLines = (stdout: string): string[] => stdout.trim().split('\n').sort();

test('charmrun app.js +p2 (Charm++ order) and charmrun -np 3 app.js run on that many PEs; the exit code is kept', () => {
  const charmOrder = charmrun(HELLO, '+p2');
  assert.is(charmOrder.status, 0, charmOrder.stderr);
  assert.equal(helloLines(charmOrder.stdout), ['Hello from PE 0', 'Hello from PE 1']);
  const mpiOrder = charmrun('-np', '3', HELLO);
  assert.is(mpiOrder.status, 0, mpiOrder.stderr);
  assert.equal(helloLines(mpiOrder.stdout), ['Hello from PE 0', 'Hello from PE 1', 'Hello from PE 2']);
  const exit3 = charmrun('+p', '2', path.join(__dirname, 'programs', 'exitCode.js'), '3');
  assert.is(exit3.status, 3, exit3.stderr);
  // The program's own +arguments after --: charmrun checked the options, so PE 0 gives no notice of them.
  // A runtime option's name there is the program's word too: the PEs read no option after the --.
  const own = charmrun('+p2', path.join(__dirname, 'programs', 'mainArgs.js'), '8', '--', '+bar', '+stats');
  assert.is(own.status, 0, own.stderr);
  assert.match(own.stdout, 'args=["8","+bar","+stats"]', own.stdout);
  assert.not.match(own.stdout, 'charmts stats', own.stdout);
  assert.not.match(own.stderr, 'not an option', own.stderr);
});

test('--help prints the usage and exits 0; refused command lines exit 2 and say why', () => {
  const help = charmrun('--help');
  assert.is(help.status, 0);
  assert.match(help.stdout, /^usage: charmrun/);
  assert.match(help.stdout, /\+trace FILE/);
  assert.match(help.stdout, /\+restarts K +when a rank dies, rerun the job from the newest checkpoint/);
  for (const [flag, value] of Object.entries(RUNTIME_OPTIONS)) assert.match(help.stdout, `  ${flag}${value ? ` ${value}` : ''} `, `${flag} in --help`);
  for (const [args, message] of [
    [['+p0', HELLO], /\+p needs a positive number of PEs/],
    [['+p2'], /no program given/],
    [['+p2', HELLO, '+bogus'], /unknown option \+bogus/],
    // Said once, not as Node's MODULE_NOT_FOUND by every PE.
    [['+p2', 'no-such-app.js'], /^charmrun: no-such-app\.js: no such file \(from \S+\)\n/],
  ] as const) {
    const r = charmrun(...args);
    assert.is(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.match(r.stderr, /usage: charmrun/);
  }
});

test('charmrun +p2 app.ts runs TypeScript directly, and a stack points at the .ts line', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'charmts-ts-'));
  const lib = path.join(__dirname, '..', 'lib', 'index.js');
  const program = path.join(dir, 'typed.ts');
  fs.writeFileSync(
    program,
    `import { charm, Chare } from ${JSON.stringify(lib)};
interface Greeting { text: string }
class Typed extends Chare {
  hello(g: Greeting): string { return g.text + ' from PE ' + charm.myPe(); }
  where(): string { return new Error('here').stack!.split('\\n')[1]; }
}
charm.register(Typed);
charm.start(async () => {
  const g = charm.createGroup(Typed);
  console.log((await g.ret.hello({ text: 'typed hello' })).join(', '));
  console.log(await g[1].ret.where());
  charm.exit();
});
`,
  );
  const r = charmrun('+p2', program);
  fs.rmSync(dir, { recursive: true, force: true });
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /typed hello from PE 0, typed hello from PE 1/);
  assert.match(r.stdout, /at Typed\.where \(.*typed\.ts:5:/, 'the stack names the .ts line');
});

test('every PE starts with the node options of lib/launcher/nodeOptions.ts, its young generation (2 x 16 MiB) already in memory; CHARMTS_NODE_OPTIONS replaces them, empty for none', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'charmts-options-'));
  const program = path.join(dir, 'options.js');
  const lib = path.join(__dirname, '..', 'lib', 'index.js');
  fs.writeFileSync(
    program,
    `const { charm, Chare } = require(${JSON.stringify(lib)});
class Options extends Chare {
  node() { return process.execArgv.join(' '); }
  young() {
    const space = require('v8').getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    return space.physical_space_size + ' of ' + space.space_size;
  }
}
charm.register(Options);
charm.start(async () => {
  const group = charm.createGroup(Options);
  console.log((await group.ret.node()).map((o, pe) => 'PE ' + pe + ': [' + o + ']').join('\\n'));
  console.log((await group.ret.young()).map((y, pe) => 'young generation of PE ' + pe + ': ' + y + ' bytes in memory').join('\\n'));
  charm.exit();
});
`,
  );
  const { CHARMTS_NODE_OPTIONS: _unset, ...withoutOverride } = process.env;
  const byDefault = spawnSync(process.execPath, [CHARMRUN, '+p2', program], { encoding: 'utf8', timeout: 60_000, env: withoutOverride });
  const replaced = charmrunWith({ CHARMTS_NODE_OPTIONS: ' --max-semi-space-size=8  --stack-size=900 ' }, '+p2', program);
  const none = charmrunWith({ CHARMTS_NODE_OPTIONS: '' }, '+p2', program);
  fs.rmSync(dir, { recursive: true, force: true });
  for (const r of [byDefault, replaced, none]) assert.is(r.status, 0, r.stderr);
  const optionLines = (stdout: string): string[] => helloLines(stdout).filter((l) => l.startsWith('PE '));
  assert.equal(optionLines(byDefault.stdout), ['PE 0: [--initial-old-space-size=64 --min-semi-space-size=16]', 'PE 1: [--initial-old-space-size=64 --min-semi-space-size=16]']);
  // Written before the program ran (lib/runtime/youngGeneration.ts): the
  // start-up alone uses a few MiB of it, so without the touch fewer bytes
  // are in memory.
  const young = 32 << 20;
  assert.equal(
    helloLines(byDefault.stdout).filter((l) => l.startsWith('young generation')),
    [0, 1].map((pe) => `young generation of PE ${pe}: ${young} of ${young} bytes in memory`),
  );
  assert.equal(optionLines(replaced.stdout), ['PE 0: [--max-semi-space-size=8 --stack-size=900]', 'PE 1: [--max-semi-space-size=8 --stack-size=900]']);
  assert.equal(optionLines(none.stdout), ['PE 0: []', 'PE 1: []']);
});

test.run();
