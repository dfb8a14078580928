/**
 * Runs uvu tests inside an MPI job: every PE loads the file (so chare
 * classes are registered everywhere), PE 0 runs the tests from main, then
 * the job exits with 1 if any failed. Import `test`/`suite` from here, not
 * from uvu, so that uvu is loaded in deferred mode.
 */
import * as path from 'path';
import { charm, type StartOptions } from '../../lib';

const g = globalThis as { UVU_DEFER?: number; UVU_QUEUE?: unknown[][] };
g.UVU_DEFER = 1;
g.UVU_QUEUE = [[path.basename(require.main?.filename ?? 'tests')]];
// eslint-disable-next-line @typescript-eslint/no-require-imports
const uvu = require('uvu') as typeof import('uvu');

export const test = uvu.test;
export const suite = uvu.suite;

/** Starts the runtime (with `options`); on PE 0 runs every test defined, then ends the job. */
export function runTests(options: StartOptions = {}): void {
  test.run();
  charm.start(async () => {
    await uvu.exec();
    charm.exit(process.exitCode ? 1 : 0);
  }, options);
}
