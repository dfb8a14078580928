/**
 * The REPL's input and output on PE 0. With charmrun in a terminal
 * (CHARMTS_CONSOLE set), the REPL runs in terminal mode over the console
 * channel: line editing, history in a file, Tab completion, Ctrl-C, all
 * Node's own. Otherwise (plain `mpirun ... interactive.js`, stdin a pipe)
 * it reads lines from stdin. Either way input is fed to the REPL one line
 * at a time, and held while an evaluation runs, so that pasted lines run
 * in order, each after the one before has finished everywhere.
 */
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as repl from 'repl';
import { once } from 'events';
import { PassThrough, Writable } from 'stream';
import { CONSOLE_ENV, FrameReader, FrameType, frame, syncMarker, type PromptState } from './channel';
import { ConsoleEvaluator, type EvaluationHooks } from './evaluate';
import { colourDecision } from './colour';
import { writeAll } from '../errors';

const PROMPT = '>>> ';
const CTRL_C = 0x03;

/** Readline internals the console relies on (public in practice, untyped). */
interface Terminal {
  line: string;
  prevRows: number;
  clearLine(): void;
  getCursorPos(): { rows: number; cols: number };
}

/** Feeds input to the REPL a line at a time; holds it while an evaluation runs. */
class InputGate {
  private held: Buffer[] = [];
  private busy = false;

  constructor(
    private readonly input: PassThrough,
    /** Bytes after which the REPL may start something that the rest must wait for (Enter, Tab). */
    private readonly lineEnds: readonly number[],
    /** Ctrl-C at the prompt (terminal mode). */
    private readonly onCtrlC: (() => void) | undefined,
    /** Ctrl-C during an evaluation; true when the REPL should see it too. */
    private readonly onInterrupt: () => boolean,
  ) {
    // Readline pauses its input while Tab completion runs: keys typed meanwhile wait too.
    input.on('resume', () => this.release());
  }

  push(data: Buffer): void {
    let rest = data;
    while (rest.length > 0) {
      if (this.input.isPaused() && !this.busy) {
        this.held.push(rest);
        return;
      }
      if (this.busy) {
        const at = this.onCtrlC ? rest.indexOf(CTRL_C) : -1;
        if (at < 0) {
          this.held.push(rest);
          return;
        }
        this.held = []; // as a terminal does, Ctrl-C drops what was typed ahead
        rest = rest.subarray(at + 1);
        if (this.onInterrupt()) this.feed(Buffer.from([CTRL_C]));
        continue;
      }
      const cut = rest.findIndex((b) => this.lineEnds.includes(b) || (b === CTRL_C && this.onCtrlC !== undefined));
      if (cut < 0) return this.feed(rest);
      if (rest[cut] === CTRL_C) {
        if (cut > 0) this.feed(rest.subarray(0, cut));
        this.onCtrlC!();
      } else this.feed(rest.subarray(0, cut + 1));
      rest = rest.subarray(cut + 1);
    }
  }

  setBusy(on: boolean): void {
    this.busy = on;
    // Released on the next turn: the REPL finishes its own bookkeeping of the evaluation first.
    if (!on) setImmediate(() => this.release());
  }

  private release(): void {
    if (this.busy || this.held.length === 0 || this.input.isPaused()) return;
    const held = Buffer.concat(this.held);
    this.held = [];
    this.push(held);
  }

  get isBusy(): boolean {
    return this.busy;
  }

  /** Nothing is being evaluated or waiting to be. */
  get idle(): boolean {
    return !this.busy && this.held.length === 0;
  }

  private feed(bytes: Buffer): void {
    this.input.emit('data', bytes);
  }
}

/** Reading a script from stdin (not a terminal), a line of it failed: the job then ends with exit code 1, as `node < script.js` does. */
let scriptFailed = false;

/** Whether the session's exit should report failure (a script line that failed). */
export function sessionFailed(): boolean {
  return scriptFailed;
}

function historyFile(): string {
  return process.env.CHARMTS_REPL_HISTORY ?? path.join(os.homedir(), '.charmts_repl_history');
}

/** Starts the console's REPL; resolves with it once it runs. `interrupted`: Ctrl-C stopped an evaluation's await. */
export async function startSession(interrupted: () => void): Promise<repl.REPLServer> {
  const socketPath = process.env[CONSOLE_ENV];
  const server = socketPath ? await terminalSession(socketPath, interrupted) : plainSession(interrupted);
  // Collection proxies are JS Proxies: print what they stand for, not their handler.
  (server.writer as unknown as { options: { showProxy: boolean } }).options.showProxy = false;
  return server;
}

