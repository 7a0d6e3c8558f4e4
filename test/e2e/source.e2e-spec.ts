/**
 * A standard source, playable as it is, in a real browser: a 30 s H.264/AAC clip is published
 * by stream copy and hls.js plays it from 0 to its end through the verifying edge while the
 * preview and the ladder are still encoding; every segment any playlist lists answers 200, and
 * the preview's rendition joins the source's in the master new sessions get.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { parseMediaPlaylist } from '../../src/domain/playlists';
import type { DevStack } from '../../dev/dev-stack';
import { devToken, startDemoBrowser, uploadInDemo, type DemoBrowser } from '../support/demo-browser';
import { testEnv } from '../support/harness';

declare const document: { querySelector(selector: string): any };

describe('a standard source playable as it is, in a real browser', () => {
  let demo: DemoBrowser;
  let stack: DevStack;
  let context: BrowserContext;

  beforeAll(async () => {
    // A slow ladder, so the whole source is watched while it is still encoding.
    demo = await startDemoBrowser(
      'source',
      testEnv({ HLS_SEGMENT_SECONDS: '2', TRANSCODE_PRESET: 'slow', LADDER: '720,360' }),
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

  it('plays the copied source from 0 to its end while the preview and the ladder encode', async () => {
    const token = await devToken(stack, 'alice', ['creator']);
    const page = await context.newPage();
    const id = await uploadInDemo(page, stack, 'standard720', /Status: processing.*playable/);
    expect((await api(`/v1/videos/${id}`, token)).json).toMatchObject({
      status: 'processing',
      playable: true,
      playableVia: 'source',
      nonStandardReasons: [],
    });

    // The first time the element reports, recorded in the page: this loop's reads through the
    // edge take seconds on a busy machine, too coarse to see where playback started.
    await page.evaluate(() => {
      const w = globalThis as unknown as { firstTime?: number };
      (document as unknown as EventTarget).addEventListener(
        'timeupdate',
        (event: Event) => {
          const t = (event.target as unknown as { currentTime: number }).currentTime;
          if (w.firstTime === undefined && t > 0) w.firstTime = t;
        },
        true,
      );
    });
    await page.click('#play');
    // Every rendition a session's master names, read through the edge as a second player would:
    // the source's, its audio, and the preview's once it joined.
    const fetched = new Set<string>();
    const previewCounts: number[] = [];
    let end = { t: 0, ended: false };
    for (const deadline = Date.now() + 150_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 500))) {
      const session = await api(`/v1/videos/${id}/playback-sessions`, token, 'POST');
      if (session.json.manifestUrl && (await api(`/v1/videos/${id}`, token)).json.status === 'processing') {
        const edgeGet = (url: string) => fetch(url, { headers: { cookie: session.cookies } });
        const masterUrl: string = session.json.manifestUrl;
        const master = await (await edgeGet(masterUrl)).text();
        const uris = [
          ...master.split('\n').filter((l) => l && !l.startsWith('#')),
          ...[...master.matchAll(/URI="([^"]+)"/g)].map((m) => m[1]!),
        ];
        expect(uris).toContain('source/index.m3u8');
        for (const uri of uris) {
          const url = new URL(uri, masterUrl).toString();
          const playlist = parseMediaPlaylist(await (await edgeGet(url)).text());
          if (!uri.startsWith('source/') && !uri.startsWith('audio/')) previewCounts.push(playlist.segments.length);
          for (const segment of [...playlist.segments.map((s) => s.uri), playlist.initUri!]) {
            const segmentUrl = new URL(segment, url).toString();
            if (fetched.has(segmentUrl)) continue;
            expect([segmentUrl, (await edgeGet(segmentUrl)).status]).toEqual([segmentUrl, 200]);
            fetched.add(segmentUrl);
          }
        }
      }
      end = await videoTime(page);
      if (end.ended) break;
    }
    const first = await page.evaluate(() => (globalThis as unknown as { firstTime?: number }).firstTime);
    expect(first).toBeDefined();
    expect(first!).toBeLessThan(3);
    expect(end.ended).toBe(true);
    expect(end.t).toBeGreaterThan(29);
    // The preview joined the master while the source played.
    expect(previewCounts.length).toBeGreaterThan(0);
    expect(previewCounts.at(-1)!).toBeGreaterThan(0);
    expect((await api(`/v1/videos/${id}`, token)).json.status).toBe('processing');
  }, 300_000);
});
