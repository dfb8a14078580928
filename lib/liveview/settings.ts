/**
 * Where the live view listens: `charm.start(main, { liveView })` or
 * `+liveview [HOST:]PORT` on the command line; off when neither is given,
 * 127.0.0.1 unless an address is named.
 */

/** Where the live view listens. */
export interface LiveViewOptions {
  /** TCP port; 0 takes any free port (the printed URL names it). */
  port: number;
  /** Address to listen on; default '127.0.0.1' (this machine only). Name another (e.g. '0.0.0.0') to be reachable from elsewhere. */
  host?: string;
}

const DEFAULT_HOST = '127.0.0.1';

/**
 * The token a job's live view takes instead of a fresh one: charmrun sets
 * it once, so that the runs of a job it restarts after a rank died serve
 * the same URL (a page reloaded goes on), where each drew its own.
 */
export const TOKEN_ENV = 'CHARMTS_LIVEVIEW_TOKEN';

/** The token given in `env` (TOKEN_ENV: 22 or more URL-safe base64 characters, 128 bits), or undefined. */
export function givenToken(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const token = env[TOKEN_ENV];
  return token !== undefined && /^[A-Za-z0-9_-]{22,}$/.test(token) ? token : undefined;
}

/** Where to listen, from the start option or `+liveview [HOST:]PORT`; undefined when the view is off. */
export function liveViewSettings(given: number | LiveViewOptions | undefined, argv: readonly string[]): Required<LiveViewOptions> | undefined {
  const where = 'charm.start';
  if (given !== undefined) {
    const options = typeof given === 'number' ? { port: given } : given;
    if (typeof options !== 'object' || options === null) throw new TypeError(`${where}: liveView must be a port number or { port, host }`);
    checkPort(where, options.port);
    if (options.host !== undefined && (typeof options.host !== 'string' || options.host === '')) throw new TypeError(`${where}: liveView.host must be an address such as '127.0.0.1'`);
    return { port: options.port, host: options.host ?? DEFAULT_HOST };
  }
  const at = argv.indexOf('+liveview');
  if (at < 0) return undefined;
  const value = argv[at + 1] ?? '';
  const m = /^(?:\[([^\]]+)\]:|([^:]+):)?(\d+)$/.exec(value);
  if (!m) throw new Error(`${where}: +liveview needs a port or HOST:PORT (e.g. +liveview 8080, +liveview 0 for any free port), got ${JSON.stringify(value)}`);
  const port = Number(m[3]);
  checkPort('+liveview', port);
  return { port, host: m[1] ?? m[2] ?? DEFAULT_HOST };
}

function checkPort(where: string, port: unknown): void {
  if (!Number.isInteger(port) || (port as number) < 0 || (port as number) > 65535) throw new RangeError(`${where}: the live view's port must be an integer 0..65535, got ${String(port)}`);
}
