/**
 * Shipping task functions to workers: by name for functions registered on
 * every PE (`charm.pool.register(fn)` at module load), or as source text,
 * compiled once on each worker. Source shipping runs the function's code on
 * other PEs; it cannot carry closures (variables from the enclosing scope
 * are not there) nor native or bound functions.
 */

/** How a task function travels: a registered name, or source text. */
export type FunctionRef = { name: string } | { source: string };

const byName = new Map<string, (...args: unknown[]) => unknown>();
const nameOf = new Map<(...args: unknown[]) => unknown, string>();
const compiled = new Map<string, (...args: unknown[]) => unknown>();

/** Registers `fn` under its name (or `name`) so tasks can refer to it. */
export function registerTask(fn: (...args: never[]) => unknown, name = fn.name): void {
  if (typeof fn !== 'function') throw new TypeError(`charm.pool.register: expected a function, got ${typeof fn}`);
  if (!name) throw new TypeError('charm.pool.register: the function has no name; pass one');
  const existing = byName.get(name);
  if (existing && existing !== fn) throw new Error(`charm.pool.register: another function is already registered as "${name}"`);
  byName.set(name, fn as (...args: unknown[]) => unknown);
  nameOf.set(fn as (...args: unknown[]) => unknown, name);
}

/** The reference a task of `fn` travels as; throws when `fn` cannot be shipped. */
export function refOf(fn: unknown, where: string): FunctionRef {
  if (typeof fn !== 'function') throw new TypeError(`${where}: expected a function, got ${typeof fn}`);
  const name = nameOf.get(fn as (...args: unknown[]) => unknown);
  if (name) return { name };
  const source = Function.prototype.toString.call(fn);
  if (/\{\s*\[native code\]\s*\}/.test(source)) {
    throw new TypeError(`${where}: ${fn.name || 'the function'} has no source to ship (native or bound); register a named function with charm.pool.register on every PE`);
  }
  return { source };
}

/** The function a reference names, on this PE. */
export function resolve(ref: FunctionRef): (...args: unknown[]) => unknown {
  if ('name' in ref) {
    const fn = byName.get(ref.name);
    if (!fn) throw new Error(`charm.pool: no function "${ref.name}" is registered on this PE; register it at module load on every PE`);
    return fn;
  }
  let fn = compiled.get(ref.source);
  if (!fn) {
    try {
      fn = (0, eval)(`(${ref.source})`) as (...args: unknown[]) => unknown;
    } catch (error) {
      // A method written in shorthand (`f(x) { ... }`) is not an expression: wrap it in an object.
      if (!(error instanceof SyntaxError)) throw error;
      const holder = (0, eval)(`({ ${ref.source} })`) as Record<string, (...args: unknown[]) => unknown>;
      fn = Object.values(holder)[0];
    }
    compiled.set(ref.source, fn);
  }
  return fn;
}
