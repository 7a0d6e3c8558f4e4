import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { startDevStack, type DevStack } from '../../dev/dev-stack';
import { CHROMIUM, PLAYING_FLAGS } from './browser';
import { fixture, type FixtureName } from './fixtures';

declare const document: { querySelector(selector: string): { textContent: string | null } | null };

/** The dev stack on loopback and a headless Chromium with a profile of its own, as the e2e tests use them. */
export interface DemoBrowser {
  readonly stack: DevStack;
  readonly context: BrowserContext;
  close(): Promise<void>;
}

export async function startDemoBrowser(name: string, env: Record<string, string>): Promise<DemoBrowser> {
  const dataDir = mkdtempSync(join(tmpdir(), `velvet-e2e-${name}-`));
  const profile = mkdtempSync(join(tmpdir(), 'velvet-chromium-'));
  const stack = await startDevStack({ env, dataDir, apiPort: 0, edgePort: 0, s3Port: 0 });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: PLAYING_FLAGS,
  });
  return {
    stack,
    context,
    async close() {
      await context.close();
      await stack.close();
      for (const dir of [dataDir, profile]) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A token from the dev stack's token route (`npm run dev` only). */
export async function devToken(stack: DevStack, sub: string, roles: string[] = []): Promise<string> {
  const res = await fetch(`${stack.apiUrl}/dev/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sub, roles }),
  });
  return ((await res.json()) as { token: string }).token;
}

/**
 * Uploads a fixture through the demo page as its creator (alice) and waits until the processing
 * status matches `until`; returns the video's id from the page.
 */
export async function uploadInDemo(page: Page, stack: DevStack, clip: FixtureName, until: RegExp): Promise<string> {
  await page.goto(`${stack.apiUrl}/`);
  await page.click('#as-creator');
  await page.setInputFiles('#file', fixture(clip));
  await page.click('#upload');
  await page.waitForFunction(
    (pattern) => new RegExp(pattern).test(document.querySelector('#processing-status')?.textContent ?? ''),
    until.source,
    { timeout: 120_000, polling: 250 },
  );
  return page.inputValue('#video-id');
}

/**
 * Opens one of `<velvet-player>`'s menus (`captions`, `rendition`) from its button and returns
 * the menu with the text of its items, in order.
 */
export async function openPlayerMenu(
  player: Locator,
  name: 'captions' | 'rendition',
): Promise<{ menu: Locator; items: string[] }> {
  await player.locator(`media-${name}-menu-button`).click();
  const menu = player.locator(`media-${name}-menu`);
  await menu.waitFor({ state: 'visible' });
  return { menu, items: await menu.locator('media-chrome-menu-item').allTextContents() };
}
