/**
 * The interactive console (`charmrun +pN ++interactive`): a REPL on PE 0
 * running inside a chare, so `await` works at the prompt and `self` is the
 * console chare; the other PEs run the runtime. Chare classes defined at
 * the prompt and imports typed there are run on every PE too. Remote code
 * (exec, eval, updateGlobals) is on, as this is interactive.
 */
import * as repl from 'repl';
import { Script } from 'vm';
import * as lib from '../index';
import { charm, Chare } from '../index';

// What the prompt (and code sent from it) can use, on every PE.
Object.assign(globalThis, lib);
// Functions typed at the prompt can be pool tasks: they travel as source.
charm.pool.allowSourceTasks();

/** The console: a chare on PE 0 whose entry method runs the prompt. */
class InteractiveConsole extends Chare {
  run(): Promise<void> {
    (globalThis as Record<string, unknown>).self = this;
    const server = repl.start({ prompt: '>>> ', useGlobal: true, ignoreUndefined: true, terminal: process.stdin.isTTY === true });
    const evaluate = server.eval.bind(server);
    // Definitions and imports go to every PE before they run here.
    (server as unknown as { eval: repl.REPLEval }).eval = (code, context, file, callback) => {
      if (!complete(code)) {
        evaluate(code, context, file, callback); // lets the REPL ask for more lines
        return;
      }
      broadcastDefinitions(code).then(
        (registered) => evaluate(code, context, file, (error, result) => {
          if (!error) for (const name of registered) {
            charm.register((0, eval)(name));
            server.output.write(`charmts> Registered ${name} on every PE\n`);
          }
          callback(error, result);
        }),
        (error: unknown) => callback(error as Error, undefined),
      );
    };
    server.on('exit', () => charm.exit(0));
    return new Promise<void>(() => {}); // the prompt runs until the user leaves
  }
}
charm.register(InteractiveConsole);

/** True when `code` parses (multi-line input in progress does not). */
function complete(code: string): boolean {
  try {
    new Script(code);
    return true;
  } catch {
    return false;
  }
}

const CLASS = /^\s*class\s+([A-Za-z_$][\w$]*)\s+extends\s+Chare\b/;
const IMPORT = /^\s*(import\s|(const|let|var)\s+[^=]+=\s*require\(|require\()/;

/** Runs class definitions and imports on the other PEs; returns the classes to register here. */
async function broadcastDefinitions(code: string): Promise<string[]> {
  const source = code.trim();
  const cls = CLASS.exec(source);
  if (!cls && !IMPORT.test(source)) return [];
  const others = Array.from({ length: charm.numPes() - 1 }, (_, i) => i + 1);
  const remote = cls ? `${source}\n;globalThis.${cls[1]} = ${cls[1]}; charm.register(${cls[1]});` : source.replace(/^\s*(const|let|var)\s+/, 'globalThis.').replace(/^\s*import\s+(\w+)\s+from\s+(['"][^'"]+['"])/, 'globalThis.$1 = require($2)');
  await Promise.all(others.map((pe) => charm.thisProxy[pe].awaitable.exec(remote)));
  if (!cls) process.stdout.write('charmts> Ran the import on every PE\n');
  return cls ? [cls[1]] : [];
}

charm.start(
  async () => {
    const console = charm.createChare(InteractiveConsole, [], { onPE: 0 });
    console.run();
  },
  { remoteCode: true },
);
