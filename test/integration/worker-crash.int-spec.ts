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
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { parseMediaPlaylist, type MediaPlaylist } from '../../src/domain/playlists';

/**
 * An api, a first worker as a real child process (worker/main.ts, in its own process group so
 * ffmpeg dies with it) and, once that one is gone, a second worker in this process.
 */
class Handover {
  readonly tmp = mkdtempSync(join(tmpdir(), 'velvet-handover-'));
  readonly overrides: Record<string, string>;
  api!: RunningApi;
  user!: Api;
  first: ChildProcess | undefined;
  second: INestApplicationContext | undefined;
  private stderr = '';

  constructor(overrides: Record<string, string>) {
    this.overrides = {
      TRANSCODE_PRESET: 'veryfast',
      HLS_SEGMENT_SECONDS: '2',
      TRANSCODE_TMP_DIR: this.tmp,
      ...overrides,
    };
  }

  async start(): Promise<void> {
    this.api = await startApi(this.overrides);
    this.user = client(this.api.url, await token('handover'));
  }

  /** Starts the first worker, uploads the long clip and returns once `reached` holds of the video. */
  async encodingOnFirstWorker(
    reached: (video: any) => boolean = (v) => v.status === 'processing' && v.progress > 0,
  ): Promise<string> {
    const first = spawn(
      process.execPath,
      [
        '--openssl-legacy-provider',
        '-r',
        join(__dirname, '../../scripts/ts-register.js'),
        join(__dirname, '../../worker/main.ts'),
      ],
      {
        env: { ...process.env, ...testEnv(this.overrides) },
        stdio: ['ignore', 'ignore', 'pipe'],
        detached: true,
      },
    );
    this.first = first;
    first.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    const id = await uploadFile(this.user, fixture('long1080'), 'video/mp4');
    const deadline = Date.now() + 60_000;
    let seen: any;
    do {
      await new Promise((r) => setTimeout(r, 100));
      seen = (await this.user('GET', `/v1/videos/${id}`)).json;
      if (Date.now() > deadline) throw new Error(`never started: ${JSON.stringify(seen)} ${this.stderr}`);
    } while (!reached(seen));
    expect(seen.status).toBe('processing');
    expect(seen.progress).toBeLessThan(100);
    return id;
  }

  /** Signals the first worker (its whole group for SIGKILL) and resolves with how it exited. */
  stopFirst(signal: 'SIGKILL' | 'SIGTERM'): Promise<{ code: number | null; signal: string | null }> {
    const first = this.first!;
    const exited = new Promise<{ code: number | null; signal: string | null }>((r) =>
      first.once('exit', (code, sig) => r({ code, signal: sig })),
    );
    process.kill(signal === 'SIGKILL' ? -first.pid! : first.pid!, signal);
    return exited;
  }

  async startSecond(): Promise<void> {
    this.second = await NestFactory.createApplicationContext(WorkerModule.forRoot(testConfig(this.overrides)), {
      logger: ['error'],
    });
  }

  async close(): Promise<void> {
    if (this.first?.pid && this.first.exitCode === null && this.first.signalCode === null)
      process.kill(-this.first.pid, 'SIGKILL');
    await this.second?.close();
    await this.api?.close();
    rmSync(this.tmp, { recursive: true, force: true });
  }
}

