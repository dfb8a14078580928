/**
 * The anchors of issue 15: Charm++ 8.0 (MPI machine layer, non-SMP) and
 * Charm4py on the same Charm++, as built into /tmp/anchors (or $ANCHORS) by
 * the shared tools/anchors-build.sh. Their benchmark programs are the ones
 * tools/anchors-bench.sh runs (bench-src/charm/ck*, bench-src/charm4py/*.py):
 * same names, params, trial scheme (>= 400 ms warm-up, then trials; median)
 * and JSON lines as bench/cases, so a record matches its anchor by name,
 * params and np. Nothing here is required: without the build, `make bench`
 * leaves the columns out and prints `missingNote()`.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export type AnchorName = 'Charm++' | 'Charm4py';
export const ANCHOR_NAMES: AnchorName[] = ['Charm++', 'Charm4py'];

const dir = process.env.ANCHORS ?? '/tmp/anchors';
const charmBin = (name: string): string => path.join(dir, 'bench-src', 'charm', name);
const charm4pyScript = (name: string): string => path.join(dir, 'bench-src', 'charm4py', `${name}.py`);
/** Charm4py's jacobi2d example, in the sources the build used. */
const CHARM4PY_JACOBI = path.join(dir, 'charm4py-src', 'examples', 'jacobi', 'jacobi2d.py');
/** The venv (on Debian's python3) that Charm4py is installed in. */
const VENV_PYTHON = path.join(dir, 'venv', 'bin', 'python');

/** Trials per size of Charm4py's ping-pongs: anchors-bench.sh's PP_TRIALS (Charm4py at 4 MiB takes ~0.3 s a trial). */
const PINGPONG_TRIALS = '21';
/**
 * Trials per size of Charm++'s ping-pongs: as many as bench/cases/pingpong.ts
 * and bench/c/pingpong.c take (41), so that the spreads (max / median trial)
 * compared are maxima over the same number of trials.
 */
const CHARM_PINGPONG_TRIALS = '41';
/** Trials of the collectives, migration and pool programs: anchors-bench.sh's TRIALS, as bench/cases/report.ts. */
const TRIALS = '7';

let charm4pyImports: boolean | undefined;
function hasCharm4py(): boolean {
  // CHARM_NOLOAD: import without starting the Charm++ runtime (as anchors-bench.sh checks it).
  charm4pyImports ??= fs.existsSync(VENV_PYTHON) && spawnSync(VENV_PYTHON, ['-c', 'import charm4py'], { env: { ...process.env, CHARM_NOLOAD: '1' }, stdio: 'ignore' }).status === 0;
  return charm4pyImports;
}

let numbaImports: boolean | undefined;
function hasNumba(): boolean {
  numbaImports ??= spawnSync(VENV_PYTHON, ['-c', 'import numba'], { stdio: 'ignore' }).status === 0;
  return numbaImports;
}

/** A benchmark the anchors have a counterpart of. */
export type AnchorBench =
  | { kind: 'pingpong'; sizes: number[]; player: 'group' | 'array' }
  | { kind: 'collectives' | 'migration' | 'pool' }
  | { kind: 'jacobi2d'; grid: number; blockSize: number };

/** The command that runs `anchor`'s counterpart of `bench` (to go after `mpirun -np N`), or null when it is not built. */
export function anchorCommand(anchor: AnchorName, bench: AnchorBench): string[] | null {
  let command: string[] | null = null;
  if (anchor === 'Charm++') {
    if (bench.kind === 'pingpong') command = [charmBin('ckpingpong'), bench.player, CHARM_PINGPONG_TRIALS, ...bench.sizes.map(String)];
    else if (bench.kind === 'collectives') command = [charmBin('ckcoll'), TRIALS];
    else if (bench.kind === 'migration') command = [charmBin('ckmigrate'), TRIALS, '2000'];
    return command && fs.existsSync(command[0]) ? command : null;
  }
  if (bench.kind === 'pingpong') command = [VENV_PYTHON, charm4pyScript('pingpong'), bench.player, PINGPONG_TRIALS, ...bench.sizes.map(String)];
  else if (bench.kind === 'collectives') command = [VENV_PYTHON, charm4pyScript('collectives'), TRIALS];
  else if (bench.kind === 'pool') command = [VENV_PYTHON, charm4pyScript('pool'), TRIALS];
  else if (bench.kind === 'jacobi2d') {
    // Charm4py's own example, run unchanged by bench/python/jacobi2d.py (which adds a JSON line of its time per iteration).
    if (!fs.existsSync(CHARM4PY_JACOBI)) return null;
    command = [VENV_PYTHON, path.join(__dirname, '..', '..', 'bench', 'python', 'jacobi2d.py'), CHARM4PY_JACOBI, String(bench.grid), String(bench.blockSize)];
    // Without numba its kernel is interpreted Python, ~8 s an iteration at 2048 x 2048 on one PE here: 2 iterations, not its 100.
    if (!hasNumba()) command.push('2');
  }
  return command && fs.existsSync(command[1]) && hasCharm4py() ? command : null;
}

/** Which anchors are built here. */
export function anchorsBuilt(): AnchorName[] {
  return ANCHOR_NAMES.filter((a) => anchorCommand(a, { kind: 'collectives' }) !== null);
}

/** One line saying how to get the missing anchors' columns, or null when both are built. */
export function missingNote(): string | null {
  const missing = ANCHOR_NAMES.filter((a) => !anchorsBuilt().includes(a));
  if (missing.length === 0) return null;
  return `${missing.join(' and ')} column${missing.length > 1 ? 's' : ''} left out: not built in ${dir} (build them once, ~40 min on 2 cores: ANCHORS=${dir} CHARM_MIRROR=<UIUC-PPL/charm git dir> C4P_MIRROR=<charmplusplus/charm4py git dir> /work/shared/tools/anchors-build.sh).`;
}
