// Errors nobody catches end the job with a non-zero exit code, and so
// does a PE that fails to take part in the end of the job.
//   mpirun -np 2 node dist/test/programs/errors.js <mode>
//   send: an entry method called fire-and-forget throws on PE 1
//   ret:  a `.ret` call whose future is never awaited throws on PE 1
//   main: main (PE 0) throws after an await
//   ctor: the constructor of a group member throws on the last PE
//   ctor-call: an array element's constructor makes a `.ret` call that fails, and nobody awaits it
//   ret-held: main keeps the future of a `.ret` call that fails and calls charm.exit without awaiting it
//   caught-then-exit: main awaits a `.ret` call that failed a while ago, catches its error and calls charm.exit at once
//   orphan: an entry method on the last PE makes a promise that a timer rejects later; nobody handles it
//   orphan-after-await: an async entry method on the last PE, after an await, starts an async helper that fails; nobody awaits it
//   late: an async entry method called fire-and-forget throws after an await on the last PE
//   main-orphan: main makes a promise that a timer rejects; nobody handles it (no entry method made it)
//   process-exit: user code on PE 1 calls process.exit(3)
//   stuck-exit: the last PE is in an endless synchronous loop when main calls charm.exit
//   stuck-fatal: main (PE 0) throws while the last PE is in an endless synchronous loop
//   stuck-main: PE 1 calls charm.exit while PE 0 is in an endless synchronous loop
//   section-deleted: the last PE multicasts to a section fire-and-forget after PE 0 deleted the section's array
//   source-task: main awaits charm.pool.map of an unregistered function (sent as source text, compiled by eval on PE 1) that throws
//   stackless: an entry method called fire-and-forget throws, on PE 1, an error whose stack is null
//   section-member-deleted: main multicasts to a section fire-and-forget after deleting one of its members (on the last PE)
//   array-deleted: the last PE calls an element (on PE 0) fire-and-forget after PE 0 deleted its array
//   element-deleted: main calls an element fire-and-forget after deleting it (on the last PE)
//   timer-throws: a function main gave charm.scheduleAfter throws
//   oncreated-throws: an array element's async set-up (onCreated) throws after an await, on the last PE
//   unregistered-class: (np 2) main sends PE 1 an instance of a class registered on PE 0 only
//   unknown-reducer: (np 2) a group reduces with a custom reducer registered on PE 0 only
//   map-insert: PE 1 inserts into a sparse array whose map differs between PEs (PE 0's names PE 1, the others' PE 0)
//   map-update: (np 3) an element moves from PE 2 to PE 1 after PE 0's map changed (it names PE 1 as the element's home, the others PE 0)
import { charm, Chare, type ArrayProxy, type Future, type Section } from '../../lib';

// A short grace period for the PEs that do not answer an exit.
process.env.CHARMTS_EXIT_GRACE = '2';

class Exploder extends Chare {
  boom(): void {
    throw new Error('kaboom from boom');
  }
  failRet(): number {
    throw new RangeError('unawaited failure in failRet');
  }
  ok(): number {
    return 1;
  }
  orphan(): void {
    void new Promise((_, reject) => setTimeout(() => reject(new Error('orphan promise rejected')), 20));
  }
  async orphanAfterAwait(): Promise<void> {
    await charm.sleep(0.01);
    const helper = async (): Promise<void> => {
      await charm.sleep(0.01);
      throw new Error('helper failed after an await');
    };
    void helper();
  }
  async late(): Promise<void> {
    await charm.sleep(0.01);
    throw new Error('late failure after an await');
  }
  stackless(): void {
    const error = new TypeError('thrown without a stack');
    (error as { stack: unknown }).stack = null;
    throw error;
  }
  allowSourceTasks(): void {
    charm.pool.allowSourceTasks();
  }
}

class FragileCtor extends Chare {
  constructor() {
    super();
    if (charm.myPe() === charm.numPes() - 1) throw new Error('constructor failure in FragileCtor');
  }
  ping(): void {}
}
charm.register(Exploder);
charm.register(FragileCtor);

class Caller extends Chare<readonly number[]> {
  constructor(exploders: ReturnType<typeof charm.createGroup<typeof Exploder>>) {
    super();
    if (this.thisIndex[0] === 1) void exploders[0].ret.failRet(); // fails; nobody awaits it
  }
}
charm.register(Caller);

class Troublemaker extends Chare {
  leave(code: number): void {
    process.exit(code);
  }
  spin(): void {
    console.log(`spinning on PE ${charm.myPe()}`);
    for (;;) {
      // a PE that never comes back
    }
  }
  quit(): void {
    charm.exit(0);
  }
}
charm.register(Troublemaker);

class Member extends Chare<readonly number[]> {
  noop(): void {}
  moveTo(pe: number): void {
    this.migrate(pe);
  }
}
charm.register(Member);