function plainSession(interrupted: () => void): repl.REPLServer {
  const input = new PassThrough();
  // The prompt is a partial line: the REPL writes straight to stdout, past the line buffering.
  const output = new Writable({
    write(chunk: Buffer, _encoding, done) {
      writeAll(1, chunk.toString());
      done();
    },
  });
  const server = repl.start({ prompt: PROMPT, input, output, terminal: false, useGlobal: true, ignoreUndefined: true, useColors: colourDecision() ?? process.stdout.hasColors?.() ?? false });
  const gate = new InputGate(input, [0x0a], undefined, () => false);
  new ConsoleEvaluator(server, { busy: (on) => gate.setBusy(on), beforeResult: () => {}, interrupted, failed: () => (scriptFailed = true) });
  process.stdin.on('data', (data: Buffer) => gate.push(data));
  process.stdin.on('end', () => {
    const end = (): void => void (gate.idle ? input.emit('end') : setTimeout(end, 10));
    end();
  });
  return server;
}

async function terminalSession(socketPath: string, interrupted: () => void): Promise<repl.REPLServer> {
  const socket = net.connect(socketPath);
  await once(socket, 'connect');
  // Code at the prompt stuck in a synchronous loop reads no key: charmrun then sends SIGINT, which Node's
  // REPL (breakEvalOnSigint) turns into an interrupt of that code (evaluate.ts drops one that comes later).
  socket.write(frame(FrameType.Pid, String(process.pid)));
  const colour = process.env.CHARMTS_COLOR === '1';
  let stateQueued = false;
  let server: repl.REPLServer | undefined;
  let gate: InputGate | undefined;
  const sendState = (): void => {
    stateQueued = false;
    if (!server || !gate) return;
    const state: PromptState = { shown: !gate.isBusy, rows: (server as unknown as Terminal).getCursorPos().rows };
    socket.write(frame(FrameType.State, JSON.stringify(state)));
  };
  const output = Object.assign(
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        socket.write(frame(FrameType.Output, chunk));
        if (!stateQueued) {
          stateQueued = true;
          setImmediate(sendState);
        }
        done();
      },
    }),
    { isTTY: true, columns: 80, rows: 24, getColorDepth: () => (colour ? 8 : 1), hasColors: () => colour },
  );
  const input = new PassThrough();
  server = repl.start({ prompt: PROMPT, input, output, terminal: true, useGlobal: true, ignoreUndefined: true, useColors: colour, breakEvalOnSigint: true });
  const terminal = server as unknown as Terminal;
  const repl_ = server;
  // Ctrl-C at an empty prompt does not end the job (Node's REPL would on the second one).
  const ctrlCAtPrompt = (): void => {
    if (terminal.line === '' && repl_.getPrompt() === PROMPT) {
      terminal.clearLine();
      repl_.output.write('(To exit, press Ctrl+D or type .exit)\n');
      repl_.displayPrompt();
    } else input.emit('data', Buffer.from([CTRL_C]));
  };
  const hooks: EvaluationHooks = {
    busy: (on) => {
      gate!.setBusy(on);
      sendState();
    },
    // Lines every PE printed before the result come through mpirun before it (channel.ts).
    beforeResult: () => {
      const n = ++syncs;
      writeAll(1, syncMarker(n));
      writeAll(2, syncMarker(n));
      socket.write(frame(FrameType.Sync, String(n)));
    },
    interrupted,
    // Typed at the prompt, an error is the user's to read; the session's exit stays 0, as Node's REPL's.
    failed: () => {},
  };
  let syncs = 0;
  const evaluator = new ConsoleEvaluator(server, hooks);
  // Input is cut after Tab too: completion pauses the input, and what follows waits for it.
  gate = new InputGate(input, [0x0d, 0x0a, 0x09], ctrlCAtPrompt, () => evaluator.interrupt() === 'repl');
  const history = historyFile();
  if (history) server.setupHistory(history, () => {});
  const reader = new FrameReader();
  socket.on('data', (chunk: Buffer) => {
    for (const [type, payload] of reader.push(chunk)) {
      if (type === FrameType.Input) {
        if (payload.includes(CTRL_C)) socket.write(frame(FrameType.Heard));
        gate.push(payload);
      }
      else if (type === FrameType.Resize) {
        Object.assign(output, JSON.parse(payload.toString()) as { columns: number; rows: number });
        output.emit('resize');
      } else if (type === FrameType.Redraw && !gate.isBusy) {
        // charmrun cleared the prompt and printed lines where it was: draw it again below them.
        terminal.prevRows = 0;
        repl_.displayPrompt(true);
      }
    }
  });
  return server;
}
