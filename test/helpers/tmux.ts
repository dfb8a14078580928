/**
 * A program in a real terminal: tmux runs it in a pty of its own (a private
 * tmux server per session), keys are typed with send-keys, and the screen
 * (with its scrollback, wrapped lines joined) is read with capture-pane.
 * Waiting is for what the screen shows, never for a fixed time.
 */
import { execFileSync } from 'child_process';

let sessions = 0;

export class Tmux {
  private readonly socket = `charmts-test-${process.pid}-${++sessions}`;

  /** Starts `command` (a shell command line) in a `columns` x 50 terminal. */
  constructor(command: string, env: NodeJS.ProcessEnv, columns = 200) {
    this.tmux(['-f', '/dev/null', 'new-session', '-d', '-s', 'main', '-x', String(columns), '-y', '50', `${command}; echo "[exit code $?]"; sleep 3600`], env);
    this.tmux(['set-option', '-g', 'history-limit', '100000']);
  }

  private tmux(args: string[], env: NodeJS.ProcessEnv = process.env): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { env, encoding: 'utf8' });
  }

  /** Types `text` literally (no key names). */
  type(text: string): void {
    this.tmux(['send-keys', '-t', 'main', '-l', '--', text]);
  }

  /** Presses keys by name: Enter, Up, Tab, C-c, C-d... */
  press(...keys: string[]): void {
    this.tmux(['send-keys', '-t', 'main', ...keys]);
  }

  /** Pastes `text` as a terminal does (newlines become carriage returns). */
  paste(text: string): void {
    this.tmux(['set-buffer', '-b', 'paste', '--', text]);
    this.tmux(['paste-buffer', '-d', '-b', 'paste', '-t', 'main']);
  }

  /** Everything on the screen and in its scrollback, wrapped lines joined, trailing blanks removed. */
  screen(): string {
    const lines = this.tmux(['capture-pane', '-p', '-J', '-S', '-', '-t', 'main']).split('\n');
    return lines.map((line) => line.trimEnd()).join('\n').trimEnd();
  }

  /** Waits until `done(screen)` holds; throws with the screen after `ms`. */
  async waitFor(done: (screen: string) => boolean, what: string, ms = 30_000): Promise<string> {
    const deadline = Date.now() + ms;
    for (;;) {
      const screen = this.screen();
      if (done(screen)) return screen;
      if (Date.now() > deadline) throw new Error(`never saw ${what}\n--- screen ---\n${screen.split('\n').slice(-60).join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  close(): void {
    try {
      this.tmux(['kill-server']);
    } catch {
      /* already gone */
    }
  }
}
