import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { verifyViewerRequest } from '../../src/domain/cloudfront-verifier';
import { client, postForm, startApi, token, type Api, type RunningApi } from '../support/harness';
import { testDatabaseUrl } from '../support/test-env';

const FIXTURES = join(__dirname, '../fixtures/cloudfront');
const CDN = 'https://cdn.example.test';
const KEY_ID = 'K2JCJMDEHXQW5F';
const trustedKeys = new Map([[KEY_ID, readFileSync(join(FIXTURES, 'rsa-public.pem'), 'utf8')]]);

interface Cookie {
  name: string;
  value: string;
  path: string;
  expires: Date;
  attributes: string[];
}

function parseSetCookies(headers: Headers): Cookie[] {
  return headers.getSetCookie().map((line) => {
    const [pair, ...attributes] = line.split('; ');
    const [name, value] = [pair!.slice(0, pair!.indexOf('=')), pair!.slice(pair!.indexOf('=') + 1)];
    const attr = (n: string) => attributes.find((a) => a.startsWith(`${n}=`))?.slice(n.length + 1);
    return { name, value, path: attr('Path')!, expires: new Date(attr('Expires')!), attributes };
  });
}

/** A browser's choice of cookies for a request path (RFC 6265 §5.1.4, longer paths first). */
function cookieHeaderFor(jar: Cookie[], path: string): string {
  return jar
    .filter(
      (c) => path === c.path || (path.startsWith(c.path) && (c.path.endsWith('/') || path[c.path.length] === '/')),
    )
    .sort((a, b) => b.path.length - a.path.length)
    .map((c) => `${c.name}=${c.value}`)
    .join('; ');
}

function edgeAllows(
  jar: Cookie[],
  url: string,
  now = Math.floor(Date.now() / 1000),
  clientIp = '203.0.113.7',
): boolean {
  return verifyViewerRequest(
    { url, cookieHeader: cookieHeaderFor(jar, new URL(url).pathname), clientIp, now },
    { trustedKeys },
  ).allow;
}

