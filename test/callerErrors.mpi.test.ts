// np: 1 2 4
// The error table's rows (docs/errors.md) for errors a caller gets that no
// other test reached: each bad call is refused with the text the table
// gives, where it is made. One test per area. A call refused inside an
// entry method (migrate, contribute, allReduce, a Channel sent) and a
// checkpoint that fails reach the test through their futures.
import * as assert from 'uvu/assert';
import { test, runTests } from './helpers/mpiTest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { charm, Channel, Chare, Reducer } from '../lib';

class Plain extends Chare {
  m(): void {}
  /** Tries to migrate: refused outside chare arrays. */
  moveAway(): void {
    this.migrate(0);
  }
  /** Contributes to a sum: refused for a singleton. */
  give(): void {
    this.contribute(1, Reducer.sum, charm.createFuture());
  }
}
class Other extends Chare {
  m(): void {}
  onlyHere(): void {}
}
class Rest extends Chare {
  /** Takes any number of arguments (no count to check them against). */
  many(...xs: number[]): number {
    return xs.length;
  }
}
/** A program's mistake: a map placing every index on a PE the job does not have. */
function beyondThePes(_index: readonly number[], numPes: number): number {
  return numPes + 2;
}
charm.registerMap(beyondThePes);
class Cell extends Chare<[number]> {
  /** Migrates to `pe`, a PE the job may not have. */
  moveTo(pe: number): void {
    this.migrate(pe);
  }
  /** Opens a channel to the other element of two and sends it in a call: refused, a channel travels only in its chare's state. */
  sendChannel(): void {
    const other = this.thisProxy.at([1 - this.thisIndex[0]]);
    const channel = new Channel(this, other);
    other.moveTo(channel as never);
  }
  /** An allReduce whose third argument is not a section. */
  async badAllReduce(): Promise<number> {
    return this.allReduce(1, Reducer.sum, 5 as never);
  }
}
charm.register(Plain, Other, Cell, Rest);

