/**
 * The error of a value that cannot be sent, naming where inside the value
 * it is ("Cell.update: argument 1.data[3]: a function (f) cannot be
 * sent"). Encoding spells a path only when it fails: each level adds its
 * step while the exception unwinds (`within`). A value nested past
 * MAX_DEPTH keeps the objects of those steps too, so that a cycle is named
 * by its two ends rather than by 256 of its steps.
 */

/** How deep a value may nest: past this, it is refused (a cycle, or data no program means to send). */
export const MAX_DEPTH = 256;

/** Raised when a value cannot be encoded; `path` says where inside the value. */
export class SerializationError extends TypeError {
  constructor(
    /** Where in the arguments the value was (e.g. "Cell.update: argument 1.data[3]"). */
    readonly path: string,
    /** What is wrong with it. */
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = 'SerializationError';
  }

  /**
   * The same error seen from further out: `outer` (a label, or the step
   * to a part: `.data`, `[3]`) goes before its path; `part` is the value
   * that step reached, when there is one.
   * @internal
   */
  within(outer: string, _part?: object): SerializationError {
    return new SerializationError(outer + this.path, this.reason);
  }
}

/** A step down into a value while encoding: its spelling (`.self`, `[0]`) and the object it reached. */
interface Step {
  readonly at: string;
  readonly value: object;
}

/**
 * A value nested deeper than MAX_DEPTH. It keeps the steps down to where
 * it stopped, so that a cycle is named by its two ends ("argument 0.next
 * is argument 0 again") rather than by a path of 256 `.next`s: the first
 * step, from the outside in, that reaches an object already passed on the
 * way down. Labels given from further out (`within` without a part) are
 * not steps. Nothing of this costs anything until the limit is crossed.
 */
export class NestedTooDeeply extends SerializationError {
  constructor(
    private readonly fullPath: string,
    private readonly steps: readonly Step[],
  ) {
    const cycle = findCycle(fullPath, steps);
    super(cycle?.path ?? fullPath, cycle ? `is ${cycle.again} again: a message cannot carry a cycle (send the data once, and refer to it by key or index)` : `nested more than ${MAX_DEPTH} levels deep`);
  }

  override within(outer: string, part?: object): SerializationError {
    return new NestedTooDeeply(outer + this.fullPath, part === undefined ? this.steps : [{ at: outer, value: part }, ...this.steps]);
  }
}

/**
 * The first step (outermost) of `steps` that reaches an object met on the
 * way down to it, with both places spelled out; the second without the
 * labels that end in ": " ("Cell.update: "), said once already.
 */
function findCycle(fullPath: string, steps: readonly Step[]): { path: string; again: string } | undefined {
  let path = fullPath.slice(0, fullPath.length - steps.reduce((n, step) => n + step.at.length, 0));
  const named = path.lastIndexOf(': ') + 2; // 1 when there is no such label
  const passed = new Map<object, string>();
  for (const step of steps) {
    path += step.at;
    const first = passed.get(step.value);
    if (first !== undefined) return { path, again: first.slice(named > 1 ? named : 0) };
    passed.set(step.value, path);
  }
  return undefined;
}
