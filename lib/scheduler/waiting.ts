/**
 * How a PE with nothing to handle waits for the next message: it polls
 * MPI in a tight loop for a short while (a reply usually follows soon),
 * keeps polling through libuv turns for the spin window after the last
 * message, then sleeps in the binding, which a sender on this host ends
 * (binding/wake.h). The scheduler's loop (scheduler.ts) decides when.
 */
import { performance } from '../clock';
import { mpi } from '../transport/binding';
import { profiling, recordIdle } from '../profiling/profile';
import { doubleFields } from '../shapes';
import { restock } from '../codec/fresh';

/**
 * Keep polling without sleeping at least this long after the last
 * message, and longer when messages come at longer intervals (large
 * transfers): twice the last quiet gap, up to MAX_SPIN_MS. A PE that
 * sleeps while its peer prepares the next large message answers it up to
 * a timer tick late.
 */
const SPIN_MS = 2;
const MAX_SPIN_MS = 50;
/** Longest stretch of work before letting libuv run timers and I/O. */
export const SLICE_MS = 10;
/**
 * Longest tight poll of MPI before yielding to libuv. Each yield allocates
 * (an Immediate and its async bookkeeping, about 1 KiB): at 50 us a
 * waiting PE made garbage enough for a scavenge every few milliseconds,
 * and those pauses landed in the middle of transfers.
 */
export const SPIN_POLL_MS = 0.5;
/**
 * How long a waiting PE polls before it starts offering its core to other
 * processes (see spin). On a loaded 2-core machine (np 2, 4 alternating
 * rounds) yielding from the start cut the worst trials (max / median 2-6
 * against 5-485) but raised the best ones (512 B: 17-42 us against 5-7).
 */
const YIELD_AFTER_MS = 0.05;
/**
 * An idle PE sleeps in the binding (mpi.Idle) until a message is there: a
 * sender on this host wakes it (binding/wake.h); one on another host is
 * seen within IDLE_WAIT_US, after which libuv has a turn (timers, stdin)
 * in any case. (A 1 ms setTimeout sleep answered 1-4 ms late.) The length
 * does not set how soon a woken PE answers, since what is cold then is the
 * message path, not this loop: after 1 s idle, naps of 250 us, 1 ms and 2 ms
 * gave the same round trip (best of 7: 222-266, 194-241, 244-271 us) at
 * 6.8-11.2%, 4.2-5.1% and 3.8-4.6% of a core (np 2, 3 alternating rounds,
 * load 7-9). A bare 1 ms futex nap in C costs 2.4% of a core here.
 *
 * Where such a round trip goes (np 2, load 11-16, each hop timestamped
 * on the host's monotonic clock in both PEs and in the binding, 22
 * trials, median and best, us): PE 0's call until its send 43 (25); the
 * send and the futex wake 10 (7); until PE 1 runs after its futex wait
 * 41 (5); back into the loop and to mpi.Drain 21 (10), with no libuv
 * turn; Open MPI's receive 9 (7); decode and dispatch to the method 38
 * (28); from the method's end until its reply is sent 40 (29); until PE
 * 0 takes it 21 (2); PE 0's receive, decode and resumption of the
 * awaiting code 38 (20). In all 274 (165); warm, about 5. No hop stands
 * out: each JavaScript stretch is 20-40x its warm time, together two
 * thirds of the round trip; the rest (wake-up, MPI) C pays too
 * (bench/c/idle.c in the same minutes: 50, best 25). Not the cause: GC
 * or bytecode flushing (none in the whole job: --trace-gc,
 * --trace-flush-bytecode), deoptimisation (only before the first idle
 * trial and at exit: --trace-deopt), run-queue waits after the wake-up
 * (none in an earlier session's trace: /proc/thread-self/schedstat), the
 * shared-core logic (no SharesCore or MoveToFreeCore in the round trip).
 * It is the CPU's caches and TLBs, which this VM loses within
 * milliseconds asleep: the round trip after 5 ms idle (3 of them asleep)
 * is the one after 1 s (best 128-135 against 132-160); in C, a 256 KiB
 * pointer chase at load 3 takes 18 us warm, 94-245 after a 1 ms nap,
 * 450-650 after 10 ms or more, and 512 lines read after a 20 ms nap take
 * 60 us in 8 pages, 150 in 512 pages. The round trip is the same at load
 * 3 (best 201-228). Tried and no better over alternating rounds: a local
 * self-call (proxy, codec, dispatch, future) every 1 ms that opens no
 * spin window to keep the path warm (best 119-151 against 177-222, but
 * medians 191-481 against 232-250, 5 jobs at load 16-20, for 5.5-8.6% of
 * a core against 4.0-4.8), or every 2 or 5 ms opening it (15-16% of a
 * core, medians worse); waking the destination as the call begins (it
 * then takes the caller's core: there 213-278 against 127-196);
 * --jitless and --no-opt (slower); --use-largepages=on (node's text on 2
 * MiB pages: 240-417 against 228-359); MADV_HUGEPAGE on V8's heap (it
 * gets no huge pages); --no-flush-bytecode and the C heap on 2 MiB
 * pages.
 */
