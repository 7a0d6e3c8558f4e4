import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createS3Clients } from '../../src/adapters/s3/s3-clients';
import { WorkerModule } from '../../worker/worker.module';
import { client, postForm, startApi, testConfig, token, type Api, type RunningApi } from './harness';

/** The api and an in-process worker over the real services, for upload → transcode → ready. */
export interface Stack {
  readonly api: RunningApi;
  readonly worker: INestApplicationContext;
  readonly user: Api;
  readonly s3: S3Client;
  close(): Promise<void>;
}

export async function startStack(overrides: Record<string, string> = {}, sub = 'transcoder'): Promise<Stack> {
  const api = await startApi(overrides);
  const worker = await NestFactory.createApplicationContext(WorkerModule.forRoot(testConfig(overrides)), {
    logger: ['error'],
  });
  const s3 = createS3Clients(api.config.s3).data;
  return {
    api,
    worker,
    s3,
    user: client(api.url, await token(sub)),
    async close() {
      s3.destroy();
      await worker.close();
      await api.close();
    },
  };
}

/** Creates a video, uploads the file through the presigned POST, completes; returns the id. */
export async function uploadFile(user: Api, path: string, contentType: string): Promise<string> {
  const bytes = readFileSync(path);
  const created = await user('POST', '/v1/videos', {
    title: path.split('/').pop(),
    contentType,
    sizeBytes: bytes.length,
  });
  if (created.status !== 201) throw new Error(`create answered ${created.status}: ${created.text}`);
  const sent = await postForm(created.json.upload, bytes, contentType);
  if (sent.status !== 204) throw new Error(`upload answered ${sent.status}`);
  const done = await user('POST', `/v1/videos/${created.json.video.id}/upload/complete`, {});
  if (done.status !== 202) throw new Error(`complete answered ${done.status}: ${done.text}`);
  return created.json.video.id;
}

/** Polls the video until it is ready or failed (the worker runs in this process). */
export async function waitForFinal(user: Api, id: string, seconds = 120): Promise<any> {
  return (await watchUntilFinal(user, id, seconds)).video;
}

/** Like waitForFinal, also telling whether the video was ever seen playable before it ended. */
export async function watchUntilFinal(
  user: Api,
  id: string,
  seconds = 120,
): Promise<{ video: any; playableSeen: boolean }> {
  const deadline = Date.now() + seconds * 1000;
  let playableSeen = false;
  for (;;) {
    const { json } = await user('GET', `/v1/videos/${id}`);
    if (json.status === 'ready' || json.status === 'failed') return { video: json, playableSeen };
    playableSeen ||= json.playable === true;
    if (Date.now() > deadline) throw new Error(`video ${id} still ${json.status} after ${seconds} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function listKeys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    keys.push(...(page.Contents ?? []).map((o) => o.Key!));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys.sort();
}

/** Copies every object under `prefix` into `dir`, keeping relative paths. */
export async function downloadPrefix(s3: S3Client, bucket: string, prefix: string, dir: string): Promise<string[]> {
  const keys = await listKeys(s3, bucket, prefix);
  for (const key of keys) await downloadObject(s3, bucket, key, join(dir, key.slice(prefix.length)));
  return keys.map((k) => k.slice(prefix.length));
}

export async function downloadObject(s3: S3Client, bucket: string, key: string, path: string): Promise<void> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, Buffer.from(await out.Body!.transformToByteArray()));
}

export function ffprobe(path: string, ...args: string[]): any {
  const out = execFileSync('ffprobe', ['-v', 'error', '-of', 'json', ...args, path], { encoding: 'utf8' });
  return JSON.parse(out);
}

/** Decodes a whole HLS rendition; throws on any decoding error. */
export function decodeAll(playlist: string): void {
  execFileSync('ffmpeg', ['-v', 'error', '-xerror', '-allowed_extensions', 'ALL', '-i', playlist, '-f', 'null', '-'], {
    stdio: 'pipe',
  });
}

/** Whether a fragment's first video frame is a keyframe (probed with its init segment in front). */
export function startsWithKeyframe(init: string, segment: string, scratch: string): boolean {
  writeFileSync(scratch, Buffer.concat([readFileSync(init), readFileSync(segment)]));
  const frames = ffprobe(
    scratch,
    '-select_streams',
    'v:0',
    '-show_entries',
    'frame=key_frame,pict_type',
    '-read_intervals',
    '%+#1',
  );
  return frames.frames?.[0]?.key_frame === 1;
}
