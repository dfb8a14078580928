// Console output that tells the truth (test/output.test.ts):
//   busy FILE   PE 0 runs one long entry method until FILE exists; PE 1
//               prints a line meanwhile (the test creates FILE when it sees it)
//   lastWords   PE 1 prints 500 lines and half a line, then its entry method
//               throws: the job fails, every line arrives
//   partial     every PE writes dots with process.stdout.write while the
//               others print whole lines: no dot is glued to another PE's line
//   colour      console.log of an object and a number (escape codes or not)
//   computing   the last PE computes for 3 s in one entry method that main awaits, then exit
//   forgetExit  main returns and nobody calls charm.exit(): the job idles
//   stuck       main awaits a future nothing sends: the job idles
//   missing     main awaits a reduction that Worker[3] of 6 skipped: the job idles
//   suspended   main awaits a broadcast that Waiter[1] never finishes (Waiter[1].quick runs and ends meanwhile): the job idles
//   skipped     main returns (as a main chare's set-up does) after starting a reduction Worker[3] skips
//   absent      main awaits a call to [5, 5] of a sparse array where only [0, 0] was inserted
//   channel     main awaits a broadcast whose two elements each await recv on their channel to the other, which nobody sends on
//   atsync      main awaits the end of a load-balancing step that Balanced[3] of 4 never calls AtSync for
import * as fs from 'fs';
import { inspect } from 'util';
import { charm, Channel, Chare, Reducer, type Future } from '../../lib';

class Talker extends Chare {
  spinUntil(file: string): string {
    const deadline = Date.now() + 60_000;
    while (!fs.existsSync(file)) {
      if (Date.now() > deadline) return 'PE 0 gave up: the line of PE 1 never arrived while it was busy';
    }
    return 'PE 0 saw the line while busy';
  }

  /** Computes for `ms` in one entry method (no message meanwhile). */
  compute(ms: number): number {
    const end = Date.now() + ms;
    let n = 0;
    while (Date.now() < end) n++;
    return n;
  }

  whoAmI(): string {
    return inspect(this);
  }

  hello(): void {
    console.log(`hello from PE ${charm.myPe()} while PE 0 is busy`);
  }

  lastWords(): void {
    for (let i = 0; i < 500; i++) console.log(`last-words ${i} ${'w'.repeat(80)}`);
    process.stdout.write('half a line before the failure');
    throw new Error('the failure after the last words');
  }

  dots(n: number): void {
    for (let i = 0; i < n; i++) {
      if (charm.myPe() % 2 === 0) process.stdout.write('.');
      else console.log(`line ${i} of PE ${charm.myPe()}`);
    }
    process.stdout.write(charm.myPe() % 2 === 0 ? `dots of PE ${charm.myPe()}\n` : '');
  }
}
charm.register(Talker);

class Worker extends Chare<[number]> {
  /** Contributes to a sum, except element `skip`. */
  add(round: number, skip: number, done: Future<number>): void {
    if (this.thisIndex[0] !== skip) this.contribute(round, Reducer.sum, done);
  }
}
charm.register(Worker);

class Worker2D extends Chare<[number, number]> {
  hello(): void {}
}
charm.register(Worker2D);

class Waiter extends Chare<[number]> {
  /** Element 1 awaits a future that nothing sends. */
  async stall(): Promise<void> {
    if (this.thisIndex[0] === 1) await charm.createFuture<number>();
  }

  /** Suspends once and finishes: run while stall waits, it is not the method the hint names. */
  async quick(): Promise<void> {
    await Promise.resolve();
  }
}
charm.register(Waiter);

class Pair extends Chare<[number]> {
  /** Each end receives first: a deadlock, both suspended on their channel. */
  async exchange(): Promise<void> {
    const channel = new Channel(this, this.thisProxy[1 - this.thisIndex[0]]);
    await channel.recv();
    channel.send(this.thisIndex[0]);
  }
}
charm.register(Pair);

class Balanced extends Chare<[number]> {
  private done: Future<void> | undefined;
  /** Every element but 3 calls AtSync: the step never starts. */
  work(done: Future<void>): void {
    this.done = done;
    if (this.thisIndex[0] !== 3) this.AtSync();
  }
  override resumeFromSync(): void {
    if (this.thisIndex[0] === 0) this.done?.send();
  }
}
charm.register(Balanced);

charm.start(async (args) => {
  const g = charm.createGroup(Talker);
  switch (args[0]) {
    case 'computing': // PE 1 computes for 3 s in one entry method while main awaits it; then exit
      console.log(`computed ${(await g[charm.numPes() - 1].ret.compute(3000)) > 0}`);
      charm.exit();
      break;
    case 'busy': {
      const verdict = g[0].ret.spinUntil(args[1]);
      g[1].hello();
      console.log(await verdict);
      break;
    }
    case 'lastWords':
      g[1].lastWords();
      await new Promise(() => {}); // the failure ends the job
      break;
    case 'partial':
      await g.awaitable.dots(200);
      break;
    case 'colour':
      console.log({ answer: 42 }, 7);
      console.log('printed:', g, g[1], g.ret, charm.createFuture(), await g[1].ret.whoAmI());
      await g.awaitable.hello();
      break;
    case 'stuck': // main awaits a future that nothing sends
      await g.awaitable.hello();
      await charm.createFuture<number>();
      return;
    case 'missing': {
      const workers = charm.createArray(Worker, [6]);
      const first = charm.createFuture<number>();
      workers.add(1, -1, first);
      await first;
      const second = charm.createFuture<number>();
      workers.add(2, 3, second);
      await second;
      return;
    }
    case 'skipped':
      charm.createArray(Worker, [6]).add(1, 3, charm.createFuture<number>());
      return;
    case 'suspended': {
      const waiters = charm.createArray(Waiter, [3]);
      const stalled = waiters.awaitable.stall();
      await waiters.awaitable.quick(); // after stall on each element (broadcasts keep their order)
      await stalled;
      return;
    }
    case 'absent': {
      const sparse = charm.createArray(Worker2D, { ndims: 2 });
      sparse.ckInsert([0, 0]);
      sparse.ckDoneInserting();
      await sparse.at([0, 0]).awaitable.hello();
      await sparse.at([5, 5]).awaitable.hello(); // never inserted: held at its home
      return;
    }
    case 'channel':
      await charm.createArray(Pair, [2]).awaitable.exchange();
      return;
    case 'atsync': {
      const done = charm.createFuture<void>();
      charm.createArray(Balanced, [4], [], { loadBalancing: true }).work(done);
      await done;
      return;
    }
    case 'forgetExit':
      await g.awaitable.hello();
      return;
  }
  charm.exit(0);
});
