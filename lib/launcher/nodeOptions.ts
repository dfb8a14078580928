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
 *
 * --min-semi-space-size=16 (MB): the young generation starts at 16 MB a
 * half; V8 starts it small and, since little of it survives, kept it at a
 * few MB here, so it filled, and was scavenged, often. A PE handling small
 * messages allocates 1-3 KB per message (an awaited broadcast at np 2:
 * about 3 KB on PE 0 and 1.2 KB on PE 1, sampled): a scavenge every 1,200
 * calls on PE 0 and 2,200 on PE 1, each stopping the PE (0.3-0.4 ms on a
 * quieter machine, a501aec), and any PE's pause holds up the broadcast's
 * completion; a trial of 1,000 broadcasts (bench/cases/collectives.ts)
 * met 0.8 of PE 0's on average. np 2, 43,000 awaited broadcasts and
 * allreduces, 3 alternating rounds (load 17): 35 and 20 scavenges on PE 0
 * and PE 1 at the default, 7-8 and 3 with this (377-425 ms of pauses in
 * all against 106-117; p50 per call unchanged, 3.18-3.46 against
 * 3.18-3.67 us). np 1, 110,000: 60-61 scavenges against 13-14 (8 MB:
 * 27-28), CPU per broadcast unchanged (min 1.84-2.08 us against
 * 1.83-2.01). It costs resident memory: 97 MB per PE against 72 after
 * 50,000 broadcasts (8 MB: 81), from the start, since a PE writes both
 * semi-spaces before it runs the program (runtime/youngGeneration.ts).
 */

/** Replaces the options below: space-separated node options, or empty for none. */
export const NODE_OPTIONS_ENV = 'CHARMTS_NODE_OPTIONS';

const DEFAULT_OPTIONS: readonly string[] = ['--initial-old-space-size=64', '--min-semi-space-size=16'];

/** The node options for a PE: `$CHARMTS_NODE_OPTIONS` split at spaces when set (empty: none), else DEFAULT_OPTIONS. */
export function peNodeOptions(env: NodeJS.ProcessEnv = process.env): string[] {
  const given = env[NODE_OPTIONS_ENV];
  return given === undefined ? [...DEFAULT_OPTIONS] : given.split(/\s+/).filter((o) => o !== '');
}
