/**
 * Colour of console output, decided for where the job's output really goes.
 * Node colours `console.log` when stdout is a terminal, and under mpirun
 * every rank's stdout is a pty: output the user redirected to a file would
 * get escape codes. The decision, in order: the user's FORCE_COLOR,
 * NO_COLOR or NODE_DISABLE_COLORS (Node honours them itself); charmrun's
 * word (CHARMTS_COLOR=1 or 0, from its own stdout); under plain mpirun on
 * its host, mpirun's stdout; a rank started by a remote daemon does not
 * colour.
 */
import * as fs from 'fs';

/** Launchers whose stdout is the job's stdout. */
const LAUNCHERS = new Set(['mpirun', 'mpiexec', 'orterun', 'prterun', 'charmrun']);
/** Daemons that start ranks on other hosts: their stdout is not the user's. */
const DAEMONS = new Set(['orted', 'prted', 'hydra_pmi_proxy']);

const USER_CHOICE = ['FORCE_COLOR', 'NO_COLOR', 'NODE_DISABLE_COLORS'];

/** Whether a terminal-bound stream of charmrun (or any launcher) should get colour. */
export function colourFor(stream: NodeJS.WriteStream): boolean {
  if (process.env.FORCE_COLOR !== undefined) return stream.hasColors?.() ?? process.env.FORCE_COLOR !== '0';
  return stream.isTTY === true && stream.hasColors();
}

/** True or false when the runtime must decide; undefined leaves Node's own rule (stdout is really ours, or the user chose). */
export function colourDecision(): boolean | undefined {
  if (USER_CHOICE.some((name) => process.env[name] !== undefined)) return undefined;
  const told = process.env.CHARMTS_COLOR;
  if (told === '1' || told === '0') return told === '1';
  let parent: string;
  try {
    parent = fs.readFileSync(`/proc/${process.ppid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
  if (DAEMONS.has(parent)) return false;
  if (!LAUNCHERS.has(parent)) return undefined;
  try {
    return /^\/dev\/(pts\/|tty)/.test(fs.readlinkSync(`/proc/${process.ppid}/fd/1`));
  } catch {
    return false;
  }
}

/** Makes console.log (and libraries asking the stream) follow the decision. */
export function applyColourDecision(): void {
  const colour = colourDecision();
  if (colour !== false) return; // a pty colours by default; the user's choice is Node's
  for (const stream of [process.stdout, process.stderr]) {
    stream.getColorDepth = () => 1;
    stream.hasColors = () => false;
  }
}
