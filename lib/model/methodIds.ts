/**
 * The runtime's own method ids and the one function that names any method
 * id for a person. A class's entry methods are numbered from 0 in sorted
 * order (registry.ts); the ids from FIRST_RUNTIME_METHOD up are the
 * runtime's pseudo methods, which travel as calls but are no entry
 * method of any class. An error never shows a raw method id: a call to
 * one of these is named for what the program did to make it.
 */

/** `charm.awaitCreation`: completes once the member's set-up has finished (invoke.ts). */
export const METHOD_CREATED = 0xfffb;
/** An array's census broadcast (broadcasts.ts, sequencer.ts). */
export const METHOD_CENSUS = 0xfffc;
/** Channel data (channels.ts). */
export const METHOD_CHANNEL = 0xfffd;
/** An element proxy's ckMigrate. */
export const METHOD_MIGRATE = 0xfffe;
/** An element proxy's ckDestroy. */
export const METHOD_DESTROY = 0xffff;
/** The lowest pseudo method id: a class has at most this many entry methods. */
export const FIRST_RUNTIME_METHOD = METHOD_CREATED;

const PSEUDO_NAMES: Record<number, string> = {
  [METHOD_CREATED]: 'awaitCreation',
  [METHOD_CENSUS]: "the runtime's census of broadcasts",
  [METHOD_CHANNEL]: 'a channel send',
  [METHOD_MIGRATE]: 'ckMigrate',
  [METHOD_DESTROY]: 'ckDestroy',
};

/**
 * The name of method `method` for an error: the entry method's name from
 * `methods` (its class's list, registry.ts), a pseudo method's, or, when
 * the class is not known any more (`methods` undefined), "an entry method".
 */
export function methodName(methods: readonly string[] | undefined, method: number): string {
  return PSEUDO_NAMES[method] ?? methods?.[method] ?? 'an entry method';
}
