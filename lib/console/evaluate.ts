/**
 * The console's evaluation: code typed at the prompt is checked for
 * Charm4py spellings, its definitions and imports run on every PE first
 * (plan.ts), then it runs on PE 0 through Node's own REPL evaluation (top-
 * level await, `_`, and the rest as in Node's REPL). One piece of code is
 * evaluated at a time: input typed or pasted meanwhile waits (session.ts).
 */
import type { REPLEval, REPLServer } from 'repl';
import { charm } from '../runtime/charm';
import { charm4pyHint } from './hints';
import { parseInput, plan, type Broadcast, type Plan } from './plan';
import { Chare } from '../model/chare';

/** What the session does around an evaluation. */
export interface EvaluationHooks {
  /** An evaluation starts (true) or has been handed to the REPL (false). */
  busy(on: boolean): void;
  /** Right before a result (or error) is handed to the REPL. */
  beforeResult(): void;
  /** Ctrl-C stopped the await of an evaluation: what it waited on must not take what comes next. */
  interrupted(): void;
  /** An evaluation ended in an error (not an interrupt). */
  failed(): void;
}

interface Pending {
  done: boolean;
  /** Node's evaluation is running: Ctrl-C goes to the REPL, which interrupts an await. */
  inNode: boolean;
  finish(error: Error | null, result?: unknown): void;
}

/** How an interrupt (Ctrl-C) was taken: nothing to interrupt, left to the REPL, or done here. */
export type Interrupted = 'idle' | 'repl' | 'done';

export class ConsoleEvaluator {
  private pending: Pending | undefined;
  private completing = false;

  constructor(
    private readonly server: REPLServer,
    private readonly hooks: EvaluationHooks,
  ) {
    const nodeEval = server.eval.bind(server) as REPLEval;
    process.on('SIGINT', dropSigint);
    (server as unknown as { eval: REPLEval }).eval = (code, context, file, callback) => this.evaluate(nodeEval, code, context, file, callback);
    // An error thrown by awaited code can go to the REPL's domain instead of
    // the evaluation's callback: the REPL prints it, and the evaluation is over.
    // An interrupt is not printed as an error, but as Charm4py's console prints
    // a KeyboardInterrupt: one line, then the prompt.
    const domain = (server as unknown as { _domain: NodeJS.EventEmitter })._domain;
    const replListeners = domain.listeners('error') as ((error: unknown) => void)[];
    domain.removeAllListeners('error');
    domain.on('error', (error: unknown) => {
      const pending = this.pending;
      if (pending?.inNode) {
        pending.done = true;
        this.pending = undefined;
        this.hooks.beforeResult();
        setImmediate(() => this.hooks.busy(false)); // once the REPL has shown its prompt
      }
      if (!isInterrupt(error)) {
        this.hooks.failed();
        for (const listener of replListeners) listener.call(domain, error);
        return;
      }
      this.hooks.interrupted();
      server.output.write(INTERRUPTED);
      server.clearBufferedCommand();
      server.displayPrompt();
    });
    // Tab completion evaluates the expression before the dot: plainly, not as input.
    const complete = server.completer.bind(server) as (line: string, callback: (error: Error | null, result: unknown) => void) => void;
    (server as unknown as { completer: typeof complete }).completer = (line, callback) => {
      this.completing = true;
      try {
        complete(line, callback);
      } finally {
        this.completing = false;
      }
    };
  }

  get evaluating(): boolean {
    return this.pending !== undefined;
  }

  /** Ctrl-C during an evaluation. */
  interrupt(): Interrupted {
    const pending = this.pending;
    if (!pending) return 'idle';
    if (pending.inNode) return 'repl';
    pending.finish(new Error('Interrupted (Ctrl-C) while the definitions went to the other PEs; some PEs may have them'));
    return 'done';
  }

