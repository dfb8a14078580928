// A newcomer's checkpoint in Charm4py's style: main drives the iterations
// (awaiting each reduction) and checkpoints with an entry method as the
// callback. A restart cannot resume main, so that checkpoint leads to a job
// that restarts and then waits for ever.
//   charmrun +p2 dist/test/programs/mainLoop.js +checkpoint-dir DIR +restarts 1
//       prints the refusal of a future as callback (at the call), then the
//       checkpoint fails, naming main: the job ends with exit 1
//   mpirun -np 2 node dist/test/programs/mainLoop.js +checkpoint-dir DIR
//       the checkpoint is taken; prints "final N" and exits
//   mpirun -np 2 node dist/test/programs/mainLoop.js +restart DIR
//       (with CHARMTS_IDLE_HINT, CHARMTS_IDLE_ABORT) says main is not
//       resumed, then the idle hint names the restart
import { charm, Chare, Reducer, type ArrayProxy, type CheckpointStatus, type Future } from '../../lib';

class Worker extends Chare<[number]> {
  value = this.thisIndex[0];
  work(step: number, done: Future<number>): void {
    this.value += step;
    this.contribute(this.value, Reducer.sum, done);
  }
}

/** The checkpoint's callback has run (Driver is on PE 0, with main). */
let called = false;

class Driver extends Chare {
  checkpointed(status: CheckpointStatus): void {
    called = true;
    console.log(`checkpointed: restarted ${status.restarted}`);
  }
}
charm.register(Worker, Driver);

charm.start(async () => {
  const workers: ArrayProxy<Worker> = charm.createArray(Worker, 4);
  const driver = charm.createChare(Driver, [], { onPE: 0 });
  const dir = charm.checkpointDir()!;
  try {
    const written = charm.createFuture<CheckpointStatus>();
    charm.startCheckpoint(dir, written);
    console.log(`a future as callback: accepted, generation ${(await written).generation}`);
  } catch (error) {
    console.log(`a future as callback: ${(error as Error).message}`);
  }
  let sum = 0;
  for (let step = 1; step <= 4; step++) {
    const done = charm.createFuture<number>();
    workers.work(step, done);
    sum = await done;
    if (step === 2) charm.startCheckpoint(dir, charm.callback(driver, 'checkpointed'));
  }
  // The checkpoint waits for quiescence too: one wait can end before it is written.
  while (!called) await charm.waitQD();
  console.log(`final ${sum}`);
  charm.exit();
});
