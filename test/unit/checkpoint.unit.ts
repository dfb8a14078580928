// The checkpoint files in-process (lib/checkpoint/files.ts, manifest.ts,
// launcher/arguments.ts): records round-trip through a PE file (values,
// and members as migrating elements' records: typed arrays large and
// small, maps, keys, waiting calls, channel ends), a file is checked
// against the manifest (size, checksum, PE and generation), the manifest
// is checked (version, checksum, JSON), generations advance and old ones
// are cleaned up, and charmrun's checkpoint flags are parsed or refused
// with a reason.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FileReader, READONLIES, checkFile, valueRecord, writeFile, type FileRecord } from '../../lib/checkpoint/files';
import { FORMAT_VERSION, fileName, latestCheckpoint, nextGeneration, readManifest, removeOtherGenerations, writeManifest, type Manifest } from '../../lib/checkpoint/manifest';
import { readMigrant, readMigrantState, writeMigrant, type MigrantState } from '../../lib/codec/wire';
import { decodeValue, encodeValue } from '../../lib/codec/values';
import { parse } from '../../lib/launcher/arguments';
import { runWithRestarts, type JobEnd } from '../../lib/checkpoint/restarts';

const made: string[] = [];
const scratch = (): string => {
  made.push(fs.mkdtempSync(path.join(os.tmpdir(), 'charmts-unit-checkpoint-')));
  return made[made.length - 1];
};

const big = Float64Array.from({ length: 5000 }, (_, i) => i / 7);
const readonlies = { settings: { n: 3 } };
/** Members are written as migrating elements are: the record, then the packed state. */
const members: [number, MigrantState, unknown][] = [
  [
    12,
    { index: [1, 2], epoch: 3, bcastSeq: 7, balancing: false, load: 1.5, sections: { 9: 2 }, next: [4, 0, 1, 2], waiting: [[1, [5, 'x'], null]], channels: [['4/[0]/0', 2, 1, [[1, 'v']]]] },
    { big, small: new Int32Array([1, -2, 3]), map: new Map([['k', 1n]]) },
  ],
  [13, { index: 'key', epoch: 0, bcastSeq: 0, balancing: false, load: 0, sections: {}, next: [0, 0, 0, 0], waiting: [], channels: [] }, { bytes: new Uint8Array(9000).fill(7) }],
];
const records: FileRecord[] = [
  valueRecord(READONLIES, 0, readonlies, 'readonlies'),
  ...members.map(([collection, record, packed]): FileRecord => ({ collection, index: record.index, write: (w) => { writeMigrant(w, record, () => `member of ${collection}`); encodeValue(w, packed, 'state'); } })),
];

const problemOf = (...args: Parameters<typeof checkFile>): string | undefined => {
  const result = checkFile(...args);
  return 'problem' in result ? result.problem : undefined;
};

function body(generation: number, files: Manifest['files']): Omit<Manifest, 'format' | 'version' | 'checksum'> {
  return { generation, written: new Date(0).toISOString(), pes: files.length, callback: { kind: 'future', target: 'a future of PE 0' }, classes: {}, readonlies: [], collections: [], sections: -1, files, bytes: 0 };
}

test('records round-trip through a PE file: the table lists them, each reads back alone, large typed arrays aligned in place', () => {
  const dir = scratch();
  const listed = writeFile(dir, { pe: 1, numPes: 2, generation: 3 }, records);
  assert.is(listed.name, fileName(1, 3));
  assert.is(listed.bytes, fs.statSync(path.join(dir, listed.name)).size);
  const checked = checkFile(dir, listed, 3, 2);
  assert.ok('contents' in checked && checked.contents?.length === listed.bytes, 'checked, and read whole');
  // From the file, and from the contents read while checking it.
  const contents = 'contents' in checked ? checked.contents : undefined;
  for (const reader of [new FileReader(path.join(dir, listed.name)), new FileReader(path.join(dir, listed.name), contents)]) {
    const table = reader.table();
    assert.equal([table.pe, table.numPes, table.generation], [1, 2, 3]);
    assert.equal(table.entries.map(([c, index]) => [c, index]), [[READONLIES, 0], [12, [1, 2]], [13, 'key']]);
    for (const entry of table.entries.slice(1).reverse()) {
      const r = reader.record(entry);
      const [, record, packed] = members.find(([c]) => c === entry[0])!;
      assert.equal(readMigrant(r), record);
      assert.equal(readMigrantState(r), packed);
    }
    assert.equal(decodeValue(reader.record(table.entries[0])), readonlies);
    const r = reader.record(table.entries[1]);
    readMigrant(r);
    const state = readMigrantState(r) as { big: Float64Array };
    assert.ok(state.big instanceof Float64Array && state.big[4999] === 4999 / 7);
    assert.is(state.big.byteOffset % 8, 0, 'in place, aligned');
    reader.close();
  }
  assert.equal(fs.readdirSync(dir), [listed.name], 'no temporary file left');
});

