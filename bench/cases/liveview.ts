// The live view must not slow the job: frames per second of a job that
// deposits a 480x360 RGB frame from 12 array elements as fast as it can,
// with no viewer, with a viewer that has stopped reading (a stalled
// client, its buffers full), and with a viewer reading every frame it is
// sent (in PE 0's process, so it competes with PE 0 as a browser on the
// same machine would).
//   mpirun -np 2 node dist/bench/cases/liveview.js
import { charm, Chare, liveViz } from '../../lib';
import { Viewer, socketUrl, stalledViewer, until } from '../../test/helpers/liveClients';
import { report } from './report';

const WIDTH = 480;
const HEIGHT = 360;
const BLOCKS: [number, number] = [4, 3];
const FRAMES = 60;
const TRIALS = 5;

class Tile extends Chare<readonly number[]> {
  private readonly pixels = new Uint8Array((WIDTH / BLOCKS[0]) * (HEIGHT / BLOCKS[1]) * 3);
  draw(frame: number): void {
    const [x, y] = this.thisIndex;
    const w = WIDTH / BLOCKS[0];
    const h = HEIGHT / BLOCKS[1];
    this.pixels.fill((frame + x + y) & 0xff);
    liveViz.deposit(this, { x: x * w, y: y * h, width: w, height: h }, this.pixels);
  }
}
charm.register(Tile);

charm.start(async () => {
  const tiles = charm.createArray(Tile, BLOCKS);
  let assembled = 0;
  await liveViz.init({ width: WIDTH, height: HEIGHT }, { onFrame: () => assembled++ });
  const url = await charm.liveViewUrl();
  let next = 0;
  /** Frames per second over FRAMES frames, each awaited until every tile has deposited. */
  const rate = async (): Promise<number> => {
    const t0 = performance.now();
    for (let f = 0; f < FRAMES; f++) await tiles.awaitable.draw(next++);
    await until(() => assembled >= next, 10_000, 'the last frame');
    return (FRAMES * 1000) / (performance.now() - t0);
  };
  const measure = async (name: string): Promise<void> => {
    await rate(); // warm-up
    const samples: number[] = [];
    for (let t = 0; t < TRIALS; t++) samples.push(await rate());
    report('liveview-frames', { viewer: name, image: `${WIDTH}x${HEIGHT}` }, samples, 'frames/s');
  };
  await measure('none');
  const stalled = await stalledViewer(url);
  await measure('stalled');
  stalled.destroy();
  const viewer = await Viewer.open(socketUrl(url));
  viewer.send({ type: 'subscribe', feeds: ['frames'] });
  await measure('reading');
  viewer.close();
  charm.exit();
}, { liveView: 0 });
