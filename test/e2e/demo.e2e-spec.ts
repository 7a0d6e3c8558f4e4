/**
 * The whole mission in a real browser: Debian's Chromium (driven by playwright-core) uses the
 * demo page to upload a generated clip straight to S3, waits for the transcode, and plays it with
 * hls.js through the verifying edge on signed cookies; the paywall path too.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startDevStack, type DevStack } from '../../dev/dev-stack';
import { fixture } from '../support/fixtures';
import { testEnv } from '../support/harness';

// The browser's globals, for the functions page.evaluate runs there (no DOM lib in this program).
declare const document: {
  querySelector(selector: string): { textContent: string | null; currentTime?: number } | null;
};
declare const window: Record<string, any>;
declare const location: { origin: string };

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// What this machine needs (no GPU, no sandbox as root, a closed network).
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const ARTIFACTS = join(__dirname, '../../test-artifacts');
const MIB = 1024 * 1024;

describe('the demo page in a real browser', () => {
  let stack: DevStack;
  const dirs: string[] = [];
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'velvet-e2e-'));
    dirs.push(dataDir);
    // Small parts, so the browser's multipart path runs on a 13 MiB file.
    const env = testEnv({ UPLOAD_SINGLE_MAX_BYTES: String(4 * MIB), UPLOAD_PART_BYTES: String(5 * MIB) });
    stack = await startDevStack({ env, dataDir, apiPort: 0, edgePort: 0, s3Port: 0 });
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await stack?.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /** A new browser profile each time: an empty cache can never mask a missing cookie. */
  async function freshBrowser(): Promise<BrowserContext> {
    const profile = mkdtempSync(join(tmpdir(), 'velvet-chromium-'));
    dirs.push(profile);
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
    });
    contexts.push(context);
    return context;
  }

  /** Every request to the edge or for HLS media anywhere, with the Cookie header it carried. */
  function recordMediaRequests(page: Page): Array<{ url: string; cookie: string | undefined; status?: number }> {
    const seen: Array<{ url: string; cookie: string | undefined; status?: number }> = [];
    page.on('requestfinished', (request) => {
      if (!request.url().startsWith(stack.edgeUrl!) && !/\.(m3u8|m4s|mp4)(\?|$)/.test(request.url())) return;
      void Promise.all([request.allHeaders(), request.response()]).then(([headers, response]) =>
        seen.push({ url: request.url(), cookie: headers.cookie, status: response?.status() }),
      );
    });
    return seen;
  }

  const text = (page: Page, selector: string) => page.locator(selector).textContent();

  async function signIn(page: Page, who: 'creator' | 'viewer'): Promise<void> {
    await page.click(`#as-${who}`);
    await page.waitForFunction(
      (name) => document.querySelector('#who')?.textContent?.includes(name),
      who === 'creator' ? 'alice' : 'victor',
    );
  }

  async function playsPast(page: Page, seconds: number): Promise<void> {
    await page.waitForFunction((s) => (document.querySelector('video')?.currentTime ?? 0) > s, seconds, {
      timeout: 60_000,
      polling: 250,
    });
  }

  let videoId = '';
  let manifestUrl = '';

  it('uploads through the page, waits for ready, and plays through the edge with the cookies', async () => {
    const page = await (await freshBrowser()).newPage();
    const edge = recordMediaRequests(page);
    await page.goto(`${stack.apiUrl}/`);
    await signIn(page, 'creator');
    await page.setInputFiles('#file', fixture('tenSeconds'));
    await page.selectOption('#access', 'paid');
    await page.click('#upload');
    await page.waitForFunction(
      () => /Status: (ready|failed)/.test(document.querySelector('#processing-status')?.textContent ?? ''),
      null,
      {
        timeout: 180_000,
        polling: 500,
      },
    );
    expect(await text(page, '#processing-status')).toBe('Status: ready');
    await page.waitForFunction(() => document.querySelector('#videos')?.textContent?.includes('ready'));
    expect(await text(page, '#videos')).toContain('ten-seconds.mp4 (paid, ready)');
    expect(await page.locator('#upload-progress').getAttribute('value')).toBe('100');
    videoId = await page.inputValue('#video-id');
    expect(videoId).toMatch(/^[0-7][0-9a-hjkmnp-tv-z]{25}$/);

    await page.click('#play');
    await playsPast(page, 3);
    await page.screenshot({ path: join(ARTIFACTS, 'demo-playing.png') });

    const media = edge.filter((r) => /\.(m3u8|m4s|mp4)$/.test(new URL(r.url).pathname));
    expect(media.some((r) => r.url.endsWith('/master.m3u8'))).toBe(true);
    expect(media.filter((r) => r.url.endsWith('.m4s')).length).toBeGreaterThanOrEqual(2);
    for (const r of media) {
      expect(r.url.startsWith(`${stack.edgeUrl}/videos/${videoId}/`)).toBe(true);
      expect(r.cookie).toContain('CloudFront-Signature=');
      expect(r.status).toBe(200);
    }
    manifestUrl = media.find((r) => r.url.endsWith('/master.m3u8'))!.url;
  }, 300_000);

  it('refuses a fresh browser without the cookies: 403 from the edge, readable through CORS', async () => {
    expect(manifestUrl).not.toBe('');
    const page = await (await freshBrowser()).newPage();
    await page.goto(`${stack.apiUrl}/`);
    const status = await page.evaluate(
      async (url) => (await fetch(url, { credentials: 'include' })).status,
      manifestUrl,
    );
    expect(status).toBe(403);
  }, 60_000);

  it('meets the paywall as a viewer, buys access, then plays', async () => {
    expect(videoId).not.toBe('');
    const page = await (await freshBrowser()).newPage();
    const edge = recordMediaRequests(page);
    await page.goto(`${stack.apiUrl}/`);
    await signIn(page, 'viewer');
    await page.fill('#video-id', videoId);
    await page.click('#play');
    await page.locator('#buy').waitFor({ state: 'visible' });
    expect(await text(page, '#play-status')).toContain('not_entitled');
    expect(edge).toEqual([]);
    await page.click('#buy');
    await playsPast(page, 1);
    expect(edge.length).toBeGreaterThan(0);
    for (const r of edge) expect(r.cookie).toContain('CloudFront-Policy=');
  }, 120_000);

  it('uploads a large file in parallel parts, retries a failed part, and resumes after a reload', async () => {
    const page = await (await freshBrowser()).newPage();
    const puts: number[] = [];
    let failOnce = true;
    await page.route(`${stack.s3Endpoint}/**`, async (route) => {
      const request = route.request();
      if (request.method() !== 'PUT') return route.continue();
      const part = Number(new URL(request.url()).searchParams.get('partNumber'));
      puts.push(part);
      if (part === 3 && failOnce) {
        failOnce = false;
        return route.fulfill({
          status: 500,
          body: 'injected failure',
          headers: { 'access-control-allow-origin': '*' },
        });
      }
      return route.continue();
    });
    await page.goto(`${stack.apiUrl}/`);
    // The same 13 MiB file each time (name, size and date identify it for resuming).
    const upload = (abortAfterBytes: number | null) =>
      page.evaluate(
        async ({ abortAfterBytes, MIB }) => {
          const { uploadVideo, devToken } = window.Velvet;
          const token = await devToken('alice', ['creator']);
          const bytes = new Uint8Array(13 * MIB).map((_, i) => i % 251);
          const file = new File([bytes], 'large.mp4', { type: 'video/mp4', lastModified: 1_700_000_000_000 });
          const abort = new AbortController();
          try {
            const done = await uploadVideo(file, {
              api: location.origin,
              getToken: () => token,
              concurrency: abortAfterBytes === null ? 3 : 1,
              signal: abort.signal,
              onProgress: ({ loaded }: { loaded: number }) => {
                if (abortAfterBytes !== null && loaded > abortAfterBytes) abort.abort();
              },
            });
            return { videoId: done.videoId, status: done.video.status };
          } catch (error) {
            return { error: (error as { code?: string }).code };
          }
        },
        { abortAfterBytes, MIB },
      );

    expect(await upload(5 * MIB)).toEqual({ error: 'aborted' });
    expect(puts).toEqual([1, 2]);
    puts.length = 0;
    await page.reload();
    const resumed = await upload(null);
    expect(resumed).toMatchObject({ status: 'queued' });
    // Part 1 was kept from before the reload; part 2 is sent again only if the abort cut it off
    // before S3 stored it; part 3 failed once and was retried.
    expect(puts).not.toContain(1);
    expect(puts.filter((n) => n === 3)).toHaveLength(2);
    expect(puts.filter((n) => n === 2).length).toBeLessThanOrEqual(1);
  }, 120_000);

  it('renews the session once when the CDN answers 403 mid-playback, then plays on', async () => {
    expect(videoId).not.toBe('');
    const page = await (await freshBrowser()).newPage();
    let sessions = 0;
    page.on('request', (request) => {
      if (request.method() === 'POST' && request.url().endsWith('/playback-sessions')) sessions++;
    });
    // The first segment is refused as CloudFront refuses an expired cookie (with CORS headers).
    let refused = false;
    await page.route(`${stack.edgeUrl}/**/*.m4s`, (route) => {
      if (refused) return route.continue();
      refused = true;
      return route.fulfill({
        status: 403,
        contentType: 'text/xml',
        headers: { 'access-control-allow-origin': stack.apiUrl, 'access-control-allow-credentials': 'true' },
        body: '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access denied</Message></Error>',
      });
    });
    await page.goto(`${stack.apiUrl}/`);
    await signIn(page, 'creator');
    await page.fill('#video-id', videoId);
    await page.click('#play');
    await playsPast(page, 2);
    expect(refused).toBe(true);
    expect(sessions).toBe(2);
    expect(await text(page, '#play-status')).toContain('Playing');
  }, 60_000);

  it('renews the session before refreshAt on its own, asking again when the api cannot answer', async () => {
    expect(videoId).not.toBe('');
    const page = await (await freshBrowser()).newPage();
    // The page's clock is fake, so the renewal timer can be run without waiting minutes.
    await page.clock.install();
    const sessions: string[] = [];
    let asked = 0;
    page.on('request', (request) => {
      if (request.method() === 'POST' && request.url().endsWith('/playback-sessions')) asked++;
    });
    page.on('response', (response) => {
      if (
        response.request().method() === 'POST' &&
        response.url().endsWith('/playback-sessions') &&
        response.status() === 201
      )
        sessions.push(response.url());
    });
    await page.goto(`${stack.apiUrl}/`);
    await signIn(page, 'creator');
    await page.fill('#video-id', videoId);
    await page.click('#play');
    await page.waitForFunction(() => document.querySelector('#play-status')?.textContent?.startsWith('Playing'));
    expect(sessions).toHaveLength(1);
    // PLAYBACK_TTL_SECONDS is 600 here: refreshAt comes within ten minutes, and the renewed
    // session's own refreshAt is again minutes later (timed on the server's clock).
    // All of the clip buffered first: ten minutes run at once would otherwise time out a segment
    // still loading, and the player would stop on that network error instead.
    await page.waitForFunction(() => {
      const video = document.querySelector('video') as any;
      return video.buffered.length > 0 && video.buffered.end(video.buffered.length - 1) >= video.duration - 0.5;
    });
    // The first renewal finds no api; the player asks again ten seconds later, the cookies still good.
    await page.route('**/playback-sessions', (route) => route.abort('connectionrefused'), { times: 1 });
    await page.clock.runFor(10 * 60 * 1000);
    // The refused request comes back in real time: the fake clock goes on a second at a time meanwhile.
    for (let waited = 0; sessions.length < 2 && waited < 10_000; waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      await page.clock.runFor(1000);
    }
    expect([asked, sessions.length]).toEqual([3, 2]);
    expect(await page.locator('velvet-player').getAttribute('state')).toBe('ready');
  }, 60_000);
});
