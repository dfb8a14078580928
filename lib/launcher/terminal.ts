/**
 * charmrun's side of the interactive console in a terminal. charmrun owns
 * the terminal (raw mode: Ctrl-C reaches the REPL as a key, no SIGINT goes
 * to mpirun, which would end every PE); keys go to the REPL on PE 0 over
 * the console channel and the REPL's screen output comes back on it. The
 * lines every PE prints reach charmrun through mpirun's stdout and stderr;
 * charmrun writes them above the prompt itself (nothing waits for PE 0)
 * and asks the REPL to draw its prompt again below them.
 */
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import type { ChildProcess } from 'child_process';
import { FrameReader, FrameType, SYNC_MARKER, frame, type PromptState } from '../console/channel';

/**
 * How long PE 0 has to say it heard a Ctrl-C (a Heard frame, sent as it
 * reads the key) before charmrun sends it SIGINT:
 * code at the prompt in a synchronous loop reads no key, and only a signal
 * reaches it then (Node's REPL, with breakEvalOnSigint, interrupts the
 * code). A PE 0 that answers late drops the signal (console/evaluate.ts).
 */
const SIGINT_AFTER_MS = 300;

/** A listening console channel: its socket path for PE 0, and a way to attach the job. */
export interface ConsoleTerminal {
  socketPath: string;
  /** Connects the terminal to the job's REPL and output. */
  attach(job: ChildProcess): void;
}

/** Splits a stream into lines per source, handing whole lines (with '\n') on. */
class Lines {
  private partial = '';
  constructor(private readonly onLine: (line: string) => void) {}
  push(text: string): void {
    this.partial += text;
    let end: number;
    while ((end = this.partial.indexOf('\n')) >= 0) {
      this.onLine(this.partial.slice(0, end + 1));
      this.partial = this.partial.slice(end + 1);
    }
  }
  end(): void {
    if (this.partial) this.onLine(this.partial + '\n');
    this.partial = '';
  }
}

export function openConsoleTerminal(): ConsoleTerminal {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'charmts-console-'));
  const socketPath = path.join(dir, 'repl.sock');
  const server = net.createServer();
  server.listen(socketPath);
  const cleanUp = (): void => fs.rmSync(dir, { recursive: true, force: true });
  process.on('exit', cleanUp);

  const attach = (job: ChildProcess): void => {
    const stdin = process.stdin;
    const stdout = process.stdout;
    let socket: net.Socket | undefined;
    let prompt: PromptState = { shown: false, rows: 0 };
    /** PE 0's process (its Pid frame); Input frames with a Ctrl-C sent to it, and how many it said it heard. */
    let pe0: number | undefined;
    let ctrlCsSent = 0;
    let ctrlCsHeard = 0;
    let signalDue: NodeJS.Timeout | undefined;
    /** Marker numbers seen on the job's stdout and stderr. */
    const seen = [new Set<number>(), new Set<number>()];
    /** Frames from PE 0 held until marker `waitingFor` has come through both streams. */
    let waitingFor: number | undefined;
    const held: Array<[FrameType, Buffer]> = [];

    /**
     * The REPL wrote to the screen and has not yet said where that left the
     * prompt (it sends State right after its output): the job's lines wait
     * for it, or one could land behind a prompt just drawn.
     */
    let stateDue = false;
    const waitingLines: string[] = [];
    /** Writes lines of the job where the prompt is, then has the prompt drawn again. */
    const printLines = (text: string): void => {
      if (stateDue) {
        waitingLines.push(text);
        return;
      }
      if (prompt.shown) {
        stdout.write(`${prompt.rows > 0 ? `\x1b[${prompt.rows}A` : ''}\r\x1b[J`);
        prompt = { shown: false, rows: 0 };
        socket?.write(frame(FrameType.Redraw));
      }
      stdout.write(text.replace(/\r?\n/g, '\r\n'));
    };
    const handle = (type: FrameType, payload: Buffer): void => {
      if (type === FrameType.Pid || type === FrameType.Heard) {
        if (type === FrameType.Pid) pe0 = Number(payload.toString());
        else ctrlCsHeard++;
        return;
      }
      if (waitingFor !== undefined) {
        held.push([type, payload]);
        return;
      }
      if (type === FrameType.Output) {
        stdout.write(payload);
        stateDue = true;
      } else if (type === FrameType.State) {
        prompt = JSON.parse(payload.toString()) as PromptState;
        flushLines();
      } else if (type === FrameType.Sync) {
        const n = Number(payload.toString());
        if (!seen[0].has(n) || !seen[1].has(n)) waitingFor = n;
      }
    };
    const flushLines = (): void => {
      stateDue = false;
      for (const line of waitingLines.splice(0)) printLines(line);
    };
    const release = (): void => {
      if (waitingFor === undefined || !seen[0].has(waitingFor) || !seen[1].has(waitingFor)) return;
      waitingFor = undefined;
      while (held.length > 0 && waitingFor === undefined) handle(...held.shift()!);
    };
    const fromJob = (stream: 0 | 1) =>
      new Lines((line) => {
        const marker = SYNC_MARKER.exec(line.replace(/\r?\n$/, ''));
        if (!marker) return printLines(line);
        seen[stream].add(Number(marker[1]));
        release();
      });
    const out = fromJob(0);
    const err = fromJob(1);
    job.stdout!.setEncoding('utf8').on('data', (text: string) => out.push(text));
    job.stderr!.setEncoding('utf8').on('data', (text: string) => err.push(text));
    job.on('close', () => {
      out.end();
      err.end();
      flushLines();
    });

    server.once('connection', (connection) => {
      socket = connection;
      server.close();
      const reader = new FrameReader();
      connection.on('data', (chunk: Buffer) => {
        for (const [type, payload] of reader.push(chunk)) handle(type, payload);
      });
      connection.on('error', () => {});
      const resize = (): void => void connection.write(frame(FrameType.Resize, JSON.stringify({ columns: stdout.columns, rows: stdout.rows })));
      resize();
      stdout.on('resize', resize);
      stdin.setRawMode(true);
      stdin.on('data', (keys: Buffer) => {
        connection.write(frame(FrameType.Input, keys));
        if (!keys.includes(0x03)) return;
        ctrlCsSent++;
        // Whatever charmrun thinks PE 0 is doing (its State frames lag): a PE 0 reading keys says so at once.
        if (pe0 !== undefined && signalDue === undefined) {
          signalDue = setTimeout(() => {
            signalDue = undefined;
            if (ctrlCsHeard >= ctrlCsSent || pe0 === undefined) return;
            try {
              process.kill(pe0, 'SIGINT');
            } catch {
              /* PE 0 is gone: the job's end is on its way */
            }
          }, SIGINT_AFTER_MS);
        }
      });
      stdin.resume();
    });
    job.on('exit', () => {
      clearTimeout(signalDue);
      pe0 = undefined;
      if (stdin.isTTY) stdin.setRawMode(false);
      stdin.pause();
      socket?.destroy();
      server.close();
    });
  };
  return { socketPath, attach };
}