test('a file is refused when missing, of the wrong size, corrupted, or of another PE or generation', () => {
  const dir = scratch();
  const listed = writeFile(dir, { pe: 0, numPes: 1, generation: 1 }, records);
  const file = path.join(dir, listed.name);
  assert.match(problemOf(dir, listed, 2, 1) ?? '', `${file} belongs to another checkpoint: it is PE 0 of 1, generation 1; the manifest expects PE 0 of 1, generation 2`);
  const bytes = fs.readFileSync(file);
  bytes[bytes.length - 3] ^= 1;
  fs.writeFileSync(file, bytes);
  assert.match(problemOf(dir, listed, 1, 1) ?? '', new RegExp(`^${file} is corrupted: its checksum is sha256 [0-9a-f]{16}\\.\\.\\., the manifest says ${listed.sha256.slice(0, 16)}\\.\\.\\.$`));
  fs.truncateSync(file, 64);
  assert.is(problemOf(dir, listed, 1, 1), `${file} has 64 bytes where the manifest says ${listed.bytes}: a partial checkpoint, or a file changed since`);
  fs.rmSync(file);
  assert.is(problemOf(dir, listed, 1, 1), `${file} is missing (a partial checkpoint: the manifest lists 1 PE files)`);
});

test('a value that cannot be saved is refused naming the member; a failed write names the file and leaves nothing', () => {
  const dir = scratch();
  assert.throws(() => writeFile(dir, { pe: 0, numPes: 1, generation: 1 }, [valueRecord(5, [0], { packed: { f: () => 1 } }, 'state of C[0]')]), /state of C\[0\]\.packed\.f: a function/);
  fs.mkdirSync(path.join(dir, `${fileName(0, 2)}.tmp`));
  assert.throws(() => writeFile(dir, { pe: 0, numPes: 1, generation: 2 }, records), new RegExp(`cannot write ${path.join(dir, fileName(0, 2))}: EISDIR`));
  assert.equal(fs.readdirSync(dir), [`${fileName(0, 2)}.tmp`]);
});

test('the manifest: written atomically, read back; another version, an edit, broken JSON or none at all are refused by name', () => {
  const dir = scratch();
  const manifest = path.join(dir, 'manifest.json');
  assert.throws(() => readManifest(path.join(dir, 'absent')), /absent does not exist$/);
  assert.throws(() => readManifest(dir), `${manifest} is missing: ${dir} holds no complete checkpoint`);
  assert.is(nextGeneration(dir), 1);
  writeManifest(dir, body(1, []));
  const read = readManifest(dir);
  assert.is(read.version, FORMAT_VERSION);
  assert.is(read.generation, 1);
  assert.equal(fs.readdirSync(dir), ['manifest.json']);
  assert.is(nextGeneration(dir), 2);
  const text = fs.readFileSync(manifest, 'utf8');
  fs.writeFileSync(manifest, text.replace(`"version": ${FORMAT_VERSION}`, '"version": 7'));
  assert.throws(() => readManifest(dir), `${manifest} has format version 7; this charmts reads version ${FORMAT_VERSION}`);
  fs.writeFileSync(manifest, text.replace('"generation": 1', '"generation": 5'));
  assert.throws(() => readManifest(dir), `${manifest} is corrupted: its checksum does not match its contents`);
  fs.writeFileSync(manifest, text.slice(0, 40));
  assert.throws(() => readManifest(dir), /manifest\.json is corrupted: it is not valid JSON/);
  assert.is(latestCheckpoint(dir), undefined);
});

test('a new generation replaces the old: its files stay until the manifest names the new one, then are removed', () => {
  const dir = scratch();
  const first = writeFile(dir, { pe: 0, numPes: 1, generation: 1 }, records);
  writeManifest(dir, body(1, [first]));
  const second = writeFile(dir, { pe: 0, numPes: 1, generation: 2 }, records);
  assert.is(readManifest(dir).generation, 1, 'until the manifest is replaced, the checkpoint is the first');
  writeManifest(dir, body(2, [second]));
  removeOtherGenerations(dir, 2);
  assert.equal(fs.readdirSync(dir).sort(), ['manifest.json', fileName(0, 2)]);
});

