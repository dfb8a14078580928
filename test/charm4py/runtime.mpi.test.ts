// np: 1 2 3 4 5 8
// Charm4py's tests/charm_remote.py and tests/topo, ported: the runtime as a
// group (remote exec and eval), the host layout, and the spanning trees
// over all PEs or a list of PEs, at PE counts that make uneven trees.
import * as assert from 'uvu/assert';
import { port, runPorts, range } from './port';
import { charm, Chare, Reducer, type Future } from '../../lib';

// ---------------------------------------------------------------- charm_remote.py

class RemoteTest extends Chare {
  constructor(done: Future<void>) {
    super();
    this.contribute(undefined, Reducer.nop, done); // the original's target exits
  }
}
charm.register(RemoteTest);

class RemoteController extends Chare {
  async start(done: Future<void>): Promise<void> {
    for (let i = 0; i < charm.numPes(); i++) assert.is(await charm.thisProxy[i].ret.myPe(), i);
    let pe = charm.myPe() - 1;
    if (pe === -1) pe = 0;
    await charm.thisProxy[pe].awaitable.exec('globalThis.MY_GLOBAL = 7262');
    assert.is(await charm.thisProxy[pe].ret.eval('MY_GLOBAL'), 7262);
    charm.createGroup(RemoteTest, [done]);
  }
}
charm.register(RemoteController);

port('charm_remote.py', async () => {
  const pes = charm.numPes() > 1 ? range(1, charm.numPes()) : [0];
  const done = charm.createFuture();
  charm.createChare(RemoteController, [], { onPE: pes[Math.floor(Math.random() * pes.length)] }).start(done);
  await done;
});

// ---------------------------------------------------------------- topo/phynode_API.py

port('topo/phynode_API.py', () => {
  const myhost = charm.myHost();
  assert.ok(myhost >= 0 && myhost < charm.numHosts());
  const allpes = new Set<number>();
  const rank0pes = new Set<number>();
  let totalpes = 0;
  for (let host = 0; host < charm.numHosts(); host++) {
    const pes = charm.getHostPes(host);
    assert.is(charm.getHostNumPes(host), pes.length);
    assert.is(pes.filter((pe) => allpes.has(pe)).length, 0);
    for (const pe of pes) allpes.add(pe);
    pes.forEach((pe, i) => {
      assert.is(charm.getPeHost(pe), host);
      assert.is(charm.getPeHostRank(pe), i);
    });
    const rank0 = charm.getHostFirstPe(host);
    assert.is(rank0, pes[0]);
    assert.ok(rank0 >= 0 && rank0 < charm.numPes());
    assert.not.ok(rank0pes.has(rank0));
    rank0pes.add(rank0);
    totalpes += charm.getHostNumPes(host);
  }
  assert.equal([...allpes].sort((a, b) => a - b), range(charm.numPes()));
  assert.is(totalpes, charm.numPes());
});

// ---------------------------------------------------------------- topo/topo_treeAPI.py

port('topo/topo_treeAPI.py', () => {
  let allPesCheck: number[] = [];
  let evenPesCheck: number[] = [];
  const printWholeTree = (root: number, current: number): void => {
    allPesCheck.push(current);
    const { children } = charm.getTopoTreeEdges(current, root, undefined, 2);
    console.log(current, 'children=', children);
    for (const c of children) printWholeTree(root, c);
  };
  const printEvenNbTree = (pes: number[], current: number): void => {
    evenPesCheck.push(current);
    const { children } = charm.getTopoTreeEdges(current, pes[0], pes, 2);
    console.log(current, 'children=', children);
    for (const c of children) printEvenNbTree(pes, c);
  };
  const sameSet = (a: number[], b: number[]): boolean => a.length === b.length && new Set(a).size === b.length && b.every((x) => a.includes(x));

  console.log('\nWhole topo tree rooted at PE 0');
  printWholeTree(0, 0);
  assert.ok(sameSet(allPesCheck, range(charm.numPes())));
  allPesCheck = [];

  const lastPE = charm.numPes() - 1;
  if (lastPE !== 0) {
    console.log('\nWhole topo tree rooted at', lastPE);
    printWholeTree(lastPE, lastPE);
    assert.ok(sameSet(allPesCheck, range(charm.numPes())));
    allPesCheck = [];
  }

  console.log('\nEven numbered PE tree, rooted at PE 0');
  const evenPEs = range(charm.numPes()).filter((pe) => pe % 2 === 0);
  printEvenNbTree(evenPEs, 0);
  assert.ok(sameSet(evenPesCheck, evenPEs));
  evenPesCheck = [];

  const newRoot = evenPEs[evenPEs.length - 1];
  if (newRoot !== 0) {
    evenPEs.unshift(evenPEs.pop()!); // move root from back to beginning of list
    console.log('\nEven numbered PE tree, rooted at PE', newRoot);
    printEvenNbTree(evenPEs, newRoot);
    assert.ok(sameSet(evenPesCheck, evenPEs));
    evenPesCheck = [];
  }
});

// ---------------------------------------------------------------- topo/topo_treeAPI2.py

port('topo/topo_treeAPI2.py', () => {
  const exploreTree = (root: number, pes: number[], foundPes: Set<number>): void => {
    const subtrees = charm.getTopoSubtrees(root, pes, 2);
    for (const subtree of subtrees) {
      // make sure list of PEs doesn't have duplicates
      assert.is(new Set(subtree).size, subtree.length);
      // make sure these PEs didn't appear in any other subtree
      assert.is(subtree.filter((pe) => foundPes.has(pe)).length, 0);
      foundPes.add(subtree[0]);
      exploreTree(subtree[0], subtree, foundPes);
    }
  };
  const pes = range(charm.numPes());
  const foundPes = new Set([0]);
  exploreTree(0, pes, foundPes);
  assert.equal([...foundPes].sort((a, b) => a - b), pes);
});

runPorts({ remoteCode: true });
