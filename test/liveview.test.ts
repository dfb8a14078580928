/**
 * The live view end to end (issue 17), as real mpirun jobs:
 *
 * - examples/wave2d at np 2 with +liveview: requests and sockets without
 *   the token or with a wrong one are refused, malformed messages and
 *   unknown handlers too, and nothing changes (the frames still equal the
 *   ones recomputed on one process); the page in headless Chromium shows
 *   the frames the job computed, byte for byte, changing from frame to
 *   frame; a click on the image calls the `disturb` handler and the
 *   disturbance shows in later frames exactly as recomputed; a screenshot
 *   goes to dist/screenshots/liveview.png (docs/liveview.png with
 *   `make screenshots`, which sets CHARMTS_SCREENSHOTS=docs); a stalled viewer drops frames with its
 *   buffer bounded while the job goes on and a healthy viewer keeps
 *   receiving; a closed tab is forgotten; `stop` ends the job cleanly.
 * - test/programs/liveFeeds.js at np 3: liveViz in request mode draws only
 *   while a viewer wants frames; the load-balancing steps, every PE's output
 *   and per-PE load arrive on their feeds.
 * - test/liveviz.mpi.test.js at np 3 and 5, where binary trees are uneven.
 *
 * Skips: without Chromium (Debian's chromium, installed by `make
 * browser-deps`; CHARMTS_CHROMIUM names another) the browser test is
 * registered with test.skip and the file prints `SKIPPED
 * liveview-browser: <reason>`; everything else runs.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { assertEndedCleanly, runJob, show, type JobResult } from './helpers/jobs';
import { Viewer, refusedHandshake, socketUrl, stalledViewer, until, type Frame } from './helpers/liveClients';
import { Wave2dReference } from './helpers/wave2dReference';
import { CcsClient, CcsError } from '../lib/ccs/client';

/** Debian's Chromium; CHARMTS_CHROMIUM names another build (or a missing one, to see the skip). */
const CHROMIUM = process.env.CHARMTS_CHROMIUM ?? '/usr/bin/chromium';
/** A fresh profile is given by launchPersistentContext; these keep Chromium from reaching out or needing a GPU. */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
// Test runs leave the tracked docs image alone unless asked to refresh it.
const SCREENSHOT = path.resolve(__dirname, '..', '..', process.env.CHARMTS_SCREENSHOTS === 'docs' ? 'docs' : 'dist/screenshots', 'liveview.png');
const WIDTH = 480;
const HEIGHT = 360;
const FRAME_BYTES = WIDTH * HEIGHT * 3;
/** The server's bound on what waits for one client: 8 MiB of feeds, one frame being written and one waiting. */
const CLIENT_BOUND = (8 << 20) + 2 * (FRAME_BYTES + 14);

function browserMissing(): string | undefined {
  if (!fs.existsSync(CHROMIUM)) return `no Chromium at ${CHROMIUM} (make browser-deps installs Debian's chromium)`;
  const version = spawnSync(CHROMIUM, ['--headless', '--no-sandbox', '--version'], { encoding: 'utf8', timeout: 30_000 });
  if (version.status !== 0) return `${CHROMIUM} --version failed: ${(version.stderr || version.stdout || '').trim().split('\n')[0]}`;
  return undefined;
}
const missing = browserMissing();
if (missing) console.log(`SKIPPED liveview-browser: ${missing}`);
const browserTest = missing ? test.skip : test;

// The wave2d job shared by the tests below, in order.
let job: Promise<JobResult> | undefined;
let stdout = '';
let url = '';
const reference = new Wave2dReference(WIDTH, HEIGHT);

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));
/** How many bytes differ, for messages. */
const differing = (a: Uint8Array, b: Uint8Array): number => a.reduce((n, v, i) => n + (v !== b[i] ? 1 : 0), 0);

