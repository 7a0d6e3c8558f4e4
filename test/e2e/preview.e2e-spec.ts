/**
 * Playable in seconds, in a real browser: the demo page uploads a 30 s 1080p clip, shows it
 * playable while the ladder is still encoding, and hls.js plays the growing preview from 0 to
 * its end through the verifying edge; after `ready` a new session gets the ladder while the
 * preview's URLs still answer on the old cookies.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { parseMediaPlaylist } from '../../src/domain/playlists';
import type { DevStack } from '../../dev/dev-stack';
import { devToken, startDemoBrowser, uploadInDemo, type DemoBrowser } from '../support/demo-browser';
import { testEnv } from '../support/harness';

declare const getComputedStyle: (element: any) => Record<string, string>;
declare const document: { querySelector(selector: string): any };

describe('a video playable while it is processing, in a real browser', () => {
  let demo: DemoBrowser;
  let stack: DevStack;
  let context: BrowserContext;

  beforeAll(async () => {
    // while the whole preview is watched.
    demo = await startDemoBrowser(
      'preview',
      testEnv({ HLS_SEGMENT_SECONDS: '2', TRANSCODE_PRESET: 'slow', LADDER: '1080,720,480,360' }),
    );
    ({ stack, context } = demo);
  }, 60_000);

  afterAll(() => demo?.close());

  async function api(
    path: string,
    bearer: string,
    method = 'GET',
  ): Promise<{ status: number; json: any; cookies: string }> {
    const res = await fetch(`${stack.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
      body: method === 'POST' ? '{}' : undefined,
    });
    const json = await res.json();
    const cookies = res.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    return { status: res.status, json, cookies };
  }

  const videoTime = (page: Page) =>
    page.evaluate(() => ({
      t: document.querySelector('video')?.currentTime ?? 0,
      ended: Boolean(document.querySelector('video')?.ended),
    }));

  it('shows the video playable while processing and plays the growing preview from 0 to its end', async () => {
    const token = await devToken(stack, 'alice', ['creator']);
    const page = await context.newPage();
    const id = await uploadInDemo(page, stack, 'preview30', /Status: processing.*playable/);
    expect((await api(`/v1/videos/${id}`, token)).json).toMatchObject({ status: 'processing', playable: true });
    // The demo page's list offers Play for it already.
    await page.waitForFunction(
      () => /\(paid, processing, playable\)/.test(document.querySelector('#videos')?.textContent ?? ''),
      null,
      { timeout: 10_000 },
    );

    // A session of our own, to read the preview through the edge as a second player would.
    const session = await api(`/v1/videos/${id}/playback-sessions`, token, 'POST');
    expect(session.status).toBe(201);
    const previewUrl: string = session.json.manifestUrl;
    const edgeGet = (url: string) => fetch(url, { headers: { cookie: session.cookies } });
    const master = await (await edgeGet(previewUrl)).text();
    const audioUrl = new URL(/URI="([^"]+)"/.exec(master)![1]!, previewUrl).toString();
    const videoUrl = new URL(
      master.split('\n').find((l) => l && !l.startsWith('#'))!,
      previewUrl,
    ).toString();

    await page.evaluate(() => {
      const w = globalThis as any;
      w.states = [];
      document.querySelector('velvet-player').addEventListener('velvet-state', (e: any) => w.states.push(e.detail));
    });
    await page.click('#play');
    // <velvet-player> says it plays early, by its event and with a notice over the picture.
    await page.waitForFunction(
      () => document.querySelector('velvet-player').getAttribute('state') === 'playable-early',
    );
    expect((await page.evaluate(() => (globalThis as any).states)).at(-1)).toMatchObject({
      state: 'playable-early',
      videoId: id,
    });
    expect(
      await page.locator('velvet-player .badge').evaluate((el: any) => [getComputedStyle(el).display, el.textContent]),
    ).toEqual(['block', expect.stringMatching(/Still processing/)]);
    let first: number | undefined;
    const counts: number[] = [];
    const fetched = new Set<string>();
    let end = { t: 0, ended: false };
    for (const deadline = Date.now() + 150_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 500))) {
      // Every newly listed segment answers through the edge at once; both renditions move together.
      // The video playlist is read before and after the audio one: the two reads bracket the
      // moment the audio was read, however long a read takes on a loaded machine.
      const read = async (url: string) => ({ url, playlist: parseMediaPlaylist(await (await edgeGet(url)).text()) });
      const videoBefore = await read(videoUrl);
      const audio = await read(audioUrl);
      const lists = [await read(videoUrl), audio];
      for (const { url, playlist } of lists) {
        for (const segment of playlist.segments) {
          const segmentUrl = new URL(segment.uri, url).toString();
          if (fetched.has(segmentUrl)) continue;
          expect((await edgeGet(segmentUrl)).status).toBe(200);
          fetched.add(segmentUrl);
        }
      }
      expect(audio.playlist.segments.length).toBeGreaterThanOrEqual(videoBefore.playlist.segments.length - 1);
      expect(audio.playlist.segments.length).toBeLessThanOrEqual(lists[0]!.playlist.segments.length + 1);
      counts.push(lists[0]!.playlist.segments.length);
      end = await videoTime(page);
      if (first === undefined && end.t > 0) first = end.t;
      if (end.ended) break;
    }
    // From the beginning, not the live edge; to the end of the 30 s preview.
    expect(first).toBeDefined();
    expect(first!).toBeLessThan(3);
    expect(end.ended).toBe(true);
    expect(end.t).toBeGreaterThan(29);
    expect(counts[0]!).toBeLessThan(counts.at(-1)!);
    // Watched to the end while the ladder was still being encoded.
    expect((await api(`/v1/videos/${id}`, token)).json.status).toBe('processing');

    let video: any;
    for (
      const deadline = Date.now() + 300_000;
      video?.status !== 'ready' && Date.now() < deadline;
      await new Promise((r) => setTimeout(r, 1000))
    ) {
      video = (await api(`/v1/videos/${id}`, token)).json;
    }
    expect(video.status).toBe('ready');
    const after = await api(`/v1/videos/${id}/playback-sessions`, token, 'POST');
    expect(after.json.manifestUrl).not.toBe(previewUrl);
    expect(await (await fetch(after.json.manifestUrl, { headers: { cookie: after.cookies } })).text()).toContain(
      'RESOLUTION=1920x1080',
    );
    // The preview's session still plays: master, playlists and segments on its own cookies.
    for (const url of [previewUrl, videoUrl, audioUrl, ...fetched])
      expect([url, (await edgeGet(url)).status]).toEqual([url, 200]);
  }, 420_000);
});