  private evaluate(nodeEval: REPLEval, code: string, context: object, file: string, callback: (error: Error | null, result?: unknown) => void): void {
    if (this.completing) return nodeEval.call(this.server, code, context, file, callback);
    const program = parseInput(code);
    // Incomplete input (the REPL asks for more lines) and syntax errors are Node's to report.
    if (program instanceof SyntaxError) return nodeEval.call(this.server, code, context, file, callback);
    const hint = charm4pyHint(code, program);
    if (hint) {
      this.server.output.write(`charmts> ${hint}\n`);
      return callback(null, undefined);
    }
    const steps = plan(code, program);
    const pending: Pending = {
      done: false,
      inNode: false,
      finish: (error, result) => {
        if (pending.done) return;
        pending.done = true;
        this.pending = undefined;
        this.hooks.beforeResult();
        if (!error) for (const note of notes(steps)) this.server.output.write(`charmts> ${note}\n`);
        if (isInterrupt(error)) {
          this.hooks.interrupted();
          this.server.output.write(INTERRUPTED);
          [error, result] = [null, undefined];
        } else if (error) this.hooks.failed();
        try {
          callback(error, result);
        } finally {
          this.hooks.busy(false);
        }
      },
    };
    this.pending = pending;
    this.hooks.busy(true);
    broadcast(steps.broadcasts).then(
      () => {
        if (pending.done) return;
        pending.inNode = true;
        // Node's watchdog takes SIGINT while the code runs; a listener of ours would undo it: Node removes
        // the listeners for the run, and with the last one gone SIGINT is back to its default, the end of PE 0.
        process.removeListener('SIGINT', dropSigint);
        try {
          nodeEval.call(this.server, steps.local, context, file, (error, result) => pending.finish(error, result));
        } finally {
          process.on('SIGINT', dropSigint);
        }
      },
      (error: Error) => pending.finish(error),
    );
  }
}

/**
 * A SIGINT that comes while no code typed at the prompt runs: dropped, not
 * the end of PE 0. charmrun sends one when PE 0 does not answer a Ctrl-C
 * in time (launcher/terminal.ts), meant for code stuck in a synchronous
 * loop, which Node's REPL interrupts (breakEvalOnSigint); PE 0 may have
 * finished that code by the time it comes.
 */
function dropSigint(): void {}

/**
 * What Ctrl-C during an evaluation prints (Charm4py: KeyboardInterrupt).
 * Only the waiting stops: calls already sent still run on their PEs.
 */
const INTERRUPTED = 'Interrupted (Ctrl-C): stopped waiting; calls already sent still run\n';

/** Node's REPL interrupting an evaluation (Ctrl-C during an await, or a synchronous loop). */
function isInterrupt(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'ERR_SCRIPT_EXECUTION_INTERRUPTED';
}

/** Runs each broadcast statement on every other PE, in order, each finished everywhere before the next. */
async function broadcast(statements: readonly Broadcast[]): Promise<void> {
  const others = Array.from({ length: charm.numPes() - 1 }, (_, i) => i + 1);
  for (const s of statements) {
    await Promise.all(others.map((pe) => (s.async ? charm.thisProxy[pe].ret.eval(`(async () => { ${s.code} })()`) : charm.thisProxy[pe].awaitable.exec(s.code))));
  }
}

function notes(steps: Plan): string[] {
  const found: string[] = [];
  const g = globalThis as Record<string, unknown>;
  const chares = steps.classes.filter((name) => typeof g[name] === 'function' && (g[name] as { prototype: unknown }).prototype instanceof Chare);
  const others = [...steps.classes.filter((name) => !chares.includes(name)), ...steps.functions];
  const where = charm.numPes() > 1 ? 'on every PE' : 'on PE 0';
  if (chares.length) found.push(`Registered ${chares.join(', ')} ${where}`);
  if (others.length) found.push(`Defined ${others.join(', ')} ${where}`);
  if (steps.imported.length) found.push(`Imported ${steps.imported.join(', ')} ${where}`);
  return found;
}
