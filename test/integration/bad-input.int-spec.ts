import { randomBytes } from 'node:crypto';
import { client, postForm, startApi, token, type Api, type RunningApi } from '../support/harness';

const MIB = 1024 * 1024;

describe('bad input gets a clear problem+json error and changes nothing', () => {
  let api: RunningApi;
  let alice: Api;
  let bob: Api;
  let multipartId: string;
  let multipartCount: number;

  beforeAll(async () => {
    api = await startApi({
      UPLOAD_SINGLE_MAX_BYTES: String(5 * MIB),
      UPLOAD_PART_BYTES: String(5 * MIB),
      UPLOAD_MAX_BYTES: String(1024 * MIB),
    });
    alice = client(api.url, await token('alice'));
    bob = client(api.url, await token('bob'));
    const created = await alice('POST', '/v1/videos', {
      title: 'parts',
      contentType: 'video/mp4',
      sizeBytes: 12 * MIB,
    });
    multipartId = created.json.video.id;
    multipartCount = created.json.upload.partCount;
  });
  afterAll(() => api.close());

  async function aliceCount(): Promise<number> {
    return (await alice('GET', '/v1/videos?limit=100')).json.items.length;
  }

  function expectProblem(res: { status: number; headers: Headers; json: any }, status: number, code: string) {
    expect({ status: res.status, code: res.json?.code }).toEqual({ status, code });
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.json).toMatchObject({
      status,
      type: expect.any(String),
      title: expect.any(String),
      detail: expect.any(String),
    });
    expect(res.json.correlationId).toBe(res.headers.get('x-request-id'));
  }

  const valid = { title: 'ok', contentType: 'video/mp4', sizeBytes: 1000 };

  it.each([
    ['malformed JSON', '{"title": "x",', 'invalid_json'],
    ['a JSON array', '[]', 'invalid_request'],
    ['missing title', JSON.stringify({ contentType: 'video/mp4', sizeBytes: 10 }), 'invalid_request'],
    ['missing sizeBytes', JSON.stringify({ title: 'x', contentType: 'video/mp4' }), 'invalid_request'],
    ['an extra field', JSON.stringify({ ...valid, owner: 'bob' }), 'invalid_request'],
    ['a numeric title', JSON.stringify({ ...valid, title: 5 }), 'invalid_request'],
    ['sizeBytes zero', JSON.stringify({ ...valid, sizeBytes: 0 }), 'invalid_request'],
    ['sizeBytes negative', JSON.stringify({ ...valid, sizeBytes: -5 }), 'invalid_request'],
    ['sizeBytes fractional', JSON.stringify({ ...valid, sizeBytes: 10.5 }), 'invalid_request'],
    ['sizeBytes a string', JSON.stringify({ ...valid, sizeBytes: '1000' }), 'invalid_request'],
    [
      'sizeBytes beyond 2^53',
      '{"title":"x","contentType":"video/mp4","sizeBytes":9007199254740993}',
      'invalid_request',
    ],
    ['sizeBytes 1e400', '{"title":"x","contentType":"video/mp4","sizeBytes":1e400}', 'invalid_request'],
    ['an empty title', JSON.stringify({ ...valid, title: '' }), 'invalid_request'],
    ['a blank title', JSON.stringify({ ...valid, title: '   ' }), 'invalid_request'],
    ['a title over 200 characters', JSON.stringify({ ...valid, title: 'x'.repeat(201) }), 'invalid_request'],
    ['an unknown access', JSON.stringify({ ...valid, access: 'secret' }), 'invalid_request'],
  ])('POST /v1/videos with %s → 400', async (_, body, code) => {
    const before = await aliceCount();
    expectProblem(await alice('POST', '/v1/videos', body), 400, code);
    expect(await aliceCount()).toBe(before);
  });

  it('accepts a title of exactly 200 characters (the bound is inclusive)', async () => {
    const res = await alice('POST', '/v1/videos', { ...valid, title: 'x'.repeat(200) });
    expect(res.status).toBe(201);
  });

  it('lists every field problem at once', async () => {
    const res = await alice('POST', '/v1/videos', { title: '', sizeBytes: -1, extra: true });
    expectProblem(res, 400, 'invalid_request');
    const paths = res.json.errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['title', 'sizeBytes', 'contentType']));
  });

  it.each(['text/html', 'image/png', 'application/json', 'video/mp4; charset=x', 'video/'])(
    'refuses contentType %s with 415 unsupported_content_type',
    async (contentType) => {
      const before = await aliceCount();
      expectProblem(await alice('POST', '/v1/videos', { ...valid, contentType }), 415, 'unsupported_content_type');
      expect(await aliceCount()).toBe(before);
    },
  );

  it('refuses an upload larger than UPLOAD_MAX_BYTES with 413 upload_too_large', async () => {
    expectProblem(await alice('POST', '/v1/videos', { ...valid, sizeBytes: 1024 * MIB + 1 }), 413, 'upload_too_large');
  });

  it.each([
    'NOT-AN-ID',
    '7zzzzzzzzzzzzzzzzzzzzzzzz*',
    '8aaaaaaaaaaaaaaaaaaaaaaaaa',
    '0AAAAAAAAAAAAAAAAAAAAAAAAA',
    '0aaaaaaaaaaaa.aaaaaaaaaaaa',
    '0aaaaaaaaaaaaaaaaaaaaaaaa%2F',
  ])('answers an id like %s with 400 invalid_id', async (id) => {
    expectProblem(await alice('GET', `/v1/videos/${id}`), 400, 'invalid_id');
    expectProblem(await alice('POST', `/v1/videos/${id}/upload/complete`, {}), 400, 'invalid_id');
    expectProblem(await alice('DELETE', `/v1/videos/${id}`), 400, 'invalid_id');
  });

  it.each([
    ['part 0', [0], 'invalid_parts'],
    ['a part past the last', [4], 'invalid_parts'],
    ['a repeated part', [1, 1], 'invalid_parts'],
    ['more than 100 parts', Array.from({ length: 101 }, (_, i) => i + 1), 'invalid_parts'],
    ['no parts', [], 'invalid_parts'],
    ['a fractional part', [1.5], 'invalid_request'],
    ['a string part', ['1'], 'invalid_request'],
  ])('asking URLs for %s → 400', async (_, partNumbers, code) => {
    expect(multipartCount).toBe(3);
    expectProblem(await alice('POST', `/v1/videos/${multipartId}/upload/parts`, { partNumbers }), 400, code);
  });

  it('refuses completing with wrong ETags or missing parts, and the upload stays open', async () => {
    const { parts } = (await alice('POST', `/v1/videos/${multipartId}/upload/parts`, { partNumbers: [1, 2, 3] })).json;
    const sizes = [5 * MIB, 5 * MIB, 2 * MIB];
    const etags: string[] = [];
    for (const [i, part] of parts.entries()) {
      const res = await fetch(part.url, { method: 'PUT', body: randomBytes(sizes[i]!) });
      etags.push(res.headers.get('etag')!);
    }
    const all = etags.map((etag, i) => ({ partNumber: i + 1, etag }));
    const wrong = all.map((p, i) => (i === 1 ? { ...p, etag: '"0123456789abcdef0123456789abcdef"' } : p));
    expectProblem(
      await alice('POST', `/v1/videos/${multipartId}/upload/complete`, { parts: wrong }),
      400,
      'invalid_parts',
    );
    expectProblem(
      await alice('POST', `/v1/videos/${multipartId}/upload/complete`, { parts: all.slice(0, 2) }),
      400,
      'invalid_parts',
    );
    expectProblem(
      await alice('POST', `/v1/videos/${multipartId}/upload/complete`, {
        parts: [...all, { partNumber: 4, etag: 'x' }],
      }),
      400,
      'invalid_parts',
    );
    expectProblem(
      await alice('POST', `/v1/videos/${multipartId}/upload/complete`, { parts: 'all' }),
      400,
      'invalid_request',
    );
    expect((await alice('GET', `/v1/videos/${multipartId}`)).json.status).toBe('awaiting_upload');
    expect((await alice('GET', `/v1/videos/${multipartId}/upload`)).json.uploadedParts).toHaveLength(3);
    // The right list still completes.
    const done = await alice('POST', `/v1/videos/${multipartId}/upload/complete`, { parts: all });
    expect(done.status).toBe(202);
    expect(done.json.video.status).toBe('queued');
    expectProblem(
      await alice('POST', `/v1/videos/${multipartId}/upload/parts`, { partNumbers: [1] }),
      409,
      'invalid_state',
    );
    expectProblem(await alice('DELETE', `/v1/videos/${multipartId}/upload`), 409, 'invalid_state');
  });

  it("answers another user's video as missing (404) and leaves it unchanged", async () => {
    const { video, upload } = (await alice('POST', '/v1/videos', valid)).json;
    await postForm(upload, randomBytes(1000), 'video/mp4');
    expectProblem(await bob('GET', `/v1/videos/${video.id}`), 404, 'not_found');
    expectProblem(await bob('PATCH', `/v1/videos/${video.id}`, { title: 'mine now' }), 404, 'not_found');
    expectProblem(await bob('GET', `/v1/videos/${video.id}/upload`), 404, 'not_found');
    expectProblem(await bob('POST', `/v1/videos/${video.id}/upload/complete`, {}), 404, 'not_found');
    expectProblem(await bob('DELETE', `/v1/videos/${video.id}/upload`), 404, 'not_found');
    expectProblem(await bob('DELETE', `/v1/videos/${video.id}`), 404, 'not_found');
    expect((await bob('GET', '/v1/videos')).json.items.map((v: { id: string }) => v.id)).not.toContain(video.id);
    const mine = await alice('GET', `/v1/videos/${video.id}`);
    expect(mine.json).toMatchObject({ title: 'ok', status: 'awaiting_upload' });
    // An admin may act on it.
    const admin = client(api.url, await token('root', ['admin']));
    expect((await admin('GET', `/v1/videos/${video.id}`)).status).toBe(200);
  });

  it('answers 401 without a token, with an expired, forged, unsigned or subject-less token', async () => {
    const anonymous = client(api.url);
    expectProblem(await anonymous('GET', '/v1/videos'), 401, 'unauthorized');
    expectProblem(await anonymous('POST', '/v1/videos', valid), 401, 'unauthorized');
    const expired = await token('alice', ['creator'], { expiresIn: Math.floor(Date.now() / 1000) - 60 });
    expectProblem(await client(api.url, expired)('GET', '/v1/videos'), 401, 'unauthorized');
    const forged = await token('alice', ['creator'], { secret: 'another-secret-that-is-also-32-chars-long!' });
    expectProblem(await client(api.url, forged)('GET', '/v1/videos'), 401, 'unauthorized');
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const payload = Buffer.from(
      JSON.stringify({ sub: 'alice', roles: ['creator'], exp: Math.floor(Date.now() / 1000) + 600 }),
    ).toString('base64url');
    expectProblem(await client(api.url, `${header}.${payload}.`)('GET', '/v1/videos'), 401, 'unauthorized');
    expectProblem(
      await alice('GET', '/v1/videos', undefined, { authorization: 'Basic YWxpY2U6eA==' }),
      401,
      'unauthorized',
    );
  });

  it('answers 403 when the role is missing and creates nothing', async () => {
    const viewer = client(api.url, await token('victor', ['viewer']));
    expectProblem(await viewer('POST', '/v1/videos', valid), 403, 'forbidden');
    expect((await viewer('GET', '/v1/videos')).json.items).toEqual([]);
  });

  it('answers unknown routes and bad queries as problems too', async () => {
    expectProblem(await alice('GET', '/v1/nothing-here'), 404, 'not_found');
    expectProblem(await alice('GET', '/v1/videos?status=done'), 400, 'invalid_request');
    expectProblem(await alice('GET', '/v1/videos?limit=0'), 400, 'invalid_request');
    expectProblem(await alice('GET', '/v1/videos?cursor=bm9wZQ'), 400, 'invalid_cursor');
    expectProblem(await alice('PATCH', `/v1/videos/${multipartId}`, {}), 400, 'invalid_request');
    expectProblem(
      await alice('POST', '/v1/videos', 'title=x', { 'content-type': 'text/plain' }),
      415,
      'unsupported_media_type',
    );
  });
});

describe('empty JSON bodies', () => {
  it('treat an empty body sent as JSON as no body where the body is optional', async () => {
    const api = await startApi();
    try {
      const alice = client(api.url, await token('alice'));
      const { video } = (await alice('POST', '/v1/videos', { title: 't', contentType: 'video/mp4', sizeBytes: 10 }))
        .json;
      const res = await alice('POST', `/v1/videos/${video.id}/upload/complete`, '');
      expect({ status: res.status, code: res.json.code }).toEqual({ status: 409, code: 'upload_incomplete' });
      const required = await alice('POST', '/v1/videos', '');
      expect({ status: required.status, code: required.json.code }).toEqual({ status: 400, code: 'invalid_request' });
    } finally {
      await api.close();
    }
  });
});