/** The message of what `call` throws, or of the promise it returns rejecting; '' when it neither throws nor rejects. */
async function refusal(call: () => unknown): Promise<string> {
  try {
    await call();
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  return '';
}

test('the runtime, timers and QD: start twice, a bad QD callback, bad timer arguments', async () => {
  assert.is(await refusal(() => charm.start(() => undefined)), 'charm.start: the runtime is already started');
  assert.is(await refusal(() => charm.startQD(42 as never)), "charm.startQD: callback must be a Future, a callback from charm.callback(proxy, 'method') or a function");
  assert.match(await refusal(() => charm.scheduleAfter(() => undefined, -1)), /^charm\.scheduleAfter: seconds must be a non-negative number, got -1/);
  assert.match(await refusal(() => charm.scheduleAfter(() => undefined, 1, 'x' as never)), /^charm\.scheduleAfter: args must be an array/);
  assert.match(await refusal(() => charm.scheduleAfter(42 as never, 1)), /^charm\.scheduleAfter: target must be a callback from charm\.callback\(proxy, 'method'\), a Future or a function/);
});

test('topology: a host or PE out of range, bad tree arguments', async () => {
  const pes = charm.numPes();
  const all = Array.from({ length: pes }, (_, p) => p);
  assert.match(await refusal(() => charm.getHostPes(99)), /^charm\.getHostPes: host 99 is out of range \(0\.\.0\)/);
  assert.match(await refusal(() => charm.getPeHost(pes + 3)), new RegExp(`^charm\\.getPeHost: PE ${pes + 3} is out of range \\(0\\.\\.${pes - 1}\\)`));
  // The list where the root goes (the pes argument one place early) is named as what it is, not as a PE out of range.
  assert.is(await refusal(() => charm.getTopoTreeEdges(0, [0, 1] as never)), 'charm.getTopoTreeEdges: root must be a PE number, got an array ([0,1])');
  assert.is(await refusal(() => charm.getTopoTreeEdges(0, 0, ['0'] as never)), 'charm.getTopoTreeEdges: each of pes must be a PE number, got string 0');
  assert.is(await refusal(() => charm.getTopoTreeEdges(0, 0, [0, 0])), 'charm.getTopoTreeEdges: pes lists a PE twice');
  assert.match(await refusal(() => charm.getTopoTreeEdges(0, 0, all, 0)), /^charm\.getTopoTreeEdges: bfactor must be a positive integer/);
  if (pes > 1) {
    assert.is(await refusal(() => charm.getTopoTreeEdges(0, 0, [1, 0])), 'charm.getTopoTreeEdges: the root (PE 0) must be the first of pes, not PE 1');
    assert.is(await refusal(() => charm.getTopoTreeEdges(0, 1, [1])), 'charm.getTopoTreeEdges: PE 0 is not one of pes');
  }
});

test('registration: a nameless class, a serializable that is not a class or has pack without unpack, a bad readonly', async () => {
  const nameless = (() => class extends Chare {})();
  assert.is(await refusal(() => charm.register(nameless)), 'charm.register: a chare class needs a name; pass { name }');
  assert.is(await refusal(() => charm.registerSerializable(42 as never)), 'charm.registerSerializable: expected a class, got number');
  class Half {}
  assert.is(await refusal(() => charm.registerSerializable(Half, { pack: () => ({}) } as never)), 'charm.registerSerializable(Half): give both pack and unpack, or neither');
  assert.match(await refusal(() => charm.registerReadonly(42 as never, () => 1, () => undefined)), /^charm\.registerReadonly: name must be a non-empty string, got number/);
});

test('groups: onPEs empty or out of range, a member on a PE outside onPEs', async () => {
  const pes = charm.numPes();
  assert.is(await refusal(() => charm.createGroup(Plain, [], { onPEs: [] })), 'charm.createGroup(Plain): onPEs must be a non-empty array of PEs');
  assert.match(await refusal(() => charm.createGroup(Plain, [], { onPEs: [pes + 1] })), new RegExp(`^charm\\.createGroup\\(Plain\\): PE ${pes + 1} in onPEs is out of range \\(0\\.\\.${pes - 1}\\)`));
  if (pes > 1) {
    const some = charm.createGroup(Plain, [], { onPEs: [0] });
    assert.is(await refusal(() => some[pes - 1]), `charmts: group of Plain has members on PEs 0 only; PE ${pes - 1} has none`);
  }
});

test('calls: more than 255 arguments to a method that takes any number', async () => {
  const member = charm.createGroup(Rest)[0];
  assert.is(await member.ret.many(...new Array<number>(255).fill(1)), 255);
  assert.match(await refusal(() => member.many(...new Array<number>(256).fill(1))), /arguments: more than 255 arguments/);
});

test('arrays: a map that places an index outside the PEs', async () => {
  const pes = charm.numPes();
  assert.is(await refusal(() => charm.createArray(Cell, [3], [], { map: beyondThePes })), `charmts: array map "beyondThePes" placed Cell[0] on PE ${pes + 2}, outside 0..${pes - 1}`);
});

test('arrays: a map function that is not registered', async () => {
  function unregisteredMap(): number {
    return 0;
  }
  assert.match(await refusal(() => charm.createArray(Cell, [4], [], { map: unregisteredMap })), /^charm\.createArray: map function unregisteredMap is not registered; call charm\.registerMap\(unregisteredMap\)/);
});

test('combined sections: nothing to combine, something not a collection, a method one of the classes lacks', async () => {
  assert.is(await refusal(() => charm.combine()), 'charm.combine: give at least one collection or section');
  assert.is(await refusal(() => charm.combine(charm.createGroup(Plain), 42 as never)), 'charm.combine: argument 1 is not the proxy of a group, an array or a section');
  // Methods are numbered by the first collection's class; Plain, the second's, lacks this one.
  // TypeScript refuses the combination of two classes; untyped code reaches the runtime's check.
  const both = charm.combine(charm.createGroup(Other), charm.createGroup(Plain) as never);
  assert.is(await refusal(() => both.onlyHere()), 'section call: chare class Plain (a collection of the section) has no entry method "onlyHere"');
});

test('checkpoints and the live view: a bad directory or callback, a directory that cannot be made, the live view off', async () => {
  assert.is(await refusal(() => charm.startCheckpoint(42 as never, charm.createFuture())), 'charm.startCheckpoint: dir must be a directory path (a non-empty string), got number');
  assert.match(await refusal(() => charm.startCheckpoint('ckpt-never-written', 42 as never)), /^charm\.startCheckpoint\(ckpt-never-written\): callback must be charm\.callback\(proxy, 'method'\) or a Future/);
  assert.match(await refusal(() => charm.liveViewUrl()), /^charm\.liveViewUrl: the live view is off; start the job with \+liveview PORT/);
  // A directory that cannot be created (its parent is a file) fails the checkpoint's future, naming it.
  const file = path.join(os.tmpdir(), `charmts-callerErrors-${process.pid}`);
  fs.writeFileSync(file, '');
  try {
    const status = charm.createFuture();
    charm.startCheckpoint(path.join(file, 'ckpt'), status);
    assert.match(await refusal(() => status), new RegExp(`PE 0 cannot create the directory ${file}/ckpt: `));
  } finally {
    fs.rmSync(file);
  }
});

test('inside chares: only array elements migrate, and to a PE the job has; a singleton does not contribute; allReduce takes a section third; a Channel is not sent', async () => {
  const last = charm.numPes() - 1;
  const group = charm.createGroup(Plain);
  assert.match(await refusal(() => group[last].ret.moveAway()), new RegExp(`Plain\\[${last}\\]\\.migrate: only chare-array elements can migrate`));
  const single = charm.createChare(Plain, [], { onPE: last });
  assert.match(await refusal(() => single.ret.moveAway()), /Plain\[0\]\.migrate: only chare-array elements can migrate/);
  assert.match(await refusal(() => single.ret.give()), /Plain\[0\]\.contribute: a singleton chare cannot contribute to reductions; use a group or an array/);
  const arr = charm.createArray(Cell, [2]);
  assert.match(await refusal(() => arr.at([1]).ret.badAllReduce()), /Cell\[1\]\.allReduce: the third argument must be a section/);
  assert.match(await refusal(() => arr.at([1]).ret.moveTo(charm.numPes() + 5)), new RegExp(`Cell\\[1\\]\\.migrate: PE ${charm.numPes() + 5} is out of range`));
  assert.match(await refusal(() => arr.at([0]).ret.sendChannel()), /channel Cell\[0\] <-> Cell\[1\] port 0: a Channel cannot be sent; it travels only inside its own chare's state when that chare migrates/);
});

runTests();
