/**
 * Caption uploads against the real api, PostgreSQL and S3: what the audit found (a body read
 * before its caller was known, languages without bound, every language rewritten on each change)
 * stays closed.
 */
import { request as httpRequest } from 'node:http';
import { Client } from 'pg';
import { hlsVersionPrefix } from '../../src/domain/storage-keys';
import { CaptionStore } from '../../src/ports/caption-store';
import { ObjectStorage } from '../../src/ports/object-storage';
import { MAX_CAPTION_LANGUAGES } from '../../src/services/catalog/captions.service';
import { client, startApi, token, type Api, type RunningApi } from '../support/harness';
import { testDatabaseUrl } from '../support/test-env';

const PLAIN_MASTER = [
  '#EXTM3U',
  '#EXT-X-VERSION:7',
  '#EXT-X-STREAM-INF:BANDWIDTH=400000,CODECS="avc1.64001e,mp4a.40.2",RESOLUTION=640x360',
  '360p/index.m3u8',
  '',
].join('\n');
const vtt = (text: string) => `WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n${text}\n`;

/**
 * Sends a caption PUT's headers and only the first KB of a body declared as 8 MB, then waits: the
 * status answered while the body is still incomplete, or null when none came within `waitMs`.
 */
function answerBeforeBody(url: string, bearer: string, waitMs: number): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, {
      method: 'PUT',
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'text/vtt', 'content-length': 8 * 1024 * 1024 - 1 },
    });
    const timer = setTimeout(() => {
      req.destroy();
      resolve(null);
    }, waitMs);
    req.on('response', (res) => {
      clearTimeout(timer);
      res.resume();
      req.destroy();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', (error) => (timer.hasRef() ? reject(error) : undefined));
    req.write(`WEBVTT\n\n${'x'.repeat(1024)}`);
  });
}

describe('captions: the audit', () => {
  let api: RunningApi;
  let db: Client;
  let owner: Api;
  let ownerToken: string;
  let strangerToken: string;

  async function readyVideo(): Promise<string> {
    const { video } = (
      await owner('POST', '/v1/videos', { title: 'captions', contentType: 'video/mp4', sizeBytes: 10 })
    ).json;
    // The transcoder's result, written directly: the pipeline has its own tests.
    await db.query(`UPDATE videos SET status = 'ready', hls_version = 'v1', duration_seconds = 9 WHERE id = $1`, [
      video.id,
    ]);
    await api.app
      .get(ObjectStorage, { strict: false })
      .putObject(`${hlsVersionPrefix(video.id, 'v1')}master.m3u8`, PLAIN_MASTER, {
        contentType: 'application/vnd.apple.mpegurl',
        cacheControl: 'no-cache',
      });
    return video.id;
  }

  beforeAll(async () => {
    api = await startApi();
    db = new Client({ connectionString: testDatabaseUrl() });
    await db.connect();
    ownerToken = await token('captions-owner');
    strangerToken = await token('captions-stranger');
    owner = client(api.url, ownerToken);
  });

  afterAll(async () => {
    await db.end();
    await api.close();
  });

  afterEach(() => jest.restoreAllMocks());

  it('refuses a stranger or a bad token before reading a large body; the owner is read', async () => {
    const id = await readyVideo();
    const url = `${api.url}/v1/videos/${id}/captions/en`;
    expect(await answerBeforeBody(url, 'not-a-token', 3000)).toBe(401);
    expect(await answerBeforeBody(url, strangerToken, 3000)).toBe(404);
    expect(await answerBeforeBody(`${api.url}/v1/videos/vid_nope/captions/en`, ownerToken, 3000)).toBe(400);
    // The owner's upload is read: no answer while its body is still on the way.
    expect(await answerBeforeBody(url, ownerToken, 1000)).toBeNull();
  });

  it('refuses an adversarial 1 MB file with its line, while the instance keeps answering', async () => {
    const id = await readyVideo();
    const body = `1\n00:00:01,000 --> 00:00:02,000\n${'{\\'.repeat(500_000)}\n`.slice(0, 1024 * 1024);
    const [put, health] = await Promise.all([
      owner('PUT', `/v1/videos/${id}/captions/en`, body, { 'content-type': 'application/x-subrip' }),
      fetch(`${api.url}/healthz`),
    ]);
    expect(put.status).toBe(400);
    expect(put.json).toMatchObject({ code: 'invalid_captions', line: 3 });
    expect(health.status).toBe(200);
  });

  it(`takes at most ${MAX_CAPTION_LANGUAGES} languages, still replaces one at the limit, and writes only what changed`, async () => {
    const id = await readyVideo();
    const put = (lang: string, text: string) =>
      owner('PUT', `/v1/videos/${id}/captions/${lang}`, vtt(text), { 'content-type': 'text/vtt' });
    const languages = Array.from({ length: MAX_CAPTION_LANGUAGES }, (_, i) => `en-${1000 + i}`);
    for (const lang of languages) expect((await put(lang, lang)).status).toBe(201);

    const storage = api.app.get(ObjectStorage, { strict: false });
    const captions = api.app.get(CaptionStore, { strict: false });
    const writes = jest.spyOn(storage, 'putObject');
    const reads = jest.spyOn(captions, 'vtts');

    const refused = await put('fr', 'Bonjour');
    expect(refused.status).toBe(409);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(refused.json).toMatchObject({ code: 'too_many_captions', limit: MAX_CAPTION_LANGUAGES });
    expect(refused.json.detail).toContain(String(MAX_CAPTION_LANGUAGES));
    expect(writes).not.toHaveBeenCalled();
    const listed = (await owner('GET', `/v1/videos/${id}/captions`)).json.items;
    expect(listed).toHaveLength(MAX_CAPTION_LANGUAGES);

    const replaced = await put(languages[7]!, 'changed');
    expect(replaced.status).toBe(200);
    // Its WebVTT and media playlist, and one new master: not 2N+1 files.
    expect(writes.mock.calls.map(([key]) => key.slice(hlsVersionPrefix(id, 'v1').length))).toEqual([
      expect.stringMatching(new RegExp(`^captions/${languages[7]}/[0-9a-f]{16}\\.vtt$`)),
      expect.stringMatching(new RegExp(`^captions/${languages[7]}/[0-9a-f]{16}\\.m3u8$`)),
      expect.stringMatching(/^master-[0-9a-f]{16}\.m3u8$/),
    ]);
    expect(reads.mock.calls).toEqual([[id, [languages[7]]]]);

    // The master sessions get names every language, the changed one at its new content.
    const { rows } = await db.query<{ captions_master: string }>('SELECT captions_master FROM videos WHERE id = $1', [
      id,
    ]);
    const master = writes.mock.calls.at(-1)!;
    expect(master[0]).toBe(`${hlsVersionPrefix(id, 'v1')}${rows[0]!.captions_master}`);
    expect(String(master[1]).match(/TYPE=SUBTITLES/g)).toHaveLength(MAX_CAPTION_LANGUAGES);
    expect(String(master[1])).toContain(writes.mock.calls[1]![0].slice(hlsVersionPrefix(id, 'v1').length));

    // A removal frees a place.
    expect((await owner('DELETE', `/v1/videos/${id}/captions/${languages[0]}`)).status).toBe(204);
    expect((await put('fr', 'Bonjour')).status).toBe(201);
  });
});