class LateCaller extends Chare {
  /** Deaf for `ms` (the array's deletion waits in this PE's queue), then calls `section`, nobody awaiting. */
  callLater(section: Section<Member>, ms: number): void {
    const end = performance.now() + ms;
    while (performance.now() < end) {
      // deaf to messages
    }
    section.noop();
  }
  /** The same, calling element `index` of `arr`. */
  callElementLater(arr: ArrayProxy<Member>, index: number, ms: number): void {
    const end = performance.now() + ms;
    while (performance.now() < end) {
      // deaf to messages
    }
    arr.at([index]).noop();
  }
}
charm.register(LateCaller);

class BadSetUp extends Chare<[number]> {
  override async onCreated(): Promise<void> {
    await charm.sleep(0.01);
    if (charm.myPe() === charm.numPes() - 1) throw new Error(`set-up failed in ${this.thisIndex.join(',')}`);
  }
  noop(): void {}
}
charm.register(BadSetUp);

/** A program's mistake: registrations made on PE 0 only (every PE loads the program, so it takes a condition on the rank). */
const onlyOnPe0 = process.env.OMPI_COMM_WORLD_RANK === '0';
class Point {
  constructor(readonly x = 0) {}
}
if (onlyOnPe0) charm.registerSerializable(Point);
const half = onlyOnPe0 ? charm.registerReducer('halfSum', (a: number, b: number) => (a + b) / 2) : undefined;

class Receiver extends Chare {
  take(_p: unknown): void {}
  reduceWith(reducer: unknown, done: Future<number>): void {
    this.contribute(1, reducer as never, done);
  }
}
charm.register(Receiver);

/** A program's mistake: a map that differs between PEs. */
function notTheSame(_index: unknown, numPes: number): number {
  return charm.myPe() === 0 ? 1 % numPes : 0;
}
charm.registerMap(notTheSame);

class MapInserter extends Chare {
  insert(arr: ArrayProxy<Member>): void {
    arr.ckInsert([3]);
  }
  /** Moves element [3], here, to PE `pe` (a call on this PE: no home is asked). */
  move(arr: ArrayProxy<Member>, pe: number): void {
    arr.at([3]).moveTo(pe);
  }
  /** Answers once element [3] is here: after the location update its arrival sent to its home, on the same pair of PEs. */
  async arrived(arr: ArrayProxy<Member>): Promise<void> {
    while (!arr.at([3]).ckLocal()) await charm.sleep(0.001);
  }
}
charm.register(MapInserter);

/** A program's mistake: a map that changes on PE 0 only (once `changed`), so it differs between PEs from then on. */
let changed = false;
function changing(_index: unknown, numPes: number): number {
  return changed ? 1 % numPes : 0;
}
charm.registerMap(changing);

/** The end of a mode whose mistake must end the job first: if it has not within 3 s, says `what` went unnoticed ("… silently") and exits with 0. */
async function endsUnlessStopped(what: string): Promise<void> {
  await charm.sleep(3);
  console.log(`${what} silently`);
  charm.exit(0);
}

/** Futures main keeps (module state: still held when the exit runs, after main returned). */
const kept: unknown[] = [];