const IDLE_WAIT_US = 1000;
/**
 * A PE that shares its core with another PE of its host moves to a free
 * one at most this often (the kernel may put it back; a move costs a
 * migration). On one core, np 2 ping-pong took 137-146 us a round trip at
 * 32 KiB (spinning), 31-41 us (yielding each poll); spread, 22-28 us.
 */
const MOVE_EVERY_MS = 20;
/** An idle PE prefaults up to this many bytes of message buffers per sleep (sizes that missed lately). */
const REFILL_BYTES = 2 << 20;
/** A PE idle this long gives its free message buffers back to the system. */
const TRIM_AFTER_MS = 5000;

export class Waiting {
  /** When the loop last handled a message (or, see `activity`, sent one). */
  lastActivity = 0;
  /** How long to keep polling after the last message (see SPIN_MS). */
  private spinWindowMs = SPIN_MS;
  private trimmed = false;
  private lastMove = -Infinity;
  /**
   * Set by the binding when this PE wakes a sleeping PE of its host or is
   * woken by one (mpi.Handoff). The kernel tends to run a woken process on
   * its waker's core, and then the one of the two that waits for the other
   * holds the core the other needs: a spin that offered it only after
   * YIELD_AFTER_MS added that much to each half of an idle PE's round trip
   * (np 2 on a loaded 2-core machine, traced: the reply was found 55-65 us
   * after it was sent, right after the waiting PE's first yield).
   */
  private readonly handoff = new Int32Array(new ArrayBuffer(4));

  /**
   * @param poll receives and dispatches once; returns the messages handled.
   * @param activity `sent`: a message went out since the loop last
   * looked (sends.ts). The reply is likely soon, so that counts as
   * activity: a PE that sends from a timer or a resumed entry method and
   * then sleeps would answer its reply late.
   * @param oversubscribed more PEs than cores on this host: a waiting PE
   * then yields its core between polls rather than spinning on it.
   */
  constructor(private readonly poll: () => number, private readonly activity: { sent: boolean }, private readonly oversubscribed: boolean) {
    mpi.Handoff(this.handoff);
    doubleFields(this, ['lastActivity', 'spinWindowMs']);
  }

  /** Messages were handled at `now`: the spin window follows their pace. */
  handled(now: number): void {
    const gap = now - this.lastActivity;
    // A gap longer than MAX_SPIN_MS is a pause, not the pace of a transfer.
    if (gap > SPIN_POLL_MS) this.spinWindowMs = gap > MAX_SPIN_MS ? SPIN_MS : Math.min(MAX_SPIN_MS, Math.max(SPIN_MS, 2 * gap));
    this.lastActivity = now;
  }

