/**
 * Client calls into a running job, in the manner of Charm++'s CCS
 * (Converse Client-Server) and Charm4py's `charm.CcsRegisterHandler`: the
 * program registers named handlers; a client outside the job (the live
 * view's page, the `charmts-ccs` command, `CcsClient`) calls one by name
 * with a payload and gets its reply. Nothing is callable that the program
 * did not register.
 *
 * A call becomes an entry method of the runtime's CCS group on PE 0, so a
 * handler runs between messages like any entry method and may call into
 * any chare and await the results; its return value (or the value of the
 * promise it returns) is the reply. Charm4py's delayed replies
 * (`CcsDelayReply`, `CcsSendDelayedReply`) are simply an async handler.
 */
import { Chare } from '../model/chare';
import { classInfo, registerClass } from '../model/registry';
import { groupRef, installGroupMember } from '../collections/groups';
import { isStarted, runtime } from '../model/context';
import type { CollectionProxy } from '../model/proxy';
import type { Future } from '../model/future';

/**
 * What a client sends and a handler returns: a JSON value (null, boolean,
 * number, string, array, plain object) or bytes.
 */
export type CcsPayload = null | boolean | number | string | Uint8Array | CcsPayload[] | { [key: string]: CcsPayload };

/**
 * A CCS handler: gets the client's payload, returns the reply (a JSON
 * value or a Uint8Array), or a promise of it. What it throws goes back to
 * the client as an error; the job goes on.
 */
export type CcsHandler = (payload: CcsPayload) => unknown;

/** Collection id of the CCS group: user collection ids never get this high. */
const CCS_GROUP_ID = 0xfffffffc;

/** Names a handler may have: letters, digits, `_`, `.`, `-`, up to 64 characters. */
const NAME = /^[A-Za-z_][\w.-]{0,63}$/;

const handlers = new Map<string, CcsHandler>();

/** How a call ended: the handler's reply, or the message of what it threw. */
export type CcsOutcome = { value: unknown } | { error: string };

/** The CCS group's member on each PE; only PE 0's runs handlers. */
export class CcsPe extends Chare {
  /** Runs handler `name` with `payload`. What it throws goes back to the client; the job goes on. */
  async call(name: string, payload: CcsPayload): Promise<CcsOutcome> {
    const handler = handlers.get(name);
    if (!handler) return { error: unknownHandler(name) };
    try {
      return { value: await handler(payload) };
    } catch (error) {
      return { error: `handler ${name} failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}` };
    }
  }
}
registerClass(CcsPe, 'charmts.Ccs');

function unknownHandler(name: string): string {
  const known = handlerNames();
  return `no CCS handler named ${JSON.stringify(name)} (registered: ${known.length ? known.join(', ') : 'none'})`;
}

/** Creates this PE's member of the CCS group (charm.start does, on every PE). */
export function installCcs(): void {
  installGroupMember(groupRef(CCS_GROUP_ID, classInfo(CcsPe, 'charm.ccs')), []);
}

/**
 * PE 0: calls handler `name` as an entry method; an unknown name is
 * refused here, before anything is sent.
 */
export function callHandler(name: string, payload: CcsPayload): Future<CcsOutcome> {
  if (!handlers.has(name)) throw new Error(unknownHandler(name));
  const group = groupRef(CCS_GROUP_ID, classInfo(CcsPe, 'charm.ccs')).proxy() as CollectionProxy<CcsPe>;
  return group[0].ret.call(name, payload);
}

/**
 * `charm.ccs`: handlers that clients outside the job call while it runs
 * (Charm4py's `charm.CcsRegisterHandler`). Clients reach them through the
 * live view's socket (start the job with `+liveview PORT`).
 */
export class Ccs {
  /**
   * Registers `handler` under `name`. Calls run on PE 0, so PE 0 must
   * register it: at module load (every PE, before `charm.start`) or in
   * main. Once the runtime runs, another PE's registration would never be
   * called, so it is refused.
   *
   * @throws TypeError for an invalid name or a handler that is not a function;
   * Error when `name` is already registered, or on a PE other than 0 once the runtime runs.
   * @example
   * charm.ccs.register('disturb', (p) => { queue.push(p); return { queued: queue.length }; });
   */
  register(name: string, handler: CcsHandler): void {
    if (typeof name !== 'string' || !NAME.test(name)) {
      throw new TypeError(`charm.ccs.register: invalid handler name ${JSON.stringify(name)} (letters, digits, _ . -, at most 64, not starting with a digit)`);
    }
    if (typeof handler !== 'function') throw new TypeError(`charm.ccs.register(${name}): the handler must be a function, got ${typeof handler}`);
    if (handlers.has(name)) throw new Error(`charm.ccs.register: a handler named "${name}" is already registered`);
    const pe = isStarted() ? runtime().myPe : 0;
    if (pe !== 0) throw new Error(`charm.ccs.register(${name}): call it on PE 0 (in main, or at module load), not on PE ${pe}: handlers run on PE 0 and one registered here would never be called`);
    handlers.set(name, handler);
  }

  /** Names of the handlers registered on this PE, sorted. */
  names(): string[] {
    return handlerNames();
  }
}

/** Names of the handlers registered on this PE, sorted. */
export function handlerNames(): string[] {
  return [...handlers.keys()].sort();
}

/** True when handler `name` is registered on this PE. */
export function isRegistered(name: string): boolean {
  return handlers.has(name);
}

