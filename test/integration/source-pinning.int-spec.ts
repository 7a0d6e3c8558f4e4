/**
 * The source is pinned to the bytes the creator completed: an upload form used again (after
 * `complete`, or after the video was deleted) cannot get other bytes encoded or left behind.
 * Real api, worker, PostgreSQL, Redis and the local S3 with its verifying front.
 */
import { readFileSync } from 'node:fs';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createS3Clients } from '../../src/adapters/s3/s3-clients';
import { newVideoId } from '../../src/domain/ids';
import { sourceKey, uploadPrefix } from '../../src/domain/storage-keys';
import { ObjectStorage } from '../../src/ports/object-storage';
import { MaintenanceService } from '../../src/services/operations/maintenance.service';
import { serveSource } from '../../src/services/transcoding/source-server';
import { WorkerModule } from '../../worker/worker.module';
import { fixture } from '../support/fixtures';
import {
  client,
  postForm,
  startApi,
  startSweeps,
  testConfig,
  token,
  type Api,
  type RunningApi,
} from '../support/harness';
import { listKeys, waitForFinal } from '../support/pipeline';

describe('a pinned source', () => {
  let api: RunningApi;
  let user: Api;
  const original = readFileSync(fixture('oneSecond'));
  // Other bytes of the same length: a form pins the length, not the content.
  const other = Buffer.from(original);
  other.fill(0x55, Math.floor(other.length / 2), Math.floor(other.length / 2) + 64);

  beforeAll(async () => {
    api = await startApi();
    user = client(api.url, await token('pinner'));
  });
  afterAll(() => api.close());

  async function created(): Promise<{ id: string; upload: { url: string; fields: Record<string, string> } }> {
    const res = await user('POST', '/v1/videos', {
      title: 'pinned',
      contentType: 'video/mp4',
      sizeBytes: original.length,
    });
    expect(res.status).toBe(201);
    return { id: res.json.video.id, upload: res.json.upload };
  }

  it('refuses bytes a form put there after complete: the video fails source_replaced, nothing is encoded', async () => {
    const { id, upload } = await created();
    expect((await postForm(upload, original, 'video/mp4')).status).toBe(204);
    expect((await user('POST', `/v1/videos/${id}/upload/complete`, {})).status).toBe(202);
    // The same form again, before any worker read the source.
    expect((await postForm(upload, other, 'video/mp4')).status).toBe(204);

    let worker: INestApplicationContext | undefined;
    try {
      worker = await NestFactory.createApplicationContext(WorkerModule.forRoot(testConfig()), { logger: ['error'] });
      const video = await waitForFinal(user, id);
      expect({ status: video.status, code: video.error?.code }).toEqual({ status: 'failed', code: 'source_replaced' });
      const s3 = createS3Clients(api.config.s3).data;
      expect(await listKeys(s3, api.config.s3.bucket, `videos/${id}/`)).toEqual([]);
      s3.destroy();
    } finally {
      await worker?.close();
    }
  });

  it('removes bytes a form put there after the video was deleted', async () => {
    const { id, upload } = await created();
    expect((await user('DELETE', `/v1/videos/${id}`)).status).toBe(204);
    expect((await postForm(upload, original, 'video/mp4')).status).toBe(204);
    const s3 = createS3Clients(api.config.s3).data;
    expect(await listKeys(s3, api.config.s3.bucket, `uploads/${id}/`)).toEqual([`uploads/${id}/source`]);
    const sweeps = await startSweeps();
    try {
      await sweeps.get(MaintenanceService).sweepOrphanedWork();
      expect(await listKeys(s3, api.config.s3.bucket, `uploads/${id}/`)).toEqual([]);
    } finally {
      await sweeps.close();
      s3.destroy();
    }
  });

  it('serves a chunk job only the bytes it probed: a replaced source answers 412 and is flagged', async () => {
    const storage = api.app.get(ObjectStorage, { strict: false });
    const id = newVideoId();
    const key = sourceKey(id);
    await storage.putObject(key, original, { contentType: 'video/mp4', cacheControl: 'no-store' });
    const etag = (await storage.head(key))!.etag;
    const served = await serveSource(storage, key, console, etag);
    try {
      const before = await fetch(served.url, { headers: { range: 'bytes=0-15' } });
      expect(before.status).toBe(206);
      expect(Buffer.from(await before.arrayBuffer())).toEqual(original.subarray(0, 16));
      await storage.putObject(key, other, { contentType: 'video/mp4', cacheControl: 'no-store' });
      const after = await fetch(served.url, { headers: { range: 'bytes=0-15' } });
      expect(after.status).toBe(412);
      expect(served.replaced()).toBe(true);
    } finally {
      await served.close();
      await storage.deletePrefix(uploadPrefix(id));
    }
  });
});