charm.start(async (args) => {
  const mode = args[0];
  console.log(`mode=${mode}`);
  switch (mode) {
    case 'send': {
      const g = charm.createGroup(Exploder);
      g[1].boom();
      break;
    }
    case 'ret': {
      const g = charm.createGroup(Exploder);
      g[1].ret.failRet(); // never awaited
      break;
    }
    case 'ret-held': {
      const g = charm.createGroup(Exploder);
      kept.push(g[1].ret.failRet()); // held until the end, never awaited
      await charm.sleep(1.5); // past several of the checks for dropped futures: this one is still held
      console.log(`still running, holding ${kept.length} failed future`);
      charm.exit(0);
      break;
    }
    case 'caught-then-exit': {
      const g = charm.createGroup(Exploder);
      const failed = g[charm.numPes() - 1].ret.failRet();
      await new Promise((resolve) => setTimeout(resolve, 200)); // it fails meanwhile: held
      await g[0].ret.ok(); // main resumes from a message (in the scheduler's loop)
      try {
        await failed;
      } catch (error) {
        console.log(`caught: ${(error as Error).message.split('\n')[0]}`);
      }
      charm.exit(0);
      break;
    }
    case 'main':
      await charm.sleep(0.05);
      throw new Error('main went wrong');
    case 'ctor': {
      const g = charm.createGroup(FragileCtor);
      g.ping();
      break;
    }
    case 'ctor-call': {
      const exploders = charm.createGroup(Exploder);
      charm.createArray(Caller, [2], [exploders]);
      break;
    }
    case 'orphan':
      charm.createGroup(Exploder)[charm.numPes() - 1].orphan();
      break;
    case 'orphan-after-await':
      charm.createGroup(Exploder)[charm.numPes() - 1].orphanAfterAwait();
      break;
    case 'late':
      charm.createGroup(Exploder)[charm.numPes() - 1].late();
      break;
    case 'main-orphan':
      void new Promise((_, reject) => setTimeout(() => reject(new Error('main promise rejected')), 20));
      break;
    case 'process-exit':
      charm.createGroup(Troublemaker)[1].leave(3);
      break;
    case 'stuck-exit': {
      const g = charm.createGroup(Troublemaker);
      g[charm.numPes() - 1].spin();
      await charm.sleep(0.2);
      charm.exit(0);
      break;
    }
    case 'stuck-fatal': {
      charm.createGroup(Troublemaker)[charm.numPes() - 1].spin();
      await charm.sleep(0.2);
      throw new Error('main went wrong');
    }
    case 'stuck-main': {
      charm.createGroup(Troublemaker)[1].quit();
      for (;;) {
        // PE 0 never comes back
      }
    }
    case 'source-task': {
      await charm.createGroup(Exploder).awaitable.allowSourceTasks();
      await charm.pool.map((x: number) => {
        if (x === 1) throw new Error('source task failed');
        return x;
      }, [0, 1]);
      break;
    }
    case 'stackless':
      charm.createGroup(Exploder)[1].stackless();
      break;
    case 'section-deleted': {
      const n = 2 * charm.numPes();
      const arr = charm.createArray(Member, [n]);
      const section = charm.createSection(arr, Array.from({ length: n }, (_, i) => [i]));
      await section.awaitable.noop(); // established on every PE
      charm.createChare(LateCaller, [], { onPE: charm.numPes() - 1 }).callLater(section, 500);
      await arr.ckDestroy();
      await endsUnlessStopped('the multicast was lost');
      break;
    }
    case 'section-member-deleted': {
      const n = 2 * charm.numPes();
      const arr = charm.createArray(Member, [n]);
      const section = charm.createSection(arr, Array.from({ length: n }, (_, i) => [i]));
      await section.awaitable.noop(); // established on every PE
      await arr.at([n - 1]).ckDestroy(); // member n - 1 lives on the last PE, whose branch hands the multicast on
      section.noop();
      await endsUnlessStopped('the multicast was lost');
      break;
    }
    case 'array-deleted': {
      const arr = charm.createArray(Member, [2 * charm.numPes()]);
      await arr.awaitable.noop(); // established on every PE
      charm.createChare(LateCaller, [], { onPE: charm.numPes() - 1 }).callElementLater(arr, 0, 500);
      await arr.ckDestroy();
      await endsUnlessStopped('the call was lost');
      break;
    }
    case 'element-deleted': {
      const n = 2 * charm.numPes();
      const arr = charm.createArray(Member, [n]);
      await arr.at([n - 1]).ckDestroy(); // element n - 1 lives on the last PE
      arr.at([n - 1]).noop();
      await endsUnlessStopped('the call was lost');
      break;
    }
    case 'timer-throws':
      charm.scheduleAfter(() => {
        throw new Error('kaboom from a timer');
      }, 0.05);
      await endsUnlessStopped('the failure was lost');
      break;
    case 'oncreated-throws':
      charm.createArray(BadSetUp, [2 * charm.numPes()]);
      await endsUnlessStopped('the failure was lost');
      break;
    case 'unregistered-class':
      charm.createGroup(Receiver)[1].take(new Point(1));
      await endsUnlessStopped('the message was taken');
      break;
    case 'unknown-reducer': {
      const done = charm.createFuture<number>();
      charm.createGroup(Receiver).reduceWith(half, done);
      await endsUnlessStopped('the reduction was combined');
      break;
    }
    case 'map-insert': {
      const arr = charm.createArray(Member, { ndims: 1 }, [], { map: notTheSame });
      // Its notice goes to PE 0 (PE 1's map), the insertion from PE 0 (the sequencer) to PE 1 (PE 0's map).
      await charm.createChare(MapInserter, [], { onPE: 1 }).awaitable.insert(arr);
      await arr.ckDoneInserting();
      console.log('inserted');
      charm.exit(0);
      break;
    }
    case 'map-update': {
      const arr = charm.createArray(Member, { ndims: 1 }, [], { map: changing });
      arr.ckInsert([3], [], { onPE: 2 });
      await arr.ckDoneInserting();
      changed = true; // main runs on PE 0
      const helpers = charm.createGroup(MapInserter);
      // Its arrival on PE 1 tells the home by PE 1's map (PE 0), whose map names PE 1.
      await helpers[2].ret.move(arr, 1);
      await helpers[1].ret.arrived(arr);
      console.log('moved');
      charm.exit(0);
      break;
    }
    default:
      console.log(`unknown mode ${String(mode)}`);
      charm.exit(99);
  }
  // nothing else ends the job: the error must
});
