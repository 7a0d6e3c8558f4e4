import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { client, postForm, startApi, token, type Api, type RunningApi } from '../support/harness';

describe('single upload through a presigned POST', () => {
  let api: RunningApi;
  let alice: Api;
  let redis: Redis;
  let queue: Queue;

  beforeAll(async () => {
    api = await startApi();
    alice = client(api.url, await token('alice'));
    redis = new Redis(api.config.redis.url, { maxRetriesPerRequest: null });
    queue = new Queue('transcode', { connection: redis });
  });
  afterAll(async () => {
    await queue.close();
    redis.disconnect();
    await api.close();
  });

  it('uploads 1 MB, completes, and leaves the video queued with exactly one job', async () => {
    const bytes = randomBytes(1024 * 1024);
    const created = await alice('POST', '/v1/videos', {
      title: 'First clip',
      contentType: 'video/mp4',
      sizeBytes: bytes.length,
      filename: 'clip.mp4',
    });
    expect(created.status).toBe(201);
    const { video, upload } = created.json;
    expect(video).toMatchObject({
      title: 'First clip',
      status: 'awaiting_upload',
      access: 'paid',
      sizeBytes: bytes.length,
      contentType: 'video/mp4',
    });
    expect(upload).toMatchObject({ strategy: 'single', method: 'POST' });
    expect(Date.parse(upload.expiresAt)).toBeGreaterThan(Date.now());

    // The policy itself pins key, exact length and type.
    const policy = JSON.parse(Buffer.from(upload.fields.Policy, 'base64').toString());
    expect(policy.conditions).toEqual(
      expect.arrayContaining([
        ['content-length-range', bytes.length, bytes.length],
        { key: `uploads/${video.id}/source` },
        { 'Content-Type': 'video/mp4' },
      ]),
    );
    expect(Date.parse(policy.expiration) - Date.now()).toBeLessThanOrEqual(900_000);

    const early = await alice('POST', `/v1/videos/${video.id}/upload/complete`, {});
    expect(early.status).toBe(409);
    expect(early.json.code).toBe('upload_incomplete');

    const sent = await postForm(upload, bytes, 'video/mp4');
    expect(sent.status).toBe(204);

    const resumed = await alice('GET', `/v1/videos/${video.id}/upload`);
    expect(resumed.json).toMatchObject({
      strategy: 'single',
      partCount: 1,
      uploadedParts: [{ partNumber: 1, size: bytes.length }],
    });

    const done = await alice('POST', `/v1/videos/${video.id}/upload/complete`);
    expect(done.status).toBe(202);
    expect(done.json.video.status).toBe('queued');

    const again = await alice('POST', `/v1/videos/${video.id}/upload/complete`, {});
    expect(again.status).toBe(202);
    expect(again.json.video.status).toBe('queued');

    const job = await queue.getJob(video.id);
    expect(job?.data).toEqual({ videoId: video.id });
    const waiting = await queue.getJobs(['waiting', 'delayed', 'active', 'prioritized']);
    expect(waiting.filter((j) => j.data.videoId === video.id)).toHaveLength(1);

    const fetched = await alice('GET', `/v1/videos/${video.id}`);
    expect(fetched.json.status).toBe('queued');
  });
});
