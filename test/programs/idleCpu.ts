// Idle PEs do not spin: over one second in which main sleeps and PE 1 has
// nothing to do, each PE reports the CPU time its process used.
//   mpirun -np 2 node dist/test/programs/idleCpu.js [seconds]
import { charm, Chare } from '../../lib';

class Probe extends Chare {
  private cpu0: NodeJS.CpuUsage = process.cpuUsage();
  private wall0 = performance.now();

  mark(): void {
    this.cpu0 = process.cpuUsage();
    this.wall0 = performance.now();
  }
  usage(): { pe: number; cpuMs: number; wallMs: number } {
    const d = process.cpuUsage(this.cpu0);
    return { pe: charm.myPe(), cpuMs: (d.user + d.system) / 1000, wallMs: performance.now() - this.wall0 };
  }
}
charm.register(Probe);

charm.start(async (args) => {
  const seconds = Number(args[0] ?? 1);
  const g = charm.createGroup(Probe);
  await g.awaitable.mark();
  await charm.sleep(seconds);
  const pe1 = await g[1].ret.usage();
  const pe0 = await g[0].ret.usage();
  console.log(`usage ${JSON.stringify(pe1)}`);
  console.log(`usage ${JSON.stringify(pe0)}`);
  charm.exit(0);
});
