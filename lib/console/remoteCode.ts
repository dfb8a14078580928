/**
 * Remote code: running code sent from another PE (`exec`, `eval`) and
 * setting globals on every PE (`updateGlobals`). Off unless the program
 * asks for it (`charm.start(main, { remoteCode: true })`) or runs in the
 * interactive console: code from a message runs with the full rights of
 * the process.
 */

let enabled = false;

/** Turns remote code on for this PE (every PE makes the same start call). */
export function enableRemoteCode(on: boolean): void {
  enabled = on;
}

function check(method: string): void {
  if (!enabled) {
    throw new Error(`charm.thisProxy.${method}: remote code is disabled; enable it with charm.start(main, { remoteCode: true }) (it is on by default only in the interactive console)`);
  }
}

/** Runs statements in this PE's global scope. */
export function execHere(code: string): void {
  check('exec');
  if (typeof code !== 'string') throw new TypeError(`charm.thisProxy.exec: code must be a string, got ${typeof code}`);
  (0, eval)(code);
}

/** Evaluates an expression in this PE's global scope and returns its value. */
export function evalHere(expression: string): unknown {
  check('eval');
  if (typeof expression !== 'string') throw new TypeError(`charm.thisProxy.eval: expression must be a string, got ${typeof expression}`);
  return (0, eval)(expression);
}

/** Sets global variables on this PE. */
export function updateGlobalsHere(globals: Record<string, unknown>): void {
  check('updateGlobals');
  if (typeof globals !== 'object' || globals === null) throw new TypeError('charm.thisProxy.updateGlobals: expected an object of names to values');
  Object.assign(globalThis, globals);
}
