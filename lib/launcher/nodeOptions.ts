/**
 * The node options each PE starts with where charmts launches the PEs
 * itself (charmrun, bench/runner.ts); `mpirun -np N node app.js` users
 * add them on their own command line (README, "A first program").
 *
 * They are V8 heap settings, which V8 reads once, when node creates the
 * heap: the runtime cannot set them at its start-up. Measured on node 20:
 * `v8.setFlagsFromString('--initial-old-space-size=64')` at start-up left
 * the mark-compacts as they were, NODE_OPTIONS refuses the option, and
 * setting `--single-threaded-gc` or `--no-parallel-marking` that way made
 * V8 abort at its next mark-compact (a failed check in the concurrent
 * marker).
 *
 * --initial-old-space-size=64 (MB): V8 starts the old generation with a
 * limit of a few MB and grows it by full collections, "GC in old space
 * requested", as the heap first fills with compiled code and promoted
 * objects. A PE's heap holds 6-8 MB live, so a ping-pong job ran 6-7 of
 * them (3-13 ms each, plus ~10 ms of concurrent-marking threads that, with
 * both cores busy with PEs, preempt a PE): the slow ping-pong trials
 * (max / median) they made went from 6 in 3 jobs to none, mark-compacts
 * from 19 to 2. It costs at most that much more resident memory before the
 * first collection; later limits follow V8's own heap growing.
 */

/** Replaces the options below: space-separated node options, or empty for none. */
export const NODE_OPTIONS_ENV = 'CHARMTS_NODE_OPTIONS';

const DEFAULT_OPTIONS: readonly string[] = ['--initial-old-space-size=64'];

/** The node options for a PE: `$CHARMTS_NODE_OPTIONS` split at spaces when set (empty: none), else DEFAULT_OPTIONS. */
export function peNodeOptions(env: NodeJS.ProcessEnv = process.env): string[] {
  const given = env[NODE_OPTIONS_ENV];
  return given === undefined ? [...DEFAULT_OPTIONS] : given.split(/\s+/).filter((o) => o !== '');
}
