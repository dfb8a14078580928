// Runtime modules export plain fields: tsc makes a re-export
// (`export { a as b }`, `export { x } from`) a getter on the module's
// exports, and a getter among more than a dozen fields puts the exports
// object in dictionary mode, where every read of an export (each call of
// an imported function) is a generic lookup. lib/codec/wire.js was so
// (4-5% of a migration's CPU). The public API (lib/index.js) re-exports by
// design; it is read by programs, not by the runtime's message handling.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as path from 'path';

function modules(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? modules(path.join(dir, e.name)) : e.name.endsWith('.js') ? [path.join(dir, e.name)] : []));
}

test('no runtime module but the public API re-exports (getters on its exports)', () => {
  const lib = path.resolve(__dirname, '..', '..', 'lib');
  const found = modules(lib).filter((file) => path.relative(lib, file) !== 'index.js' && /Object\.defineProperty\(exports, "(?!__esModule")[^"]+", \{ enumerable: true, get/.test(fs.readFileSync(file, 'utf8')));
  assert.ok(modules(lib).length > 50, 'the compiled modules were found');
  assert.equal(found.map((file) => path.relative(lib, file)), []);
});

test.run();
