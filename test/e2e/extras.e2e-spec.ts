/**
 * What viewers expect beside the stream, on the whole stack (api, worker, verifying edge, S3):
 * a downloadable video's MP4 behind a signed URL only, the storyboard behind the stream's cookies,
 * and captions added and removed after `ready` without re-encoding, chosen in `<velvet-player>`'s
 * captions menu in Chromium, with the storyboard's tile under its seek bar.
 */
import { execFileSync } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { attachmentDisposition } from '../../src/domain/content-disposition';
import { devCloudfrontKeys } from '../../dev/dev-secret';
import { startDevStack, type DevStack } from '../../dev/dev-stack';
import { verifyViewerRequest } from '../../src/domain/cloudfront-verifier';
import { CHROMIUM, PLAYING_FLAGS } from '../support/browser';
import { openPlayerMenu } from '../support/demo-browser';
import { fixture } from '../support/fixtures';
import { client, postForm, testEnv, type Api } from '../support/harness';
import { ffprobe } from '../support/pipeline';

declare const document: { querySelector(selector: string): any; createElement(tag: string): any; body: any };

const TITLE = 'Café trip: "day 1"';
const SRT =
  '1\n00:00:00,500 --> 00:00:04,000\nHello from the <i>English</i> track\n\n2\n00:00:04,500 --> 00:00:09,000\nSecond line & more\n';
const VTT = 'WEBVTT\n\n00:00:00.500 --> 00:00:09.000\nBonjour de la piste française\n';

/** Top-level MP4 boxes in file order. */
function boxes(bytes: Buffer): string[] {
  const names: string[] = [];
  for (let at = 0; at + 8 <= bytes.length;) {
    let size = bytes.readUInt32BE(at);
    if (size === 1) size = Number(bytes.readBigUInt64BE(at + 8));
    names.push(bytes.toString('latin1', at + 4, at + 8));
    if (size < 8) break;
    at += size;
  }
  return names;
}

/** A JPEG's width and height, from its start-of-frame segment. */
function jpegSize(bytes: Buffer): { width: number; height: number } {
  for (let at = 2; at + 9 < bytes.length;) {
    const marker = bytes[at + 1]!;
    const length = bytes.readUInt16BE(at + 2);
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker))
      return { height: bytes.readUInt16BE(at + 5), width: bytes.readUInt16BE(at + 7) };
    at += 2 + length;
  }
  throw new Error('no JPEG frame header');
}

const seconds = (t: string) => t.split(':').reduce((sum, part) => sum * 60 + Number(part), 0);

