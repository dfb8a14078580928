// npm runs this when it installs or rebuilds charmts (package.json
// "install"): build the MPI binding unless the one here loads already. A
// checkout built by `make`, linked into a project by `npm install
// /path/to/charmts` or run with npx, has its binding: an unconditional
// `node-gyp rebuild` rewrote it on each of those (20 s, output hidden),
// and one interrupted left no binding at all. A binding built for another
// Node (a different ABI) does not load, and is rebuilt.
'use strict';
const { spawnSync } = require('child_process');
const path = require('path');

const root = path.join(__dirname, '..');
try {
  require(path.join(root, 'build', 'Release', 'charmts_mpi.node'));
  process.exit(0);
} catch {
  // Missing or unloadable: build it.
}
// npm says where its own node-gyp is; otherwise the one on the PATH (or npx's).
const gyp = process.env.npm_config_node_gyp;
const result = gyp
  ? spawnSync(process.execPath, [gyp, 'rebuild'], { cwd: root, stdio: 'inherit' })
  : spawnSync('npx', ['node-gyp', 'rebuild'], { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