test('wave2d starts with +liveview and prints its URL on 127.0.0.1 with a token', async () => {
  // runJob resolves programs in dist/test/programs; the example is two folders up.
  job = runJob({ program: '../../examples/wave2d/wave2d.js', args: ['0', '30', String(WIDTH), String(HEIGHT), '+liveview', '0'], np: 2, timeoutMs: 200_000, onStdout: (all) => (stdout = all) });
  url = await until(() => /charmts: live view at (\S+)/.exec(stdout)?.[1], 60_000, 'the live view URL on stdout');
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{32}$/);
});

test('requests and sockets without the token or with a wrong one are refused; so are malformed messages and unknown handlers', async () => {
  const base = new URL(url);
  const withToken = (token: string | undefined, pathname = '/'): string => {
    const u = new URL(base);
    u.pathname = pathname;
    if (token === undefined) u.searchParams.delete('token');
    else u.searchParams.set('token', token);
    return u.toString();
  };
  const get = async (address: string, init?: RequestInit): Promise<[number, string]> => {
    const res = await fetch(address, init);
    return [res.status, await res.text()];
  };
  const token = base.searchParams.get('token')!;
  const wrong = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
  assert.equal(await get(withToken(undefined)), [401, 'charmts live view: this address needs the token printed when the job started (open the URL with ?token=...)\n']);
  assert.equal(await get(withToken(wrong)), [403, 'charmts live view: wrong token (open the URL printed when the job started)\n']);
  assert.equal(await get(withToken('')), [403, 'charmts live view: wrong token (open the URL printed when the job started)\n']);
  assert.equal(await get(withToken(undefined, '/socket')), [401, 'charmts live view: this address needs the token printed when the job started (open the URL with ?token=...)\n']);
  assert.equal(await get(withToken(token, '/etc/passwd')), [404, 'charmts live view: nothing at /etc/passwd; the page is at /\n']);
  assert.equal(await get(url, { method: 'POST', body: '{}' }), [405, 'charmts live view: POST is not served; use GET\n']);
  const page = await fetch(url);
  assert.is(page.status, 200);
  assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'; script-src 'sha256-/);
  assert.match(await page.text(), '<title>charmts live view</title>');

  assert.equal(await refusedHandshake(socketUrl(url, '')), { status: 403, body: 'charmts live view: wrong token (open the URL printed when the job started)\n' });
  const noToken = new URL(socketUrl(url));
  noToken.searchParams.delete('token');
  assert.is((await refusedHandshake(noToken.toString())).status, 401);
  assert.is((await refusedHandshake(socketUrl(url, wrong))).status, 403);
  assert.is((await refusedHandshake(socketUrl(url).replace('/socket', '/sock'))).status, 404);
  const refused = await CcsClient.connect(withToken(wrong)).then(() => 'connected', (e: Error) => `${e.name}: ${e.message}`);
  assert.is(refused, 'CcsError: refused (HTTP 403): charmts live view: wrong token (open the URL printed when the job started)');

  const viewer = await Viewer.open(socketUrl(url));
  const hello = await viewer.next('hello', 0);
  assert.equal(hello.handlers, ['disturb', 'probe', 'stop']);
  assert.equal(hello.image, { width: WIDTH, height: HEIGHT, format: 'rgb', clickHandler: 'disturb' });
  const refusals: [unknown, RegExp][] = [
    ['{"type": "call", "id": 1, "handler": "disturb", "payload": {"x": 10, "y": 10}', /^refused: a text message must be a JSON object/],
    [{ type: 'eval', code: 'process.exit(3)' }, /^refused: unknown message type "eval"/],
    [{ type: 'call', id: 1, handler: 'disturb;stop', payload: { x: 10, y: 10 } }, /^refused: call: "handler" must be a handler name/],
    [Buffer.from([3, 1, 0, 0, 0, 50, 0, 0x64]), /^refused: call: the handler name runs past the end/],
  ];
  for (const [message, expected] of refusals) {
    const after = viewer.messages.length;
    viewer.send(message);
    assert.match(String((await viewer.next('error', after)).message), expected);
  }
  const client = await CcsClient.connect(url);
  const rejected = (p: Promise<unknown>): Promise<string> => p.then((v) => `resolved ${JSON.stringify(v)}`, (e: Error) => `${e instanceof CcsError ? 'CcsError' : e.name}: ${e.message}`);
  assert.is(await rejected(client.call('exec', 'process.exit(3)')), 'CcsError: refused: no CCS handler named "exec" (registered: disturb, probe, stop)');
  assert.is(await rejected(client.call('disturb', { x: WIDTH, y: 0 })), `CcsError: handler disturb failed: RangeError: give { x, y }: a pixel of the ${WIDTH}x${HEIGHT} image`);
  assert.is(await rejected(client.call('disturb', Uint8Array.of(1, 2, 3))), `CcsError: handler disturb failed: RangeError: give { x, y }: a pixel of the ${WIDTH}x${HEIGHT} image`, 'a binary payload reaches the handler as bytes');
  const probe = (await client.call('probe', { x: 5, y: 7 })) as { pressure: number };
  assert.type(probe.pressure, 'number', 'probe asks the chare owning the pixel');
  client.close();
  viewer.close();
  assert.not.match(stdout, /disturbance at/, 'no refused call changed anything');
});

