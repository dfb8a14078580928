/**
 * Timers (`charm.scheduleAfter`, Charm4py's `scheduleCallableAfter`): a
 * callback, a future or a function of this PE called after a delay. A
 * callback or future is sent copies of the arguments made at the call, as
 * a message carries them. A timer is not a message: quiescence does not
 * wait for it, unless it is counted: then it counts as a message created
 * at the call and processed when it has fired, so QD's waves see it in
 * flight while it is pending.
 */
import { runtime } from '../model/context';
import { Future } from '../model/future';
import { Callback } from '../reductions/targets';
import { copyValue } from '../codec/clone';
import { fatal } from '../errors';

/** Options of `charm.scheduleAfter`. */
export interface ScheduleOptions {
  /** Quiescence is not reached while the timer is pending (default false: timers are not messages). */
  countsForQD?: boolean;
}

/** Calls `target` with `args` after `seconds` (see `charm.scheduleAfter`). */
export function scheduleAfter(target: Callback | Future<never> | Future<unknown> | ((...args: never[]) => unknown), seconds: number, args: readonly unknown[], options: ScheduleOptions): void {
  const rt = runtime('charm.scheduleAfter');
  if (!(typeof seconds === 'number' && seconds >= 0)) throw new RangeError(`charm.scheduleAfter: seconds must be a non-negative number, got ${String(seconds)}`);
  if (!Array.isArray(args)) throw new TypeError('charm.scheduleAfter: args must be an array');
  let fire: () => void;
  if (target instanceof Callback || target instanceof Future) {
    // A callback or future is sent the arguments as they are now (copied, as a message copies them; refused here if they cannot be sent).
    const held = copyValue(args as unknown[], 'charm.scheduleAfter: args');
    fire = target instanceof Callback ? () => target.send(...held) : () => (target as Future<unknown>).send(held[0]);
  } else if (typeof target === 'function') {
    fire = () => (target as (...a: unknown[]) => unknown)(...args);
  } else {
    throw new TypeError("charm.scheduleAfter: target must be a callback from charm.callback(proxy, 'method'), a Future or a function");
  }
  const counted = options.countsForQD === true;
  if (counted) rt.scheduler.counters.created++; // a pending counted timer is work in flight
  setTimeout(() => {
    try {
      fire();
    } catch (error) {
      fatal(error, `on PE ${rt.myPe} in a timer of charm.scheduleAfter`);
    } finally {
      if (counted) rt.scheduler.counters.processed++;
    }
  }, seconds * 1000);
}
