import { createHash } from 'node:crypto';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { createS3Clients } from '../../src/adapters/s3/s3-clients';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { client, startApi, token, type Api, type RunningApi } from '../support/harness';
import { TEST_BUCKET } from '../support/test-env';

const MIB = 1024 * 1024;

/** Deterministic, incompressible-enough bytes without holding a second copy for checking. */
function fill(size: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out.writeUInt32LE(x >>> 0, i);
  }
  return out;
}

async function putPart(url: string, body: Buffer): Promise<string> {
  const response = await fetch(url, { method: 'PUT', body });
  if (response.status !== 200) throw new Error(`part upload answered ${response.status}: ${await response.text()}`);
  return response.headers.get('etag') ?? '';
}

describe('multipart upload through presigned part URLs', () => {
  let api: RunningApi;
  let alice: Api;
  let redis: Redis;
  let queue: Queue;
  let s3: S3Client;

  beforeAll(async () => {
    api = await startApi();
    alice = client(api.url, await token('alice'));
    redis = new Redis(api.config.redis.url, { maxRetriesPerRequest: null });
    queue = new Queue('transcode', { connection: redis });
    s3 = createS3Clients(api.config.s3).data;
  });
  afterAll(async () => {
    s3.destroy();
    await queue.close();
    redis.disconnect();
    await api.close();
  });

  it('uploads 300 MB in parts, resumes after a "crash", and queues exactly one job', async () => {
    const size = 300 * MIB;
    const source = fill(size, 42);
    const created = await alice('POST', '/v1/videos', {
      title: 'Big one',
      contentType: 'video/quicktime',
      sizeBytes: size,
    });
    expect(created.status).toBe(201);
    const { video, upload } = created.json;
    expect(upload).toMatchObject({ strategy: 'multipart', partSize: 16 * MIB, partCount: 19 });
    const { partSize, partCount } = upload;

    // First session: half the parts, then the client "crashes".
    const first = await alice('POST', `/v1/videos/${video.id}/upload/parts`, {
      partNumbers: [1, 2, 3, 4, 5, 6, 7, 8, 9],
    });
    expect(first.status).toBe(200);
    for (const part of first.json.parts) {
      const url = new URL(part.url);
      expect([...url.searchParams.keys()].filter((k) => /checksum/i.test(k))).toEqual([]);
      expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;host');
      expect(Number(url.searchParams.get('X-Amz-Expires'))).toBeLessThanOrEqual(900);
      await putPart(part.url, source.subarray((part.partNumber - 1) * partSize, part.partNumber * partSize));
    }

    // Resume: ask what is there, re-presign the rest, finish.
    const state = await alice('GET', `/v1/videos/${video.id}/upload`);
    expect(state.json.strategy).toBe('multipart');
    expect(state.json.uploadedParts.map((p: { partNumber: number }) => p.partNumber)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9,
    ]);
    expect(state.json.uploadedParts.every((p: { size: number }) => p.size === partSize)).toBe(true);

    const early = await alice('POST', `/v1/videos/${video.id}/upload/complete`, {});
    expect(early.status).toBe(409);
    expect(early.json.code).toBe('upload_incomplete');

    const missing = Array.from({ length: partCount }, (_, i) => i + 1).filter(
      (n) => !state.json.uploadedParts.some((p: { partNumber: number }) => p.partNumber === n),
    );
    const rest = await alice('POST', `/v1/videos/${video.id}/upload/parts`, { partNumbers: missing });
    const etags = new Map<number, string>(
      state.json.uploadedParts.map((p: { partNumber: number; etag: string }) => [p.partNumber, p.etag]),
    );
    for (const part of rest.json.parts) {
      etags.set(
        part.partNumber,
        await putPart(part.url, source.subarray((part.partNumber - 1) * partSize, part.partNumber * partSize)),
      );
    }
    const parts = [...etags]
      .map(([partNumber, etag]) => ({ partNumber, etag }))
      .sort((a, b) => a.partNumber - b.partNumber);

    // Two completes racing: both answer 202 queued, one job exists.
    const [a, b] = await Promise.all([
      alice('POST', `/v1/videos/${video.id}/upload/complete`, { parts }),
      alice('POST', `/v1/videos/${video.id}/upload/complete`, { parts }),
    ]);
    expect([a.status, b.status]).toEqual([202, 202]);
    expect([a.json.video.status, b.json.video.status]).toEqual(['queued', 'queued']);
    const jobs = await queue.getJobs(['waiting', 'delayed', 'active', 'prioritized']);
    expect(jobs.filter((j) => j.data.videoId === video.id)).toHaveLength(1);

    // The stored object is exactly the source.
    const object = await s3.send(new GetObjectCommand({ Bucket: TEST_BUCKET, Key: `uploads/${video.id}/source` }));
    const hash = createHash('sha256');
    for await (const chunk of object.Body as AsyncIterable<Buffer>) hash.update(chunk);
    expect(hash.digest('hex')).toBe(createHash('sha256').update(source).digest('hex'));

    // Deleting removes every object, then the row.
    const deleted = await alice('DELETE', `/v1/videos/${video.id}`);
    expect(deleted.status).toBe(204);
    const left = await s3.send(new ListObjectsV2Command({ Bucket: TEST_BUCKET, Prefix: `uploads/${video.id}/` }));
    expect(left.KeyCount ?? 0).toBe(0);
    expect((await alice('GET', `/v1/videos/${video.id}`)).status).toBe(404);
    expect(await queue.getJob(video.id)).toBeUndefined();
  }, 180_000);

  it('cancels an unfinished multipart upload: the upload is aborted and the video gone', async () => {
    const created = await alice('POST', '/v1/videos', {
      title: 'Never mind',
      contentType: 'video/mp4',
      sizeBytes: 120 * MIB,
    });
    const { video } = created.json;
    const [part] = (await alice('POST', `/v1/videos/${video.id}/upload/parts`, { partNumbers: [1] })).json.parts;
    await putPart(part.url, fill(16 * MIB, 7));
    const cancelled = await alice('DELETE', `/v1/videos/${video.id}/upload`);
    expect(cancelled.status).toBe(204);
    expect((await alice('GET', `/v1/videos/${video.id}`)).status).toBe(404);
    // The part URL is now useless: the upload no longer exists.
    const retry = await fetch(part.url, { method: 'PUT', body: fill(16 * MIB, 7) });
    expect(retry.status).toBe(404);
  });
});