/** The page's script for reading what the canvas shows: the frame number and its RGB bytes (base64). */
const READ_CANVAS = `(() => {
  const c = document.getElementById('image');
  const rgba = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  const rgb = new Uint8Array((rgba.length / 4) * 3);
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) { rgb[j] = rgba[i]; rgb[j + 1] = rgba[i + 1]; rgb[j + 2] = rgba[i + 2]; }
  let s = '';
  for (let i = 0; i < rgb.length; i += 0x8000) s += String.fromCharCode.apply(null, rgb.subarray(i, i + 0x8000));
  return { frame: Number(c.dataset.frame ?? -1), width: c.width, height: c.height, rgb: btoa(s) };
})()`;

browserTest('headless Chromium shows the frames the job computed; a click disturbs the wave where it lands; screenshot in docs/', async () => {
  const { chromium } = await import('playwright-core');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'charmts-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 900 } });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => void (m.type() === 'error' && problems.push(m.text())));
    await page.goto(url);
    /** What the canvas shows once it shows frame `first` or a later one (before any frame it has its default size). */
    const shownFrom = (first: number): Promise<{ frame: number; pixels: Uint8Array }> => until(async () => {
      const s = (await page.evaluate(READ_CANVAS)) as { frame: number; width: number; height: number; rgb: string };
      if (s.frame < first) return undefined;
      assert.equal([s.width, s.height], [WIDTH, HEIGHT]);
      return { frame: s.frame, pixels: new Uint8Array(Buffer.from(s.rgb, 'base64')) };
    }, 60_000, `the page to show frame ${first} or later`);

    const a = await shownFrom(2);
    const expectedA = reference.frame(a.frame);
    assert.ok(sameBytes(a.pixels, expectedA), `frame ${a.frame} as shown differs from the recomputed one in ${differing(a.pixels, expectedA)} bytes`);
    const b = await shownFrom(a.frame + 3);
    assert.ok(sameBytes(b.pixels, reference.frame(b.frame)), `frame ${b.frame} as shown differs from the recomputed one`);
    assert.not.ok(sameBytes(a.pixels, b.pixels), 'the image changes from frame to frame');

    const box = (await page.locator('#image').boundingBox())!;
    await page.mouse.click(box.x + box.width * 0.3, box.y + box.height * 0.45);
    const reply = await until(() => page.evaluate(`document.querySelector('#ccs-log li[data-reply]')?.dataset.reply`) as Promise<string | undefined>, 20_000, 'the reply of disturb in the page');
    const { frame: kickFrame } = JSON.parse(reply) as { frame: number };
    const line = await until(() => new RegExp(`frame ${kickFrame}: disturbance at \\((\\d+), (\\d+)\\)`).exec(stdout) ?? undefined, 30_000, 'the job applying the disturbance');
    const kick = { x: Number(line[1]), y: Number(line[2]) };
    assert.ok(Math.abs(kick.x - WIDTH * 0.3) <= 1 && Math.abs(kick.y - HEIGHT * 0.45) <= 1, `the disturbance is where the click landed: ${JSON.stringify(kick)}`);
    const c = await shownFrom(kickFrame + 2);
    const expectedC = reference.frame(c.frame, new Map([[kickFrame, [kick]]]));
    assert.ok(sameBytes(c.pixels, expectedC), `frame ${c.frame} after the disturbance differs from the recomputed one in ${differing(c.pixels, expectedC)} bytes`);
    assert.not.ok(sameBytes(c.pixels, new Wave2dReference(WIDTH, HEIGHT).frame(c.frame)), 'the disturbance changed the wave');

    await until(() => page.evaluate(`document.getElementById('legend').textContent.includes('PE 1')`) as Promise<boolean>, 20_000, 'the per-PE load on the page');
    fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
    assert.equal(problems, [], 'the page logs no error');
    console.log(`screenshot written to ${SCREENSHOT}`);
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
});

