// Sections beside the whole array, in one run: an array of two elements
// per PE and the section of its even elements (half of them, one per PE
// with the block map); a multicast whose completion main awaits and an
// allreduce of one number (8 B) per member, over the section and over the
// whole array (as bench/cases/collectives.ts measures them).
//   mpirun -np N node dist/bench/cases/sections.js
import { charm, Chare, Future, Reducer, type Section } from '../../lib';
import { TRIALS, iterationsFor, report, trials } from './report';

class Member extends Chare<readonly number[]> {
  tick(): void {}

  /** `count` allreduces in a row (over `section`, or the whole array); the first member reports the time per allreduce in microseconds. */
  async allreduce(count: number, done: Future<number>, section?: Section<Member>): Promise<void> {
    const start = performance.now();
    for (let i = 0; i < count; i++) await this.allReduce(1, Reducer.sum, section);
    if (this.thisIndex[0] === 0) done.send(((performance.now() - start) * 1000) / count);
  }
}
charm.register(Member);

charm.start(async () => {
  const members = charm.createArray(Member, [2 * charm.numPes()]);
  const evens = charm.createSection(members, (i) => i[0] % 2 === 0);
  const n = iterationsFor(30);
  const multicast = (target: { awaitable: { tick(): PromiseLike<void> } }) => async (): Promise<number> => {
    const start = performance.now();
    for (let i = 0; i < n; i++) await target.awaitable.tick();
    return ((performance.now() - start) * 1000) / n;
  };
  const allreduce = (section?: Section<Member>) => async (): Promise<number> => {
    const done = charm.createFuture<number>();
    const count = iterationsFor(20);
    if (section) section.allreduce(count, done, section);
    else members.allreduce(count, done);
    return await done;
  };
  // Whole array and section alternate trial by trial, so that both see the same machine.
  const samples: Record<string, number[]> = { 'array-multicast': [], 'section-multicast': [], 'array-allreduce': [], 'section-allreduce': [] };
  const ops: [string, () => Promise<number>][] = [
    ['array-multicast', multicast(members)],
    ['section-multicast', multicast(evens)],
    ['array-allreduce', allreduce()],
    ['section-allreduce', allreduce(evens)],
  ];
  for (const [, op] of ops) await trials(0, op); // warm-up
  for (let t = 0; t < TRIALS; t++) for (const [name, op] of ops) samples[name].push(await op());
  for (const [name] of ops) report(name, { bytes: 8, members: name.startsWith('section') ? charm.numPes() : 2 * charm.numPes() }, samples[name], 'us');
  charm.exit();
});
