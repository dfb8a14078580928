/**
 * Writes every page of V8's young generation once, at a PE's start.
 *
 * V8 maps both semi-spaces of its young generation at start-up (16 MiB
 * each with the PEs' --min-semi-space-size=16, launcher/nodeOptions.ts)
 * but the kernel gives a page memory only when it is first written: the
 * first 32 MiB a PE allocates take a page fault per 4 KiB, and a fault
 * costs 20-55 us on the test machine (a VM with page-table isolation; C,
 * touching 32 MiB: 26-28 us a page, 0.04 once touched). A small message
 * allocates about 500 bytes on each side, so every 8th round trip or so
 * met a fault: in a np 2 ping-pong of 8 B, 15-25% of round trips took
 * 10-50 us instead of 2.4 while PE 0 and PE 1 took about 150 faults per
 * 1,000 round trips, and none did once both semi-spaces had been used
 * (after 30-40 trials of 1,000, the same job; per round trip, timed in
 * the PE; load 8-9). That was the slow state of the ping-pong benchmark's
 * trials, which came and went as a trial fell before or after that point;
 * C MPI, launched alike with 1.1 us of work a message to match charmts'
 * round trip, had 0.1-0.5% of its round trips there. Written here, before
 * the program runs, the pages cost the same faults once, off every
 * message's path: about 8,200 a PE at 16 MiB (0.35-0.48 s here at load
 * 7-9; some 4 ms where a fault costs 0.5 us), 500 (21-23 ms) at node's
 * default young generation. A PE's resident memory then holds the
 * 32 MiB from the start.
 *
 * V8 keeps the pages for as long as the semi-spaces keep their size: one
 * it grows later (a --max-semi-space-size above the minimum) or memory it
 * gives back after a memory-reducing collection is faulted in again on use.
 */
import { getHeapSpaceStatistics } from 'v8';

/**
 * Elements of each array allocated: about 2 KiB, well under V8's largest
 * young object (larger ones go to the large-object space, which this
 * would not touch). V8 writes each element (a hole) as it allocates.
 */
const ELEMENTS = 254;
const BYTES_EACH = 8 * ELEMENTS + 16;

/** The arrays go here, so that no compiler can drop them as unused. */
const sink: unknown[] = [undefined];

/**
 * Allocates, and drops, twice the young generation's semi-space: the
 * first fills the semi-space allocation is in (then a scavenge moves the
 * few live objects to the other), the second fills the other one. Both
 * scavenges find almost nothing alive.
 */
export function touchYoungGeneration(): void {
  const young = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
  if (!young) return;
  const semiSpace = young.space_used_size + young.space_available_size;
  for (let bytes = 0; bytes < 2 * semiSpace; bytes += BYTES_EACH) sink[0] = new Array(ELEMENTS);
  sink[0] = undefined;
}