describe('a worker killed mid-transcode', () => {
  // The ladder's own crash path: the preview (tested below) is off here.
  const h = new Handover({ TRANSCODE_LOCK_SECONDS: '5', LADDER: '1080,720,480,360', PREVIEW_SHORT_SIDE: '0' });
  beforeAll(() => h.start());
  afterAll(() => h.close());

  it('is retried by another worker: ready, a complete ladder, no leftovers; running the job again publishes nothing new', async () => {
    const id = await h.encodingOnFirstWorker();
    await h.stopFirst('SIGKILL');
    expect(readdirSync(h.tmp).some((d) => d.startsWith(`velvet-${id}-`))).toBe(true);

    await h.startSecond();
    const video = await waitForFinal(h.user, id, 240);
    expect(video.status).toBe('ready');
    expect(video.renditions.map((r: any) => r.name)).toEqual(['1080p', '720p', '480p', '360p']);
    const s3 = createS3Clients(h.api.config.s3).data;
    const bucket = h.api.config.s3.bucket;
    const keys = await listKeys(s3, bucket, `videos/${id}/`);
    expect(
      keys.every((k) => k === `videos/${id}/poster.jpg` || k.startsWith(`videos/${id}/hls/${video.hlsVersion}/`)),
    ).toBe(true);
    expect(keys).toContain(`videos/${id}/hls/${video.hlsVersion}/master.m3u8`);
    for (const rung of ['1080p', '720p', '480p', '360p', 'audio'])
      expect(keys).toContain(`videos/${id}/hls/${video.hlsVersion}/${rung}/index.m3u8`);
    // `ready` is visible before the job's `finally` removes its own folder: wait for that, bounded.
    const leftovers = () => readdirSync(h.tmp).filter((d) => d.startsWith(`velvet-${id}-`));
    for (let i = 0; i < 100 && leftovers().length > 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(leftovers()).toEqual([]);

    // The same job again: skipped, same version, same objects.
    const jobs = h.second!.get(JobQueue);
    await jobs.enqueueTranscode(id);
    const until = Date.now() + 30_000;
    while ((await jobs.transcodeJobState(id)) !== 'finished' && Date.now() < until)
      await new Promise((r) => setTimeout(r, 100));
    expect(await jobs.transcodeJobState(id)).toBe('finished');
    expect((await h.user('GET', `/v1/videos/${id}`)).json.hlsVersion).toBe(video.hlsVersion);
    expect(await listKeys(s3, bucket, `videos/${id}/`)).toEqual(keys);
    s3.destroy();
  }, 300_000);
});

describe('a worker told to stop (SIGTERM) mid-transcode', () => {
  const h = new Handover({ TRANSCODE_SHUTDOWN_GRACE_SECONDS: '1', LADDER: '720,360', PREVIEW_SHORT_SIDE: '0' });
  beforeAll(() => h.start());
  afterAll(() => h.close());

  it('kills ffmpeg after the grace period, publishes nothing, and gives the job back for another worker', async () => {
    const id = await h.encodingOnFirstWorker();
    // Nest closes the application, then re-raises the signal: a clean stop ends by SIGTERM.
    expect(await h.stopFirst('SIGTERM')).toEqual({ code: null, signal: 'SIGTERM' });
    // Not failed, no HLS published (only the poster, made before encoding), its scratch folder gone.
    expect((await h.user('GET', `/v1/videos/${id}`)).json.status).toBe('processing');
    const s3 = createS3Clients(h.api.config.s3).data;
    expect(await listKeys(s3, h.api.config.s3.bucket, `videos/${id}/`)).toEqual([`videos/${id}/poster.jpg`]);
    expect(readdirSync(h.tmp)).toEqual([]);

    await h.startSecond();
    const video = await waitForFinal(h.user, id, 240);
    expect(video.status).toBe('ready');
    expect(video.renditions.map((r: any) => r.name)).toEqual(['720p', '360p']);
    s3.destroy();
  }, 300_000);
});

describe('a worker killed during the preview', () => {
  const h = new Handover({ TRANSCODE_LOCK_SECONDS: '5', LADDER: '720,360' });
  beforeAll(() => h.start());
  afterAll(() => h.close());

  it('is taken over by another worker that appends to the same playlists, which a viewer plays to the end', async () => {
    const id = await h.encodingOnFirstWorker((v) => v.playable === true);
    const s3 = createS3Clients(h.api.config.s3).data;
    const bucket = h.api.config.s3.bucket;
    // What a viewer loaded: the preview's master and its growing playlists, segments and ETags.
    const previewKeys = (await listKeys(s3, bucket, `videos/${id}/hls/`)).filter((k) => k.endsWith('/master.m3u8'));
    expect(previewKeys).toHaveLength(1);
    const prefix = previewKeys[0]!.replace(/master\.m3u8$/, '');
    const loaded = await readPlaylists(s3, bucket, prefix);
    await h.stopFirst('SIGKILL');
    expect(Object.values(loaded).every((p) => !p.ended && p.segments.length > 0)).toBe(true);
    const etagsBefore = await etags(s3, bucket, prefix);

    await h.startSecond();
    let unplayable = 0;
    let video: any;
    for (const deadline = Date.now() + 240_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
      video = (await h.user('GET', `/v1/videos/${id}`)).json;
      if (video.status === 'ready' || video.status === 'failed') break;
      if (!video.playable) unplayable++;
    }
    expect(video.status).toBe('ready');
    // Playable the whole time, and the same playlists went on growing to their end.
    expect(unplayable).toBe(0);
    const finished = await readPlaylists(s3, bucket, prefix);
    for (const [name, before] of Object.entries(loaded)) {
      expect(finished[name]!.ended).toBe(true);
      expect(finished[name]!.segments.slice(0, before.segments.length)).toEqual(before.segments);
      expect(finished[name]!.segments.reduce((sum, s) => sum + s.durationSeconds, 0)).toBeCloseTo(20, 0);
    }
    // Nothing a viewer may have fetched was rewritten.
    const etagsAfter = await etags(s3, bucket, prefix);
    for (const [name, before] of Object.entries(loaded)) {
      for (const segment of before.segments)
        expect(etagsAfter[`${prefix}${name}/${segment.uri}`]).toBe(etagsBefore[`${prefix}${name}/${segment.uri}`]);
    }
    s3.destroy();
  }, 300_000);
});

async function readPlaylists(s3: S3Client, bucket: string, prefix: string): Promise<Record<string, MediaPlaylist>> {
  const found: Record<string, MediaPlaylist> = {};
  for (const key of (await listKeys(s3, bucket, prefix)).filter((k) => k.endsWith('/index.m3u8'))) {
    const body = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    found[key.slice(prefix.length).split('/')[0]!] = parseMediaPlaylist(await body.Body!.transformToString());
  }
  return found;
}

async function etags(s3: S3Client, bucket: string, prefix: string): Promise<Record<string, string>> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return Object.fromEntries((listed.Contents ?? []).map((o) => [o.Key!, o.ETag!]));
}
