// Type tests of the public API: test/types/*.ts hold valid spellings (which
// must compile) and invalid ones under `// @ts-expect-error` (which must
// not: tsc reports an unused directive otherwise). This job type-checks
// them with the TypeScript compiler API, as `tsc -p test/types` would,
// and fails on any diagnostic, naming the file and line.
//   node dist/test/types.test.js
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';

const ROOT = path.resolve(__dirname, '..', '..');
const DIR = path.join(ROOT, 'test', 'types');

function fail(message: string): never {
  throw new Error(`test/types/tsconfig.json: ${message}`);
}

const config = ts.getParsedCommandLineOfConfigFile(path.join(DIR, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => fail(ts.flattenDiagnosticMessageText(d.messageText, '\n')) });
if (!config) fail('cannot be read');
const program = ts.createProgram(config.fileNames, config.options);
const files = config.fileNames.filter((f) => path.dirname(f) === DIR).sort();

function describe(d: ts.Diagnostic): string {
  const text = ts.flattenDiagnosticMessageText(d.messageText, '\n    ');
  if (!d.file || d.start === undefined) return `TS${d.code}: ${text}`;
  const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
  return `${path.relative(ROOT, d.file.fileName)}:${line + 1}:${character + 1} TS${d.code}: ${text}`;
}

/** Calls and `new` expressions of a file not under a `@ts-expect-error` line (valid), and the directives (invalid spellings). */
function countSpellings(source: ts.SourceFile): { valid: number; invalid: number } {
  const lines = source.text.split('\n');
  const directiveLines = new Set(lines.flatMap((l, i) => (/^\s*\/\/ @ts-expect-error\b/.test(l) ? [i] : [])));
  let valid = 0;
  const visit = (node: ts.Node): void => {
    if ((ts.isCallExpression(node) || ts.isNewExpression(node)) && !directiveLines.has(source.getLineAndCharacterOfPosition(node.getStart(source)).line - 1)) valid++;
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { valid, invalid: directiveLines.size };
}

const global = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()];
test('the type tests compile as a program (options, globals)', () => {
  assert.equal(global.map(describe), []);
});

test('every file of test/types is in the program', () => {
  const onDisk = fs.readdirSync(DIR).filter((f) => f.endsWith('.ts')).map((f) => path.join(DIR, f)).sort();
  assert.equal(files, onDisk);
  assert.ok(files.length > 0, 'no type tests found');
});

const totals = { valid: 0, invalid: 0 };
for (const file of files) {
  const source = program.getSourceFile(file)!;
  const counts = countSpellings(source);
  totals.valid += counts.valid;
  totals.invalid += counts.invalid;
  const name = path.relative(ROOT, file);
  test(`${name}: ${counts.valid} valid calls compile, ${counts.invalid} invalid spellings are errors`, () => {
    const diagnostics = [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
    assert.equal(diagnostics.map(describe), [], `${name} has type errors (TS2578: an invalid spelling that compiles)`);
  });
}

test('type errors in the library itself (as the type tests see it)', () => {
  const libFiles = program.getSourceFiles().filter((s) => s.fileName.startsWith(path.join(ROOT, 'lib') + path.sep));
  assert.ok(libFiles.length > 10, 'the type tests import the library');
  assert.equal(libFiles.flatMap((s) => program.getSemanticDiagnostics(s)).map(describe), []);
});

/** A user's program `file`, compiled strict against the published declarations ('charmts' is dist/lib/index.d.ts), no @types and no skipLibCheck. */
function userProgram(file: string): ts.Program {
  return ts.createProgram([file], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
    strict: true,
    noEmit: true,
    types: [],
    skipLibCheck: false,
    paths: { charmts: [path.join(ROOT, 'dist', 'lib', 'index.d.ts')] },
  });
}

