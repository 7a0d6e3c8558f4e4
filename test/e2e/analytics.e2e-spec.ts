/**
 * The SDK player's beacons in a real browser, through the verifying edge: a viewer plays 0–4 s,
 * seeks to 8, plays to 10, seeks back to 2 and plays to 4; the api then holds about 8 s of
 * watch time, 6 s of coverage and a resume position of 4 s, and the startup time. A hidden tab
 * stops counting; closing the page sends the last beacon.
 */
import type { BrowserContext, Page } from 'playwright-core';
import type { DevStack } from '../../dev/dev-stack';
import { devToken, startDemoBrowser, uploadInDemo, type DemoBrowser } from '../support/demo-browser';
import { testEnv } from '../support/harness';

declare const document: any;
declare const requestAnimationFrame: (callback: () => void) => number;

describe('viewing analytics from the SDK player, in a real browser', () => {
  let demo: DemoBrowser;
  let stack: DevStack;
  let context: BrowserContext;

  beforeAll(async () => {
    demo = await startDemoBrowser('analytics', testEnv({ HLS_SEGMENT_SECONDS: '2', LADDER: '360' }));
    ({ stack, context } = demo);
  }, 60_000);

  afterAll(() => demo?.close());

  const get = async (path: string, bearer: string) =>
    (await (await fetch(`${stack.apiUrl}${path}`, { headers: { authorization: `Bearer ${bearer}` } })).json()) as any;

  /** Plays until the element reaches `to`, then pauses there (checked every frame). */
  const playTo = (page: Page, to: number) =>
    page.evaluate(
      (end) =>
        new Promise<void>((resolve) => {
          const video = document.querySelector('video');
          const tick = () => {
            if (video.currentTime >= end) {
              video.pause();
              resolve();
            } else requestAnimationFrame(tick);
          };
          void video.play();
          requestAnimationFrame(tick);
        }),
      to,
    );
  const seekTo = (page: Page, at: number) =>
    page.evaluate(
      (t) =>
        new Promise<void>((resolve) => {
          const video = document.querySelector('video');
          video.addEventListener('seeked', () => resolve(), { once: true });
          video.currentTime = t;
        }),
      at,
    );
  const progressOf = async (id: string, bearer: string, expected: (p: any) => boolean) => {
    let progress: any;
    for (let i = 0; i < 50; i++) {
      progress = await get(`/v1/videos/${id}/progress`, bearer);
      if (expected(progress)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    return progress;
  };

  it('reports watch time, coverage, position and startup; stops counting when hidden; sends the last beacon on close', async () => {
    const token = await devToken(stack, 'alice', ['creator']);
    const page = await context.newPage();
    const id = await uploadInDemo(page, stack, 'standard30', /Status: (ready|processing.*playable)/);
    await page.click('#play');
    await page.waitForFunction(() => (document.querySelector('video')?.currentTime ?? 0) > 0, null, {
      timeout: 30_000,
    });
    await playTo(page, 4);
    await seekTo(page, 8);
    await playTo(page, 10);
    await seekTo(page, 2);
    await playTo(page, 4);

    const progress = await progressOf(id, token, (p) => Math.abs(p.watchTimeSeconds - 8) <= 0.5);
    expect(Math.abs(progress.watchTimeSeconds - 8)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(progress.coverage * 30 - 6)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(progress.positionSeconds - 4)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(progress.resumeSeconds - 4)).toBeLessThanOrEqual(0.5);
    const analytics = await get(`/v1/videos/${id}/analytics`, token);
    expect(analytics.views).toBe(1);
    expect(analytics.startupTimeMs.p50).toBeGreaterThan(0);

    // The demo page shows the creator this: the summary, the charts and the viewers.
    await page.click('#show-analytics');
    await page.waitForFunction(() => /views by/.test(document.querySelector('#analytics-summary')?.textContent ?? ''));
    expect(await page.textContent('#analytics-summary')).toMatch(/^1 views by 1 viewers, [789] s watched/);
    const points = await page.getAttribute('#retention-chart polyline', 'points');
    expect(points!.split(' ')).toHaveLength(100);
    expect(await page.locator('#views-chart rect').count()).toBe(1);
    const viewer = /^alice: (\d+) % watched, last at ([\d.]+) s$/.exec((await page.textContent('#viewers')) ?? '');
    expect(Math.abs(Number(viewer?.[1]) - 20)).toBeLessThanOrEqual(2);
    expect(Math.abs(Number(viewer?.[2]) - 4)).toBeLessThanOrEqual(0.5);

    // Hidden: two seconds play, none counted.
    await page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await playTo(page, 6);
    await page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { value: 'visible', configurable: true });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    const hidden = await progressOf(id, token, (p) => Math.abs(p.positionSeconds - 6) <= 0.5);
    expect(Math.abs(hidden.positionSeconds - 6)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(hidden.watchTimeSeconds - 8)).toBeLessThanOrEqual(0.5);

    // Playing on from 6 and closing the page mid-play: the last beacon carries what played.
    await page.evaluate(() => void document.querySelector('video').play());
    await page.waitForFunction(() => document.querySelector('video').currentTime >= 8, null, { timeout: 30_000 });
    await page.close({ runBeforeUnload: true });
    const closed = await progressOf(id, token, (p) => p.watchTimeSeconds >= 9.5);
    expect(closed.watchTimeSeconds).toBeGreaterThanOrEqual(9.5);
    expect(closed.positionSeconds).toBeGreaterThanOrEqual(7.5);
  }, 240_000);
});
