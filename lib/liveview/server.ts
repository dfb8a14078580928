/**
 * The live view's server, on PE 0: one page and one WebSocket endpoint,
 * served by Node's http module and the `ws` package. Its I/O runs in
 * libuv, which the scheduler lets run every few milliseconds and whenever
 * the PE is idle; nothing here waits for a client.
 *
 * Security: a random token (printed at start, in the URL) is required on
 * every request and every socket; a request without it, with a wrong one,
 * or a malformed message is refused with a message saying why and changes
 * nothing. Only registered CCS handlers can be called.
 *
 * Bounded memory per client, whatever it does: at most one frame being
 * written and one waiting (a newer frame replaces the waiting one: a slow
 * viewer drops frames); other feeds are dropped (and counted) while more
 * than MAX_BUFFERED bytes wait to be written; at most MAX_IN_FLIGHT calls
 * at once; incoming messages of at most MAX_MESSAGE_BYTES.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'http';
import type { Duplex } from 'stream';
import { createHash, timingSafeEqual } from 'crypto';
import { WebSocketServer, WebSocket } from 'ws';
import type { CcsOutcome, CcsPayload } from '../ccs/ccs';
import type { LiveVizFrame } from '../liveviz/liveviz';
import { CHANNELS } from '../liveviz/image';
import type { PerfSample } from './monitor';
import type { StepReport } from '../balancing/step';
import { FEEDS, ProtocolError, encodeBinaryReply, encodeFrame, parseClientMessage, type ClientMessage, type Feed } from './protocol';
import { PAGE, PAGE_SCRIPT } from './page';

const MAX_BUFFERED = 8 << 20;
const MAX_IN_FLIGHT = 16;
const MAX_MESSAGE_BYTES = 1 << 20;
const MAX_CLIENTS = 32;

/** The image as viewers are told about it. */
export interface ImageInfo {
  width: number;
  height: number;
  format: string;
  clickHandler?: string;
}

/** What the server shows and whom it calls; implemented by ./liveview.ts. */
export interface ServerSources {
  readonly numPes: number;
  handlers(): string[];
  image(): ImageInfo | undefined;
  /** Runs a CCS handler on PE 0 (throws at once for an unknown name). */
  call(handler: string, payload: CcsPayload): PromiseLike<CcsOutcome>;
  /** A viewer is ready for a frame (request mode asks the members for one). */
  wantFrame(): void;
  /** Someone watches the performance feed, or no one does any more. */
  watchPerf(wanted: boolean): void;
  history(): { perf: PerfSample[]; balancing: StepReport[]; output: string[] };
}

class Client {
  readonly feeds = new Set<Feed>();
  inFlight = 0;
  framesSent = 0;
  framesDropped = 0;
  /** Messages of the other feeds not sent because the client was not reading. */
  messagesDropped = 0;
  /** Output lines not sent since the last output message that was. */
  linesDropped = 0;
  writingFrame = false;
  waitingFrame: Buffer | undefined;

  constructor(
    readonly id: number,
    readonly socket: WebSocket,
  ) {}

  get open(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }
}