/**
 * The README's first program, compiled as a user's project would compile it
 * against the published declarations (dist/lib/*.d.ts): its own tsconfig as
 * the README gives it, no `types` listed (TypeScript 7 then loads no
 * @types package by itself) and no skipLibCheck, so every declaration file
 * of the package is checked too. 'charmts' resolves to the package's own
 * entry points, as npm installs them.
 */
test("the README's first program compiles against the published declarations, with no `types` listed", () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const program = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(program && program.includes("from 'charmts'"), "README.md has a first program importing 'charmts'");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'charmts-user-'));
  try {
    const app = path.join(dir, 'app.ts');
    fs.writeFileSync(app, program);
    const user = userProgram(app);
    assert.ok(user.getSourceFiles().some((s) => s.fileName.endsWith(path.join('dist', 'lib', 'index.d.ts'))), 'the program reads the published index.d.ts');
    assert.equal(ts.getPreEmitDiagnostics(user).map(describe), []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * Common mistakes, compiled against the published declarations: each
 * must be one compile error whose text says what is wrong (the type tests
 * above only check that it is an error): the mistake's line, then words
 * its error must hold.
 */
const MISTAKES: [code: string, ...says: string[]][] = [
  ['this.thisProxy.at([1, 2]);', "'a 1-D array takes one number: at(i) or at([i])'"],
  ['this.contribute(1, Reducer.sum, charm.createFuture<string>());', "parameter of type 'ReductionTarget<number>'", "Type 'Future<string, string>' is not assignable to type 'Future<unknown, number>'", "Type 'number' is not assignable to type 'string'"],
  ["this.contribute(1, Reducer.sum, charm.callback(this.thisProxy, 'got'));", "parameter of type 'ReductionTarget<number>'", "Type 'number' is not assignable to type 'Float64Array"],
  ['charm.createArray(Line, 4);', '"a 2-D array takes 2 extents or { ndims: 2 }"'],
  ['charm.createArray(Line, [2, 2, 2]);', '"a 2-D array takes 2 extents or { ndims: 2 }"'],
  ['charm.createArray(Group, 4);', '"a class indexed by PE (Chare) makes groups'],
  ['charm.createArray(Keyed, [4]);', '"an array indexed by keys is created with { keys: true }"'],
];

test('common mistakes are errors that say what is wrong', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'charmts-mistakes-'));
  try {
    const app = path.join(dir, 'mistakes.ts');
    const inChare = MISTAKES.filter(([code]) => code.startsWith('this.'));
    const outside = MISTAKES.filter(([code]) => !code.startsWith('this.'));
    const lines = [
      "import { charm, Chare, Reducer } from 'charmts';",
      'class Cell extends Chare<[number]> {',
      '  got(values: Float64Array): void { void values; }',
      '  run(): void {',
      ...inChare.map(([code]) => `    ${code}`),
      '  }',
      '}',
      'class Line extends Chare<readonly [number, number]> {}',
      'class Group extends Chare {}',
      'class Keyed extends Chare<string> {}',
      'charm.register(Cell, Line, Group, Keyed);',
      ...outside.map(([code]) => code),
    ];
    fs.writeFileSync(app, lines.join('\n'));
    const user = userProgram(app);
    const errors = ts.getPreEmitDiagnostics(user).filter((d) => d.file?.fileName === app);
    for (const [code, ...says] of MISTAKES) {
      const line = lines.findIndex((l) => l.trim() === code);
      const found = errors.filter((d) => d.file!.getLineAndCharacterOfPosition(d.start!).line === line).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      assert.equal(found.length, 1, `one error for ${code}, got ${JSON.stringify(found)}`);
      for (const words of says) assert.ok(found[0].includes(words), `the error for ${code} says ${words}; it is:\n${found[0]}`);
    }
    assert.equal(errors.length, MISTAKES.length, errors.map(describe).join('\n'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.after(() => {
  process.stdout.write(`type tests: ${totals.valid} valid calls, ${totals.invalid} invalid spellings, ${files.length} files\n`);
});

test.run();
