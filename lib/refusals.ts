/**
 * Errors charmts raises to refuse a bad call through a proxy (a value that
 * cannot be sent, an index out of range, a method the class lacks, too
 * many arguments). A proxy rethrows them with their stack starting at the
 * program's call (fromCaller), as Node's own argument errors leave out the
 * validators' frames: the runtime's frames above that line only show where
 * the check is. Any other error thrown inside a call (a runtime bug) keeps
 * all its frames. Pure (no binding): the modules that make refusals are
 * tested in process.
 */
const refusals = new WeakSet<Error>();

/** Marks `error` as a refusal of a bad call (see fromCaller). */
export function refusal<E extends Error>(error: E): E {
  refusals.add(error);
  return error;
}

/** `error`, its stack starting at the program's call of `entry` (a function running now) when it is a refusal (above) or a SerializationError. */
export function fromCaller(error: unknown, entry: (...args: never[]) => unknown): unknown {
  if (error instanceof Error && (refusals.has(error) || error.name === 'SerializationError')) Error.captureStackTrace(error, entry);
  return error;
}