test('a stalled viewer drops frames with a bounded buffer while the job and a healthy viewer go on; closed tabs are forgotten', async () => {
  const watcher = await Viewer.open(socketUrl(url));
  await watcher.next('hello', 0);
  watcher.send({ type: 'subscribe', feeds: ['frames'] });
  const stalled = await stalledViewer(url);
  try {
    const startFrames = (await watcher.status()).frames;
    const startSeen = watcher.frames.length;
    const stall = await until(async () => {
      const s = await watcher.status();
      const c = s.clients.find((client) => client.feeds.includes('frames') && client.framesDropped >= 10);
      return c && { status: s, client: c };
    }, 120_000, 'the stalled viewer to drop 10 frames');
    const { status, client } = stall;
    assert.ok(client.bufferedAmount <= CLIENT_BOUND, `the stalled viewer holds ${client.bufferedAmount} bytes (bound ${CLIENT_BOUND})`);
    assert.ok(status.frames - startFrames >= 10, `the job went on: ${status.frames - startFrames} frames while the viewer stalled`);
    assert.ok(watcher.frames.length - startSeen >= 5, `the healthy viewer kept receiving (${watcher.frames.length - startSeen} frames)`);
    assert.is(status.clients.length, 2, `only the watcher and the stalled viewer are connected (the browser tab closed): ${JSON.stringify(status.clients)}`);
    const last: Frame = watcher.frames[watcher.frames.length - 1];
    assert.ok(sameBytes(last.pixels, reference.frame(last.frame, kicksSoFar())), 'the healthy viewer gets exact frames');
  } finally {
    stalled.destroy();
    watcher.close();
  }
});

/** The disturbances the job applied so far, by frame, from its stdout. */
function kicksSoFar(): Map<number, { x: number; y: number }[]> {
  const kicks = new Map<number, { x: number; y: number }[]>();
  for (const m of stdout.matchAll(/frame (\d+): disturbance at \((\d+), (\d+)\)/g)) {
    const list = kicks.get(Number(m[1])) ?? [];
    list.push({ x: Number(m[2]), y: Number(m[3]) });
    kicks.set(Number(m[1]), list);
  }
  return kicks;
}

test('the stop handler ends the run: the job exits 0 and leaves nothing behind', async () => {
  const client = await CcsClient.connect(url);
  const reply = (await client.call('stop')) as { frame: number };
  assert.type(reply.frame, 'number');
  client.close();
  const r = await job!;
  assertEndedCleanly(r);
  assert.is(r.code, 0, show(r));
  assert.match(r.stdout, /wave2d: \d+ frames \(\d+ steps\) in [\d.]+ s/);
});