describe('downloads, storyboards and captions through the edge', () => {
  let stack: DevStack;
  let context: BrowserContext;
  let dataDir: string;
  let profile: string;
  const dev = async (sub: string, roles: string[] = []) => {
    const res = await fetch(`${stack.apiUrl}/dev/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sub, roles }),
    });
    return ((await res.json()) as { token: string }).token;
  };
  let alice: Api;
  let paywall: Api;
  let id: string;
  let durationSeconds: number;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'velvet-e2e-extras-'));
    profile = mkdtempSync(join(tmpdir(), 'velvet-chromium-'));
    stack = await startDevStack({
      env: testEnv({ TRANSCODE_CHUNK_SECONDS: '0' }),
      dataDir,
      apiPort: 0,
      edgePort: 0,
      s3Port: 0,
    });
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: PLAYING_FLAGS,
    });
    alice = client(stack.apiUrl, await dev('alice', ['creator']));
    paywall = client(stack.apiUrl, await dev('paywall', ['admin']));

    const bytes = readFileSync(fixture('tenSeconds'));
    const created = await alice('POST', '/v1/videos', {
      title: TITLE,
      contentType: 'video/mp4',
      sizeBytes: bytes.length,
      access: 'paid',
    });
    id = created.json.video.id;
    expect((await postForm(created.json.upload, bytes, 'video/mp4')).status).toBe(204);
    expect((await alice('POST', `/v1/videos/${id}/upload/complete`, {})).status).toBe(202);
    // Made downloadable while it is still processing: the MP4 follows the ladder by itself.
    expect((await alice('PATCH', `/v1/videos/${id}`, { downloadable: true })).json).toMatchObject({
      downloadable: true,
      downloadReady: false,
    });
    for (const deadline = Date.now() + 180_000; ; await new Promise((r) => setTimeout(r, 250))) {
      const { json } = await alice('GET', `/v1/videos/${id}`);
      if (json.status === 'failed') throw new Error(`failed: ${JSON.stringify(json.error)}`);
      if (json.status === 'ready' && json.downloadReady) {
        durationSeconds = json.durationSeconds;
        break;
      }
      if (Date.now() > deadline) throw new Error(`still ${json.status}, downloadReady ${json.downloadReady}`);
    }
  }, 240_000);

  afterAll(async () => {
    await context?.close();
    await stack?.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(profile, { recursive: true, force: true });
  });

  async function session(api: Api): Promise<{ json: any; cookie: string }> {
    const res = await api('POST', `/v1/videos/${id}/playback-sessions`, {});
    expect(res.status).toBe(201);
    return {
      json: res.json,
      cookie: (res.json.cookies as Array<{ name: string; value: string }>)
        .map((c) => `${c.name}=${c.value}`)
        .join('; '),
    };
  }

  it('writes a storyboard whose cues cover the whole video, each tile inside its sprite sheet', async () => {
    const { json, cookie } = await session(alice);
    expect(json.storyboardUrl).toMatch(new RegExp(`/videos/${id}/hls/[0-9a-z]+/storyboard/storyboard\\.vtt$`));
    const vtt = await (await fetch(json.storyboardUrl, { headers: { cookie } })).text();
    const cues = [...vtt.matchAll(/^([\d:.]+) --> ([\d:.]+)\n(sprite-\d+\.jpg)#xywh=(\d+),(\d+),(\d+),(\d+)$/gm)];
    expect(cues.length).toBeGreaterThanOrEqual(4);
    expect(seconds(cues[0]![1]!)).toBe(0);
    expect(seconds(cues.at(-1)![2]!)).toBeCloseTo(durationSeconds, 2);
    cues.slice(1).forEach((c, i) => expect(c[1]).toBe(cues[i]![2]));
    const sizes = new Map<string, { width: number; height: number }>();
    for (const [, , , sprite, x, y, w, h] of cues) {
      if (!sizes.has(sprite!)) {
        const res = await fetch(new URL(sprite!, json.storyboardUrl), { headers: { cookie } });
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe('image/jpeg');
        sizes.set(sprite!, jpegSize(Buffer.from(await res.arrayBuffer())));
      }
      const size = sizes.get(sprite!)!;
      expect(Number(x) + Number(w)).toBeLessThanOrEqual(size.width);
      expect(Number(y) + Number(h)).toBeLessThanOrEqual(size.height);
    }
    // The stream's cookies are needed for it, like for every other file of the video.
    expect((await fetch(json.storyboardUrl)).status).toBe(403);
  });

  it('hands a signed URL for the MP4 only to viewers whose right includes downloading', async () => {
    const bob = client(stack.apiUrl, await dev('bob'));
    const carol = client(stack.apiUrl, await dev('carol'));
    const dave = client(stack.apiUrl, await dev('dave'));
    const erin = client(stack.apiUrl, await dev('erin'));
    expect((await paywall('PUT', `/v1/videos/${id}/grants/bob`, { download: true })).json).toMatchObject({
      download: true,
    });
    expect((await paywall('PUT', `/v1/videos/${id}/grants/carol`, {})).json).toMatchObject({ download: false });
    expect((await paywall('PUT', `/v1/videos/${id}/grants/dave`, { kind: 'rental', rentalSeconds: 3600 })).status).toBe(
      200,
    );
    expect(
      (await paywall('PUT', `/v1/videos/${id}/grants/dave`, { kind: 'rental', rentalSeconds: 3600, download: true }))
        .json.code,
    ).toBe('invalid_request');

    expect((await carol('POST', `/v1/videos/${id}/downloads`, {})).json).toMatchObject({
      status: 409,
      code: 'not_downloadable',
    });
    expect((await dave('POST', `/v1/videos/${id}/downloads`, {})).json).toMatchObject({
      status: 409,
      code: 'not_downloadable',
    });
    // Asking never starts a rental's clock.
    expect(
      (await paywall('GET', `/v1/videos/${id}/grants`)).json.items.find((g: any) => g.userId === 'dave').startedAt,
    ).toBeNull();
    expect((await erin('POST', `/v1/videos/${id}/downloads`, {})).json).toMatchObject({
      status: 403,
      code: 'not_entitled',
    });

    const before = Date.now();
    const link = await bob('POST', `/v1/videos/${id}/downloads`, {});
    expect(link.status).toBe(201);
    expect(link.json).toMatchObject({ filename: 'Café trip_ _day 1_.mp4', sizeBytes: expect.any(Number) });
    const expires = Date.parse(link.json.expiresAt);
    expect(expires).toBeGreaterThan(before + 3590_000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 3600_000);
    const url = new URL(link.json.url);
    expect(url.pathname).toMatch(new RegExp(`^/downloads/${id}/[0-9a-z]+/[0-9a-f]{16}\\.mp4$`));
    expect(Number(url.searchParams.get('Expires'))).toBe(expires / 1000);

    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe(attachmentDisposition('Café trip_ _day 1_.mp4'));
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.length).toBe(link.json.sizeBytes);
    // Fast start: the index before the media, so a player starts before the file is whole.
    const top = boxes(bytes);
    expect(top.indexOf('moov')).toBeGreaterThanOrEqual(0);
    expect(top.indexOf('moov')).toBeLessThan(top.indexOf('mdat'));
    const file = join(dataDir, 'download.mp4');
    writeFileSync(file, bytes);
    const probed = ffprobe(file, '-show_entries', 'format=duration:stream=codec_type,width,height');
    expect(Number(probed.format.duration)).toBeCloseTo(durationSeconds, 0);
    expect(Math.abs(Number(probed.format.duration) - durationSeconds)).toBeLessThan(0.15);
    expect(probed.streams.map((s: any) => s.codec_type).sort()).toEqual(['audio', 'video']);
    expect(() =>
      execFileSync('ffmpeg', ['-v', 'error', '-xerror', '-i', file, '-f', 'null', '-'], { stdio: 'pipe' }),
    ).not.toThrow();

    // A streaming viewer's cookies open the stream, never the download.
    const { cookie } = await session(bob);
    const bare = `${url.origin}${url.pathname}`;
    expect((await fetch(bare, { headers: { cookie } })).status).toBe(403);
    expect((await fetch(bare)).status).toBe(403);
    // The URL is for that one file: another path with its signature is refused.
    expect((await fetch(`${url.origin}${url.pathname.replace(/\.mp4$/, '.m4a')}${url.search}`)).status).toBe(403);

    // It expires: the edge's verifier (CloudFront's rules) a second either side of Expires.
    const keys = new Map([
      [
        url.searchParams.get('Key-Pair-Id')!,
        createPublicKey(readFileSync(devCloudfrontKeys(join(dataDir, 'keys')).publicKeyFile, 'utf8')),
      ],
    ]);
    const at = (now: number) =>
      verifyViewerRequest({ url: url.toString(), clientIp: '127.0.0.1', now }, { trustedKeys: keys }).allow;
    expect(at(expires / 1000 - 1)).toBe(true);
    expect(at(expires / 1000 + 1)).toBe(false);
  });

  it("plays the MP4 straight in Chromium's <video>, as long as the stream", async () => {
    const owner = await alice('POST', `/v1/videos/${id}/downloads`, {});
    expect(owner.status).toBe(201);
    const page = await context.newPage();
    await page.goto(`${stack.apiUrl}/`);
    const played = await page.evaluate(async (src: string) => {
      const video = document.createElement('video');
      video.muted = true;
      video.src = src;
      document.body.append(video);
      await new Promise((resolve, reject) => {
        video.addEventListener('loadedmetadata', resolve, { once: true });
        video.addEventListener('error', () => reject(new Error(`media error ${video.error?.code}`)), { once: true });
      });
      await video.play();
      await new Promise((resolve) => setTimeout(resolve, 1500));
      return { duration: video.duration, time: video.currentTime, width: video.videoWidth };
    }, owner.json.url);
    await page.close();
    expect(Math.abs(played.duration - durationSeconds)).toBeLessThan(0.15);
    expect(played.time).toBeGreaterThan(0.5);
    expect(played.width).toBeGreaterThan(0);
  }, 60_000);

  it('publishes captions after ready without re-encoding, offers them in the player by language, and removes one', async () => {
    const before = (await alice('GET', `/v1/videos/${id}`)).json;
    const put = (lang: string, body: string, type: string, query = '') =>
      alice('PUT', `/v1/videos/${id}/captions/${lang}${query}`, body, { 'content-type': type });

    const en = await put('en', SRT, 'application/x-subrip', '?default=true');
    expect(en.status).toBe(201);
    expect(en.json).toMatchObject({ lang: 'en', label: 'English', default: true, cueCount: 2 });
    const fr = await put('fr', VTT, 'text/vtt', '?label=Fran%C3%A7ais%20(France)');
    expect(fr.status).toBe(201);
    const bad = await put(
      'de',
      'WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nok\n\n00:00:03.000 --> 00:00:02.000\nbackwards\n',
      'text/vtt',
    );
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(bad.json).toMatchObject({ code: 'invalid_captions', line: 6 });
    expect(
      (await alice('GET', `/v1/videos/${id}/captions`)).json.items.map((c: any) => [c.lang, c.label, c.default]),
    ).toEqual([
      ['en', 'English', true],
      ['fr', 'Français (France)', false],
    ]);

    const after = (await alice('GET', `/v1/videos/${id}`)).json;
    expect(after.hlsVersion).toBe(before.hlsVersion);
    const { json, cookie } = await session(alice);
    expect(json.manifestUrl).toMatch(/\/master-[0-9a-f]{16}\.m3u8$/);
    const master = await (await fetch(json.manifestUrl, { headers: { cookie } })).text();
    expect(master.match(/TYPE=SUBTITLES/g)).toHaveLength(2);
    // The plain master of the version is still there, unchanged: it is immutable.
    const plain = await (
      await fetch(json.manifestUrl.replace(/master-[0-9a-f]{16}\.m3u8$/, 'master.m3u8'), { headers: { cookie } })
    ).text();
    expect(plain).not.toContain('SUBTITLES');

    const page = await context.newPage();
    await page.goto(`${stack.apiUrl}/`);
    await page.click('#as-creator');
    await page.waitForFunction(() => /alice/.test(document.querySelector('#who')?.textContent ?? ''));
    await page.fill('#video-id', id);
    await page.click('#play');
    // <velvet-player> turns on the captions of the viewer's language (this browser's is English)
    // and its captions menu lists every language; choosing French shows its cue.
    const showing = () =>
      page.evaluate(() => {
        const track = [...document.querySelector('video').textTracks].find((t: any) => t.mode === 'showing');
        return track ? { lang: track.language, cues: [...(track.cues ?? [])].map((c: any) => c.text) } : null;
      });
    await page.waitForFunction(
      () => [...document.querySelector('video').textTracks].some((t: any) => t.mode === 'showing'),
      null,
      { timeout: 30_000 },
    );
    expect((await showing())?.lang).toBe('en');
    const player = page.locator('velvet-player');
    await player.hover();
    const { menu, items } = await openPlayerMenu(player, 'captions');
    expect(items).toEqual(['Off', 'English', 'Français (France)']);
    await menu.locator('media-chrome-menu-item', { hasText: 'Français' }).click();
    await page.waitForFunction(
      () =>
        [...document.querySelector('video').textTracks].some(
          (t: any) => t.mode === 'showing' && [...(t.cues ?? [])].some((c: any) => /Bonjour/.test(c.text)),
        ),
      null,
      { timeout: 30_000 },
    );
    const cue = await page.evaluate(() => {
      const track = [...document.querySelector('video').textTracks].find((t: any) => t.mode === 'showing');
      const c = track.cues[0];
      return { start: c.startTime, end: c.endTime, lang: track.language };
    });
    expect(cue.lang).toBe('fr');
    expect(cue.start).toBeCloseTo(0.5, 0);
    expect(cue.end).toBeCloseTo(9, 0);
    // The seek bar shows the storyboard tile under the pointer, its sprite signed for the CDN
    // (media-chrome fetches it without credentials) and loaded.
    const range = player.locator('media-time-range');
    const bar = (await range.boundingBox())!;
    await range.hover({ position: { x: bar.width * 0.75, y: bar.height / 2 } });
    await page.waitForFunction(
      () => {
        const time = document.querySelector('velvet-player').shadowRoot.querySelector('media-time-range');
        const img = time.shadowRoot.querySelector('media-preview-thumbnail').shadowRoot.querySelector('img');
        return img.complete && img.naturalWidth > 0;
      },
      null,
      { timeout: 10_000 },
    );
    const preview = await player.locator('media-preview-thumbnail').evaluate((el: any) => ({
      src: el.shadowRoot.querySelector('img').src as string,
      // The tile's place in its sprite sheet: "x y width height".
      coords: (el.getAttribute('mediapreviewcoords') ?? '').split(' ').map(Number),
    }));
    expect(preview.src).toMatch(/\/storyboard\/sprite-0\.jpg\?Policy=[^&]+&Signature=[^&]+&Key-Pair-Id=\w+$/);
    expect(preview.coords).toHaveLength(4);
    expect(preview.coords[2]).toBe(160);
    // Three quarters into a 10 s video: not the first tile.
    expect(preview.coords[0]! + preview.coords[1]!).toBeGreaterThan(0);
    await page.close();

    expect((await alice('DELETE', `/v1/videos/${id}/captions/fr`)).status).toBe(204);
    expect((await alice('DELETE', `/v1/videos/${id}/captions/fr`)).json.code).toBe('not_found');
    expect((await alice('GET', `/v1/videos/${id}/captions`)).json.items.map((c: any) => c.lang)).toEqual(['en']);
    const next = await session(alice);
    expect(next.json.manifestUrl).not.toBe(json.manifestUrl);
    const trimmed = await (await fetch(next.json.manifestUrl, { headers: { cookie: next.cookie } })).text();
    expect(trimmed.match(/TYPE=SUBTITLES/g)).toHaveLength(1);
    expect(trimmed).toContain('LANGUAGE="en"');
    // A player still holding the earlier master keeps working.
    expect((await fetch(json.manifestUrl, { headers: { cookie: next.cookie } })).status).toBe(200);
    expect((await alice('GET', `/v1/videos/${id}`)).json.hlsVersion).toBe(before.hlsVersion);
  }, 120_000);

  it('follows the row: a new title makes a new file, turning downloads off or deleting the video removes it', async () => {
    const bob = client(stack.apiUrl, await dev('bob'));
    const old = (await bob('POST', `/v1/videos/${id}/downloads`, {})).json;
    expect((await alice('PATCH', `/v1/videos/${id}`, { title: 'Renamed' })).status).toBe(200);
    let renamed: any;
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 250))) {
      renamed = (await bob('POST', `/v1/videos/${id}/downloads`, {})).json;
      if (renamed.filename === 'Renamed.mp4') break;
    }
    expect(renamed.filename).toBe('Renamed.mp4');
    const res = await fetch(renamed.url);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="Renamed.mp4"');
    await res.arrayBuffer();
    // The file under the old name is gone (one MP4 per video is kept).
    expect((await fetch(old.url)).status).toBe(404);

    expect((await alice('PATCH', `/v1/videos/${id}`, { downloadable: false })).json).toMatchObject({
      downloadable: false,
      downloadReady: false,
    });
    expect((await bob('POST', `/v1/videos/${id}/downloads`, {})).json).toMatchObject({
      status: 409,
      code: 'not_downloadable',
    });
    expect((await fetch(renamed.url)).status).toBe(404);

    expect((await alice('PATCH', `/v1/videos/${id}`, { downloadable: true })).json).toMatchObject({
      downloadable: true,
      downloadReady: false,
    });
    let again: any;
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 250))) {
      again = await bob('POST', `/v1/videos/${id}/downloads`, {});
      if (again.status === 201) break;
      expect(again.json.code).toBe('not_ready');
    }
    expect(again.status).toBe(201);
    expect((await alice('DELETE', `/v1/videos/${id}`)).status).toBe(204);
    expect((await fetch(again.json.url)).status).toBe(404);
  }, 120_000);
});