test("charmrun's checkpoint flags: taken by its parser from anywhere on the line, checked", () => {
  const restart = parse(['+p2', 'app.js', '+restart', 'ck', 'x']);
  assert.equal([restart.args, restart.checkpoints], [['x'], { restarts: 0, restart: 'ck' }]);
  const automatic = parse(['+checkpoint-dir', 'd', '+p2', 'app.js', '+restarts', '3']);
  assert.equal([automatic.program, automatic.args, automatic.checkpoints], ['app.js', [], { restarts: 3, checkpointDir: 'd' }]);
  assert.equal(parse(['app.js', '--', '+restart', 'ck']).args, ['--', '+restart', 'ck'], 'after --, the program\'s (the PEs read no option after it)');
  assert.throws(() => parse(['app.js', '+restarts', '2']), 'charmrun: +restarts needs +checkpoint-dir DIR');
  assert.throws(() => parse(['app.js', '+restarts', 'two', '+checkpoint-dir', 'd']), 'charmrun: +restarts needs a number of restarts, got two');
  assert.throws(() => parse(['app.js', '+restart']), 'charmrun: +restart needs a value (+restart DIR)');
  assert.throws(() => parse(['app.js', '+checkpoint-dir', '+p2']), 'charmrun: +checkpoint-dir needs a value (+checkpoint-dir DIR)');
  assert.throws(() => parse(['++interactive', '+restart', 'ck']), 'charmrun: ++interactive cannot be restarted (+restart)');
});

/** charmrun's restart decisions over scripted mpirun ends: the arguments of each run, what it said, and its exit code. */
async function restartsOf(flags: Parameters<typeof runWithRestarts>[0], ends: (JobEnd & { before?: () => void })[], stoppedBy?: NodeJS.Signals): Promise<{ runs: string[][]; said: string; code: number }> {
  const runs: string[][] = [];
  let said = '';
  const code = await runWithRestarts(
    flags,
    async (extra) => {
      const end = ends[runs.length];
      runs.push(extra);
      end.before?.();
      return end;
    },
    () => (runs.length === ends.length ? stoppedBy : undefined),
    (line) => (said += line),
  );
  return { runs, said, code };
}

test('charmrun +restarts: a job started with +restart R and a new +checkpoint-dir C goes on from R until C has a checkpoint, then from C; no restart left, or stopped by a signal, it names the newest checkpoint and exits 128 + the signal', async () => {
  const [from, into] = [scratch(), scratch()];
  writeManifest(from, body(9, []));
  const killed: JobEnd = { code: 137, signal: null };
  const r = await restartsOf({ restart: from, checkpointDir: into, restarts: 2 }, [killed, { ...killed, before: () => writeManifest(into, body(1, [])) }, killed]);
  assert.equal(r.runs, [
    ['+checkpoint-dir', into, '+restart', from],
    ['+checkpoint-dir', into, '+restart', from], // before the fix: no +restart, main ran again with the command line's arguments
    ['+checkpoint-dir', into, '+restart', into],
  ]);
  assert.match(r.said, `restart 1 of 2, from checkpoint 9 in ${from} (written 1970-01-01T00:00:00.000Z by 0 PEs, 0 bytes), the one it was started from (none in ${into} yet)`);
  assert.match(r.said, `restart 2 of 2, from checkpoint 1 in ${into} (`);
  assert.match(r.said, `a rank died (mpirun exit code 137: signal 9); no restart left (+restarts 2); the newest checkpoint is checkpoint 1 in ${into} (written 1970-01-01T00:00:00.000Z by 0 PEs, 0 bytes): go on from it with +restart ${into}`);
  assert.is(r.code, 137);
  // Nothing anywhere: from the start.
  const empty = await restartsOf({ checkpointDir: scratch(), restarts: 1 }, [killed, { code: 0, signal: null }]);
  assert.equal([empty.runs.length, empty.code], [2, 0]);
  assert.match(empty.said, 'restart 1 of 1, from the start (no complete checkpoint in');
  // A job's own exit code: not run again, nothing said.
  assert.equal(await restartsOf({ checkpointDir: into, restarts: 3 }, [{ code: 1, signal: null }]), { runs: [['+checkpoint-dir', into]], said: '', code: 1 });
  // No restarts asked for: the job's code, and where to go on from.
  const none = await restartsOf({ checkpointDir: into, restarts: 0 }, [killed]);
  assert.equal([none.code, none.said], [137, `charmrun: a rank died (mpirun exit code 137: signal 9); the newest checkpoint is checkpoint 1 in ${into} (written 1970-01-01T00:00:00.000Z by 0 PEs, 0 bytes): go on from it with +restart ${into}\n`]);
  // SIGTERM from a batch system: mpirun exits 1; charmrun exits 143, not run again.
  const term = await restartsOf({ checkpointDir: into, restarts: 3 }, [{ code: 1, signal: null }], 'SIGTERM');
  assert.equal([term.runs.length, term.code], [1, 143]);
  assert.match(term.said, `charmrun: stopped by SIGTERM; the newest checkpoint is checkpoint 1 in ${into}`);
});

test.after(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

test.run();
