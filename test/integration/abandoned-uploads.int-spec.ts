import { randomBytes } from 'node:crypto';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { Client } from 'pg';
import { createS3Clients } from '../../src/adapters/s3/s3-clients';
import { WorkerModule } from '../../worker/worker.module';
import { client, postForm, startApi, testConfig, token, type Api, type RunningApi } from '../support/harness';
import { testDatabaseUrl } from '../support/test-env';

const MIB = 1024 * 1024;

async function until<T>(probe: () => Promise<T | undefined>, what: string, seconds = 30): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('abandoned uploads expire through the worker’s maintenance queue', () => {
  const overrides = {
    UPLOAD_ABANDON_AFTER_SECONDS: '60',
    MAINTENANCE_INTERVAL_SECONDS: '5',
    UPLOAD_SINGLE_MAX_BYTES: String(5 * MIB),
    UPLOAD_PART_BYTES: String(5 * MIB),
  };
  let api: RunningApi;
  let erin: Api;
  let worker: INestApplicationContext | undefined;
  let db: Client;

  beforeAll(async () => {
    api = await startApi(overrides);
    erin = client(api.url, await token('erin'));
    db = new Client({ connectionString: testDatabaseUrl() });
    await db.connect();
  });
  afterAll(async () => {
    await worker?.close();
    await db.end();
    await api.close();
  });

  it('deletes rows, parts and bytes of uploads older than UPLOAD_ABANDON_AFTER_SECONDS, and nothing else', async () => {
    const single = (await erin('POST', '/v1/videos', { title: 'single', contentType: 'video/mp4', sizeBytes: 100 }))
      .json;
    await postForm(single.upload, randomBytes(100), 'video/mp4');
    const multi = (await erin('POST', '/v1/videos', { title: 'multi', contentType: 'video/mp4', sizeBytes: 12 * MIB }))
      .json;
    const [part] = (await erin('POST', `/v1/videos/${multi.video.id}/upload/parts`, { partNumbers: [1] })).json.parts;
    expect((await fetch(part.url, { method: 'PUT', body: randomBytes(5 * MIB) })).status).toBe(200);
    const fresh = (await erin('POST', '/v1/videos', { title: 'fresh', contentType: 'video/mp4', sizeBytes: 100 })).json
      .video;
    const finished = (await erin('POST', '/v1/videos', { title: 'finished', contentType: 'video/mp4', sizeBytes: 100 }))
      .json;
    await postForm(finished.upload, randomBytes(100), 'video/mp4');
    expect((await erin('POST', `/v1/videos/${finished.video.id}/upload/complete`, {})).status).toBe(202);

    // Two minutes into the past: past the 60 s deadline, except for `fresh`.
    await db.query(`UPDATE videos SET created_at = created_at - interval '2 minutes' WHERE id = ANY($1)`, [
      [single.video.id, multi.video.id, finished.video.id],
    ]);

    const config = testConfig(overrides);
    worker = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), { logger: false });
    await worker.init();

    await until(
      async () => ((await erin('GET', `/v1/videos/${multi.video.id}`)).status === 404 ? true : undefined),
      'the multipart video to expire',
    );
    await until(
      async () => ((await erin('GET', `/v1/videos/${single.video.id}`)).status === 404 ? true : undefined),
      'the single video to expire',
    );
    expect((await erin('GET', `/v1/videos/${fresh.id}`)).status).toBe(200);
    // Completed uploads are not abandoned (the worker may already be transcoding this one).
    expect((await erin('GET', `/v1/videos/${finished.video.id}`)).status).toBe(200);

    const { data: s3 } = createS3Clients(config.s3);
    for (const id of [single.video.id, multi.video.id]) {
      const left = await s3.send(new ListObjectsV2Command({ Bucket: config.s3.bucket, Prefix: `uploads/${id}/` }));
      expect(left.KeyCount ?? 0).toBe(0);
    }
    const finishedLeft = await s3.send(
      new ListObjectsV2Command({ Bucket: config.s3.bucket, Prefix: `uploads/${finished.video.id}/` }),
    );
    expect(finishedLeft.KeyCount).toBe(1);
    s3.destroy();
    // The aborted multipart upload takes no more parts.
    expect((await fetch(part.url, { method: 'PUT', body: randomBytes(5 * MIB) })).status).toBe(404);
  });
});
