// np: 1 2 3 4
// Charm4py's tests/migration, ported: elements migrating themselves,
// load balancing with GreedyRefineLB keeping each element's state, and
// elements that declare themselves not migratable under RandCentLB.
import * as assert from 'uvu/assert';
import { port, runPorts } from './port';
import { charm, Chare, Reducer, type Future } from '../../lib';

// ---------------------------------------------------------------- chare_migration.py

const CHARES_PER_PE = 1;

class Migrate extends Chare<readonly number[]> {
  toPe = -1;
  constructor(private readonly done: Future<void>) {
    super();
  }
  /** Called after migration (Charm4py's `migrated()`): the element has moved. */
  override onMigrated(): void {
    if (this.thisIndex[0] === 0) console.log(JSON.stringify(this.thisIndex), 'migrated to PE', charm.myPe());
    assert.is(charm.myPe(), this.toPe);
    this.contribute(undefined, Reducer.nop, this.done); // the original's target exits
  }
  start(): void {
    if (charm.myPe() === 0) console.log(JSON.stringify(this.thisIndex), 'on PE', charm.myPe(), 'before migration');
    this.toPe = (charm.myPe() + 1) % charm.numPes();
    this.thisElement.ckMigrate(this.toPe); // thisProxy[thisIndex].migrate(toPe): the element proxy moves it
  }
}
charm.register(Migrate);

port(
  'migration/chare_migration.py',
  async () => {
    const done = charm.createFuture();
    charm.createArray(Migrate, CHARES_PER_PE * charm.numPes(), [done]).start();
    await done;
  },
  { minPes: 2 },
);

// ---------------------------------------------------------------- test_migrate.py

const MAX_ITER = 100;
const migrateGlobals = globalThis as unknown as { allCreated: boolean; arrayElemHomeMap: number[] };
migrateGlobals.allCreated = false;

class MigrateTest extends Chare<readonly number[]> {
  iteration = 0;
  readonly originalPe = charm.myPe();
  readonly data = BigInt64Array.from({ length: 100 }, (_, i) => BigInt(i * (charm.myPe() + 1))); // numpy int64
  constructor(homePesFuture: Future<number[]>, private readonly done: Future<void>) {
    super();
    assert.not.ok(migrateGlobals.allCreated); // the constructor runs at creation only, not at migration
    // notify main that array elements are created, with the home PE of every element
    this.contribute(charm.myPe(), Reducer.gather, homePesFuture);
  }
  start(): void {
    if (this.thisIndex[0] === 0 && this.iteration % 20 === 0) console.log('Iteration ' + this.iteration);
    this.check();
    const A = Float64Array.from({ length: 1000 }, (_, i) => i);
    const work = 1000 * Math.round(Math.log(charm.myPe() + 1) + 1); // elements in higher PEs do more work
    for (let i = 0; i < work; i++) for (let j = 0; j < A.length; j++) A[j] += 1.33;
    this.iteration += 1;
    if (this.iteration === MAX_ITER) this.contribute(undefined, Reducer.nop, this.done);
    else if (this.iteration % 20 === 0) this.AtSync();
    else this.thisElement.start(); // thisProxy[thisIndex]
  }
  override resumeFromSync(): void {
    this.start();
  }
  /** That my attributes haven't changed as a result of migrating. */
  check(): void {
    assert.is(this.originalPe, migrateGlobals.arrayElemHomeMap[this.thisIndex[0]]);
    const v = BigInt64Array.from({ length: 100 }, (_, i) => BigInt(i * (this.originalPe + 1)));
    assert.equal([...this.data], [...v]);
  }
}
charm.register(MigrateTest);

port('migration/test_migrate.py', async () => {
  const homePes = charm.createFuture<number[]>();
  const done = charm.createFuture();
  // `+balancer GreedyRefineLB +LBDebug 1` on the original's command line (the debug output has no counterpart)
  const array = charm.createArray(MigrateTest, charm.numPes() * 4, [homePes, done], { loadBalancing: 'GreedyRefineLB' });
  await charm.thisProxy.awaitable.updateGlobals({ allCreated: true, arrayElemHomeMap: await homePes });
  array.start();
  await done; // the original's last contribution exits
});

// ---------------------------------------------------------------- test_nonmigratables.py

const NONMIG_ITER = 100;

class NonMigratable extends Chare<readonly number[]> {
  iteration = 0;
  readonly originalPe = charm.myPe();
  /** Charm4py's setMigratable(False) sets this; the balancer never moves an element with `migratable = false`. */
  override migratable = true;
  hasMigrated = false;
  prevPe = -1;
  constructor(private readonly done: Future<void>) {
    super();
    if (this.thisIndex[0] % 2 === 0) this.migratable = false;
  }
  start(): void {
    this.hasMigrated = false;
    this.iteration += 1;
    if (this.iteration === NONMIG_ITER) {
      this.contribute(undefined, Reducer.nop, this.done);
    } else {
      this.prevPe = charm.myPe();
      this.AtSync();
    }
  }
  override resumeFromSync(): void {
    assert.is(this.migratable, this.thisIndex[0] % 2 !== 0);
    if (!this.migratable) assert.is(charm.myPe(), this.originalPe);
    assert.is(this.hasMigrated, this.prevPe !== charm.myPe());
    this.thisElement.start();
  }
  override onMigrated(): void {
    this.hasMigrated = true;
  }
}
charm.register(NonMigratable);

port('migration/test_nonmigratables.py', async () => {
  const done = charm.createFuture();
  // sys.argv += ['+balancer', 'RandCentLB']
  const array = charm.createArray(NonMigratable, charm.numPes() * 8, [done], { loadBalancing: 'RandCentLB' });
  array.start();
  await done;
});

runPorts({ remoteCode: true });
