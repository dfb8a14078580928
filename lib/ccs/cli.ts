#!/usr/bin/env node
/**
 * charmts-ccs: calls a CCS handler of a running job from the shell.
 *
 *   charmts-ccs URL                      lists the handlers, one per line
 *   charmts-ccs URL HANDLER [PAYLOAD]    calls HANDLER with PAYLOAD (JSON; default null), prints the reply as JSON
 *
 * URL is the live view's address printed when the job started (with its token).
 * A binary reply goes to stdout as its bytes when stdout is not a terminal
 * (`charmts-ccs URL image > frame.raw`); to a terminal, its length.
 */
import { CcsClient, CcsError } from './client';

const USAGE = 'usage: charmts-ccs URL [HANDLER [PAYLOAD-JSON]]';
const HELP = `${USAGE}
  charmts-ccs URL                    lists the job's CCS handlers, one per line ("(none registered)" if none)
  charmts-ccs URL HANDLER [PAYLOAD]  calls HANDLER with PAYLOAD (JSON; default null) and prints the reply as JSON;
                                     a binary reply is written as its bytes when stdout is not a terminal
URL is the live view's address the job printed at its start ("charmts: live view at ...", token included).`;

async function main(args: string[]): Promise<void> {
  if (args[0] === '-h' || args[0] === '--help') {
    process.stdout.write(`${HELP}\n`);
    return;
  }
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
      process.stdout.write(client.handlers.length ? `${client.handlers.join('\n')}\n` : '(none registered)\n');
      return;
    }
    const reply = await client.call(handler, payload);
    if (reply instanceof Uint8Array && !process.stdout.isTTY) process.stdout.write(reply);
    else process.stdout.write(`${reply instanceof Uint8Array ? `<${reply.length} bytes; redirect stdout to a file for them>` : JSON.stringify(reply)}\n`);
  } finally {
    client.close();
  }
}

main(process.argv.slice(2)).catch((error: Error) => {
  process.stderr.write(`charmts-ccs: ${error instanceof CcsError ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
