/**
 * The live view: off unless asked for (`+liveview [HOST:]PORT` on the
 * command line, or `charm.start(main, { liveView })`). PE 0 then serves a
 * page showing the liveViz image, per-PE load and message rates, the
 * load-balancing steps and the job's output, and lets the page (or any
 * `CcsClient`) call the program's CCS handlers. It listens on 127.0.0.1
 * unless another address is named, and prints its URL, with a random token
 * that every request must carry (drawn once per charmrun: settings.ts).
 */
import { randomBytes } from 'crypto';
import { runtime } from '../model/context';
import { fatal, writeAll } from '../errors';
import { callHandler, handlerNames } from '../ccs/ccs';
import { imageSettings, onFrames, wantFrame } from '../liveviz/liveviz';
import type { PeStats } from '../profiling/profile';
import { Monitor } from './monitor';
import type { LiveViewServer } from './server';
import { givenToken, type LiveViewOptions } from './settings';

/** PE 0: the page's URL once the server listens. */
let listening: Promise<string> | undefined;

/** PE 0: the live view's URL (token included) once it listens. */
export function liveViewUrl(): Promise<string> {
  const where = 'charm.liveViewUrl';
  const rt = runtime(where);
  if (rt.myPe !== 0) return Promise.reject(new Error(`${where}: the live view runs on PE 0, not on PE ${rt.myPe}`));
  return listening ?? Promise.reject(new Error(`${where}: the live view is off; start the job with +liveview PORT or charm.start(main, { liveView: port })`));
}

/**
 * PE 0: starts the server and prints its URL. `sampleStats` gives every
 * PE's counters (charm.thisProxy.ret.stats()).
 */
export function startLiveView(where: Required<LiveViewOptions>, sampleStats: () => PromiseLike<PeStats[]>): void {
  const rt = runtime();
  let server: LiveViewServer | undefined;
  const monitor = new Monitor(sampleStats, {
    perf: (sample) => server?.publishPerf(sample),
    balancing: (step) => server?.publishBalancing(step),
    output: (lines, skipped) => server?.publishOutput(lines, skipped),
  });
  const token = givenToken() ?? randomBytes(24).toString('base64url');
  // The server (and the WebSocket library, 40 ms to load) is loaded only here: every PE of every job loaded it.
  listening = import('./server').then(({ LiveViewServer }) => LiveViewServer.listen(where.host, where.port, token, {
    numPes: rt.numPes,
    handlers: handlerNames,
    image: () => {
      const s = imageSettings();
      return s && { width: s.width, height: s.height, format: s.format, clickHandler: s.clickHandler };
    },
    call: callHandler,
    wantFrame,
    watchPerf: (wanted) => monitor.watchPerf(wanted),
    history: () => ({ perf: monitor.perf, balancing: monitor.steps, output: monitor.output }),
  })).then(
    (started) => {
      server = started;
      onFrames((frame) => started.publishFrame(frame));
      // At the exit the close frames are written at once (the sockets are writable); the process does not wait for replies.
      process.once('exit', () => started.closeAll('the job ended'));
      writeAll(1, `charmts: live view at ${started.url}\n`);
      return started.url;
    },
    (error: NodeJS.ErrnoException) => fatal(new Error(`the live view cannot listen on ${where.host}:${where.port}: ${error.code ?? error.message}`), 'on PE 0 starting the live view'),
  );
}
