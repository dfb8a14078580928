// Idle latency and idle cost. PE 0 sleeps a second, then calls a group
// member on PE 1 (also idle for that second) and awaits its result: the
// round trip, beside the same call made back to back (both PEs busy). Over
// each idle second both PEs report the CPU time they used
// (process.cpuUsage(), user + system), as a percentage of one core.
//   mpirun -np 2 node dist/bench/cases/idle.js [trials]
import { charm, Chare } from '../../lib';
import { report } from './report';

const IDLE_MS = 1000;

class Idler extends Chare<number> {
  private last = process.cpuUsage();
  /** CPU time used since the last call, in microseconds (user + system). */
  cpuSinceLast(): number {
    const used = process.cpuUsage(this.last);
    this.last = process.cpuUsage();
    return used.user + used.system;
  }
  echo(x: number): number {
    return x;
  }
  /** The time (ms since the epoch, same clock on every PE of a host) at which this ran. */
  stamp(): number {
    return performance.timeOrigin + performance.now();
  }
}
charm.register(Idler);

charm.start(async (args) => {
  if (charm.numPes() < 2) charm.abort('idle needs 2 PEs');
  const count = Number(args[0] ?? 7);
  const idlers = charm.createGroup(Idler);
  const peer = idlers[1];
  const busy: number[] = [];
  const idle: number[] = [];
  // The idle round trip's two halves: call to the method running on PE 1, and its end to the result here.
  const there: number[] = [];
  const back: number[] = [];
  const cpu: number[][] = [[], []];
  // Warm up the call path (and the timers) first, with the methods the trials call: the
  // first idle trial took 1.5-2.5x the others (np 2, per-hop traces) when only echo had run.
  for (let i = 0; i < 2000; i++) await peer.ret.echo(i);
  for (let i = 0; i < 200; i++) {
    await peer.ret.stamp();
    await idlers[0].ret.cpuSinceLast();
    await peer.ret.cpuSinceLast();
  }
  for (let t = 0; t < count; t++) {
    let start = performance.now();
    for (let i = 0; i < 100; i++) await peer.ret.echo(i);
    busy.push(((performance.now() - start) * 1000) / 100);
    const mine = idlers[0].ret.cpuSinceLast();
    const theirs = peer.ret.cpuSinceLast();
    await mine;
    await theirs;
    const wall = performance.now();
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    start = performance.now();
    const ran = await peer.ret.stamp();
    const end = performance.now();
    idle.push((end - start) * 1000);
    there.push((ran - performance.timeOrigin - start) * 1000);
    back.push((end - (ran - performance.timeOrigin)) * 1000);
    const wallUs = (performance.now() - wall) * 1000;
    const [a, b] = [await idlers[0].ret.cpuSinceLast(), await peer.ret.cpuSinceLast()];
    cpu[0].push((100 * a) / wallUs);
    cpu[1].push((100 * b) / wallUs);
  }
  report('idle-reply', { idleMs: IDLE_MS }, idle, 'us');
  report('idle-call-there', { idleMs: IDLE_MS }, there, 'us');
  report('idle-result-back', { idleMs: IDLE_MS }, back, 'us');
  report('busy-reply', {}, busy, 'us');
  report('idle-cpu-pe0', { idleMs: IDLE_MS }, cpu[0], '%');
  report('idle-cpu-pe1', { idleMs: IDLE_MS }, cpu[1], '%');
  charm.exit();
});
