// Checkpoints inside one job (np 1, 2, 4): bad input at the call, a second
// checkpoint while one is under way, calls waiting on a `when` condition
// (saved; refused when their caller awaits them), a reduction half done
// when the job goes quiet (refused at once, naming it), readonly
// registration; and checkpoints taken while the job is busy are taken once
// it is quiet, each a new generation, reductions going on after.
// Restarts are in checkpoint.test.ts (each is a job of its own).
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { test, runTests } from './helpers/mpiTest';
import { charm, Chare, Future, Reducer, type CheckpointStatus, type Section } from '../lib';
import { readManifest } from '../lib/checkpoint/manifest';

class Worker extends Chare<[number]> {
  count = 0;
  ready = false;
  /** Works for a while: messages to itself, `rounds` times. */
  busy(rounds: number): void {
    this.count++;
    if (rounds > 0) this.thisElement.busy(rounds - 1);
  }
  sum(done: Future<number>): void {
    this.contribute(this.count, Reducer.sum, done);
  }
  sumOver(section: Section<Worker, unknown>, done: Future<number>): void {
    this.contribute(this.count, Reducer.sum, done, section);
  }
  guarded(): void {}
  /** Asks for a checkpoint from this element's PE. */
  askCheckpoint(dir: string, done: Future<CheckpointStatus>): void {
    charm.startCheckpoint(dir, done);
  }
  release(): void {
    this.ready = true;
  }
}
charm.register(Worker);
charm.when(Worker, 'guarded', (self) => self.ready);

/** A directory for this job's checkpoints (the tests run on PE 0). */
let scratchDir: string | undefined;
const scratch = (name: string): string => path.join((scratchDir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'charmts-checkpoint-mpi-'))), name);

async function checkpoint(dir: string): Promise<CheckpointStatus> {
  const done = charm.createFuture<CheckpointStatus>();
  charm.startCheckpoint(dir, done);
  return done;
}

// A readonly: PE 0's value (here given at module load, on PE 0 only) reaches every PE, which holds its messages until it does.
let taken = process.env.OMPI_COMM_WORLD_RANK === '0' ? 'PE 0 value' : 'unset';
charm.registerReadonly('taken', () => taken, (value: string) => (taken = value));

class Readonlies extends Chare {
  taken(): string {
    return taken;
  }
}
charm.register(Readonlies);

test('bad input at the call names what is wrong', () => {
  assert.throws(() => charm.startCheckpoint('', charm.createFuture<CheckpointStatus>()), 'charm.startCheckpoint: dir must be a directory path (a non-empty string), got ""');
  assert.throws(() => charm.startCheckpoint(3 as unknown as string, charm.createFuture<CheckpointStatus>()), 'got number');
  assert.throws(() => charm.startCheckpoint('d', (() => 1) as unknown as Future<CheckpointStatus>), "charm.startCheckpoint(d): callback must be charm.callback(proxy, 'method') or a Future");
  assert.throws(() => charm.registerReadonly('', () => 1, () => {}), 'charm.registerReadonly: name must be a non-empty string');
  assert.throws(() => charm.registerReadonly('x', 1 as unknown as () => number, () => {}), 'charm.registerReadonly(x): get and set must be functions');
  assert.throws(() => charm.registerReadonly('taken', () => 1, () => {}), 'charm.registerReadonly: a readonly named "taken" is registered already');
  assert.throws(() => charm.registerReadonly('late', () => 1, () => {}), 'charm.registerReadonly(late): register readonlies at module load, before charm.start, on every PE');
});

test("a readonly has PE 0's value on every PE", async () => {
  assert.equal(await charm.createGroup(Readonlies).ret.taken(), new Array(charm.numPes()).fill('PE 0 value'));
});

test('a checkpoint asked for while the job is busy is taken once it is quiet; the next is a new generation; reductions go on', async () => {
  const dir = scratch('busy');
  const workers = charm.createArray(Worker, [2 * charm.numPes()]);
  workers.busy(200);
  const first = await checkpoint(dir);
  assert.equal([first.restarted, first.generation, first.pes], [false, 1, charm.numPes()]);
  const sum = charm.createFuture<number>();
  workers.sum(sum);
  assert.is(await sum, 2 * charm.numPes() * 201, 'every message of the busy phase ran before the checkpoint, none after');
  const second = await checkpoint(dir);
  assert.is(second.generation, 2);
  assert.equal(fs.readdirSync(dir).filter((f) => f.includes('.g000001.')), [], 'the first generation is gone');
  assert.is(fs.readdirSync(dir).length, charm.numPes() + 1);
});