export class LiveViewServer {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES, perMessageDeflate: false, clientTracking: false });
  private readonly clients = new Set<Client>();
  private nextClient = 1;
  private framesPublished = 0;
  private latestFrame: Buffer | undefined;
  private announcedImage = false;
  private readonly csp = `default-src 'none'; script-src 'sha256-${createHash('sha256').update(PAGE_SCRIPT).digest('base64')}'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`;

  private constructor(
    http: Server,
    private readonly token: string,
    private readonly sources: ServerSources,
    /** The page's address, token included. */
    readonly url: string,
  ) {
    http.on('request', (req, res) => this.request(req, res));
    http.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
  }

  /** Listens on `host`:`port` (0: any free port); resolves once listening. */
  static listen(host: string, port: number, token: string, sources: ServerSources): Promise<LiveViewServer> {
    const http = createServer();
    http.maxConnections = 4 * MAX_CLIENTS;
    return new Promise((resolve, reject) => {
      http.once('error', reject);
      http.listen(port, host, () => {
        http.off('error', reject);
        http.on('error', () => {}); // a failed accept does not concern the job
        const address = http.address();
        const bound = typeof address === 'object' && address ? address.port : port;
        const shownHost = host.includes(':') ? `[${host}]` : host;
        resolve(new LiveViewServer(http, token, sources, `http://${shownHost}:${bound}/?token=${token}`));
      });
    });
  }

  // ------------------------------------------------------------ requests

  /** Why a request may not proceed, or undefined when its token is right. */
  private refusal(req: IncomingMessage): [status: number, text: string] | undefined {
    const given = new URL(req.url ?? '/', 'http://localhost').searchParams.get('token');
    if (given === null) return [401, 'charmts live view: this address needs the token printed when the job started (open the URL with ?token=...)\n'];
    const a = Buffer.from(given);
    const b = Buffer.from(this.token);
    if (a.length !== b.length || !timingSafeEqual(a, b)) return [403, 'charmts live view: wrong token (open the URL printed when the job started)\n'];
    return undefined;
  }

  private request(req: IncomingMessage, res: ServerResponse): void {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const refused = this.refusal(req);
    if (refused) return plain(res, ...refused);
    if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405, `charmts live view: ${req.method} is not served; use GET\n`);
    if (path !== '/') return plain(res, 404, `charmts live view: nothing at ${path}; the page is at /\n`);
    res.writeHead(200, {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      'Referrer-Policy': 'no-referrer',
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': this.csp,
    });
    res.end(req.method === 'HEAD' ? undefined : PAGE);
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => {});
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const refused: [number, string] | undefined =
      this.refusal(req) ??
      (path !== '/socket' ? [404, `charmts live view: the socket is at /socket, not ${path}\n`] : undefined) ??
      (this.clients.size >= MAX_CLIENTS ? [503, `charmts live view: ${MAX_CLIENTS} clients already connected\n`] : undefined);
    if (refused) {
      const [status, text] = refused;
      socket.end(`HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
  }

  private accept(socket: WebSocket): void {
    const client = new Client(this.nextClient++, socket);
    this.clients.add(client);
    socket.on('error', () => {}); // a vanished client is simply closed
    socket.on('close', () => {
      this.clients.delete(client);
      this.updatePerfWatch();
    });
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      let message: ClientMessage;
      try {
        message = parseClientMessage(data, isBinary);
      } catch (error) {
        if (!(error instanceof ProtocolError)) throw error;
        this.sendJson(client, { type: 'error', message: `refused: ${error.message}` }, true);
        return;
      }
      this.handle(client, message);
    });
    this.sendJson(client, this.hello(), true);
  }

  private hello(): object {
    return { type: 'hello', numPes: this.sources.numPes, handlers: this.sources.handlers(), image: this.sources.image() ?? null, feeds: FEEDS };
  }

  private handle(client: Client, message: ClientMessage): void {
    switch (message.type) {
      case 'subscribe': {
        const added = message.feeds.filter((f) => !client.feeds.has(f));
        client.feeds.clear();
        for (const feed of message.feeds) client.feeds.add(feed);
        const history = this.sources.history();
        if (added.includes('perf') && history.perf.length) this.sendJson(client, { type: 'perf', samples: history.perf }, true);
        if (added.includes('balancing') && history.balancing.length) this.sendJson(client, { type: 'balancing', steps: history.balancing }, true);
        if (added.includes('output') && history.output.length) this.sendJson(client, { type: 'output', lines: history.output, dropped: 0 }, true);
        if (added.includes('frames')) {
          if (this.latestFrame) this.offerFrame(client, this.latestFrame);
          this.wantFrame();
        }
        this.updatePerfWatch();
        return;
      }
      case 'status':
        this.sendJson(client, this.status(), true);
        return;
      case 'call':
        this.call(client, message.id, message.handler, message.payload);
        return;
    }
  }

  private status(): object {
    return {
      type: 'status',
      frames: this.framesPublished,
      handlers: this.sources.handlers(),
      clients: [...this.clients].map((c) => ({
        id: c.id,
        feeds: [...c.feeds],
        bufferedAmount: c.socket.bufferedAmount,
        framesSent: c.framesSent,
        framesDropped: c.framesDropped,
        messagesDropped: c.messagesDropped,
        inFlight: c.inFlight,
      })),
    };
  }

  private call(client: Client, id: number, handler: string, payload: CcsPayload): void {
    if (client.inFlight >= MAX_IN_FLIGHT) {
      this.sendJson(client, { type: 'reply', id, error: `refused: ${MAX_IN_FLIGHT} calls already in flight on this connection; wait for their replies` }, true);
      return;
    }
    let pending: PromiseLike<CcsOutcome>;
    try {
      pending = this.sources.call(handler, payload);
    } catch (error) {
      this.sendJson(client, { type: 'reply', id, error: `refused: ${(error as Error).message}` }, true);
      return;
    }
    client.inFlight++;
    pending.then(
      (outcome) => {
        client.inFlight--;
        if ('error' in outcome) this.sendJson(client, { type: 'reply', id, error: outcome.error }, true);
        else this.reply(client, id, outcome.value);
      },
      (error: unknown) => {
        client.inFlight--;
        this.sendJson(client, { type: 'reply', id, error: `handler ${handler} failed: ${(error as Error).message}` }, true);
      },
    );
  }

  private reply(client: Client, id: number, value: unknown): void {
    if (!(value instanceof Uint8Array)) {
      try {
        JSON.stringify(value);
      } catch (error) {
        this.sendJson(client, { type: 'reply', id, error: `the reply of the handler cannot be sent as JSON: ${(error as Error).message}` }, true);
        return;
      }
      this.sendJson(client, { type: 'reply', id, value: value ?? null }, true);
    } else if (client.open) {
      if (client.socket.bufferedAmount > MAX_BUFFERED) client.socket.close(1008, 'not reading its messages');
      else client.socket.send(encodeBinaryReply(id, value), { binary: true });
    }
  }

  // ------------------------------------------------------------ feeds

  /**
   * Sends `message` to a client of a feed, unless it is not reading (then
   * the message is dropped and counted). An `answer` (hello, reply, status,
   * refusal) is never dropped: a client that asks while not reading what it
   * was sent is disconnected instead.
   */
  private sendJson(client: Client, message: object, answer = false): boolean {
    if (!client.open) return false;
    if (client.socket.bufferedAmount > MAX_BUFFERED) {
      if (answer) client.socket.close(1008, 'not reading its messages');
      else client.messagesDropped++;
      return false;
    }
    client.socket.send(JSON.stringify(message));
    return true;
  }

  private updatePerfWatch(): void {
    this.sources.watchPerf([...this.clients].some((c) => c.feeds.has('perf')));
  }

  private broadcast(feed: Feed, message: object): void {
    for (const client of this.clients) if (client.feeds.has(feed)) this.sendJson(client, message);
  }

  /** The job is ending: every viewer's socket closes as going away (1001) with `reason`, rather than being cut (1006, as a crash). */
  closeAll(reason: string): void {
    for (const client of this.clients) client.socket.close(1001, reason);
  }

  publishPerf(sample: PerfSample): void {
    this.broadcast('perf', { type: 'perf', samples: [sample] });
  }

  publishBalancing(step: StepReport): void {
    this.broadcast('balancing', { type: 'balancing', steps: [step] });
  }

  /** New output lines; `skipped` earlier ones of the same burst are not shown (only the last lines of a burst are). */
  publishOutput(lines: string[], skipped: number): void {
    for (const client of this.clients) {
      if (!client.feeds.has('output')) continue;
      client.linesDropped += skipped;
      if (this.sendJson(client, { type: 'output', lines, dropped: client.linesDropped })) client.linesDropped = 0;
      else client.linesDropped += lines.length;
    }
  }

  /** A new frame: every viewer gets it as soon as it has taken the one before; older waiting frames are dropped. */
  publishFrame(frame: LiveVizFrame): void {
    if (!this.announcedImage) {
      this.announcedImage = true; // the image was set up after some viewers connected
      for (const client of this.clients) this.sendJson(client, this.hello(), true);
    }
    this.framesPublished++;
    const data = encodeFrame(frame.frame, frame.width, frame.height, CHANNELS[frame.format], frame.pixels);
    this.latestFrame = data;
    for (const client of this.clients) if (client.feeds.has('frames')) this.offerFrame(client, data);
  }

  private offerFrame(client: Client, data: Buffer): void {
    if (!client.open) return;
    if (client.writingFrame) {
      if (client.waitingFrame) client.framesDropped++;
      client.waitingFrame = data;
      return;
    }
    client.writingFrame = true;
    // The callback runs once the frame is written to the socket (or the socket failed).
    client.socket.send(data, { binary: true }, () => {
      client.writingFrame = false;
      client.framesSent++;
      const next = client.waitingFrame;
      client.waitingFrame = undefined;
      if (next) this.offerFrame(client, next);
      else this.wantFrame();
    });
  }

  /** Request mode: asks for a frame while some client watches the frames. */
  private wantFrame(): void {
    for (const client of this.clients) {
      if (client.feeds.has('frames')) {
        this.sources.wantFrame();
        return;
      }
    }
  }
}

const STATUS_TEXT: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 503: 'Service Unavailable' };

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
  res.end(text);
}