describe('playback sessions: the paywall and CloudFront signed cookies', () => {
  let api: RunningApi;
  let db: Client;
  let owner: Api;
  let admin: Api;
  let stranger: Api;
  let anonymous: Api;
  const videos: Record<'public' | 'private' | 'paid', string> = { public: '', private: '', paid: '' };

  async function readyVideo(access: string): Promise<string> {
    const { video } = (
      await owner('POST', '/v1/videos', { title: access, contentType: 'video/mp4', sizeBytes: 10, access })
    ).json;
    // The transcoder's result, written directly: the pipeline has its own tests.
    await db.query(
      `UPDATE videos SET status = 'ready', hls_version = 'v1', width = 640, height = 360, ready_at = now() WHERE id = $1`,
      [video.id],
    );
    return video.id;
  }

  beforeAll(async () => {
    api = await startApi({
      CDN_BASE_URL: CDN,
      CLOUDFRONT_KEY_PAIR_ID: KEY_ID,
      CLOUDFRONT_PRIVATE_KEY_FILE: join(FIXTURES, 'rsa-private.pem'),
      PLAYBACK_TTL_SECONDS: '600',
      // Subscriptions ("*") are switched on here; they are off by default.
      JWT_ALL_ACCESS: 'true',
    });
    db = new Client({ connectionString: testDatabaseUrl() });
    await db.connect();
    owner = client(api.url, await token('olga'));
    admin = client(api.url, await token('paywall', ['admin']));
    stranger = client(api.url, await token('sam', []));
    anonymous = client(api.url);
    for (const access of ['public', 'private', 'paid'] as const) videos[access] = await readyVideo(access);
  });
  afterAll(async () => {
    await db.end();
    await api.close();
  });

  const session = (who: Api, id: string) => who('POST', `/v1/videos/${id}/playback-sessions`);

  it('issues three path-scoped cookies that open exactly this video, and the same values as a query', async () => {
    const res = await session(owner, videos.paid);
    expect(res.status).toBe(201);
    const jar = parseSetCookies(res.headers);
    expect(jar.map((c) => c.name).sort()).toEqual([
      'CloudFront-Key-Pair-Id',
      'CloudFront-Policy',
      'CloudFront-Signature',
    ]);
    for (const c of jar) {
      expect(c.path).toBe(`/videos/${videos.paid}/`);
      expect(c.attributes).toEqual(expect.arrayContaining(['Secure', 'HttpOnly', 'SameSite=Lax']));
      expect(c.attributes.some((a) => a.startsWith('Domain='))).toBe(false);
    }
    const body = res.json;
    expect(body.manifestUrl).toBe(`${CDN}/videos/${videos.paid}/hls/v1/master.m3u8`);
    const expires = Date.parse(body.expiresAt);
    expect(expires - Date.now()).toBeGreaterThan(590_000);
    expect(expires - Date.now()).toBeLessThanOrEqual(660_000);
    expect(Date.parse(body.refreshAt)).toBeLessThan(expires);
    expect(Math.abs(Date.parse(body.issuedAt) - Date.now())).toBeLessThan(5000);
    expect(jar[0]!.expires.getTime()).toBe(Math.floor(expires / 1000) * 1000);
    const policy = JSON.parse(
      Buffer.from(
        jar
          .find((c) => c.name === 'CloudFront-Policy')!
          .value.replace(/-/g, '+')
          .replace(/_/g, '=')
          .replace(/~/g, '/'),
        'base64',
      ).toString(),
    );
    expect(policy).toEqual({
      Statement: [
        {
          Resource: `${CDN}/videos/${videos.paid}/*`,
          Condition: { DateLessThan: { 'AWS:EpochTime': expires / 1000 } },
        },
      ],
    });

    expect(edgeAllows(jar, body.manifestUrl)).toBe(true);
    expect(edgeAllows(jar, `${CDN}/videos/${videos.paid}/hls/v1/720p/seg_00001.m4s`)).toBe(true);
    expect(edgeAllows(jar, `${CDN}/videos/${videos.paid}x/hls/v1/master.m3u8`)).toBe(false);
    expect(edgeAllows(jar, `http://cdn.example.test/videos/${videos.paid}/hls/v1/master.m3u8`)).toBe(false);
    expect(edgeAllows(jar, body.manifestUrl, expires / 1000)).toBe(false);
    // Players without cookies: the same policy as query parameters.
    expect(
      verifyViewerRequest(
        {
          url: `${body.manifestUrl}?${body.signedQuery}`,
          clientIp: '198.51.100.4',
          now: Math.floor(Date.now() / 1000),
        },
        { trustedKeys },
      ).allow,
    ).toBe(true);
    // The poster: a canned signed URL for that one file.
    expect(
      verifyViewerRequest(
        { url: body.posterUrl, clientIp: '198.51.100.4', now: Math.floor(Date.now() / 1000) },
        { trustedKeys },
      ).allow,
    ).toBe(true);
    expect(body.posterUrl).toContain(`/videos/${videos.paid}/poster.jpg?Expires=`);
  });

  it('keeps two videos’ cookies apart in one jar: each opens only its own video', async () => {
    const other = await readyVideo('public');
    const jar = [
      ...parseSetCookies((await session(owner, videos.paid)).headers),
      ...parseSetCookies((await session(owner, other)).headers),
    ];
    expect(jar).toHaveLength(6);
    expect(edgeAllows(jar, `${CDN}/videos/${videos.paid}/hls/v1/master.m3u8`)).toBe(true);
    expect(edgeAllows(jar, `${CDN}/videos/${other}/hls/v1/master.m3u8`)).toBe(true);
    // A third video's path gets no cookies at all.
    expect(edgeAllows(jar, `${CDN}/videos/0000000000000000000000000a/hls/v1/master.m3u8`)).toBe(false);
    // Swapping the sets: one video's cookies never open the other.
    const paidOnly = jar
      .filter((c) => c.path === `/videos/${videos.paid}/`)
      .map((c) => ({ ...c, path: `/videos/${other}/` }));
    expect(edgeAllows(paidOnly, `${CDN}/videos/${other}/hls/v1/master.m3u8`)).toBe(false);
  });

  it('applies the entitlement matrix', async () => {
    const claim = client(api.url, await token('clara', [], { claims: { entitlements: [videos.paid] } }));
    const subscriber = client(api.url, await token('sub', [], { claims: { entitlements: ['*'] } }));
    const granted = client(api.url, await token('gina', []));
    const lapsed = client(api.url, await token('lapsed', []));
    expect((await admin('PUT', `/v1/videos/${videos.paid}/grants/gina`, {})).status).toBe(200);
    expect(
      (
        await admin('PUT', `/v1/videos/${videos.paid}/grants/lapsed`, {
          expiresAt: new Date(Date.now() - 1000).toISOString(),
        })
      ).status,
    ).toBe(200);
    const expectations: Array<[string, Api, keyof typeof videos, number, string?]> = [
      ['anonymous', anonymous, 'public', 201],
      ['anonymous', anonymous, 'private', 404, 'not_found'],
      ['anonymous', anonymous, 'paid', 401, 'unauthorized'],
      ['owner', owner, 'public', 201],
      ['owner', owner, 'private', 201],
      ['owner', owner, 'paid', 201],
      ['admin', admin, 'private', 201],
      ['admin', admin, 'paid', 201],
      ['stranger', stranger, 'public', 201],
      ['stranger', stranger, 'private', 404, 'not_found'],
      ['stranger', stranger, 'paid', 403, 'not_entitled'],
      ['grant', granted, 'paid', 201],
      ['grant', granted, 'private', 404, 'not_found'],
      ['expired grant', lapsed, 'paid', 403, 'not_entitled'],
      ['claim', claim, 'paid', 201],
      ['claim', claim, 'private', 404, 'not_found'],
      ['subscriber', subscriber, 'paid', 201],
    ];
    for (const [who, as, access, status, code] of expectations) {
      const res = await session(as, videos[access]);
      expect({ who, access, status: res.status, code: res.json.code }).toEqual({ who, access, status, code });
    }
    const forged = client(api.url, 'not.a.token');
    expect((await session(forged, videos.public)).status).toBe(401);
  });

  it('caps the cookies at the grant’s expiry', async () => {
    const until = new Date(Date.now() + 120_000);
    await admin('PUT', `/v1/videos/${videos.paid}/grants/brief`, { expiresAt: until.toISOString() });
    const res = await session(client(api.url, await token('brief', [])), videos.paid);
    expect(res.status).toBe(201);
    expect(Date.parse(res.json.expiresAt)).toBe(Math.floor(until.getTime() / 1000) * 1000);
  });

  it('manages grants: owner or admin only, listed, removed', async () => {
    expect((await stranger('PUT', `/v1/videos/${videos.paid}/grants/sam`, {})).status).toBe(404);
    expect((await owner('PUT', `/v1/videos/${videos.paid}/grants/ownergift`, { expiresAt: null })).status).toBe(200);
    const list = await admin('GET', `/v1/videos/${videos.paid}/grants`);
    expect(list.json.items.map((g: { userId: string }) => g.userId)).toEqual(
      expect.arrayContaining(['gina', 'ownergift']),
    );
    expect((await admin('DELETE', `/v1/videos/${videos.paid}/grants/ownergift`)).status).toBe(204);
    expect((await admin('DELETE', `/v1/videos/${videos.paid}/grants/ownergift`)).status).toBe(404);
    expect((await admin('PUT', `/v1/videos/${videos.paid}/grants/bad%20user`, {})).status).toBe(400);
    expect((await admin('PUT', `/v1/videos/${videos.paid}/grants/x`, { expiresAt: 'tomorrow' })).status).toBe(400);
  });

  it('applies an edit, a purchase or a deletion to the very next session', async () => {
    const id = await readyVideo('public');
    expect((await session(stranger, id)).status).toBe(201);
    expect((await owner('PATCH', `/v1/videos/${id}`, { access: 'paid' })).status).toBe(200);
    expect((await session(stranger, id)).json.code).toBe('not_entitled');
    expect((await admin('PUT', `/v1/videos/${id}/grants/sam`, {})).status).toBe(200);
    expect((await session(stranger, id)).status).toBe(201);
    expect((await admin('DELETE', `/v1/videos/${id}/grants/sam`)).status).toBe(204);
    expect((await session(stranger, id)).json.code).toBe('not_entitled');
    expect((await owner('PATCH', `/v1/videos/${id}`, { access: 'private' })).status).toBe(200);
    expect((await session(stranger, id)).status).toBe(404);
    expect((await owner('DELETE', `/v1/videos/${id}`)).status).toBe(204);
    expect((await session(owner, id)).status).toBe(404);
  });

  it('answers 409 not_ready until the video is ready', async () => {
    const { video } = (
      await owner('POST', '/v1/videos', { title: 'soon', contentType: 'video/mp4', sizeBytes: 10, access: 'public' })
    ).json;
    const res = await session(anonymous, video.id);
    expect({ status: res.status, code: res.json.code }).toEqual({ status: 409, code: 'not_ready' });
    expect(res.json.detail).toContain('awaiting_upload');
    // Told to a player as members of the problem, so it can show the wait (no progress before it starts).
    expect(res.json.videoStatus).toBe('awaiting_upload');
    expect(res.json).not.toHaveProperty('progress');
  });

  it.each([
    '*',
    '%2A',
    '0aaaaaaaaaaaaaaaaaaaaaaaa*',
    '0aaaaaaaaaaaaaaaaaaaaaaaa%3F',
    '..%2F0aaaaaaaaaaaaaaaaaaaaaaaaa',
    '0aaaaaaaaaaaaaaaaaaaaaaaa%2F',
  ])('refuses the id %s before signing anything', async (id) => {
    const res = await session(owner, id);
    expect({ status: res.status, code: res.json.code }).toEqual({ status: 400, code: 'invalid_id' });
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  it('signs identical unbound policies once and shares them across viewers', async () => {
    const a = await session(anonymous, videos.public);
    const b = await session(stranger, videos.public);
    expect(a.json.signedQuery).toBe(b.json.signedQuery);
  });
});

describe('playback without CloudFront configuration', () => {
  it('answers 503 playback_not_configured', async () => {
    const api = await startApi();
    try {
      const res = await client(api.url, await token('x'))(
        'POST',
        '/v1/videos/0aaaaaaaaaaaaaaaaaaaaaaaaa/playback-sessions',
      );
      expect({ status: res.status, code: res.json.code }).toEqual({ status: 503, code: 'playback_not_configured' });
    } finally {
      await api.close();
    }
  });
});

describe('playback with IP binding and key rotation', () => {
  const rsa = { CLOUDFRONT_KEY_PAIR_ID: KEY_ID, CLOUDFRONT_PRIVATE_KEY_FILE: join(FIXTURES, 'rsa-private.pem') };
  const ec = {
    CLOUDFRONT_KEY_PAIR_ID: 'K3ROTATEDKEY01',
    CLOUDFRONT_PRIVATE_KEY_FILE: join(FIXTURES, 'ec-private.pem'),
  };
  const bothKeys = new Map([...trustedKeys, ['K3ROTATEDKEY01', readFileSync(join(FIXTURES, 'ec-public.pem'), 'utf8')]]);

  async function publicReadyVideo(api: RunningApi): Promise<string> {
    const db = new Client({ connectionString: testDatabaseUrl() });
    await db.connect();
    const { video } = (
      await client(api.url, await token('rita'))('POST', '/v1/videos', {
        title: 'r',
        contentType: 'video/mp4',
        sizeBytes: 10,
        access: 'public',
      })
    ).json;
    await db.query(`UPDATE videos SET status = 'ready', hls_version = 'v1' WHERE id = $1`, [video.id]);
    await db.end();
    return video.id;
  }

  it('binds the policy to the viewer’s IPv4 address when PLAYBACK_BIND_IP is on', async () => {
    const api = await startApi({ CDN_BASE_URL: CDN, ...rsa, PLAYBACK_BIND_IP: 'true', TRUST_PROXY: '1' });
    try {
      const id = await publicReadyVideo(api);
      const res = await client(api.url)('POST', `/v1/videos/${id}/playback-sessions`, undefined, {
        'x-forwarded-for': '192.0.2.44',
      });
      const jar = parseSetCookies(res.headers);
      const url = res.json.manifestUrl;
      const now = Math.floor(Date.now() / 1000);
      expect(edgeAllows(jar, url, now, '192.0.2.44')).toBe(true);
      expect(edgeAllows(jar, url, now, '192.0.2.45')).toBe(false);
      // An IPv6 viewer cannot be bound (CloudFront matches IPv4 only): its policy is unbound.
      const v6 = await client(api.url)('POST', `/v1/videos/${id}/playback-sessions`, undefined, {
        'x-forwarded-for': '2001:db8::1',
      });
      expect(edgeAllows(parseSetCookies(v6.headers), url, now, '198.51.100.9')).toBe(true);
    } finally {
      await api.close();
    }
  });

  it('rotates keys without a failed view: old cookies work while the old key is trusted', async () => {
    const before = await startApi({ CDN_BASE_URL: CDN, ...rsa });
    let oldJar: Cookie[];
    let url: string;
    try {
      const id = await publicReadyVideo(before);
      const res = await client(before.url)('POST', `/v1/videos/${id}/playback-sessions`);
      oldJar = parseSetCookies(res.headers);
      url = res.json.manifestUrl;
    } finally {
      await before.close();
    }
    const now = Math.floor(Date.now() / 1000);
    const verify = (jar: Cookie[], keys: Map<string, string>) =>
      verifyViewerRequest(
        { url, cookieHeader: cookieHeaderFor(jar, new URL(url).pathname), clientIp: '198.51.100.9', now },
        { trustedKeys: keys },
      );
    // Step 1: the key group trusts both keys; step 2: the api signs with the new one.
    const after = await startApi({ CDN_BASE_URL: CDN, ...ec });
    try {
      const id = new URL(url).pathname.split('/')[2]!;
      const newJar = parseSetCookies((await client(after.url)('POST', `/v1/videos/${id}/playback-sessions`)).headers);
      expect(newJar.find((c) => c.name === 'CloudFront-Key-Pair-Id')!.value).toBe('K3ROTATEDKEY01');
      expect(verify(oldJar, bothKeys).allow).toBe(true);
      expect(verify(newJar, bothKeys).allow).toBe(true);
      // Step 3, after the longest TTL: the old key leaves the group; its cookies stop working.
      const newOnly = new Map([...bothKeys].filter(([k]) => k !== KEY_ID));
      expect(verify(oldJar, newOnly)).toMatchObject({ allow: false, code: 'InvalidKey' });
      expect(verify(newJar, newOnly).allow).toBe(true);
    } finally {
      await after.close();
    }
  });
});

describe('playback rate limits and the source download', () => {
  it('answers 429 with Retry-After past the per-user limit', async () => {
    const api = await startApi({
      CDN_BASE_URL: CDN,
      CLOUDFRONT_KEY_PAIR_ID: KEY_ID,
      CLOUDFRONT_PRIVATE_KEY_FILE: join(FIXTURES, 'rsa-private.pem'),
      PLAYBACK_RATE_LIMIT_PER_USER: '2',
    });
    try {
      const viewer = client(api.url, await token(`rate-${Date.now()}`, []));
      const id = '0aaaaaaaaaaaaaaaaaaaaaaaaa';
      expect((await viewer('POST', `/v1/videos/${id}/playback-sessions`)).status).toBe(404);
      expect((await viewer('POST', `/v1/videos/${id}/playback-sessions`)).status).toBe(404);
      const refused = await viewer('POST', `/v1/videos/${id}/playback-sessions`);
      expect({ status: refused.status, code: refused.json.code }).toEqual({ status: 429, code: 'rate_limited' });
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    } finally {
      await api.close();
    }
  });

  it('gives the owner a short-lived download of the original under its file name', async () => {
    const api = await startApi();
    try {
      const owner = client(api.url, await token('uma'));
      const bytes = Buffer.from('original bytes');
      const { video, upload } = (
        await owner('POST', '/v1/videos', {
          title: 'o',
          contentType: 'video/mp4',
          sizeBytes: bytes.length,
          filename: 'My clip.mp4',
        })
      ).json;
      expect((await owner('GET', `/v1/videos/${video.id}/source-url`)).status).toBe(409);
      await postForm(upload, bytes, 'video/mp4');
      await owner('POST', `/v1/videos/${video.id}/upload/complete`, {});
      const res = await owner('GET', `/v1/videos/${video.id}/source-url`);
      expect(res.status).toBe(200);
      expect(Number(new URL(res.json.url).searchParams.get('X-Amz-Expires'))).toBeLessThanOrEqual(300);
      const download = await fetch(res.json.url);
      expect(download.status).toBe(200);
      expect(download.headers.get('content-disposition')).toContain('attachment');
      // Non-ASCII names add filename*=UTF-8''… (see content-disposition.spec.ts): the local emulator
      // canonicalises `*` and `'` in a presigned query unlike S3 and the SDK, so it refuses those URLs.
      expect(download.headers.get('content-disposition')).toBe('attachment; filename="My clip.mp4"');
      expect(Buffer.from(await download.arrayBuffer())).toEqual(bytes);
      expect((await client(api.url, await token('not-uma'))('GET', `/v1/videos/${video.id}/source-url`)).status).toBe(
        404,
      );
    } finally {
      await api.close();
    }
  });
});
