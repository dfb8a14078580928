/**
 * Starting a program on a PE (`charm.start`): the tree branching, remote
 * code and source maps are set, MPI and the runtime start
 * (lifecycle.ts), the runtime's own groups and services are installed on
 * every PE before any message arrives (the runtime group, the future
 * forwarder, the pool, CCS, liveViz, checkpoints), then PE 0 serves the
 * live view and runs main: a function, or a main chare created on PE 0,
 * given the program's arguments without the runtime's options; or, under
 * `+restart DIR`, the checkpoint's callback instead. When the job stays
 * idle, PE 0 prints a hint (console/idleHint.ts): that main waits for
 * something nothing will send, or, once main has finished, that
 * `charm.exit()` ends the job.
 */
import { classInfo } from '../model/registry';
import type { CollectionRef } from '../model/proxy';
import { CHARMRUN_ENV, environmentProblem, programArgs, runtimeOptionProblem, runtimeWords, unknownOptionsNotice } from './options';
import { runtime } from '../model/context';
import { setForwarder } from '../model/future';
import { Chare, type ChareIndex } from '../model/chare';
import { createChare } from '../collections/singletons';
import { whenConstructed, whenCreated } from '../collections/collections';
import { awaitReadonlies, sendReadonlies } from '../readonlies';
import { fatal, writeAll } from '../errors';
import { startRuntime } from './lifecycle';
import { charmGroup, installCharmGroup } from './charmGroup';
import { traceProblem, type ProfileOptions } from '../profiling/profile';
import { enableRemoteCode } from '../console/remoteCode';
import { IdleHint } from '../console/idleHint';
import { setMainProgress } from './mainProgress';
import { stuckLines } from '../console/stuck';
import { types } from 'util';
import { setBranching } from '../tree';
import { installPool } from '../pool/pool';
import { installCcs } from '../ccs/ccs';
import { installLiveViz } from '../liveviz/liveviz';
import { startLiveView } from '../liveview/liveview';
import { liveViewSettings, type LiveViewOptions } from '../liveview/settings';
import { REPORT_OPTION, reportSteps } from '../balancing/report';
import { checkpointDirProblem, installCheckpoints, restartIfAsked } from '../checkpoint/protocol';

/**
 * Options of `charm.start`. Profiling can also be asked for on the command
 * line: `+stats` prints per-PE statistics at exit, `+trace FILE` writes a
 * Chrome trace-event file (open it in Perfetto or chrome://tracing),
 * `+lbreport` prints what each load-balancing step moved.
 */
export interface StartOptions extends ProfileOptions {
  /**
   * Let other PEs run code here: `charm.thisProxy[pe].exec(code)`,
   * `.eval(expression)` and `.updateGlobals({...})`. Off by default (code
   * from a message runs with the process's full rights).
   */
  remoteCode?: boolean;
  /** Branching factor of the spanning tree used by broadcasts, reductions and quiescence (default 4). */
  treeBranching?: number;
  /**
   * Serve the live view on PE 0 (as `+liveview [HOST:]PORT` does): a page
   * with the liveViz image, per-PE load, load-balancing steps and output,
   * and the CCS handlers. A port (0: any free one) or `{ port, host }`;
   * the host is 127.0.0.1 unless named. The URL, with its token, is printed
   * at start. See docs/liveview.md.
   */
  liveView?: number | LiveViewOptions;
  /**
   * Print a hint when the job has been idle for a while: that main waits
   * for something nothing will send, or, once main has returned, that
   * `charm.exit()` ends the job (default true; CHARMTS_IDLE_HINT=seconds,
   * 0 for never; a value of another form ends the job at start, naming it).
   */
  idleHint?: boolean;
}

/** A main chare class: constructed on PE 0 with the program's arguments. */
export type MainChareClass = abstract new (args: string[]) => Chare<ChareIndex>;

/** `charm.start(main, options)` on this PE; `waitQD` resolves at the next quiescence (for the idle hint). */
export function startProgram(main: ((args: string[]) => unknown) | MainChareClass, options: StartOptions, waitQD: () => Promise<void>): void {
  if (typeof main !== 'function') throw new TypeError(`charm.start: main must be a function or a chare class, got ${typeof main}`);
  const mainChare = main.prototype instanceof Chare ? (main as MainChareClass) : undefined;
  if (mainChare) classInfo(mainChare, 'charm.start');
  enableRemoteCode(options.remoteCode === true);
  // Stacks point at the program's TypeScript lines where it was compiled with source maps.
  process.setSourceMapsEnabled(true);
  if (options.treeBranching !== undefined) setBranching(options.treeBranching);
  const liveView = liveViewSettings(options.liveView, runtimeWords());
  startRuntime(options, () => {
    installCharmGroup();
    setForwarder((inner, to, slot) => charmGroup()[inner.pe].forwardFuture(inner, to, slot));
    installPool();
    installCcs();
    installLiveViz();
    installCheckpoints();
    awaitReadonlies();
  });
  const rt = runtime();
  if (rt.myPe !== 0) return;
  if (runtimeWords().includes(REPORT_OPTION)) reportSteps();
  if (liveView) startLiveView(liveView, () => charmGroup().ret.stats());
  const problem = runtimeOptionProblem(runtimeWords()) ?? environmentProblem() ?? traceProblem() ?? checkpointDirProblem();
  if (problem) fatal(new Error(`charm.start: ${problem}`), 'on PE 0');
  const notice = process.env[CHARMRUN_ENV] === undefined ? unknownOptionsNotice(runtimeWords(), rt.numPes) : undefined;
  if (notice) writeAll(2, `${notice}\n`);
  const args = programArgs(process.argv.slice(2));
  const hint = new IdleHint(waitQD, async () => stuckLines(await charmGroup().ret.membersReport()));
  const returned = (): void => setMainProgress('returned');
  setImmediate(() => {
    // CHARMTS_IDLE_ABORT is asked for outright: it holds with the hint off, a live view and a restart too.
    hint.startAbort();
    if (options.idleHint !== false && !liveView) hint.start();
    if (restartIfAsked()) {
      // `+restart DIR`: the checkpoint's callback goes on instead of main.
      setMainProgress('restarted');
      // A restart sets the saved values everywhere itself, after this: sending now releases the held messages.
      return sendReadonlies();
    }
    try {
      if (mainChare) {
        // The main chare's program is its set-up: the job is idle once that has finished.
        const main = createChare(mainChare, [args], { onPE: 0 }) as { readonly __ref: CollectionRef };
        whenConstructed(main, sendReadonlies);
        whenCreated(main, 'charm.start').then(returned, () => undefined);
        return;
      }
      const result = (main as (args: string[]) => unknown)(args);
      sendReadonlies(); // main's synchronous part has set them (Charm++: the main chare's constructor)
      // isPromise: a future of this PE (charm.waitQD() returned as it is) is a promise, but not an instance of Promise.
      if (types.isPromise(result)) result.then(returned, (error: unknown) => fatal(error, 'on PE 0 in main'));
      else returned();
    } catch (error) {
      fatal(error, 'on PE 0 in main');
    }
  });
}
