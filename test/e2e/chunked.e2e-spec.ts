/**
 * A ladder encoded in chunks, in a real browser: the demo page uploads a 20 s clip that the
 * worker encodes at capped CRF (the default, named here) as four chunk jobs and an audio job; hls.js plays the stitched renditions
 * through the verifying edge from 0 to the end with one buffered range (a join that did not
 * line up would leave a gap, a second range or a stall).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { chromium, type BrowserContext } from 'playwright-core';
import { startDevStack, type DevStack } from '../../dev/dev-stack';
import { TRANSCODE_QUEUE } from '../../src/jobs/job-contract';
import { fixture } from '../support/fixtures';
import { CHROMIUM, PLAYING_FLAGS } from '../support/browser';
import { testEnv } from '../support/harness';

declare const document: { querySelector(selector: string): any };

describe('a chunked ladder in a real browser', () => {
  let stack: DevStack;
  let context: BrowserContext;
  const dirs: string[] = [];

  beforeAll(async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'velvet-e2e-chunked-'));
    const profile = mkdtempSync(join(tmpdir(), 'velvet-chromium-'));
    dirs.push(dataDir, profile);
    // 6 s chunks of 2 s segments: 20 s make chunks at 0, 6, 12 and 18 s; no preview, so
    // what plays is the stitched ladder.
    const env = testEnv({
      TRANSCODE_CHUNK_SECONDS: '6',
      HLS_SEGMENT_SECONDS: '2',
      LADDER: '360,240',
      TRANSCODE_PRESET: 'ultrafast',
      PREVIEW_SHORT_SIDE: '0',
      LADDER_MODE: 'capped-crf',
    });
    stack = await startDevStack({ env, dataDir, apiPort: 0, edgePort: 0, s3Port: 0 });
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: PLAYING_FLAGS,
    });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await stack?.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('plays the stitched renditions from 0 to the end with one buffered range', async () => {
    const page = await context.newPage();
    await page.goto(`${stack.apiUrl}/`);
    await page.click('#as-creator');
    await page.setInputFiles('#file', fixture('chunked20'));
    await page.click('#upload');
    await page.waitForFunction(
      () => /Status: (ready|failed)/.test(document.querySelector('#processing-status')?.textContent ?? ''),
      null,
      { timeout: 180_000, polling: 500 },
    );
    expect(await page.locator('#processing-status').textContent()).toBe('Status: ready');
    const id = await page.inputValue('#video-id');

    // It really was chunked: four chunk jobs of its ladder finished, and no fifth.
    const queue = new Queue(TRANSCODE_QUEUE, { connection: { url: stack.config.redis.url } });
    try {
      const chunks = (await queue.getJobs(['completed']))
        .map((j) => String(j.id))
        .filter((j) => j.startsWith(`chunk-${id}-`));
      expect(chunks.map((j) => j.split('-').at(-1)).sort()).toEqual(['0', '1', '2', '3']);
    } finally {
      await queue.close();
    }

    await page.click('#play');
    await page.waitForFunction(() => (document.querySelector('video')?.currentTime ?? 0) > 0, null, {
      timeout: 30_000,
    });
    await page.evaluate(() => (document.querySelector('video').playbackRate = 2));
    let ranges = 0;
    let state = { t: 0, ended: false, ranges: 0, end: 0 };
    for (
      const deadline = Date.now() + 60_000;
      !state.ended && Date.now() < deadline;
      await new Promise((r) => setTimeout(r, 250))
    ) {
      state = await page.evaluate(() => {
        const video = document.querySelector('video');
        const buffered = video.buffered;
        return {
          t: video.currentTime,
          ended: video.ended,
          ranges: buffered.length,
          end: buffered.length ? buffered.end(buffered.length - 1) : 0,
        };
      });
      ranges = Math.max(ranges, state.ranges);
    }
    expect(state.ended).toBe(true);
    expect(state.t).toBeGreaterThan(19.5);
    expect(state.end).toBeGreaterThan(19.5);
    expect(ranges).toBe(1);
  }, 300_000);
});
