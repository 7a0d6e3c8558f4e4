/**
 * The whole mission in a real browser: Debian's Chromium (driven by playwright-core) uses the
 * demo page to upload a generated clip straight to S3, waits for the transcode, and plays it with
 * hls.js through the verifying edge on signed cookies; the paywall path too.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startDevStack, type DevStack } from '../../src/dev/dev-stack';
import { fixture } from '../support/fixtures';
import { testEnv } from '../support/harness';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// What this machine needs (no GPU, no sandbox as root, a closed network).
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const ARTIFACTS = join(__dirname, '../../test-artifacts');

describe('the demo page in a real browser', () => {
  let stack: DevStack;
  const dirs: string[] = [];
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'velvet-e2e-'));
    dirs.push(dataDir);
    stack = await startDevStack({ env: testEnv(), dataDir, apiPort: 0, edgePort: 0, s3Port: 0 });
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
    const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS });
    contexts.push(context);
    return context;
  }

  /** Every request the page makes to the edge, with the Cookie header it carried. */
  function recordEdgeRequests(page: Page): Array<{ url: string; cookie: string | undefined; status?: number }> {
    const seen: Array<{ url: string; cookie: string | undefined; status?: number }> = [];
    page.on('requestfinished', (request) => {
      if (!request.url().startsWith(stack.edgeUrl!)) return;
      void Promise.all([request.allHeaders(), request.response()]).then(([headers, response]) =>
        seen.push({ url: request.url(), cookie: headers.cookie, status: response?.status() }),
      );
    });
    return seen;
  }

  const text = (page: Page, selector: string) => page.locator(selector).textContent();

  async function signIn(page: Page, who: 'creator' | 'viewer'): Promise<void> {
    await page.click(`#as-${who}`);
    await page.waitForFunction((name) => document.querySelector('#who')?.textContent?.includes(name), who === 'creator' ? 'alice' : 'victor');
  }

  async function playsPast(page: Page, seconds: number): Promise<void> {
    await page.waitForFunction((s) => (document.querySelector('video') as HTMLVideoElement).currentTime > s, seconds, { timeout: 60_000, polling: 250 });
  }

  let videoId = '';
  let manifestUrl = '';

  it('uploads through the page, waits for ready, and plays through the edge with the cookies', async () => {
    const page = await (await freshBrowser()).newPage();
    const edge = recordEdgeRequests(page);
    await page.goto(`${stack.apiUrl}/`);
    await signIn(page, 'creator');
    await page.setInputFiles('#file', fixture('tenSeconds'));
    await page.selectOption('#access', 'paid');
    await page.click('#upload');
    await page.waitForFunction(() => /Status: (ready|failed)/.test(document.querySelector('#processing-status')?.textContent ?? ''), null, {
      timeout: 180_000,
      polling: 500,
    });
    expect(await text(page, '#processing-status')).toBe('Status: ready');
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
    const status = await page.evaluate(async (url) => (await fetch(url, { credentials: 'include' })).status, manifestUrl);
    expect(status).toBe(403);
  }, 60_000);

  it('meets the paywall as a viewer, buys access, then plays', async () => {
    expect(videoId).not.toBe('');
    const page = await (await freshBrowser()).newPage();
    const edge = recordEdgeRequests(page);
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
});
