/**
 * Playback without cookies (docs/playback.md): a session's `signedManifestUrl` played to its end
 * by ffmpeg as an HLS client (every frame of every rendition decoded, no cookie, no request
 * hook) through the api's signed playlists and the verifying edge; the same signature on another
 * video's path, an altered one and an expired one refused; a video with captions (the subtitle
 * playlists and their files signed too) and an audio-only video; and Shaka Player in Chromium,
 * credentials off, playing it to its end.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import { startDevStack, type DevStack } from '../../dev/dev-stack';
import { CloudfrontCdnSigner } from '../../src/adapters/cloudfront.cdn-signer';
import { SystemClock } from '../../src/adapters/system.clock';
import { signedQuery } from '../../src/domain/cloudfront-encoding';
import { videoPolicy } from '../../src/domain/playback';
import { CHROMIUM, PLAYING_FLAGS } from '../support/browser';
import { client, testEnv, type Api } from '../support/harness';
import { devToken } from '../support/demo-browser';
import { fixture } from '../support/fixtures';
import { uploadFile, waitForFinal } from '../support/pipeline';

const run = promisify(execFile);

/** Frames decoded per output stream (`video 0`, `audio 1`…), every stream of every variant the master names. */
async function decodeEveryStream(url: string): Promise<Map<string, number>> {
  const { stdout } = await run('ffmpeg', ['-v', 'error', '-xerror', '-i', url, '-map', '0', '-f', 'framecrc', '-'], {
    maxBuffer: 64 * 1024 * 1024,
  });
  const kinds = new Map<string, string>();
  for (const [, index, kind] of stdout.matchAll(/^#media_type (\d+): (\w+)$/gm)) kinds.set(index!, `${kind} ${index}`);
  const frames = new Map<string, number>();
  for (const line of stdout.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const stream = kinds.get(line.split(',')[0]!.trim()) ?? 'unknown';
    frames.set(stream, (frames.get(stream) ?? 0) + 1);
  }
  return frames;
}

describe('playback without cookies: signedManifestUrl', () => {
  let dataDir: string;
  let stack: DevStack;
  let owner: Api;
  let id: string;
  let audioId: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'velvet-e2e-cookieless-'));
    stack = await startDevStack({
      env: testEnv(),
      dataDir,
      apiPort: 0,
      edgePort: 0,
      s3Port: 0,
    });
    owner = client(stack.apiUrl, await devToken(stack, 'alice', ['creator']));
    id = await uploadFile(owner, fixture('standard'), 'video/mp4');
    audioId = await uploadFile(owner, fixture('audioOnly'), 'audio/mpeg');
    expect((await waitForFinal(owner, id)).status).toBe('ready');
    expect((await waitForFinal(owner, audioId)).status).toBe('ready');
  }, 240_000);

  const signedUrl = async (videoId: string): Promise<string> => {
    const session = await owner('POST', `/v1/videos/${videoId}/playback-sessions`);
    expect(session.status).toBe(201);
    return session.json.signedManifestUrl;
  };
  const uris = (text: string) => [
    ...text.split('\n').filter((l) => l !== '' && !l.startsWith('#')),
    ...[...text.matchAll(/URI="([^"]+)"/g)].map((m) => m[1]!),
  ];

  afterAll(async () => {
    await stack?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('plays to its end in ffmpeg with no cookie, every playlist signed, and refuses it elsewhere, altered or expired', async () => {
    const session = await owner('POST', `/v1/videos/${id}/playback-sessions`);
    expect(session.status).toBe(201);
    const url: string = session.json.signedManifestUrl;
    expect(url.startsWith(`${stack.apiUrl}/v1/videos/${id}/signed/hls/`)).toBe(true);
    const query = url.slice(url.indexOf('?') + 1);

    // Every URI of the master and of a media playlist carries the session's signature.
    const master = await (await fetch(url)).text();
    expect(uris(master).length).toBeGreaterThan(1);
    for (const uri of uris(master)) expect(uri.endsWith(`?${query}`)).toBe(true);
    const media = await (await fetch(uris(master).find((u) => u.includes('.m3u8'))!)).text();
    const files = uris(media);
    expect(files.every((u) => u.startsWith(`${stack.edgeUrl}/videos/${id}/`) && u.endsWith(`?${query}`))).toBe(true);
    expect((await fetch(files[0]!)).status).toBe(200);

    // 4 s at 30 fps in every video rendition, and the audio decoded too.
    const frames = [...(await decodeEveryStream(url))];
    const videos = frames.filter(([stream]) => stream.startsWith('video'));
    expect(videos.length).toBeGreaterThanOrEqual(1);
    for (const [, count] of videos) expect(count).toBe(120);
    expect(frames.some(([stream, count]) => stream.startsWith('audio') && count > 100)).toBe(true);

    // Another video's path with this signature; an altered signature.
    const other = (
      await owner('POST', '/v1/videos', { title: 'other', contentType: 'video/mp4', sizeBytes: 10, access: 'paid' })
    ).json.video.id;
    const elsewhere = url.replace(`/videos/${id}/`, `/videos/${other}/`);
    expect((await fetch(elsewhere)).status).toBe(403);
    expect((await fetch(files[0]!.replace(`/videos/${id}/`, `/videos/${other}/`))).status).toBe(403);
    const altered = url.replace(/Signature=(.)/, (_, c: string) => `Signature=${c === 'A' ? 'B' : 'A'}`);
    const refused = await fetch(altered);
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);

    // Policies signed here by the stack's own key, as the api signs them: one expired a minute
    // ago is refused for the playlists and the files; the same a minute ahead is served, so the
    // refusal is the expiry's.
    const signer = new CloudfrontCdnSigner(stack.config, new SystemClock());
    const signedFor = (offsetSeconds: number) => {
      const expiresAtEpoch = Math.floor(Date.now() / 1000) + offsetSeconds;
      return signedQuery(
        signer.signPolicy(videoPolicy({ cdnBaseUrl: stack.config.cloudfront.baseUrl!, videoId: id, expiresAtEpoch })),
      );
    };
    const withQuery = (u: string, q: string) => `${u.slice(0, u.indexOf('?'))}?${q}`;
    const expired = signedFor(-60);
    expect((await fetch(withQuery(url, expired))).status).toBe(403);
    expect((await fetch(withQuery(files[0]!, expired))).status).toBe(403);
    const fresh = signedFor(60);
    expect((await fetch(withQuery(url, fresh))).status).toBe(200);
    expect((await fetch(withQuery(files[0]!, fresh))).status).toBe(200);
  }, 120_000);

  it('signs the subtitle playlists of a video with captions, and plays an audio-only video', async () => {
    const vtt = 'WEBVTT\n\n00:00:00.500 --> 00:00:02.000\nHello\n\n00:00:02.500 --> 00:00:03.500\nAgain\n';
    expect((await owner('PUT', `/v1/videos/${id}/captions/en`, vtt, { 'content-type': 'text/vtt' })).status).toBe(201);
    const url = await signedUrl(id);
    const query = url.slice(url.indexOf('?') + 1);
    const master = await (await fetch(url)).text();
    const subtitles = /TYPE=SUBTITLES[^\n]*URI="([^"]+)"/.exec(master)?.[1];
    expect(subtitles?.startsWith(`${stack.apiUrl}/v1/videos/${id}/signed/`)).toBe(true);
    const cues = uris(await (await fetch(subtitles!)).text());
    expect(cues.length).toBeGreaterThan(0);
    let text = '';
    for (const cue of cues) {
      expect(cue.endsWith(`?${query}`)).toBe(true);
      const file = await fetch(cue);
      expect(file.status).toBe(200);
      text += await file.text();
    }
    expect(text).toContain('Hello');

    const audio = [...(await decodeEveryStream(await signedUrl(audioId)))];
    expect(audio.length).toBeGreaterThanOrEqual(1);
    expect(audio.every(([stream]) => stream.startsWith('audio'))).toBe(true);
    // 3 s of AAC at 48 kHz: about 140 frames of 1024 samples.
    expect(Math.min(...audio.map(([, count]) => count))).toBeGreaterThan(120);
  }, 120_000);

  it('plays to its end in Shaka Player in Chromium with credentials off (no cookie sent anywhere)', async () => {
    const url = await signedUrl(id);
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: PLAYING_FLAGS });
    try {
      const page = await browser.newPage();
      const cookies: string[] = [];
      page.on('request', (request) => {
        const cookie = request.headers()['cookie'];
        if (cookie && request.url().includes(`/videos/${id}/`)) cookies.push(request.url());
      });
      // The demo page (a real page of the api's origin on loopback, which the edge answers CORS
      // for), holding no session of its own; Shaka's script added under that origin (its CSP
      // allows same-origin scripts), served by the browser's router.
      await page.route(`${stack.apiUrl}/shaka-player.js`, (route) =>
        route.fulfill({
          path: require.resolve('shaka-player/dist/shaka-player.compiled.js'),
          contentType: 'text/javascript',
        }),
      );
      await page.goto(`${stack.apiUrl}/`);
      await page.addScriptTag({ url: '/shaka-player.js' });
      const ended = await page.evaluate(async (manifest) => {
        const w = globalThis as any;
        const video = w.document.createElement('video');
        video.muted = true;
        w.document.body.appendChild(video);
        const player = new w.shaka.Player();
        await player.attach(video);
        const errors: string[] = [];
        player.addEventListener('error', (e: any) => errors.push(String(e.detail?.code)));
        // Shaka's default: no credentials on any request.
        try {
          await player.load(manifest);
        } catch (e: any) {
          // A shaka.util.Error: its numeric code and data say what failed.
          return { ended: false, time: 0, errors: [`load ${e.code} ${JSON.stringify(e.data.slice(1)).slice(0, 600)}`] };
        }
        await video.play();
        await new Promise<void>((resolve, reject) => {
          video.addEventListener('ended', () => resolve());
          setTimeout(() => reject(new Error(`not ended at ${video.currentTime}: ${errors.join(',')}`)), 30_000);
        });
        return { ended: video.ended, time: video.currentTime, errors };
      }, url);
      expect(ended.errors).toEqual([]);
      expect(ended.ended).toBe(true);
      expect(ended.time).toBeGreaterThan(3.5);
      expect(ended.errors).toEqual([]);
      expect(cookies).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 90_000);
});
