// Type tests: liveViz, CCS handlers and the liveView start option.
import { charm, Chare, liveViz, type LiveVizFrame, type CcsPayload } from '../../lib';

class Tile extends Chare<readonly [number, number]> {
  private readonly px = new Uint8Array(12);
  draw(frame: number): void {
    liveViz.deposit(this, { x: frame, y: 0, width: 2, height: 2 }, this.px);
    liveViz.deposit(this, { x: 0, y: 0, width: 0, height: 0 }, new Uint8ClampedArray(0));
    // @ts-expect-error the rectangle needs a height
    liveViz.deposit(this, { x: 0, y: 0, width: 2 }, this.px);
    // @ts-expect-error pixels are bytes
    liveViz.deposit(this, { x: 0, y: 0, width: 1, height: 1 }, new Float32Array(3));
    // @ts-expect-error the depositor is a chare
    liveViz.deposit({}, { x: 0, y: 0, width: 1, height: 1 }, this.px);
  }
}

class Member extends Chare {
  draw(): void {
    liveViz.deposit(this, { x: this.thisIndex, y: 0, width: 1, height: 1 }, new Uint8Array(3));
  }
}

export async function main(): Promise<void> {
  const tiles = charm.createArray(Tile, [2, 2]);
  charm.createGroup(Member);
  charm.ccs.register('kick', (p: CcsPayload) => ({ got: p }));
  charm.ccs.register('later', async () => new Uint8Array(4));
  // @ts-expect-error a handler is a function
  charm.ccs.register('bad', 42);
  await liveViz.init({ width: 4, height: 4, format: 'gray', combine: 'max', clickHandler: 'kick' }, { onFrame: (f: LiveVizFrame) => void f.pixels[0] });
  await liveViz.init({ width: 4, height: 4 }, { onRequest: charm.callback(tiles, 'draw'), maxFps: 10 });
  // @ts-expect-error formats are 'rgb', 'rgba' and 'gray'
  await liveViz.init({ width: 4, height: 4, format: 'cmyk' });
  // @ts-expect-error onRequest is a callback from charm.callback, not a function
  await liveViz.init({ width: 4, height: 4 }, { onRequest: () => {} });
  // @ts-expect-error the image needs a height
  await liveViz.init({ width: 4 });
  const url: string = await charm.liveViewUrl();
  void url;
}

export function starts(): void {
  charm.start(main, { liveView: 0 });
  charm.start(main, { liveView: { port: 8080, host: '0.0.0.0' } });
  // @ts-expect-error the port is a number
  charm.start(main, { liveView: '8080' });
}
