/**
 * Per-creator limits on what costs Velvet more than a request, against the real api, PostgreSQL
 * and Redis: 429 `rate_limited` with Retry-After past the limit, per creator, admins exempt.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { client, startApi, token, type Api, type RunningApi } from '../support/harness';
import { testDatabaseUrl } from '../support/test-env';

describe('per-creator rate limits', () => {
  let api: RunningApi;
  let db: Client;
  // Fresh names each run: the counters live in Redis for an hour.
  const run = randomBytes(4).toString('hex');
  const as = async (sub: string, roles = ['creator']) => client(api.url, await token(`${sub}-${run}`, roles));
  const create = (user: Api, sizeBytes = 10) =>
    user('POST', '/v1/videos', { title: 'limited', contentType: 'video/mp4', sizeBytes });

  beforeAll(async () => {
    api = await startApi({
      CREATOR_RATE_LIMIT_VIDEOS: '2',
      CREATOR_RATE_LIMIT_REUPLOADS: '1',
      CREATOR_RATE_LIMIT_WEBHOOK_TESTS: '1',
      UPLOAD_SINGLE_MAX_BYTES: '1000',
    });
    db = new Client({ connectionString: testDatabaseUrl() });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await api.close();
  });

  function expectLimited(res: { status: number; json: any; headers: Headers }): void {
    expect(res.status).toBe(429);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.json.code).toBe('rate_limited');
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(3600);
  }

  it('limits the videos a creator creates, not another creator, not an admin', async () => {
    const alice = await as('alice');
    expect((await create(alice)).status).toBe(201);
    expect((await create(alice)).status).toBe(201);
    const before = await db.query('SELECT count(*)::int AS n FROM videos');
    expectLimited(await create(alice));
    // Refused before anything was made.
    expect((await db.query('SELECT count(*)::int AS n FROM videos')).rows[0].n).toBe(before.rows[0].n);
    expect((await create(await as('bob'))).status).toBe(201);
    const admin = await as('root', ['admin']);
    for (let i = 0; i < 3; i++) expect((await create(admin)).status).toBe(201);
  });

  it('limits re-uploads: retries of a failed video and requests for part URLs', async () => {
    const carol = await as('carol');
    const failed = (await create(carol)).json.video.id;
    await db.query(`UPDATE videos SET status = 'failed', error_code = 'not_media' WHERE id = $1`, [failed]);
    expect((await carol('POST', `/v1/videos/${failed}/retry`)).status).toBe(202);
    await db.query(`UPDATE videos SET status = 'failed', error_code = 'not_media' WHERE id = $1`, [failed]);
    expectLimited(await carol('POST', `/v1/videos/${failed}/retry`));
    const dave = await as('dave');
    const big = (await create(dave, 10_000_000)).json.video.id;
    expect((await dave('POST', `/v1/videos/${big}/upload/parts`, { partNumbers: [1] })).status).toBe(200);
    expectLimited(await dave('POST', `/v1/videos/${big}/upload/parts`, { partNumbers: [1] }));
  });

  it('limits webhook test deliveries', async () => {
    const erin = await as('erin');
    const hook = (await erin('POST', '/v1/webhooks', { url: 'http://127.0.0.1:9/hook' })).json;
    expect((await erin('POST', `/v1/webhooks/${hook.id}/test`)).status).toBe(202);
    expectLimited(await erin('POST', `/v1/webhooks/${hook.id}/test`));
  });
});