test('request mode and the feeds at np 3: frames only while wanted; balancing steps, every PE\'s output, per-PE load', async () => {
  let out = '';
  const feedsJob = runJob({ program: 'liveFeeds.js', args: ['+liveview', '0'], np: 3, timeoutMs: 120_000, onStdout: (all) => (out = all) });
  const address = await until(() => /charmts: live view at (\S+)/.exec(out)?.[1], 60_000, 'the live view URL');
  const viewer = await Viewer.open(socketUrl(address));
  try {
    await until(() => /step 2: hello from PE 2/.test(out), 60_000, 'three steps of the job');
    assert.is((await viewer.status()).frames, 0, 'no frame is drawn while no viewer wants one');
    viewer.send({ type: 'subscribe', feeds: ['frames', 'balancing', 'output', 'perf'] });
    await until(() => viewer.frames.length >= 5, 60_000, 'five frames');
    for (const f of viewer.frames) {
      assert.equal([f.width, f.height, f.channels], [60, 10, 1]);
      assert.ok(f.pixels.every((v) => v === (f.frame % 250) + 1), `frame ${f.frame} is the one requested`);
    }
    const steps = (await viewer.next('balancing', 0, 30_000)).steps as { array: string; balancer: string; elements: number; loadBefore: number[] }[];
    assert.is(steps[0].balancer, 'GreedyLB');
    assert.match(steps[0].array, 'Worker');
    assert.is(steps[0].elements, 16);
    assert.is(steps[0].loadBefore.length, 3);
    const lines = () => viewer.messages.filter((m) => m.type === 'output').flatMap((m) => m.lines as string[]);
    await until(() => [0, 1, 2].every((pe) => lines().some((l) => l.endsWith(`hello from PE ${pe}`))), 30_000, 'output lines of every PE');
    const perf = (await viewer.next('perf', 0, 30_000)).samples as { pes: { busy: number; msgsIn: number }[] }[];
    assert.is(perf[0].pes.length, 3);
    for (const pe of perf[0].pes) assert.ok(pe.busy >= 0 && pe.busy <= 1 && pe.msgsIn >= 0, JSON.stringify(pe));

    viewer.send({ type: 'subscribe', feeds: [] });
    const stoppedAt = (await viewer.status()).frames;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.ok((await viewer.status()).frames <= stoppedAt + 1, 'no new requests once nobody wants frames (one may have been in flight)');
    // charmts-ccs from the shell: its help, the handler list, a binary reply as its bytes when stdout is not a terminal.
    const cli = (...args: string[]) => spawnSync(process.execPath, [path.join(__dirname, '..', 'lib', 'ccs', 'cli.js'), ...args], { timeout: 30_000 });
    const help = cli('--help');
    assert.is(help.status, 0, help.stderr.toString());
    assert.match(help.stdout.toString(), /^usage: charmts-ccs URL \[HANDLER \[PAYLOAD-JSON\]\]\n[\s\S]*lists the job's CCS handlers/);
    assert.equal(cli(address).stdout.toString().split('\n').sort(), ['', 'bytes', 'stop']);
    assert.equal([...cli(address, 'bytes').stdout], [1, 2, 3, 10]);
    const client = await CcsClient.connect(address);
    assert.is(await client.call('stop'), 'stopping');
    client.close();
    // The job's end closes the viewer's socket as going away (1001), not cut (1006), so a page can tell it from a crash.
    assert.equal(await viewer.closed, { code: 1001, reason: 'the job ended' });
  } finally {
    viewer.close();
  }
  const r = await feedsJob;
  assertEndedCleanly(r);
  assert.is(r.code, 0, show(r));
});

test('liveViz at np 3 and 5, where binary spanning trees are uneven', async () => {
  for (const np of [3, 5]) {
    const r = await runJob({ program: '../liveviz.mpi.test.js', np, timeoutMs: 60_000 });
    assertEndedCleanly(r);
    assert.is(r.code, 0, show(r));
    assert.match(r.stdout, /Passed:\s+5/);
  }
});

test.run();
