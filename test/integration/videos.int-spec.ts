import { randomBytes } from 'node:crypto';
import { createS3Clients } from '../../src/adapters/s3/s3-clients';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { client, postForm, startApi, token, type Api, type RunningApi } from '../support/harness';

describe('videos: list, read, update, delete', () => {
  let api: RunningApi;
  let carol: Api;

  beforeAll(async () => {
    api = await startApi();
    carol = client(api.url, await token('carol'));
  });
  afterAll(() => api.close());

  it('lists only the caller’s videos, newest first, with cursor pagination and a status filter', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(
        (await carol('POST', '/v1/videos', { title: `v${i}`, contentType: 'video/mp4', sizeBytes: 100 })).json.video.id,
      );
    }
    const dave = client(api.url, await token('dave'));
    await dave('POST', '/v1/videos', { title: 'not carol', contentType: 'video/mp4', sizeBytes: 100 });

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { json: { items: { id: string }[]; nextCursor: string | null } } = await carol(
        'GET',
        `/v1/videos?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.json.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.json.items.map((v) => v.id));
      cursor = page.json.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());

    const { upload } = (await carol('POST', '/v1/videos', { title: 'done', contentType: 'video/mp4', sizeBytes: 10 }))
      .json;
    const queuedId = upload.fields.key.split('/')[1];
    await postForm(upload, randomBytes(10), 'video/mp4');
    await carol('POST', `/v1/videos/${queuedId}/upload/complete`, {});
    const queued = await carol('GET', '/v1/videos?status=queued');
    expect(queued.json.items.map((v: { id: string }) => v.id)).toEqual([queuedId]);
  });

  it('updates title and access, and nothing else', async () => {
    const { video } = (
      await carol('POST', '/v1/videos', { title: 'old', contentType: 'audio/mpeg', sizeBytes: 5, access: 'public' })
    ).json;
    expect(video.access).toBe('public');
    const patched = await carol('PATCH', `/v1/videos/${video.id}`, { title: 'new', access: 'private' });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({
      id: video.id,
      title: 'new',
      access: 'private',
      status: 'awaiting_upload',
      contentType: 'audio/mpeg',
    });
    expect(Date.parse(patched.json.updatedAt)).toBeGreaterThanOrEqual(Date.parse(video.updatedAt));
    const refused = await carol('PATCH', `/v1/videos/${video.id}`, { status: 'ready' });
    expect(refused.status).toBe(400);
    expect((await carol('GET', `/v1/videos/${video.id}`)).json.status).toBe('awaiting_upload');
  });

  it('deletes every object under both prefixes, then the row', async () => {
    const { video, upload } = (
      await carol('POST', '/v1/videos', { title: 'gone', contentType: 'video/mp4', sizeBytes: 10 })
    ).json;
    await postForm(upload, randomBytes(10), 'video/mp4');
    const { data: s3 } = createS3Clients(api.config.s3);
    // Stand-ins for what the transcoder publishes: more than one page of keys (1000 a page).
    const keys = Array.from({ length: 1005 }, (_, i) => `videos/${video.id}/hls/v1/seg-${i}.m4s`);
    for (let i = 0; i < keys.length; i += 50) {
      await Promise.all(
        keys
          .slice(i, i + 50)
          .map((Key) => s3.send(new PutObjectCommand({ Bucket: api.config.s3.bucket, Key, Body: 'x' }))),
      );
    }
    const count = async (Prefix: string) =>
      (await s3.send(new ListObjectsV2Command({ Bucket: api.config.s3.bucket, Prefix }))).KeyCount ?? 0;
    expect(await count(`videos/${video.id}/`)).toBe(1000);
    const res = await carol('DELETE', `/v1/videos/${video.id}`);
    expect(res.status).toBe(204);
    expect(await count(`videos/${video.id}/`)).toBe(0);
    expect(await count(`uploads/${video.id}/`)).toBe(0);
    expect((await carol('GET', `/v1/videos/${video.id}`)).status).toBe(404);
    s3.destroy();
  }, 60_000);

  it('reports health and readiness without a token, and serves the OpenAPI document', async () => {
    const anonymous = client(api.url);
    expect((await anonymous('GET', '/healthz')).json).toEqual({ status: 'ok' });
    const ready = await anonymous('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.json).toEqual({
      ready: true,
      checks: { database: { status: 'up' }, redis: { status: 'up' }, storage: { status: 'up' } },
    });
    const doc = await anonymous('GET', '/docs/openapi.json');
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.json.paths)).toEqual(
      expect.arrayContaining(['/v1/videos', '/v1/videos/{id}/upload/parts', '/v1/videos/{id}/upload/complete']),
    );
    const create = doc.json.paths['/v1/videos'].post.requestBody.content['application/json'].schema;
    expect(create.required).toEqual(expect.arrayContaining(['title', 'contentType', 'sizeBytes']));
  });

  it('answers readyz 503 when a dependency is down', async () => {
    const broken = await startApi({ S3_BUCKET: 'no-such-bucket' });
    try {
      const ready = await client(broken.url)('GET', '/readyz');
      expect(ready.status).toBe(503);
      expect(ready.json.checks.storage.status).toBe('down');
      expect(ready.json.checks.database.status).toBe('up');
    } finally {
      await broken.close();
    }
  });
});
