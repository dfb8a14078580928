// np: 1 2 4
// Charm4py's tests/exceptions, ported: errors of entry methods reach the
// caller, point to point and from broadcasts (every failed member, each
// named with its PE, index and Class.method), and errors of pool tasks.
import * as assert from 'uvu/assert';
import { port, runPorts, range, asGroup, asArray } from './port';
import { charm, Chare, RemoteError, BroadcastError, type CollectionProxy, type ArrayProxy } from '../../lib';

// ---------------------------------------------------------------- test.py

/** Python's `test[3] = 3` with `test` undefined: a NameError; here the ReferenceError of an undefined name. */
function useUndefinedName(): never {
  (0, eval)('test[3] = 3');
  throw new Error('unreachable');
}

const isNameError = (e: unknown): boolean => e instanceof RemoteError && e.remoteName === 'ReferenceError';

class ExceptionsTest extends Chare<number | readonly number[]> {
  readonly idx = typeof this.thisIndex === 'number' ? this.thisIndex : this.thisIndex[0];
  bad(): string {
    if (this.idx % 2 !== 0) useUndefinedName();
    return 'good';
  }
  allbad(): void {
    useUndefinedName();
  }
  good(): number {
    return this.idx;
  }
  async badTh(): Promise<string> {
    await Promise.resolve();
    return this.bad();
  }
  async allbadTh(): Promise<void> {
    await Promise.resolve();
    return this.allbad();
  }
  async goodTh(): Promise<number> {
    await Promise.resolve();
    return this.good();
  }
}
charm.register(ExceptionsTest);

/** Expects `call` to fail with (Python's) NameError; returns the error. */
async function expectNameError(call: PromiseLike<unknown>): Promise<RemoteError> {
  let error: unknown;
  try {
    await call;
  } catch (e) {
    error = e;
  }
  assert.ok(error !== undefined, 'expected the call to fail'); // the original's `assert False` after the call
  assert.ok(isNameError(error), `expected a NameError (ReferenceError), got ${String(error)}`);
  return error as RemoteError;
}

port(
  'exceptions/test.py',
  async () => {
    assert.is(charm.numPes() % 2, 0);
    const NUM_ITER = 5;
    const npes = charm.numPes();
    const g = charm.createGroup(asGroup(ExceptionsTest));
    const a = charm.createArray(asArray(ExceptionsTest), npes * 8);
    const cases: [CollectionProxy<ExceptionsTest> | ArrayProxy<ExceptionsTest>, number][] = [
      [g, npes],
      [a, npes * 8],
    ];
    for (const [proxy, numChares] of cases) {
      for (let i = 0; i < 2; i++) {
        // Plain methods, then the coroutine versions (`@coro`).
        const m = i === 0 ? { allbad: 'allbad', good: 'good', bad: 'bad' } as const : { allbad: 'allbadTh', good: 'goodTh', bad: 'badTh' } as const;

        // p2p
        const badIdx = proxy === g ? 1 : Math.floor(numChares / 2) + 1;
        for (let k = 0; k < NUM_ITER; k++) {
          const error = await expectNameError(proxy[badIdx].ret[m.bad]());
          // The error names the element's PE, index and Class.method.
          assert.ok(error.where.startsWith(`ExceptionsTest.${m.bad} (index `), error.where);
          const retval = await proxy[badIdx].ret[m.good]();
          assert.is(retval, badIdx);
        }

        // bcast awaitable
        for (let k = 0; k < NUM_ITER; k++) {
          const all = await expectNameError(proxy.awaitable[m.allbad]());
          assert.ok(all instanceof BroadcastError);
          assert.is((all as BroadcastError).errors.length, numChares, 'every failed member is reported');
          const half = await expectNameError(proxy.awaitable[m.bad]());
          assert.is((half as BroadcastError).errors.length, numChares / 2);
          const retval = await proxy.awaitable[m.good]();
          assert.is(retval, undefined);
        }

        // bcast ret (Charm4py returns the list of results, an exception where a
        // member failed; here the call rejects with a BroadcastError carrying that list)
        for (let k = 0; k < NUM_ITER; k++) {
          const error = await expectNameError(proxy.ret[m.bad]());
          const retvals = (error as BroadcastError).results;
          assert.is(retvals.length, numChares);
          let numErrors = 0;
          retvals.forEach((retval, member) => {
            if (isNameError(retval)) {
              numErrors += 1;
              const e = retval as RemoteError;
              // Named as the member that failed: its index and the PE it ran on.
              assert.ok(e.where.includes(proxy === g ? `(index ${member})` : `(index [${member}])`), e.where);
              assert.ok(e.pe >= 0 && e.pe < npes);
              if (proxy === g) assert.is(e.pe, member);
            } else {
              assert.is(retval, 'good');
            }
          });
          assert.is(numErrors, Math.floor(numChares / 2));
        }
      }
    }
  },
  { evenPes: true },
);

// ---------------------------------------------------------------- pool.py

// The original defines myfunc on every PE with remote exec, first raising MyException, then squaring.
const myfuncBadSource = `
globalThis.MyException = class MyException extends Error { constructor() { super(); this.name = 'MyException'; } };
globalThis.myfunc = function myfunc(x) { throw new MyException(); };
`;
const myfuncGoodSource = 'globalThis.myfunc = function myfunc(x) { return x ** 2; };';

/** The task: whatever myfunc is on the worker now (Charm4py sends myfunc by name and looks it up there). */
function myfunc(x: number): number {
  return (globalThis as unknown as { myfunc: (x: number) => number }).myfunc(x);
}
charm.pool.register(myfunc);

port(
  'exceptions/pool.py',
  async () => {
    const numTasks = (charm.numPes() - 1) * 20;
    for (let k = 0; k < 5; k++) {
      for (let trial = 0; trial < 2; trial++) {
        await charm.thisProxy.awaitable.exec(trial === 0 ? myfuncBadSource : myfuncGoodSource); // use the bad, then the good func
        for (const func of [myfunc, undefined]) {
          for (const multiFuture of [false, true]) {
            for (const chunksize of [1, 4]) {
              try {
                let result: number[];
                if (func === undefined) {
                  const tasks = range(numTasks).map((i) => [myfunc, i] as const);
                  result = multiFuture
                    ? await Promise.all(charm.pool.submitAllAsync(tasks, { multiFuture: true, chunksize }))
                    : await charm.pool.submitAllAsync(tasks, { chunksize });
                } else {
                  const tasks = range(numTasks);
                  result = multiFuture ? await Promise.all(charm.pool.mapAsync(func, tasks, { multiFuture: true, chunksize })) : await charm.pool.mapAsync(func, tasks, { chunksize });
                }
                assert.ok(trial === 1 && JSON.stringify(result) === JSON.stringify(range(numTasks).map((x) => x ** 2)));
              } catch (error) {
                if (!(error instanceof RemoteError && error.remoteName === 'MyException')) throw error; // except MyException
                assert.is(trial, 0);
              }
            }
          }
        }
      }
    }
  },
  { minPes: 2 }, // at 1 PE there are no tasks, so the bad function raises nothing and the original's assertion fails
);

runPorts({ remoteCode: true });
