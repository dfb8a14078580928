/**
 * Clients of the live view for tests: a WebSocket client that collects
 * what the server sends, a client that stops reading right after the
 * handshake (a stalled viewer), and polling helpers.
 */
import { connect, type Socket } from 'net';
import { randomBytes } from 'crypto';
import { WebSocket } from 'ws';
import { decodeServerBinary } from '../../lib/liveview/protocol';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` every 100 ms until it gives a value; fails naming `what` after `ms`. */
export async function until<T>(probe: () => T | undefined | Promise<T | undefined>, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** The socket address of a live view's page URL. */
export const socketUrl = (pageUrl: string, token?: string): string => {
  const u = new URL(pageUrl);
  u.protocol = 'ws:';
  u.pathname = '/socket';
  if (token !== undefined) u.searchParams.set('token', token);
  return u.toString();
};

export interface Frame {
  frame: number;
  width: number;
  height: number;
  channels: number;
  pixels: Uint8Array;
}

/** A connected client that keeps every JSON message and every frame it receives. */
export class Viewer {
  readonly messages: Record<string, unknown>[] = [];
  readonly frames: Frame[] = [];
  /** How the server closed the socket (code, reason), once it did. */
  readonly closed: Promise<{ code: number; reason: string }>;
  private constructor(readonly socket: WebSocket) {
    this.closed = new Promise((resolve) => socket.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() })));
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) {
        this.messages.push(JSON.parse(data.toString()) as Record<string, unknown>);
        return;
      }
      const m = decodeServerBinary(data);
      if (m.kind === 'frame') this.frames.push({ ...m, pixels: new Uint8Array(m.pixels) });
    });
  }

  static open(url: string): Promise<Viewer> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      socket.once('open', () => resolve(new Viewer(socket)));
      socket.once('error', reject);
    });
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' || Buffer.isBuffer(message) ? message : JSON.stringify(message));
  }

  /** The next message of `type` after the first `after` messages. */
  next(type: string, after = this.messages.length, ms = 10_000): Promise<Record<string, unknown>> {
    return until(() => this.messages.slice(after).find((m) => m.type === type), ms, `a "${type}" message`);
  }

  /** Asks for the server's status and returns it. */
  async status(): Promise<{ frames: number; clients: { id: number; feeds: string[]; bufferedAmount: number; framesSent: number; framesDropped: number }[] }> {
    const after = this.messages.length;
    this.send({ type: 'status' });
    return (await this.next('status', after)) as never;
  }

  close(): void {
    this.socket.close();
  }
}

/** What a WebSocket handshake to `url` gets when the server refuses it: status and body. */
export function refusedHandshake(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.once('open', () => {
      socket.close();
      reject(new Error(`the handshake to ${url} was accepted`));
    });
    socket.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    socket.on('error', () => {});
  });
}

/**
 * A viewer that subscribes to frames and then never reads another byte:
 * a raw TCP socket doing the WebSocket handshake by hand (RFC 6455: a
 * masked text frame from the client), then paused for good.
 */
export function stalledViewer(pageUrl: string): Promise<Socket> {
  const u = new URL(socketUrl(pageUrl));
  return new Promise((resolve, reject) => {
    const socket = connect(Number(u.port), u.hostname, () => {
      socket.write(`GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    });
    let head = '';
    socket.on('error', reject);
    const onData = (chunk: Buffer): void => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      socket.pause(); // from here on, nothing is read
      if (!head.startsWith('HTTP/1.1 101')) return reject(new Error(`handshake refused: ${head.split('\r\n')[0]}`));
      const text = Buffer.from(JSON.stringify({ type: 'subscribe', feeds: ['frames', 'output', 'perf'] }));
      const mask = randomBytes(4);
      const masked = Buffer.from(text.map((b, i) => b ^ mask[i % 4]));
      socket.write(Buffer.concat([Buffer.from([0x81, 0x80 | text.length]), mask, masked]));
      resolve(socket);
    };
    socket.on('data', onData);
  });
}
