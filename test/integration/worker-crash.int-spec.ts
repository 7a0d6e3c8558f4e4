import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { JobQueue } from '../../src/ports/job-queue';
import { WorkerModule } from '../../worker/worker.module';
import { fixture, hourFixture } from '../support/fixtures';
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

  /** Starts the first worker, uploads `file` and returns once `reached` holds of the video. */
  async encodingOnFirstWorker(
    reached: (video: any) => boolean = (v) => v.status === 'processing' && v.progress > 0,
    file = fixture('long1080'),
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
    const id = await uploadFile(this.user, file, 'video/mp4');
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

// The 20 s 1080p clip goes the preview's way (its bitrate is not standard); the 30 s 720p one
// is published by its copy first.
describe.each([
  ['the preview', 'preview', 'long1080', 20],
  ["a standard source's copy", 'source', 'standard720', 30],
] as const)('a worker killed during %s', (_, via, clip, seconds) => {
  const h = new Handover({ TRANSCODE_LOCK_SECONDS: '5', LADDER: '720,360' });
  beforeAll(() => h.start());
  afterAll(() => h.close());

  it('is taken over by another worker that appends to the same playlists, which a viewer plays to the end', async () => {
    const id = await h.encodingOnFirstWorker((v) => v.playable === true, fixture(clip));
    const s3 = createS3Clients(h.api.config.s3).data;
    const bucket = h.api.config.s3.bucket;
    // What a viewer loaded: the master and its growing playlists, segments and ETags.
    const previewKeys = (await listKeys(s3, bucket, `videos/${id}/hls/`)).filter((k) => k.endsWith('/master.m3u8'));
    expect(previewKeys).toHaveLength(1);
    const prefix = previewKeys[0]!.replace(/master\.m3u8$/, '');
    const loaded = await readPlaylists(s3, bucket, prefix);
    await h.stopFirst('SIGKILL');
    expect(Object.keys(loaded)).toContain(via === 'source' ? 'source' : '360p');
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
    expect(video.playableVia).toBe(via);
    // Playable the whole time, and the same playlists went on growing to their end.
    expect(unplayable).toBe(0);
    const finished = await readPlaylists(s3, bucket, prefix);
    for (const [name, before] of Object.entries(loaded)) {
      expect(finished[name]!.ended).toBe(true);
      expect(finished[name]!.segments.slice(0, before.segments.length)).toEqual(before.segments);
      expect(finished[name]!.segments.reduce((sum, s) => sum + s.durationSeconds, 0)).toBeCloseTo(seconds, 0);
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

describe("a worker killed at minute 30 of an hour source's copy", () => {
  // One small rung: the hour's preview and ladder are not what is watched here.
  const h = new Handover({ TRANSCODE_LOCK_SECONDS: '5', LADDER: '180', TRANSCODE_SHUTDOWN_GRACE_SECONDS: '1' });
  beforeAll(() => h.start());
  afterAll(() => h.close());

  it("leaves consistent playlists that the next worker continues to the hour's end", async () => {
    const id = await h.encodingOnFirstWorker((v) => v.playable === true, hourFixture());
    const s3 = createS3Clients(h.api.config.s3).data;
    const bucket = h.api.config.s3.bucket;
    const masters = (await listKeys(s3, bucket, `videos/${id}/hls/`)).filter((k) => k.endsWith('/master.m3u8'));
    expect(masters).toHaveLength(1);
    const prefix = masters[0]!.replace(/master\.m3u8$/, '');
    const listedSeconds = (p: MediaPlaylist) => p.segments.reduce((sum, s) => sum + s.durationSeconds, 0);

    // Killed once the copy has listed half an hour and before it has listed all of it.
    let atKill: MediaPlaylist | undefined;
    for (const deadline = Date.now() + 120_000; Date.now() < deadline && !atKill;) {
      const source = await readPlaylist(s3, bucket, `${prefix}source/index.m3u8`);
      if (source?.ended) throw new Error('the copy was published whole before minute 30 was seen');
      if (source && listedSeconds(source) >= 1800) {
        await h.stopFirst('SIGKILL');
        atKill = source;
      } else await new Promise((r) => setTimeout(r, 50));
    }
    expect(atKill).toBeDefined();
    // What the playlists list at the kill is all in storage: the copy's video and audio, and the
    // preview's rung when it had joined by then.
    const loaded = await readPlaylists(s3, bucket, prefix);
    const etagsBefore = await etags(s3, bucket, prefix);
    expect(Object.keys(loaded)).toEqual(expect.arrayContaining(['audio', 'source']));
    for (const [name, playlist] of Object.entries(loaded)) {
      expect(playlist.ended).toBe(false);
      for (const uri of [playlist.initUri!, ...playlist.segments.map((s) => s.uri)])
        expect([name, uri, etagsBefore[`${prefix}${name}/${uri}`] !== undefined]).toEqual([name, uri, true]);
    }
    expect(listedSeconds(loaded.source!)).toBeGreaterThanOrEqual(1790);

    await h.startSecond();
    let unplayable = 0;
    let finished: Record<string, MediaPlaylist> = {};
    for (const deadline = Date.now() + 240_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 500))) {
      if (!(await h.user('GET', `/v1/videos/${id}`)).json.playable) unplayable++;
      finished = await readPlaylists(s3, bucket, prefix);
      if (Object.values(finished).every((p) => p.ended)) break;
    }
    expect(unplayable).toBe(0);
    const etagsAfter = await etags(s3, bucket, prefix);
    for (const [name, before] of Object.entries(loaded)) {
      const after = finished[name]!;
      expect(after.ended).toBe(true);
      expect(after.initUri).toBe(before.initUri);
      expect(after.segments.slice(0, before.segments.length)).toEqual(before.segments);
      expect(listedSeconds(after)).toBeCloseTo(3600, 0);
      for (const uri of [before.initUri!, ...before.segments.map((s) => s.uri)])
        expect(etagsAfter[`${prefix}${name}/${uri}`]).toBe(etagsBefore[`${prefix}${name}/${uri}`]);
    }
    // The master a new session gets still names the copy with its codecs (the retry's copy never
    // replaced a master it found, nor wrote one without them).
    const master = await (
      await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `${prefix}master.m3u8` }))
    ).Body!.transformToString();
    expect(master).toMatch(/CODECS="avc1\.[0-9A-Fa-f]{6},mp4a\.40\.2"[^\n]*\nsource\/index\.m3u8/);
    expect((await h.user('DELETE', `/v1/videos/${id}`)).status).toBe(204);
    s3.destroy();
  }, 400_000);
});

async function readPlaylist(s3: S3Client, bucket: string, key: string): Promise<MediaPlaylist | undefined> {
  const body = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key })).catch(() => undefined);
  return body ? parseMediaPlaylist(await body.Body!.transformToString()) : undefined;
}

async function readPlaylists(s3: S3Client, bucket: string, prefix: string): Promise<Record<string, MediaPlaylist>> {
  const found: Record<string, MediaPlaylist> = {};
  for (const key of (await listKeys(s3, bucket, prefix)).filter((k) => k.endsWith('/index.m3u8')))
    found[key.slice(prefix.length).split('/')[0]!] = (await readPlaylist(s3, bucket, key))!;
  return found;
}

async function etags(s3: S3Client, bucket: string, prefix: string): Promise<Record<string, string>> {
  const found: Record<string, string> = {};
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) found[o.Key!] = o.ETag!;
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return found;
}
