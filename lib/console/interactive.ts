/**
 * The interactive console (`charmrun +pN ++interactive`, or plainly
 * `mpirun -np N node interactive.js`): a REPL on PE 0 running inside a
 * chare, so `await` works at the prompt and `self` is the console chare;
 * the other PEs run the runtime. Code typed there can define chare classes,
 * functions and imports on every PE (plan.ts). Remote code (exec, eval,
 * updateGlobals) is on, as this is interactive, and so are pool tasks sent
 * as source; an error in a call nobody waits for is printed and the
 * session goes on.
 */
import { createRequire } from 'module';
import * as path from 'path';
import * as lib from '../index';
import { charm, Chare } from '../index';
import { registerClass, type ChareClass } from '../model/registry';
import { keepGoingAfterErrors } from '../errors';
import { sessionFailed, startSession } from './session';
import { withdrawWaits } from '../channels';
import { refuseCheckpoints } from '../checkpoint/protocol';

// What the prompt (and code sent from it) can use, on every PE.
Object.assign(globalThis, lib);
Object.defineProperty(globalThis, 'require', { value: createRequire(path.join(process.cwd(), 'console.js')), configurable: true, writable: true });
Object.defineProperty(globalThis, '__charmtsConsole', {
  value: {
    /** Registers a class defined at the prompt, replacing an older one of its name. */
    define(cls: unknown): void {
      if (typeof cls === 'function' && cls.prototype instanceof Chare) registerClass(cls as ChareClass, cls.name, true);
    },
  },
});
// Functions typed at the prompt can be pool tasks: they travel as source;
// JavaScript's own (Math.abs...) have no source, so they travel by name.
charm.pool.allowSourceTasks();
for (const [owner, prefix] of [[Math, 'Math.'], [Number, 'Number.'], [globalThis, '']] as const) {
  for (const name of Object.getOwnPropertyNames(owner)) {
    const fn = (owner as unknown as Record<string, unknown>)[name];
    if (typeof fn === 'function' && /\[native code\]/.test(Function.prototype.toString.call(fn)) && !/^[A-Z]/.test(name)) charm.pool.register(fn as () => unknown, prefix + name);
  }
}
keepGoingAfterErrors();
// Refused at the call: the checkpoint would fail at PE 0 naming the console chare's suspended method, which the user cannot end.
refuseCheckpoints(
  'a checkpoint cannot be taken from the interactive console: the session is an entry method that stays suspended at the prompt, ' +
    'which a checkpoint cannot save (nor the classes and variables defined there); checkpoint from a program (docs/checkpoint.md)',
);

/** The console: a chare on PE 0 whose entry method runs the prompt. */
class InteractiveConsole extends Chare {
  async run(): Promise<void> {
    (globalThis as Record<string, unknown>).self = this;
    let server: Awaited<ReturnType<typeof startSession>>;
    try {
      // A recv (or select, iwait) at the prompt interrupted by Ctrl-C stops waiting: the next value is the next recv's.
      server = await startSession(() => withdrawWaits(this));
    } catch (error) {
      // E.g. PE 0 on another host than charmrun: its console channel is out of reach.
      process.stderr.write(`charmts: the console cannot start on PE 0: ${(error as Error).message}\n`);
      charm.exit(1);
      return;
    }
    server.on('exit', () => charm.exit(sessionFailed() ? 1 : 0));
    return new Promise<void>(() => {}); // the prompt runs until the user leaves
  }
}
charm.register(InteractiveConsole);

charm.start(
  async () => {
    const console = charm.createChare(InteractiveConsole, [], { onPE: 0 });
    console.run();
  },
  { remoteCode: true, idleHint: false },
);
