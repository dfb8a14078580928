/**
 * The console channel between charmrun (which owns the user's terminal)
 * and the REPL on PE 0: a Unix socket whose path charmrun passes in
 * CHARMTS_CONSOLE. The one message layout of it, kept here:
 *
 *   frame = u8 type, u32 length (little-endian), payload
 *
 *   charmrun -> PE 0: Input (key bytes), Resize ({ columns, rows }),
 *                     Redraw (lines were printed where the prompt was)
 *   PE 0 -> charmrun: Pid (its process id, once), Heard (an Input frame
 *                     holding Ctrl-C was read: a Ctrl-C not heard in
 *                     time, PE 0 stuck in code run at the prompt, is sent
 *                     to it as SIGINT, which stops that code),
 *                     Output (bytes for the terminal), State ({ shown,
 *                     rows }: a prompt is shown, the cursor is `rows` rows
 *                     below its start), Sync (n: show later frames only
 *                     after marker n has come through the job's stdout
 *                     and stderr, so that lines printed before a result
 *                     appear before it)
 */

export const enum FrameType {
  Input = 1,
  Resize = 2,
  Redraw = 3,
  Output = 4,
  State = 5,
  Sync = 6,
  Pid = 7,
  Heard = 8,
}

export interface PromptState {
  /** A prompt is on the screen (no evaluation is running). */
  shown: boolean;
  /** Rows between the prompt's first row and the cursor. */
  rows: number;
}

/** Environment variable holding the channel's socket path. */
export const CONSOLE_ENV = 'CHARMTS_CONSOLE';

export function frame(type: FrameType, payload: string | Uint8Array = ''): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  const header = Buffer.allocUnsafe(5);
  header.writeUInt8(type, 0);
  header.writeUInt32LE(body.length, 1);
  return Buffer.concat([header, body]);
}

/** Splits a byte stream into frames. */
export class FrameReader {
  private buffered: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Array<[FrameType, Buffer]> {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    const frames: Array<[FrameType, Buffer]> = [];
    while (this.buffered.length >= 5) {
      const length = this.buffered.readUInt32LE(1);
      if (this.buffered.length < 5 + length) break;
      frames.push([this.buffered.readUInt8(0) as FrameType, this.buffered.subarray(5, 5 + length)]);
      this.buffered = this.buffered.subarray(5 + length);
    }
    return frames;
  }
}

/**
 * The marker line PE 0 writes to its stdout and stderr for Sync n: an APC
 * escape sequence, which a terminal would ignore if one ever leaked.
 */
export const syncMarker = (n: number): string => `\x1b_charmts-sync ${n}\x1b\\\n`;
export const SYNC_MARKER = /^\x1b_charmts-sync (\d+)\x1b\\$/;
