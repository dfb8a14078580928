/**
 * The exit mark: under charmrun `+restarts`, PE 0 writes it in the
 * checkpoint directory as the program's exit starts, and charmrun removes
 * it before each run. A rank that dies after the program called
 * charm.exit() (its work done, its results written) then ends the job
 * without a restart, which would have redone the work since the last
 * checkpoint and written the results twice. Plain files, no runtime.
 */
import * as fs from 'fs';
import * as path from 'path';
import { automaticRestarts, flagValue } from './options';

const MARK = '.charmts-exiting';

/** PE 0, at the exit's start: marks the job as ending with `code` (nothing when charmrun restarts nothing). */
export function markExit(words: readonly string[], code: number): void {
  const dir = automaticRestarts() > 0 ? flagValue(words, '+checkpoint-dir') : undefined;
  if (dir === undefined) return;
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, MARK), `${code}\n`);
  } catch {
    // Unwritable: a rank dying from here on restarts the job, as without the mark.
  }
}

/** charmrun: the code the program's exit had started with, if it had (and removes the mark). */
export function takeExitMark(dir: string): number | undefined {
  const file = path.join(dir, MARK);
  try {
    const code = Number(fs.readFileSync(file, 'utf8'));
    fs.rmSync(file, { force: true });
    return Number.isInteger(code) ? code : 0;
  } catch {
    return undefined;
  }
}
