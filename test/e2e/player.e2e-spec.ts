/**
 * `<velvet-player>` in real Chromium on the demo page (docs/player.md): it plays a video to its
 * end through the verifying edge with its controls (quality menu, keyboard, focus), axe-core
 * finds nothing, and every paywall state appears with its `velvet-state` event: not entitled
 * (the page's buy button), processing, premiere countdown, too many streams, access expired,
 * not found, and a network error with a retry. (Captions and the seek-bar thumbnail are in
 * extras.e2e-spec.ts; playable early in preview.e2e-spec.ts.)
 */
import type { Page } from 'playwright-core';
import type { DevStack } from '../../dev/dev-stack';
import { devToken, openPlayerMenu, startDemoBrowser, type DemoBrowser } from '../support/demo-browser';
import { client, testEnv, type Api } from '../support/harness';
import { fixture } from '../support/fixtures';
import { uploadFile, waitForFinal } from '../support/pipeline';

declare const getComputedStyle: (element: any) => Record<string, string>;
declare const document: { querySelector(selector: string): any; activeElement: any };
declare const window: any;

describe('<velvet-player> in Chromium', () => {
  let demo: DemoBrowser;
  let stack: DevStack;
  let alice: Api;
  let id: string;
  // Long enough to resume in: a position within the last 5 s resumes at 0.
  let longId: string;

  beforeAll(async () => {
    // One stream at a time per viewer, so the limit's state can be met with two pages.
    demo = await startDemoBrowser('player', testEnv({ PLAYBACK_MAX_STREAMS: '1' }));
    stack = demo.stack;
    alice = client(stack.apiUrl, await devToken(stack, 'alice', ['creator']));
    [id, longId] = await Promise.all([
      uploadFile(alice, fixture('standard'), 'video/mp4'),
      uploadFile(alice, fixture('standard30'), 'video/mp4'),
    ]);
    expect((await waitForFinal(alice, id)).status).toBe('ready');
    expect((await waitForFinal(alice, longId)).status).toBe('ready');
  }, 180_000);

  afterAll(() => demo?.close());

  /** The demo page signed in as `who`, recording every `velvet-state` event of its player. */
  async function openAs(who: 'creator' | 'viewer'): Promise<Page> {
    const page = await demo.context.newPage();
    await page.goto(`${stack.apiUrl}/`);
    await page.evaluate(() => {
      window.states = [];
      document
        .querySelector('velvet-player')
        .addEventListener('velvet-state', (e: any) => window.states.push(e.detail));
    });
    await page.click(`#as-${who}`);
    await page.waitForFunction(
      (name) => document.querySelector('#who')?.textContent?.includes(name),
      who === 'creator' ? 'alice' : 'victor',
    );
    return page;
  }

  async function play(page: Page, videoId: string): Promise<void> {
    await page.fill('#video-id', videoId);
    await page.click('#play');
  }

  /** Waits for the element to reach `state` and returns that event's detail. */
  async function reaches(page: Page, state: string): Promise<any> {
    await page.waitForFunction((s) => document.querySelector('velvet-player').getAttribute('state') === s, state, {
      timeout: 30_000,
      polling: 100,
    });
    const events = await page.evaluate(() => window.states);
    const event = events.findLast((e: any) => e.state === state);
    expect(event).toBeDefined();
    return event;
  }

  /**
   * Which control the keyboard's focus is in (the innermost media-chrome element through shadow
   * roots, whose host draws the ring even when the focus is on an input inside it) and whether
   * its focus is drawn.
   */
  const focused = (page: Page) =>
    page.evaluate(() => {
      let el = document.activeElement;
      let control = el;
      while (el?.shadowRoot?.activeElement) {
        el = el.shadowRoot.activeElement;
        if (el.localName.startsWith('media-')) control = el;
      }
      if (!control.localName.startsWith('media-')) control = el;
      el = control;
      const style = getComputedStyle(el);
      return {
        name: el.localName as string,
        visible: (style.outlineStyle !== 'none' && style.outlineWidth !== '0px') || style.boxShadow !== 'none',
      };
    });

  it('plays to its end through the edge, with its quality menu and keyboard control, and axe-core finds nothing', async () => {
    const page = await openAs('creator');
    const edge: Array<{ url: string; cookie?: string }> = [];
    page.on('requestfinished', (r) => {
      if (r.url().startsWith(stack.edgeUrl!))
        void r.allHeaders().then((headers) => edge.push({ url: r.url(), cookie: headers.cookie }));
    });
    await play(page, id);
    expect(await reaches(page, 'ready')).toMatchObject({ state: 'ready', previous: 'loading', videoId: id });
    const player = page.locator('velvet-player');
    // The poster is the session's signed one.
    expect(
      await page.evaluate(() => {
        const element = document.querySelector('velvet-player');
        return element.shadowRoot.querySelector('media-poster-image').getAttribute('src') === element.session.posterUrl;
      }),
    ).toBe(true);
    expect(await player.locator('media-poster-image').getAttribute('src')).toMatch(/poster\.jpg\?.*Signature=/);
    await page.waitForFunction(() => document.querySelector('video').currentTime > 0.3, null, { timeout: 30_000 });
    await page.evaluate(() => document.querySelector('video').pause());

    // The quality menu: "Auto" with the height playing, then each rung; a rung chosen holds hls.js on it.
    const { menu, items } = await openPlayerMenu(player, 'rendition');
    expect(items).toEqual(['720p', '480p', '360p', 'Auto (720p)']);
    await menu.locator('media-chrome-menu-item', { hasText: '360p' }).click();
    await menu.waitFor({ state: 'hidden' });
    const chosen = () =>
      page.evaluate(() => {
        const hls = document.querySelector('velvet-player').hls;
        return { auto: hls.autoLevelEnabled, height: hls.levels[hls.manualLevel]?.height ?? null };
      });
    expect(await chosen()).toEqual({ auto: false, height: 360 });
    await player.locator('media-rendition-menu-button').click();
    await menu.locator('media-chrome-menu-item', { hasText: 'Auto' }).click();
    expect(await chosen()).toEqual({ auto: true, height: null });

    // Every control is reached with Tab from the page's Play button, its focus drawn.
    await page.focus('#play');
    const reached = new Map<string, boolean>();
    for (let i = 0; i < 20; i++) {
      await page.keyboard.press('Tab');
      const { name, visible } = await focused(page);
      if (name.startsWith('media-')) reached.set(name, visible);
    }
    for (const control of [
      'media-play-button',
      'media-mute-button',
      'media-volume-range',
      'media-time-range',
      'media-rendition-menu-button',
      'media-playback-rate-menu-button',
      'media-pip-button',
      'media-fullscreen-button',
    ])
      expect([control, reached.get(control)]).toEqual([control, true]);

    // axe-core's script from the page's own origin (its CSP admits no other), run on the element.
    await page.route(`${stack.apiUrl}/axe.min.js`, (route) =>
      route.fulfill({ path: require.resolve('axe-core/axe.min.js'), contentType: 'text/javascript' }),
    );
    await page.addScriptTag({ url: '/axe.min.js' });
    const violations = await page.evaluate(async () => {
      const result = await window.axe.run(document.querySelector('velvet-player'));
      return result.violations.map(
        (v: any) => `${v.id}: ${v.nodes.map((n: any) => JSON.stringify(n.target)).join(' ')}`,
      );
    });
    expect(violations).toEqual([]);

    // Keyboard: k plays, and the video plays on to its end through the edge with the cookies.
    await player.locator('media-play-button').focus();
    await page.keyboard.press('k');
    await page.waitForFunction(() => !document.querySelector('video').paused);
    await page.keyboard.press('k');
    await page.waitForFunction(() => document.querySelector('video').paused);
    // From the start (the clip is 4 s long), the right arrow skips ahead.
    await page.evaluate(() => (document.querySelector('video').currentTime = 0));
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction(() => document.querySelector('video').currentTime > 1);
    await page.keyboard.press('k');
    await page.waitForFunction(() => document.querySelector('video').ended, null, { timeout: 30_000 });
    const segments = edge.filter((r) => r.url.endsWith('.m4s'));
    expect(segments.length).toBeGreaterThan(0);
    for (const r of segments) expect(r.cookie).toContain('CloudFront-Policy=');
    // Its stream slot freed for the next test (one a viewer here).
    await page.evaluate(() => (document.querySelector('velvet-player').videoId = null));
    await page.close();
  }, 90_000);

  it('resumes where the viewer stopped, with a token given as a function', async () => {
    const page = await openAs('creator');
    await play(page, longId);
    await reaches(page, 'ready');
    await page.evaluate(async () => {
      const video = document.querySelector('video');
      video.pause();
      video.currentTime = 12;
      await new Promise((resolve) => video.addEventListener('seeked', resolve, { once: true }));
      await video.play();
      while (video.currentTime < 12.5) await new Promise((resolve) => setTimeout(resolve, 50));
      video.pause();
    });
    // The pause's beacon carries the position; the api's progress then says where to resume.
    for (let waited = 0; waited < 10_000; waited += 200) {
      const { json } = await alice('GET', `/v1/videos/${longId}/progress`);
      if (json.resumeSeconds >= 12.4) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect((await alice('GET', `/v1/videos/${longId}/progress`)).json.resumeSeconds).toBeGreaterThanOrEqual(12.4);
    // Its stream slot freed (one a viewer here), a new page whose token is a function picks up there.
    await page.evaluate(() => (document.querySelector('velvet-player').videoId = null));
    await page.close();
    const next = await demo.context.newPage();
    await next.goto(`${stack.apiUrl}/`);
    const token = await devToken(stack, 'alice', ['creator']);
    await next.evaluate(
      ({ videoId, token }) => {
        const element = document.querySelector('velvet-player');
        element.token = () => token;
        element.videoId = videoId;
      },
      { videoId: longId, token },
    );
    await next.waitForFunction(() => document.querySelector('video').currentTime > 0, null, { timeout: 30_000 });
    expect(await next.evaluate(() => document.querySelector('video').currentTime)).toBeGreaterThanOrEqual(12);
    await next.evaluate(() => (document.querySelector('velvet-player').videoId = null));
    await next.close();
  }, 60_000);

  it('shows every paywall state, each with its velvet-state event, and recovers where it can', async () => {
    const overlay = (page: Page) =>
      page.evaluate(() => {
        const root = document.querySelector('velvet-player').shadowRoot;
        const shown = (el: any) => Boolean(el) && getComputedStyle(el).display !== 'none';
        const slot = [...root.querySelectorAll('slot[data-state]')].find(shown);
        return {
          message: slot?.textContent.trim() ?? null,
          retry: shown(root.querySelector('.retry')),
        };
      });

    // Not entitled: the page's own buy button in the element; buying plays.
    const first = await openAs('viewer');
    await play(first, id);
    expect(await reaches(first, 'not-entitled')).toMatchObject({ error: { code: 'not_entitled', status: 403 } });
    await first.locator('#buy').waitFor({ state: 'visible' });
    expect(await overlay(first)).toEqual({ message: expect.stringMatching(/subscribers/), retry: false });
    await first.click('#buy');
    await reaches(first, 'ready');

    // Too many streams (one a viewer here): a second player is refused until the first stops.
    const second = await openAs('viewer');
    await play(second, id);
    expect(await reaches(second, 'too-many-streams')).toMatchObject({ error: { code: 'too_many_streams' } });
    expect(await overlay(second)).toMatchObject({ retry: true });
    await first.evaluate(() => (document.querySelector('velvet-player').videoId = null));
    await reaches(first, 'idle');
    await second.locator('velvet-player .retry').click();
    await reaches(second, 'ready');

    // Access expired: the CDN refuses, a renewal does not help; the buy button is back.
    await second.route(`${stack.edgeUrl}/**/*.m4s`, (route) =>
      route.fulfill({
        status: 403,
        contentType: 'text/xml',
        headers: { 'access-control-allow-origin': stack.apiUrl, 'access-control-allow-credentials': 'true' },
        body: '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code></Error>',
      }),
    );
    await second.evaluate(() => document.querySelector('velvet-player').load(0));
    expect(await reaches(second, 'access-expired')).toMatchObject({ error: { code: 'expired', status: 403 } });
    await second.locator('#buy').waitFor({ state: 'visible' });
    await second.unrouteAll();

    // A premiere: a countdown until availableFrom.
    const start = new Date(Date.now() + 3600_000);
    start.setMilliseconds(0);
    expect((await alice('PATCH', `/v1/videos/${id}`, { availableFrom: start.toISOString() })).status).toBe(200);
    await second.evaluate(() => document.querySelector('velvet-player').load());
    expect(await reaches(second, 'premiere')).toMatchObject({ availableFrom: start.toISOString() });
    const countdown = await second.locator('velvet-player .countdown').textContent();
    expect(countdown).toMatch(/^(59:[0-5]\d|1:00:00)$/);
    expect((await alice('PATCH', `/v1/videos/${id}`, { availableFrom: null })).status).toBe(200);

    // A network error, with a retry that plays.
    await second.route('**/playback-sessions', (route) => route.abort('connectionrefused'), { times: 1 });
    await second.evaluate(() => document.querySelector('velvet-player').load());
    expect(await reaches(second, 'error')).toMatchObject({ error: { code: 'network' } });
    expect(await overlay(second)).toMatchObject({ message: expect.stringMatching(/could not be loaded/), retry: true });
    await second.locator('velvet-player .retry').click();
    await reaches(second, 'ready');

    // Not found.
    await play(second, '0000000000000000000000000z');
    expect(await reaches(second, 'not-found')).toMatchObject({ error: { code: 'not_found' } });

    // Processing: a video not uploaded yet, asked for again until it plays.
    const pending = await alice('POST', '/v1/videos', { title: 'pending', contentType: 'video/mp4', sizeBytes: 1000 });
    expect(pending.status).toBe(201);
    const creator = await openAs('creator');
    await play(creator, pending.json.video.id);
    expect(await reaches(creator, 'processing')).toMatchObject({
      error: { code: 'not_ready', status: 409 },
      progress: null,
    });
    expect(await overlay(creator)).toEqual({ message: expect.stringMatching(/being prepared/), retry: false });
    for (const page of [first, second, creator]) await page.close();
  }, 120_000);
});