test('a second checkpoint while one is under way is refused: at the call on PE 0, through its callback from another PE; the first completes', async () => {
  const dir = scratch('twice');
  const refusal = `charm.startCheckpoint(${dir}): the checkpoint to ${dir} is under way; start the next one from its callback`;
  const first = checkpoint(dir);
  assert.throws(() => charm.startCheckpoint(dir, charm.createFuture<CheckpointStatus>()), (e: Error) => e.message === refusal);
  // From the last PE (PE 0 itself at np 1, where the call throws there).
  const last = charm.numPes() - 1;
  const asker = charm.createArray(Worker, [charm.numPes()]).at([last]);
  const fromThere = charm.createFuture<CheckpointStatus>();
  try {
    await asker.ret.askCheckpoint(dir, fromThere);
    await fromThere;
    assert.unreachable('the second checkpoint was accepted');
  } catch (error) {
    assert.match((error as Error).message, refusal);
  }
  assert.is((await first).generation, 1);
});

test('a call waiting on a when condition is saved; one whose caller awaits its result cannot be: the checkpoint fails naming the call', async () => {
  const workers = charm.createArray(Worker, [1]);
  workers.at([0]).guarded();
  assert.is((await checkpoint(scratch('waiting'))).generation, 1, 'a call nobody awaits is data');
  const awaited = workers.at([0]).ret.guarded();
  try {
    await checkpoint(scratch('waiting'));
    assert.unreachable('the checkpoint was taken');
  } catch (error) {
    assert.match((error as Error).message, /\n {2}Worker\[0\]'s call to guarded waiting on its when condition on PE 0 has a caller awaiting its result \(a future\), which a checkpoint cannot save/);
    assert.not.match((error as Error).message, /is a future:/, 'said once, as the call');
  }
  assert.is(readManifest(scratch('waiting')).generation, 1, 'the previous checkpoint stays');
  await workers.at([0]).awaitable.release();
  await awaited;
});

test('a reduction half done when the job goes quiet fails the checkpoint at once, naming it; the reduction completes afterwards', async () => {
  const workers = charm.createArray(Worker, [2]);
  const sum = charm.createFuture<number>();
  workers.at([0]).sum(sum);
  try {
    await checkpoint(scratch('half/inner'));
    assert.unreachable('the checkpoint was taken');
  } catch (error) {
    const message = (error as Error).message;
    assert.match(message, /\n {2}reduction 0 of Worker \(array \d+\): some members have contributed, others not\n/);
    assert.match(message, /the job went quiet with the reductions above half done \(members that have not contributed wait to be told\)/);
  }
  // Its files are dropped, and the directories it made for itself (an empty one was left behind).
  assert.not.ok(fs.existsSync(scratch('half')), 'the directories the checkpoint made are removed');
  workers.at([1]).sum(sum);
  assert.is(await sum, 0);
});

test('a section reduction half done when the job goes quiet fails the checkpoint at once, naming the section; the reduction completes afterwards', async () => {
  const workers = charm.createArray(Worker, [3]);
  const section = charm.createSection(workers, [[2], [0]]);
  const sum = charm.createFuture<number>();
  workers.at([2]).sumOver(section, sum);
  try {
    await checkpoint(scratch('halfSection'));
    assert.unreachable('the checkpoint was taken');
  } catch (error) {
    assert.match((error as Error).message, /a reduction over section \d+ has contributions waiting to be combined on PE \d+: ask for a checkpoint where no reduction is under way/);
  }
  assert.not.ok(fs.existsSync(scratch('halfSection/manifest.json')));
  workers.at([0]).sumOver(section, sum);
  assert.is(await sum, 0);
});

test.after(() => {
  if (scratchDir) fs.rmSync(scratchDir, { recursive: true, force: true });
});

runTests();
