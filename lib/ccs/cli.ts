#!/usr/bin/env node
/**
 * charmts-ccs: calls a CCS handler of a running job from the shell.
 *
 *   charmts-ccs URL                      lists the handlers
 *   charmts-ccs URL HANDLER [PAYLOAD]    calls HANDLER with PAYLOAD (JSON; default null), prints the reply as JSON
 *
 * URL is the live view's address printed when the job started (with its token).
 */
import { CcsClient, CcsError } from './client';

const USAGE = 'usage: charmts-ccs URL [HANDLER [PAYLOAD-JSON]]';

async function main(args: string[]): Promise<void> {
  const [url, handler, raw] = args;
  if (!url || args.length > 3) throw new CcsError(USAGE);
  let payload = null;
  if (raw !== undefined) {
    try {
      payload = JSON.parse(raw) as typeof payload;
    } catch {
      throw new CcsError(`the payload is not JSON: ${raw}`);
    }
  }
  const client = await CcsClient.connect(url);
  try {
    if (handler === undefined) {
      process.stdout.write(`${client.handlers.join('\n')}\n`);
      return;
    }
    const reply = await client.call(handler, payload);
    process.stdout.write(`${reply instanceof Uint8Array ? `<${reply.length} bytes>` : JSON.stringify(reply)}\n`);
  } finally {
    client.close();
  }
}

main(process.argv.slice(2)).catch((error: Error) => {
  process.stderr.write(`charmts-ccs: ${error instanceof CcsError ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
