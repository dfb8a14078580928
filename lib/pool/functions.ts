/**
 * How task functions reach the workers. A function registered on every PE
 * (`charm.pool.register(fn)` at module load) travels as its name and runs
 * as itself, closures and imports included; so does it as an argument of
 * any call (Charm4py pickles a function as its name), typed
 * `Registered<F>`. Any other function can travel as its source text,
 * compiled on the worker, only where the program has allowed it
 * (`charm.pool.allowSourceTasks()`), because that evaluates code taken
 * from a message.
 */
import { registerClassValue } from '../codec/values';

/** A function a task runs: any arguments, any result (a promise is awaited). */
export type TaskFunction = (...args: never[]) => unknown;

declare const REGISTERED: unique symbol;

/**
 * A function registered with `charm.pool.register` (its return type): it
 * can be sent in calls, as its name. An entry method that takes a function
 * declares its parameter so (`map(fn: Registered<(x: number) => number>)`);
 * a parameter of a plain function type takes none (FunctionsCannotBeSent).
 */
export type Registered<F extends TaskFunction> = F & { readonly [REGISTERED]: true };

/** The name under which a registered task function travels as a value (apart from class names). */
const valueName = (name: string): string => `charmts.task:${name}`;

/** A task function as a worker calls it. */
export type Callable = (...args: unknown[]) => unknown;

/** How a task function travels: its registered name, or its source text (and its name, for errors). */
export interface FunctionRef {
  readonly name: string;
  readonly source?: string;
}

const byName = new Map<string, Callable>();
const nameOf = new Map<TaskFunction, string>();
const compiled = new Map<string, Callable>();
let sourceAllowed = false;

/** Registers `fn` under its name (or `name`) on this PE. */
export function registerTask<F extends TaskFunction>(fn: F, name: string = typeof fn === 'function' ? fn.name : ''): Registered<F> {
  if (typeof fn !== 'function') throw new TypeError(`charm.pool.register: expected a function, got ${typeof fn}`);
  if (typeof name !== 'string' || !name) throw new TypeError('charm.pool.register: the function has no name; pass one as the second argument');
  const existing = byName.get(name);
  if (existing && existing !== (fn as unknown)) throw new Error(`charm.pool.register: another function is already registered as "${name}"`);
  byName.set(name, fn as unknown as Callable);
  nameOf.set(fn, name);
  registerClassValue(fn, valueName(name));
  return fn as Registered<F>;
}

/** Lets this PE send and run unregistered functions as source text. */
export function allowSource(): void {
  sourceAllowed = true;
}

/** The reference `fn` travels as; throws, naming `where`, when it cannot travel. */
export function refOf(fn: unknown, where: string): FunctionRef {
  if (typeof fn !== 'function') throw new TypeError(`${where}: expected a function, got ${fn === null ? 'null' : typeof fn}`);
  const registered = nameOf.get(fn as TaskFunction);
  if (registered) return { name: registered };
  const label = fn.name ? `function ${fn.name}` : 'an anonymous function';
  const source = Function.prototype.toString.call(fn);
  if (/\{\s*\[native code\]\s*\}\s*$/.test(source)) {
    throw new TypeError(`${where}: ${label} is native or bound and has no source to send; register a function with charm.pool.register(fn, name) at module load on every PE`);
  }
  if (!sourceAllowed) {
    throw new Error(`${where}: ${label} is not registered; register it with charm.pool.register(fn) at module load on every PE, or let unregistered functions travel as source text with charm.pool.allowSourceTasks() on every PE`);
  }
  return { name: fn.name, source };
}

/** The function `ref` stands for, on this PE. */
export function resolve(ref: FunctionRef): Callable {
  if (ref.source === undefined) {
    const fn = byName.get(ref.name);
    if (!fn) throw new Error(`charm.pool: no function "${ref.name}" is registered on this PE; register it at module load, on every PE`);
    return fn;
  }
  // Checked here too: the receiving PE decides whether it runs code from messages.
  if (!sourceAllowed) throw new Error('charm.pool: this PE refuses tasks sent as source text; call charm.pool.allowSourceTasks() on every PE to accept them');
  let fn = compiled.get(ref.source);
  if (!fn) {
    fn = compile(ref.source);
    compiled.set(ref.source, fn);
  }
  return fn;
}

/** Evaluates a function's source in the global scope (no access to this module). */
function compile(source: string): Callable {
  try {
    return (0, eval)(`(${source})`) as Callable;
  } catch (error) {
    // A method in shorthand (`f(x) { ... }`) is not an expression on its own: read it as an object's member.
    if (!(error instanceof SyntaxError)) throw error;
    return Object.values((0, eval)(`({ ${source} })`) as Record<string, Callable>)[0];
  }
}
