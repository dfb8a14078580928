// Timers and stdin work while the runtime runs: main reads a line from
// stdin while an interval ticks and PEs exchange messages.
//   echo hi | mpirun -np 2 node dist/test/programs/stdinTimers.js
import { charm, Chare } from '../../lib';

class Pinger extends Chare {
  ping(i: number): number {
    return i + 1;
  }
}
charm.register(Pinger);

function readLine(): Promise<string> {
  return new Promise((resolve) => {
    let buffered = '';
    process.stdin.setEncoding('utf8');
    const onData = (chunk: string): void => {
      buffered += chunk;
      const end = buffered.indexOf('\n');
      if (end >= 0) {
        process.stdin.off('data', onData);
        process.stdin.pause();
        resolve(buffered.slice(0, end));
      }
    };
    process.stdin.on('data', onData);
  });
}

charm.start(async () => {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  const g = charm.createGroup(Pinger);
  let pings = 0;
  let reading = true;
  const pingLoop = (async () => {
    while (reading) {
      const next = await g[1].ret.ping(pings);
      if (next !== pings + 1) throw new Error(`ping ${pings} answered ${next}`);
      pings = next;
    }
  })();
  console.log('ready');
  const line = await readLine();
  reading = false;
  await pingLoop;
  clearInterval(timer);
  console.log(`line=${line}`);
  console.log(`ticks=${ticks}`);
  console.log(`pings=${pings}`);
  charm.exit(0);
});
