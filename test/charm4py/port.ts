/**
 * Charm4py's tests, ported: each test of Charm4py's tests/ directory is one
 * `port(name, body, needs)` here, named after its original file. Every PE
 * loads the file (chare classes register everywhere); PE 0 runs the ports
 * from main, one after the other, then ends the job. A port whose original
 * needs more PEs (or an even number) than the job has is reported as
 * skipped, with the reason, at that PE count; test/run.ts runs each file at
 * the PE counts its `// np:` line names, so every port runs at some.
 */
import { test } from '../helpers/mpiTest';
import { charm, type Chare, type StartOptions } from '../../lib';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const uvu = require('uvu') as typeof import('uvu');

/** What an original test asserts about the job's PE count. */
export interface Needs {
  /** At least this many PEs. */
  minPes?: number;
  /** An even number of PEs. */
  evenPes?: boolean;
}

const ports: { name: string; body: () => unknown; needs: Needs }[] = [];

/** Registers the port of Charm4py's test `name` (e.g. 'entry_methods/retmodes.py'). */
export function port(name: string, body: () => unknown, needs: Needs = {}): void {
  ports.push({ name, body, needs });
}

function unmet(needs: Needs, numPes: number): string | undefined {
  if (needs.minPes !== undefined && numPes < needs.minPes) return `needs at least ${needs.minPes} PEs`;
  if (needs.evenPes && numPes % 2 !== 0) return 'needs an even number of PEs';
  return undefined;
}

/** Starts the runtime; on PE 0 runs every port this job's PE count allows, then ends the job. */
export function runPorts(options: StartOptions = {}): void {
  charm.start(async () => {
    for (const { name, body, needs } of ports) {
      const why = unmet(needs, charm.numPes());
      if (why) {
        console.log(`SKIPPED ${name} at ${charm.numPes()} PE(s): ${why}`);
        test.skip(name);
      } else {
        test(name, async () => {
          const t0 = performance.now();
          await body();
          console.log(`PORT ${name}: ${((performance.now() - t0) / 1000).toFixed(2)} s at ${charm.numPes()} PE(s)`);
        });
      }
    }
    test.run();
    await uvu.exec();
    charm.exit(process.exitCode ? 1 : 0);
  }, options);
}

/** Busy-waits `seconds` (Python's time.sleep in an entry method: it holds the PE). */
export function busyWait(seconds: number): void {
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end);
}

/** Python's `range(start, stop, step)`. */
export function range(start: number, stop?: number, step = 1): number[] {
  if (stop === undefined) [start, stop] = [0, start];
  const out: number[] = [];
  for (let i = start; step > 0 ? i < stop : i > stop; i += step) out.push(i);
  return out;
}

/** Python's `a % n` (the result has the sign of n). */
export const mod = (a: number, n: number): number => ((a % n) + n) % n;

/** `count` distinct items of `items`, in random order (Python's random.sample). */
export function sample<T>(items: readonly T[], count: number): T[] {
  const pool = items.slice();
  for (let i = pool.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, count);
}

/** An integer in start..stop, both included (Python's random.randint). */
export const randint = (start: number, stop: number): number => start + Math.floor(Math.random() * (stop - start + 1));

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- constructor arguments of any class
type AnyChareClass = abstract new (...args: any[]) => Chare<any>;

/**
 * TYPES: Charm4py tests use one class for a group and for an array (its
 * thisIndex a PE or a tuple); the types give each class one kind, by its
 * index type. These helpers say, at the creation, which kind a class of
 * index `number | readonly number[]` is used as here.
 */
export const asGroup = <C extends AnyChareClass>(cls: C): abstract new (...args: ConstructorParameters<C>) => InstanceType<C> & Chare<number> =>
  cls as unknown as abstract new (...args: ConstructorParameters<C>) => InstanceType<C> & Chare<number>;
/** TYPES: see asGroup; the array kind (index a tuple of numbers). */
export const asArray = <C extends AnyChareClass>(cls: C): abstract new (...args: ConstructorParameters<C>) => InstanceType<C> & Chare<readonly number[]> =>
  cls as unknown as abstract new (...args: ConstructorParameters<C>) => InstanceType<C> & Chare<readonly number[]>;
