// The in-process tier stays in-process: the modules tested here load
// neither the MPI binding nor libmpi (checked after every unit file has
// been loaded, since uvu loads them all before running any test).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';

test('no unit test loads the MPI binding or libmpi', () => {
  const loaded = Object.keys(require.cache);
  assert.ok(loaded.some((f) => /[\\/]lib[\\/]codec[\\/]values\.js$/.test(f)), 'the unit files were loaded first');
  assert.equal(loaded.filter((f) => /[\\/]transport[\\/]binding\.js$|\.node$/.test(f)), []);
  const maps = fs.readFileSync('/proc/self/maps', 'utf8');
  assert.not.ok(/libmpi/.test(maps), 'libmpi is mapped into this process');
});

test.run();
