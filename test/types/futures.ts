// Type tests: futures (single and multi-value), their send and await types,
// results of calls, iwait, quiescence.
import { charm, Chare, Future } from '../../lib';

class Worker extends Chare {
  compute(x: number): number {
    return x * 2;
  }
  async slow(x: number): Promise<string> {
    return String(x);
  }
  nested(): Future<number> {
    return charm.createFuture<number>();
  }
  fill(into: Future<number>, many: Future<number[], number>, done: Future): void {
    into.send(1);
    many.send(2);
    done.send();
  }
  /** Sends into a single or a multi-value future of numbers alike (README: futures). */
  sendOne(into: Future<unknown, number>): void {
    into.send(3);
    // @ts-expect-error a string into a future of numbers
    into.send('3');
  }
}
charm.register(Worker);

charm.start(async () => {
  const w = charm.createChare(Worker);
  const single = charm.createFuture<number>();
  const many = charm.createFuture<number>(3);
  const done = charm.createFuture();
  w.fill(single, many, done);
  w.sendOne(single);
  w.sendOne(many);
  // @ts-expect-error a future of strings where one of numbers is sent into
  w.sendOne(charm.createFuture<string>());
  const one: number = await single;
  const all: number[] = await many;
  const viaGet: number[] = await many.get();
  await done;
  const doubled: number = await w.ret.compute(2);
  const text: string = await w.ret.slow(3);
  // awaiting .ret of a method returning a future gives the value
  const inner: number = await w.ret.nested();
  const completed: Future<void> = w.awaitable.slow(1);
  for await (const v of charm.iwait([single, charm.createFuture<number>()])) {
    const n: number = v;
    void n;
  }
  await charm.waitQD();
  charm.startQD(done);
  charm.startQD(() => charm.exit());
  const pe: number = single.pe;
  void one, all, viaGet, doubled, text, inner, completed, pe;

  // @ts-expect-error a Future<number> takes numbers
  single.send('x');
  // @ts-expect-error and needs one
  single.send();
  // @ts-expect-error a multi-value future takes one value per send
  many.send([1, 2]);
  // @ts-expect-error it gives all of them
  const notOne: number = await many;
  // @ts-expect-error results are typed
  const wrong: string = await w.ret.compute(1);
  // @ts-expect-error completion futures give nothing
  const nothing: number = await w.awaitable.compute(1);
  // @ts-expect-error fill takes a single-value future first
  w.fill(many, many, done);
  // @ts-expect-error the count is a number
  charm.createFuture<number>('3');
  // @ts-expect-error startQD takes a future of completion or a function
  charm.startQD(single);
  void notOne, wrong, nothing;
});
