// The architecture the tree promises, checked on the compiled runtime:
// no import cycles among lib/ modules (the real run-time graph: the
// require() calls tsc emits, type-only imports excluded), and message
// header fields read and written only by the wire-format module.
//   node dist/test/architecture.test.js
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as path from 'path';

const DIST_LIB = path.join(__dirname, '..', 'lib');
const SOURCE_LIB = path.join(__dirname, '..', '..', 'lib');

function filesUnder(dir: string, ending: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(p, ending));
    else if (p.endsWith(ending)) out.push(p);
  }
  return out;
}

/** Module -> modules it requires at run time (relative requires only). */
function requireGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of filesUnder(DIST_LIB, '.js')) {
    const deps: string[] = [];
    for (const m of fs.readFileSync(file, 'utf8').matchAll(/require\("(\.[^"]+)"\)/g)) {
      let target = path.resolve(path.dirname(file), m[1]);
      if (!target.endsWith('.js')) target += '.js';
      if (fs.existsSync(target)) deps.push(target);
      else if (fs.existsSync(path.join(target.slice(0, -3), 'index.js'))) deps.push(path.join(target.slice(0, -3), 'index.js'));
    }
    graph.set(file, deps);
  }
  return graph;
}

/** Strongly connected components with more than one module (Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(path.relative(DIST_LIB, w));
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

test('the cycle finder finds a cycle (a -> b -> a) and none in a chain', () => {
  assert.equal(cycles(new Map([[`${DIST_LIB}/a.js`, [`${DIST_LIB}/b.js`]], [`${DIST_LIB}/b.js`, [`${DIST_LIB}/a.js`]]])), [['a.js', 'b.js']]);
  assert.equal(cycles(new Map([[`${DIST_LIB}/a.js`, [`${DIST_LIB}/b.js`]], [`${DIST_LIB}/b.js`, []]])), []);
});

test('lib/ has no import cycles at run time', () => {
  const graph = requireGraph();
  assert.ok(graph.size > 20, `found only ${graph.size} compiled modules under ${DIST_LIB}`);
  const found = cycles(graph);
  assert.equal(found, [], `import cycles: ${found.map((c) => c.join(' <-> ')).join('; ')}`);
});

test('message header fields are read and written only in lib/codec/wire.ts', () => {
  // Literal header offsets (4 kind, 5 flags, 6 method, 8 target, 12 root) next to a base or a view.
  const pattern = /(base \+ (4|5|6|8|12|16)\b)|(\[(4|5|6|12)\])|(get(Ui|I)nt(8|16|32)\((4|5|6|8|12)\b)|(set(Ui|I)nt(8|16|32)\((4|5|6|8|12)\b)/;
  const offenders: string[] = [];
  for (const file of filesUnder(SOURCE_LIB, '.ts')) {
    if (file.endsWith(path.join('codec', 'wire.ts'))) continue;
    fs.readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
      if (pattern.test(line)) offenders.push(`${path.relative(SOURCE_LIB, file)}:${i + 1}: ${line.trim()}`);
    });
  }
  assert.equal(offenders, [], `header offsets outside the wire module:\n${offenders.join('\n')}`);
});

test.run();
