/**
 * Whether this program can restart a checkpoint: every class it holds is
 * registered under the same name with the same entry methods (saved
 * proxies and callbacks number methods by their position in the sorted
 * list), every array map and balancer exists, the readonlies match, its
 * callback is an entry method, and, on another number of PEs, no group
 * member holds what only it can hold (calls waiting on a `when`
 * condition, channel ends) and no group lives on some PEs only (`onPEs`).
 * Each problem names the manifest.
 */
import * as path from 'path';
import { runtime } from '../model/context';
import { classByName } from '../model/registry';
import { mapByName } from '../collections/arrayIndex';
import { strategyNamed } from '../balancing/strategies';
import { MANIFEST, type Manifest } from './manifest';
import { readonlyNames } from '../readonlies';

export function incompatibilities(dir: string, manifest: Manifest): string[] {
  const file = path.join(dir, MANIFEST);
  const problems: string[] = [];
  for (const [name, saved] of Object.entries(manifest.classes)) {
    const uses = manifest.collections.filter((c) => c.class === name).map((c) => `${c.kind} ${c.id}`);
    let methods: readonly string[];
    try {
      methods = classByName(name).methods;
    } catch {
      problems.push(`${file}: chare class "${name}"${uses.length ? ` (${uses.join(', ')})` : ''} is not registered in this program (renamed or removed since the checkpoint?)`);
      continue;
    }
    const added = methods.filter((m) => !saved.includes(m));
    const removed = saved.filter((m) => !methods.includes(m));
    if (added.length || removed.length) {
      const change = [added.length ? `added ${added.join(', ')}` : '', removed.length ? `removed ${removed.join(', ')}` : ''].filter(Boolean).join('; ');
      problems.push(`${file}: the entry methods of chare class "${name}" changed since the checkpoint (${change}); saved proxies and callbacks number methods by name order, so this program cannot restart it`);
    }
  }
  const numPes = runtime().numPes;
  for (const c of manifest.collections) {
    if (numPes !== manifest.pes && c.samePes) {
      problems.push(`${file}: group ${c.class} (${c.id}) can only be restarted on ${manifest.pes} PEs, as checkpointed, not ${numPes}: ${c.samePes.join('; ')}, which belong to that member alone`);
    }
    if (numPes !== manifest.pes && c.pes) {
      problems.push(`${file}: group ${c.class} (${c.id}) has members on PEs ${c.pes.join(', ')} only (onPEs): it can only be restarted on ${manifest.pes} PEs, as checkpointed, not ${numPes}`);
    }
    if (!c.shape) continue;
    try {
      mapByName(c.shape.map);
      if (c.shape.balancer) strategyNamed(c.shape.balancer, `array ${c.class} (${c.id})`);
    } catch (error) {
      // The refusal is the map's or strategy's own error, written for a call: its "charmts: " would follow the file's name.
      problems.push(`${file}: ${(error as Error).message.replace(/^charmts: /, '')}`);
    }
  }
  const registered = readonlyNames();
  const missing = manifest.readonlies.filter((n) => !registered.includes(n));
  const unsaved = registered.filter((n) => !manifest.readonlies.includes(n));
  if (missing.length) problems.push(`${file}: readonly ${missing.join(', ')} is saved but not registered in this program (charm.registerReadonly)`);
  if (unsaved.length) problems.push(`${file}: readonly ${unsaved.join(', ')} is registered in this program but not saved in the checkpoint`);
  if (manifest.callback.kind === 'future') {
    problems.push(
      `${file}: this checkpoint's callback is ${manifest.callback.target}: a future belongs to code that was running when the checkpoint was taken (main, an async method), which a checkpoint does not save, so a restart has nothing to resume; take checkpoints with charm.callback(proxy, 'method') to restart them`,
    );
  }
  return problems;
}
