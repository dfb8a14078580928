// Type tests: checkpoints (the callback takes a CheckpointStatus), the
// readonly accessors agree on one type, a group's restoreMember hook.
import { charm, Chare, type CheckpointStatus, type GroupRestartHook } from '../../lib';

class Main extends Chare {
  resume(status: CheckpointStatus): void {
    if (status.restarted) console.log(status.dir, status.generation, status.pes, status.bytes, status.seconds);
  }
  noArgument(): void {}
  takesNumber(n: number): void {
    void n;
  }
}

class Counter extends Chare {
  count = 0;
  static restoreMember(saved: unknown[], pe: number, numPes: number): unknown {
    return pe === 0 ? saved : numPes;
  }
}
const hooked: GroupRestartHook = Counter;
void hooked;
charm.register(Main, Counter);

let settings: { n: number } | undefined;
charm.registerReadonly('settings', () => settings, (s) => (settings = s));
// @ts-expect-error the setter takes what the getter gives
charm.registerReadonly('wrong', () => 1, (s: string) => void s);

charm.start(async () => {
  const main = charm.createChare(Main);
  charm.startCheckpoint('ckpt', charm.callback(main, 'resume'));
  charm.startCheckpoint('ckpt', charm.callback(main, 'noArgument'));
  const written = charm.createFuture<CheckpointStatus>();
  charm.startCheckpoint(charm.checkpointDir() ?? 'ckpt', written);
  const status: CheckpointStatus = await written;
  void status;
  // @ts-expect-error a method that does not take a CheckpointStatus
  charm.startCheckpoint('ckpt', charm.callback(main, 'takesNumber'));
  // @ts-expect-error a future of something else
  charm.startCheckpoint('ckpt', charm.createFuture<number>());
  // @ts-expect-error the directory is a string
  charm.startCheckpoint(3, written);
  // @ts-expect-error undefined without +checkpoint-dir
  const dir: string = charm.checkpointDir();
});
