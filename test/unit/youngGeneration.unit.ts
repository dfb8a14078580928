// touchYoungGeneration (lib/runtime/youngGeneration.ts): after it, both
// semi-spaces are in memory, and allocating takes no page faults. Run in a
// fresh node (this process's young generation is long since used).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'child_process';
import * as path from 'path';

const modulePath = path.join(__dirname, '..', '..', 'lib', 'runtime', 'youngGeneration');

/** Faults taken allocating 4 MiB of small arrays, and V8's young-generation figures, in a fresh node with 2 MiB semi-spaces. */
function fresh(touch: boolean): { faults: number; size: number; physical: number } {
  const program = `
    if (${touch}) require(${JSON.stringify(modulePath)}).touchYoungGeneration();
    const young = require('v8').getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    const before = process.resourceUsage().minorPageFault;
    const keep = [undefined];
    for (let i = 0; i < 2048; i++) keep[0] = new Array(254);
    console.log(JSON.stringify({ faults: process.resourceUsage().minorPageFault - before, size: young.space_size, physical: young.physical_space_size }));`;
  const run = spawnSync(process.execPath, ['--min-semi-space-size=2', '--max-semi-space-size=2', '-e', program], { encoding: 'utf8' });
  assert.is(run.status, 0, run.stderr);
  return JSON.parse(run.stdout) as { faults: number; size: number; physical: number };
}

test('both semi-spaces are written once: allocating after it takes (almost) no page faults', () => {
  const touched = fresh(true);
  assert.is(touched.size, 4 << 20, 'both 2 MiB semi-spaces committed');
  assert.is(touched.physical, touched.size, 'and every page of them in memory');
  // 4 MiB is 1,024 pages; the old generation and the code may take a few.
  assert.ok(touched.faults < 100, `${touched.faults} faults`);
});

test('without it, the same allocation faults its pages in (the check above can fail)', () => {
  const untouched = fresh(false);
  assert.ok(untouched.physical < untouched.size, `${untouched.physical} of ${untouched.size} bytes in memory`);
  assert.ok(untouched.faults > 500, `${untouched.faults} faults`);
});

test.run();
