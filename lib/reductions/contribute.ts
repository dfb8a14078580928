/** Checks of a contribution's arguments, at the caller. */
import { Reducer } from './reducers';
import { isTarget, type ReductionTarget } from './targets';

export function checkContribution(where: string | (() => string), reducer: unknown, target: ReductionTarget | 'all' | unknown): void {
  const name = (): string => (typeof where === 'function' ? where() : where);
  if (!(reducer instanceof Reducer)) throw new TypeError(`${name()}: reducer must be a Reducer (e.g. Reducer.sum), got ${typeof reducer}`);
  if (target !== 'all' && !isTarget(target)) throw new TypeError(`${name()}: target must be a Future or a callback from charm.callback(proxy, 'method')`);
}
