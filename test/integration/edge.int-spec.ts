import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Client } from 'pg';
import { createS3Clients } from '../../src/adapters/s3/s3-clients';
import { S3ObjectStorage } from '../../src/adapters/s3/s3.object-storage';
import { createEdgeServer } from '../../src/edge/edge.server';
import { client, startApi, token, type RunningApi } from '../support/harness';
import { testDatabaseUrl } from '../support/test-env';

const FIXTURES = join(__dirname, '../fixtures/cloudfront');
const CDN = 'https://cdn.example.test';
const APP = 'https://app.example.test';

/** A raw request, path sent exactly as given (fetch would normalise `..` and `//`). */
function raw(
  base: string,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the verifying edge in front of the S3 origin', () => {
  let api: RunningApi;
  let edge: Server;
  let edgeUrl: string;
  let s3: S3Client;
  let now: number | undefined;
  const segment = randomBytes(1024 * 1024);
  const ids: string[] = [];
  const cookies: Record<string, string> = {};

  beforeAll(async () => {
    api = await startApi({
      CDN_BASE_URL: CDN,
      CLOUDFRONT_KEY_PAIR_ID: 'K2JCJMDEHXQW5F',
      CLOUDFRONT_PRIVATE_KEY_FILE: join(FIXTURES, 'rsa-private.pem'),
    });
    const clients = createS3Clients(api.config.s3);
    s3 = clients.data;
    edge = createEdgeServer({
      publicUrl: CDN,
      trustedKeys: new Map([['K2JCJMDEHXQW5F', readFileSync(join(FIXTURES, 'rsa-public.pem'), 'utf8')]]),
      corsOrigins: [APP],
      storage: new S3ObjectStorage(clients, api.config.s3.bucket),
      now: () => now ?? Math.floor(Date.now() / 1000),
    });
    await new Promise<void>((r) => edge.listen(0, '127.0.0.1', r));
    edgeUrl = `http://127.0.0.1:${(edge.address() as AddressInfo).port}`;

    const owner = client(api.url, await token('edgy'));
    const db = new Client({ connectionString: testDatabaseUrl() });
    await db.connect();
    for (let i = 0; i < 2; i++) {
      const { video } = (
        await owner('POST', '/v1/videos', { title: `e${i}`, contentType: 'video/mp4', sizeBytes: 10, access: 'paid' })
      ).json;
      await db.query(`UPDATE videos SET status = 'ready', hls_version = 'v1' WHERE id = $1`, [video.id]);
      const put = (key: string, body: Buffer | string, type: string) =>
        s3.send(
          new PutObjectCommand({
            Bucket: api.config.s3.bucket,
            Key: key,
            Body: body,
            ContentType: type,
            CacheControl: 'public, max-age=31536000, immutable',
          }),
        );
      await put(`videos/${video.id}/hls/v1/master.m3u8`, `#EXTM3U\n# ${video.id}\n`, 'application/vnd.apple.mpegurl');
      await put(`videos/${video.id}/hls/v1/360p/seg_00000.m4s`, segment, 'video/mp4');
      await put(`uploads/${video.id}/source`, 'secret source', 'video/mp4');
      const session = await owner('POST', `/v1/videos/${video.id}/playback-sessions`);
      cookies[video.id] = session.headers
        .getSetCookie()
        .map((c: string) => c.split(';')[0])
        .join('; ');
      ids.push(video.id);
    }
    await db.end();
  });
  afterAll(async () => {
    s3.destroy();
    await new Promise((r) => edge.close(r));
    await api.close();
  });

  it('serves a video’s playlist and segments to its cookies, with Range, ETag and HEAD', async () => {
    const [a] = ids as [string];
    const master = await raw(edgeUrl, `/videos/${a}/hls/v1/master.m3u8`, { cookie: cookies[a]! });
    expect(master.status).toBe(200);
    expect(master.headers['content-type']).toBe('application/vnd.apple.mpegurl');
    expect(master.body.toString()).toContain(a);
    const seg = await raw(edgeUrl, `/videos/${a}/hls/v1/360p/seg_00000.m4s`, { cookie: cookies[a]! });
    expect(seg.body.equals(segment)).toBe(true);
    expect(seg.headers['cache-control']).toMatch(/immutable/);
    const part = await raw(edgeUrl, `/videos/${a}/hls/v1/360p/seg_00000.m4s`, {
      cookie: cookies[a]!,
      range: 'bytes=100-199',
    });
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 100-199/${segment.length}`);
    expect(part.body.equals(segment.subarray(100, 200))).toBe(true);
    const again = await raw(edgeUrl, `/videos/${a}/hls/v1/360p/seg_00000.m4s`, {
      cookie: cookies[a]!,
      'if-none-match': String(seg.headers.etag),
    });
    expect(again.status).toBe(304);
    const past = await raw(edgeUrl, `/videos/${a}/hls/v1/360p/seg_00000.m4s`, {
      cookie: cookies[a]!,
      range: `bytes=${segment.length + 10}-`,
    });
    expect(past.status).toBe(416);
    const head = await raw(edgeUrl, `/videos/${a}/hls/v1/360p/seg_00000.m4s`, { cookie: cookies[a]! }, 'HEAD');
    expect({ status: head.status, length: head.headers['content-length'], body: head.body.length }).toEqual({
      status: 200,
      length: String(segment.length),
      body: 0,
    });
  });

  it('answers CloudFront’s 403s: no credentials, another video’s cookies, tampered, expired', async () => {
    const [a, b] = ids as [string, string];
    const none = await raw(edgeUrl, `/videos/${a}/hls/v1/master.m3u8`);
    expect(none.status).toBe(403);
    expect(none.headers['content-type']).toBe('text/xml');
    expect(none.headers.server).toBe('CloudFront');
    expect(none.headers['x-cache']).toBe('Error from cloudfront');
    expect(none.body.toString()).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Error><Code>MissingKey</Code><Message>Missing Key-Pair-Id query parameter or cookie value</Message></Error>',
    );
    expect((await raw(edgeUrl, `/videos/${b}/hls/v1/master.m3u8`, { cookie: cookies[a]! })).body.toString()).toContain(
      '<Code>AccessDenied</Code>',
    );
    const tampered = cookies[a]!.replace(
      /CloudFront-Signature=(.)/,
      (_, c: string) => `CloudFront-Signature=${c === 'A' ? 'B' : 'A'}`,
    );
    expect((await raw(edgeUrl, `/videos/${a}/hls/v1/master.m3u8`, { cookie: tampered })).status).toBe(403);
    now = Math.floor(Date.now() / 1000) + 3600;
    try {
      expect((await raw(edgeUrl, `/videos/${a}/hls/v1/master.m3u8`, { cookie: cookies[a]! })).status).toBe(403);
    } finally {
      now = undefined;
    }
  });

  it.each([
    (a: string, b: string) => `/videos/${a}/../${b}/hls/v1/master.m3u8`,
    (a: string, b: string) => `/videos/${a}/%2e%2e/${b}/hls/v1/master.m3u8`,
    (a: string, b: string) => `/videos/${a}/..%2F${b}/hls/v1/master.m3u8`,
    (a: string) => `/videos/${a}//hls/v1/master.m3u8`,
    (a: string, b: string) => `/videos/${a}/..\\${b}/hls/v1/master.m3u8`,
    (a: string) => `/uploads/${a}/source`,
    (a: string) => `/videos/${a}/../../uploads/${a}/source`,
  ])('never lets a crafted path reach other objects (%#)', async (path) => {
    const [a, b] = ids as [string, string];
    const res = await raw(edgeUrl, path(a, b), { cookie: cookies[a]! });
    expect(res.status).toBe(404);
    expect(res.body.toString()).not.toContain(b);
    expect(res.body.toString()).not.toContain('secret source');
  });

  it('answers CORS with credentials for allowed origins, on 403s too, and preflights without cookies', async () => {
    const [a] = ids as [string];
    const ok = await raw(edgeUrl, `/videos/${a}/hls/v1/master.m3u8`, { cookie: cookies[a]!, origin: APP });
    expect(ok.headers['access-control-allow-origin']).toBe(APP);
    expect(ok.headers['access-control-allow-credentials']).toBe('true');
    expect(ok.headers.vary).toBe('Origin');
    const denied = await raw(edgeUrl, `/videos/${a}/hls/v1/master.m3u8`, { origin: APP });
    expect(denied.status).toBe(403);
    expect(denied.headers['access-control-allow-origin']).toBe(APP);
    const stranger = await raw(edgeUrl, `/videos/${a}/hls/v1/master.m3u8`, { origin: 'https://evil.test' });
    expect(stranger.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await raw(
      edgeUrl,
      `/videos/${a}/hls/v1/master.m3u8`,
      { origin: APP, 'access-control-request-method': 'GET' },
      'OPTIONS',
    );
    expect(preflight.status).toBe(204);
  });
});