  /** Whether the PE is still within the spin window after its last message at `now` (it then stays awake). */
  spinning(now: number): boolean {
    return now - this.lastActivity < this.spinWindowMs;
  }

  /** The PE stays awake for now (messages, sends or receives in progress). */
  awake(): void {
    this.trimmed = false;
  }

  /**
   * Polls MPI without yielding to libuv for a short while; returns the
   * messages handled. `last` is the loop's latest clock reading (possibly
   * from before an idle wait): the spin's own time starts at its first
   * reading, so that a message that comes at once costs none.
   */
  spin(last: number): number {
    if (this.activity.sent) {
      this.activity.sent = false;
      this.lastActivity = Math.max(this.lastActivity, last);
    }
    if (last - this.lastActivity > this.spinWindowMs) return 0;
    const handoff = this.handoff[0] !== 0;
    if (handoff) this.handoff[0] = 0;
    let yieldEachPoll = this.oversubscribed || handoff;
    let until = -1;
    let longest = -1;
    let restocking = true;
    for (;;) {
      // Read the clock once per 32 polls: a poll costs less than a clock reading.
      for (let i = 0; i < 32; i++) {
        const handled = this.poll();
        if (handled > 0) return handled;
        // Nothing yet: make the typed arrays the next messages will take (codec/fresh.ts), one a poll.
        if (restocking) restocking = restock();
        if (yieldEachPoll) mpi.Yield();
      }
      const now = performance.now();
      // Sharing a core with an awake PE of this host (the kernel can leave
      // two PEs on one core for seconds while another is free): move to a
      // free core, or else yield each poll, since spinning holds the core
      // the other needs to answer until YIELD_AFTER_MS or a time slice ends.
      // Asked after the first 32 polls, so that a message that comes at
      // once costs no call.
      if (!yieldEachPoll && mpi.SharesCore()) {
        if (now - this.lastMove >= MOVE_EVERY_MS) {
          this.lastMove = now;
          if (mpi.MoveToFreeCore()) continue;
        }
        yieldEachPoll = true;
      }
      // After YIELD_AFTER_MS of fruitless polling, offer the core once per 32
      // polls, even with a core per PE: when other work shares the cores, the
      // PE whose answer this one waits for may be queued behind it. Not
      // sooner: a yield that loses the core costs a small message's round
      // trip a time slice, and alone on its core a PE rarely waits this long.
      if (until >= 0 && !yieldEachPoll && now - (until - SPIN_POLL_MS) >= YIELD_AFTER_MS) mpi.Yield();
      if (until < 0) {
        until = now + SPIN_POLL_MS;
        // A message partly here completes in microseconds: keep polling for
        // it (up to a slice) rather than spend a libuv turn first.
        longest = now + SLICE_MS;
      }
      if (now >= until && (now >= longest || mpi.Receiving() === 0)) return 0;
    }
  }

  /**
   * Sleeps in the binding until a message is waiting, a sender on this host
   * wakes this PE, or IDLE_WAIT_US have passed, after the idle work. Returns
   * the time it woke with a message waiting (the message counts as activity
   * from then), or -1.
   */
  sleep(now: number): number {
    mpi.Progress();
    this.housekeeping(now);
    const arrived = mpi.Idle(IDLE_WAIT_US);
    const woke = performance.now();
    if (profiling.tracing) recordIdle(now, woke);
    if (!arrived) return -1;
    this.lastActivity = woke;
    return woke;
  }

  /**
   * Work for an idle PE: make the typed arrays the next small messages
   * will take (codec/fresh.ts); prefault message buffers of the sizes that
   * missed lately (off the critical path, so that the next large message
   * lands in mapped pages); after a long idle stretch, give free buffers back.
   */
  private housekeeping(now: number): void {
    while (restock());
    if (now - this.lastActivity > TRIM_AFTER_MS) {
      if (!this.trimmed) mpi.TrimPool();
      this.trimmed = true;
    } else {
      mpi.RefillPool(REFILL_BYTES);
    }
  }
}
