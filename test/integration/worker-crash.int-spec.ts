import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { JobQueue } from '../../src/ports/job-queue';
import { WorkerModule } from '../../worker/worker.module';
import { fixture } from '../support/fixtures';
import { client, startApi, testConfig, testEnv, token, type Api, type RunningApi } from '../support/harness';
import { listKeys, uploadFile, waitForFinal } from '../support/pipeline';
import { createS3Clients } from '../../src/adapters/s3/s3-clients';

/** A real worker process (worker/main.ts), in its own process group so ffmpeg dies with it. */
function spawnWorker(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--openssl-legacy-provider', '-r', join(__dirname, '../../scripts/ts-register.js'), join(__dirname, '../../worker/main.ts')], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
}

describe('a worker killed mid-transcode', () => {
  let tmp: string;
  let overrides: Record<string, string>;
  let api: RunningApi;
  let user: Api;
  let second: INestApplicationContext | undefined;
  let first: ChildProcess | undefined;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'velvet-crash-'));
    overrides = { TRANSCODE_PRESET: 'veryfast', HLS_SEGMENT_SECONDS: '2', TRANSCODE_LOCK_SECONDS: '5', TRANSCODE_TMP_DIR: tmp, LADDER: '1080,720,480,360' };
    api = await startApi(overrides);
    user = client(api.url, await token('crash-test'));
  });
  afterAll(async () => {
    if (first?.pid && first.exitCode === null && first.signalCode === null) process.kill(-first.pid, 'SIGKILL');
    await second?.close();
    await api.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('is retried by another worker: ready, a complete ladder, no leftovers; running the job again publishes nothing new', async () => {
    first = spawnWorker(testEnv(overrides));
    let stderr = '';
    first.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const id = await uploadFile(user, fixture('long1080'), 'video/mp4');

    // Wait until the first worker is encoding (progress reported), then kill it and its ffmpeg.
    const deadline = Date.now() + 60_000;
    let seen: any;
    do {
      await new Promise((r) => setTimeout(r, 100));
      seen = (await user('GET', `/v1/videos/${id}`)).json;
      if (Date.now() > deadline) throw new Error(`never started: ${JSON.stringify(seen)} ${stderr}`);
    } while (!(seen.status === 'processing' && seen.progress > 0));
    expect(seen.progress).toBeLessThan(100);
    process.kill(-first.pid!, 'SIGKILL');
    await new Promise((r) => first!.once('exit', r));
    expect(readdirSync(tmp).some((d) => d.startsWith(`velvet-${id}-`))).toBe(true);

    second = await NestFactory.createApplicationContext(WorkerModule.forRoot(testConfig(overrides)), { logger: ['error'] });
    const video = await waitForFinal(user, id, 240);
    expect(video.status).toBe('ready');
    expect(video.renditions.map((r: any) => r.name)).toEqual(['1080p', '720p', '480p', '360p']);
    const s3 = createS3Clients(api.config.s3).data;
    const keys = await listKeys(s3, api.config.s3.bucket, `videos/${id}/`);
    expect(keys.every((k) => k === `videos/${id}/poster.jpg` || k.startsWith(`videos/${id}/hls/${video.hlsVersion}/`))).toBe(true);
    expect(keys).toContain(`videos/${id}/hls/${video.hlsVersion}/master.m3u8`);
    for (const rung of ['1080p', '720p', '480p', '360p', 'audio']) expect(keys).toContain(`videos/${id}/hls/${video.hlsVersion}/${rung}/index.m3u8`);
    expect(readdirSync(tmp).filter((d) => d.startsWith(`velvet-${id}-`))).toEqual([]);

    // The same job again: skipped, same version, same objects.
    await second.get(JobQueue).enqueueTranscode(id);
    const jobs = second.get(JobQueue);
    const until = Date.now() + 30_000;
    while ((await jobs.transcodeJobState(id)) !== 'finished' && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    expect(await jobs.transcodeJobState(id)).toBe('finished');
    const after = (await user('GET', `/v1/videos/${id}`)).json;
    expect(after.hlsVersion).toBe(video.hlsVersion);
    expect(await listKeys(s3, api.config.s3.bucket, `videos/${id}/`)).toEqual(keys);
    s3.destroy();
  }, 300_000);
});

describe('a worker told to stop (SIGTERM) mid-transcode', () => {
  let tmp: string;
  let overrides: Record<string, string>;
  let api: RunningApi;
  let user: Api;
  let second: INestApplicationContext | undefined;
  let first: ChildProcess | undefined;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'velvet-stop-'));
    overrides = { TRANSCODE_PRESET: 'veryfast', HLS_SEGMENT_SECONDS: '2', TRANSCODE_SHUTDOWN_GRACE_SECONDS: '1', TRANSCODE_TMP_DIR: tmp, LADDER: '720,360' };
    api = await startApi(overrides);
    user = client(api.url, await token('stop-test'));
  });
  afterAll(async () => {
    if (first?.pid && first.exitCode === null && first.signalCode === null) process.kill(-first.pid, 'SIGKILL');
    await second?.close();
    await api.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('kills ffmpeg after the grace period, publishes nothing, and gives the job back for another worker', async () => {
    first = spawnWorker(testEnv(overrides));
    const id = await uploadFile(user, fixture('long1080'), 'video/mp4');
    const deadline = Date.now() + 60_000;
    let seen: any;
    do {
      await new Promise((r) => setTimeout(r, 100));
      seen = (await user('GET', `/v1/videos/${id}`)).json;
      if (Date.now() > deadline) throw new Error(`never started: ${JSON.stringify(seen)}`);
    } while (!(seen.status === 'processing' && seen.progress > 0));

    process.kill(first.pid!, 'SIGTERM');
    // Nest closes the application, then re-raises the signal: a clean stop ends by SIGTERM.
    const exit = await new Promise((r) => first!.once('exit', (code, signal) => r({ code, signal })));
    expect(exit).toEqual({ code: null, signal: 'SIGTERM' });
    // Not failed, nothing published, its scratch folder gone.
    expect((await user('GET', `/v1/videos/${id}`)).json.status).toBe('processing');
    const s3 = createS3Clients(api.config.s3).data;
    expect(await listKeys(s3, api.config.s3.bucket, `videos/${id}/`)).toEqual([]);
    expect(readdirSync(tmp)).toEqual([]);

    second = await NestFactory.createApplicationContext(WorkerModule.forRoot(testConfig(overrides)), { logger: ['error'] });
    const video = await waitForFinal(user, id, 240);
    expect(video.status).toBe('ready');
    expect(video.renditions.map((r: any) => r.name)).toEqual(['720p', '360p']);
    s3.destroy();
  }, 300_000);
});
