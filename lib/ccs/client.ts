/// <reference types="node" preserve="true" />
/**
 * A client of a running job's CCS handlers, over the live view's socket
 * (Charm++'s CcsConnect / CcsSendRequest / CcsRecvResponse). For Node
 * programs and scripts outside the job; the `charmts-ccs` command is built
 * on it. It needs no MPI: import it from 'charmts/ccs'.
 *
 * @example
 * const client = await CcsClient.connect('http://127.0.0.1:8080/?token=...');
 * console.log(await client.call('disturb', { x: 10, y: 20 }));
 * client.close();
 */
import { WebSocket } from 'ws';
import type { CcsPayload } from './ccs';
import { decodeServerBinary, encodeBinaryCall } from '../liveview/protocol';

/** A call the job refused or a handler that failed; `message` says which and why. */
export class CcsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CcsError';
  }
}

interface Waiting {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

export class CcsClient {
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting>();
  private closedBecause: string | undefined;

  private constructor(
    private readonly socket: WebSocket,
    /** Handlers the job had registered when the client connected. */
    readonly handlers: readonly string[],
  ) {
    socket.on('message', (data: Buffer, isBinary: boolean) => this.receive(data, isBinary));
    socket.on('close', (code, reason) => {
      this.closedBecause = `the connection closed (${code}${reason.length ? ` ${reason.toString()}` : ''})`;
      for (const w of this.waiting.values()) w.reject(new CcsError(`${this.closedBecause} before the reply came`));
      this.waiting.clear();
    });
  }

  /**
   * Connects to the job whose live view is at `url` (the URL printed at
   * start, token included). Rejects with a CcsError saying why when the
   * job refuses (no token, wrong token) or cannot be reached.
   */
  static connect(url: string, options: { timeoutMs?: number } = {}): Promise<CcsClient> {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return Promise.reject(new CcsError(`not a URL: ${JSON.stringify(url)} (give the live view's URL printed at start)`));
    }
    target.protocol = target.protocol === 'https:' ? 'wss:' : 'ws:';
    target.pathname = '/socket';
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(target, { handshakeTimeout: options.timeoutMs ?? 10_000, maxPayload: 256 << 20 });
      const fail = (message: string): void => {
        socket.removeAllListeners();
        socket.on('error', () => {});
        socket.terminate();
        reject(new CcsError(message));
      };
      socket.once('unexpected-response', (_req, res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => fail(`refused (HTTP ${res.statusCode}): ${body.trim()}`));
      });
      socket.once('error', (error) => fail(`cannot connect to ${url.replace(/token=[^&]*/, 'token=...')}: ${error.message}`));
      // The server's first message is its hello, with the handlers registered.
      socket.once('message', (data: Buffer, isBinary: boolean) => {
        const hello = isBinary ? undefined : (JSON.parse(data.toString()) as { type: string; handlers?: string[] });
        if (hello?.type !== 'hello') return fail('the server did not greet as a charmts live view');
        socket.removeAllListeners();
        resolve(new CcsClient(socket, hello.handlers ?? []));
      });
    });
  }

  /**
   * Calls handler `handler` with `payload` (a JSON value, or bytes) and
   * resolves with its reply (a JSON value, or a Uint8Array). Rejects with a
   * CcsError for an unknown handler, a refused call or a handler that threw.
   */
  call(handler: string, payload: CcsPayload = null): Promise<unknown> {
    if (this.closedBecause) return Promise.reject(new CcsError(this.closedBecause));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      if (payload instanceof Uint8Array) this.socket.send(encodeBinaryCall(id, handler, payload), { binary: true });
      else this.socket.send(JSON.stringify({ type: 'call', id, handler, payload }));
    });
  }

  /** Closes the connection; calls still waiting reject. */
  close(): void {
    this.socket.close();
  }

  private receive(data: Buffer, isBinary: boolean): void {
    if (isBinary) {
      const message = decodeServerBinary(data);
      if (message.kind === 'reply') this.settle(message.id, { value: new Uint8Array(message.bytes) });
      return;
    }
    const message = JSON.parse(data.toString()) as { type: string; id?: number; value?: unknown; error?: string; message?: string };
    if (message.type === 'reply' && message.id !== undefined) this.settle(message.id, message);
  }

  private settle(id: number, outcome: { value?: unknown; error?: string }): void {
    const w = this.waiting.get(id);
    if (!w) return;
    this.waiting.delete(id);
    if (outcome.error !== undefined) w.reject(new CcsError(outcome.error));
    else w.resolve(outcome.value);
  }
}
