// Fuzzing the public API for a bounded time (seeded; the seed is printed):
// randomly shaped arguments, indices, method names, reducers, targets and
// options. Every call either works (data comes back equal) or raises an
// Error whose message names what was wrong; the job never hangs or crashes.
import * as assert from 'uvu/assert';
import { test, runTests } from './helpers/mpiTest';
import { charm, Chare, Future, Reducer } from '../lib';

const SECONDS = Number(process.env.CHARMTS_FUZZ_SECONDS ?? 3);
const seed = Number(process.env.CHARMTS_FUZZ_SEED ?? Date.now() % 1e9);
let state = seed || 1;
const random = (): number => ((state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0) / 2 ** 32);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
const int = (n: number): number => Math.floor(random() * n);

class Plain {
  x = 1;
}

/** A random value: mostly sendable data, sometimes something that cannot be sent. */
function value(depth = 0): unknown {
  const simple = [
    () => int(1000) - 500,
    () => random() * 1e6,
    () => pick([NaN, -0, Infinity, -Infinity, 2 ** 53, -(2 ** 31)]),
    () => 'x'.repeat(int(40)) + pick(['', 'é', '✓', '𝄞']),
    () => pick([true, false, null, undefined]),
    () => BigInt(int(1e9)) * 1234567n,
    () => new Date(int(2e12)),
    () => new Float64Array(int(20)).map(() => random()),
    () => new Int16Array(int(5000)).map(() => int(100)),
    () => new BigInt64Array(int(4)).map(() => BigInt(int(99))),
    () => Buffer.from([int(255), int(255)]),
  ];
  const nested = [
    () => Array.from({ length: int(5) }, () => value(depth + 1)),
    () => Object.fromEntries(Array.from({ length: int(5) }, (_, i) => [`k${i}`, value(depth + 1)])),
    () => new Map([[value(depth + 1), value(depth + 1)]]),
    () => new Set([int(10), 'a']),
  ];
  const bad = [() => () => 1, () => Symbol('s'), () => new Plain(), () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    return cyclic;
  }];
  const r = random();
  if (r < 0.06) return pick(bad)();
  if (depth < 3 && r < 0.35) return pick(nested)();
  return pick(simple)();
}

/** Checks an error is a clear one: an Error whose message mentions one of `names`. */
function clear(error: unknown, names: string[], what: string): void {
  assert.instance(error, Error, `${what}: not an Error: ${String(error)}`);
  const message = (error as Error).message;
  assert.ok(message.length > 10, `${what}: empty message`);
  assert.ok(names.some((n) => message.includes(n)), `${what}: "${message}" does not name ${names.join(' or ')}`);
}

class Echo extends Chare {
  echo(v: unknown): unknown {
    return v;
  }
  async contributeWith(reducer: unknown, target: unknown): Promise<string> {
    try {
      this.contribute(1, reducer as Reducer, target as Future<number>);
      return 'accepted';
    } catch (error) {
      return (error as Error).message;
    }
  }
}
charm.register(Echo);

class Grid extends Chare<readonly number[]> {
  where(): number {
    return charm.myPe();
  }
}
charm.register(Grid);

test(`fuzz the public API for ${SECONDS} s (seed ${seed})`, async () => {
  console.log(`fuzz seed ${seed} (set CHARMTS_FUZZ_SEED to replay)`);
  const echo = charm.createGroup(Echo);
  const grid = charm.createArray(Grid, [3, 4]);
  const keyed = charm.createArray(Grid as never, { keys: true }) as unknown as import('../lib').ArrayProxy<Grid>;
  const end = performance.now() + SECONDS * 1000;
  const counts = { ok: 0, refused: 0 };
  while (performance.now() < end) {
    const choice = int(7);
    try {
      if (choice === 0) {
        const v = value();
        const back = await echo[int(charm.numPes())].ret.echo(v);
        assert.equal(back, v, 'round trip');
      } else if (choice === 1) {
        const index = pick<unknown>([[int(5) - 1, int(6) - 1], [int(3)], [1, 2, 3], 'key', [1.5, 0], -1, [0, 0], [2, 3]]);
        const where = await grid.at(index as never).ret.where();
        assert.ok(where >= 0 && where < charm.numPes());
      } else if (choice === 2) {
        const index = pick<unknown>(['a', '', new Uint8Array([1]), [1], 3]);
        keyed.at(index as never);
      } else if (choice === 3) {
        const name = pick(['echo', 'nope', 'constructor', 'toString', '__proto__', 'then', `m${int(9)}`]);
        const f = (echo[0] as unknown as Record<string, unknown>)[name];
        if (typeof f === 'function' && name === 'echo') (f as (v: number) => void).call(echo[0], 1);
      } else if (choice === 4) {
        const reducer = pick<unknown>([Reducer.sum, 'sum', null, 3, {}]);
        const target = pick<unknown>([charm.createFuture(), 5, 'x', null]);
        const message = await echo[0].ret.contributeWith(reducer, target);
        // An accepted contribution completes only when every member contributes: not awaited.
        if (message !== 'accepted') assert.match(message, /Echo\[0\]\.contribute: (reducer|target) must be/);
      } else if (choice === 5) {
        charm.createChare(Echo, [], { onPE: pick([-1, charm.numPes(), 0.5, NaN, 0]) });
      } else {
        const bad = pick<() => unknown>([
          () => charm.createFuture(pick([-1, 1.5, NaN])),
          () => charm.exit(pick([-1, 256, 1.5])),
          () => charm.createArray(Grid, pick<unknown>([[], [1, 2, 3, 4, 5, 6, 7], { ndims: 0 }, 'x', [-1]]) as never),
          () => charm.createGroup(pick<unknown>([Plain, null, 3]) as never, [] as never),
        ]);
        bad();
        assert.unreachable('bad input accepted');
      }
      counts.ok++;
    } catch (error) {
      if ((error as Error).name === 'Assertion') throw error;
      counts.refused++;
      clear(error, ['Echo', 'Grid', 'argument', 'index', 'onPE', 'charm.', 'reducer', 'target', 'is not registered', 'does not extend Chare', 'entry method'], `choice ${choice}`);
    }
  }
  console.log(`fuzz: ${counts.ok} calls worked, ${counts.refused} refused with a clear error`);
  assert.ok(counts.ok > 0 && counts.refused > 0);
});

runTests();
