import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { Queue, type Job } from 'bullmq';
import { FfmpegMediaToolkit } from '../../src/adapters/ffmpeg.media-toolkit';
import { hlsCommand } from '../../src/domain/hls-command';
import { segmentTiming } from '../../src/domain/mp4-fragments';
import { parseMediaPlaylist } from '../../src/domain/playlists';
import { planTranscode } from '../../src/domain/transcode-plan';
import { audioJobId, storyboardJobId, chunkJobId, ladderJobId, TRANSCODE_QUEUE } from '../../src/jobs/job-contract';
import { MediaToolFailure, MediaToolkit } from '../../src/ports/media-toolkit';
import { JobQueue } from '../../src/ports/job-queue';
import { VideoStore } from '../../src/ports/video-store';
import { MaintenanceService } from '../../src/services/operations/maintenance.service';
import { WorkerModule } from '../../worker/worker.module';
import {
  client,
  startApi,
  startSweeps,
  testConfig,
  testEnv,
  token,
  type Api,
  type RunningApi,
} from '../support/harness';
import { downloadPrefix, ffprobe, listKeys, uploadFile, waitForFinal } from '../support/pipeline';
import { TEST_BUCKET, TEST_REDIS_URL, testDatabaseUrl } from '../support/test-env';
import { Client } from 'pg';
import { Redis } from 'ioredis';
import { createS3Clients } from '../../src/adapters/s3/s3-clients';
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { newVideoId } from '../../src/domain/ids';
import { partWorkPrefix } from '../../src/domain/storage-keys';

// 6 s chunks of 2 s segments, so clips of a few seconds make several chunks.
const CHUNKED = {
  TRANSCODE_CHUNK_SECONDS: '6',
  HLS_SEGMENT_SECONDS: '2',
  LADDER: '360,240',
  TRANSCODE_PRESET: 'ultrafast',
  PREVIEW_SHORT_SIDE: '0',
  TRANSCODE_LOCK_SECONDS: '5',
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function makeClip(
  path: string,
  { size, fps, seconds, audio }: { size: string; fps: string; seconds: number; audio: boolean },
): string {
  const sound = audio
    ? ['-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`, '-c:a', 'aac', '-shortest']
    : [];
  execFileSync('ffmpeg', [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${size}:rate=${fps}:duration=${seconds}`,
    ...sound,
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p',
    path,
  ]);
  return path;
}

/** Frames of a rendition folder's playlist, decoded with its init segment in front. */
function countFrames(folder: string, scratch: string): number {
  const playlist = parseMediaPlaylist(readFileSync(join(folder, 'index.m3u8'), 'utf8'));
  writeFileSync(
    scratch,
    Buffer.concat([
      readFileSync(join(folder, playlist.initUri!)),
      ...playlist.segments.map((s) => readFileSync(join(folder, s.uri))),
    ]),
  );
  return Number(
    ffprobe(scratch, '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames').streams[0]
      .nb_read_frames,
  );
}

describe('a chunked ladder', () => {
  let work: string;
  let api: RunningApi;
  // The maintenance sweeps, run by hand (no processor: the test decides when they run).
  let sweeps: INestApplicationContext;
  let user: Api;
  let queue: Queue;
  let s3: S3Client;
  const workers: INestApplicationContext[] = [];
  let child: ChildProcess | undefined;
  let db: Client;

  const startWorker = async (overrides: Record<string, string> = {}) => {
    const worker = await NestFactory.createApplicationContext(
      WorkerModule.forRoot(testConfig({ ...CHUNKED, ...overrides })),
      { logger: ['error'] },
    );
    workers.push(worker);
    return worker;
  };
  const stopWorkers = async () => {
    for (const w of workers.splice(0)) await w.close();
  };
  const versionOf = async (id: string) => {
    const row = await api.app.get(VideoStore).findById(id);
    return row!.hlsVersion ?? row!.ladderVersion!;
  };
  const chunkJobs = async (id: string, version: string, count: number) =>
    Promise.all(Array.from({ length: count }, (_, i) => queue.getJob(chunkJobId(id, version, i)))) as Promise<
      Array<Job | undefined>
    >;
  const until = async (what: string, check: () => Promise<boolean>, seconds = 60) => {
    const deadline = Date.now() + seconds * 1000;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(100);
    }
  };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'velvet-chunked-'));
    api = await startApi(CHUNKED);
    sweeps = await startSweeps(CHUNKED);
    user = client(api.url, await token('chunker'));
    queue = new Queue(TRANSCODE_QUEUE, { connection: { url: TEST_REDIS_URL } });
    s3 = createS3Clients(api.config.s3).data;
    db = new Client({ connectionString: testDatabaseUrl() });
    await db.connect();
  });
  afterEach(async () => {
    if (child?.pid && child.exitCode === null && child.signalCode === null) process.kill(-child.pid, 'SIGKILL');
    await stopWorkers();
  });
  afterAll(async () => {
    await db.end();
    s3.destroy();
    await queue.close();
    await sweeps.close();
    await api.close();
    rmSync(work, { recursive: true, force: true });
  });

  /** Ready, stitched: one EXT-X-MAP, tfdt running on across every segment, the frames of one whole run, the same cuts in every rung. */
  async function expectStitched(id: string, source: string, rungs: string[]): Promise<void> {
    const video = await waitForFinal(user, id, 240);
    expect(video.status).toBe('ready');
    // Removed by the publish job right after it marks the video ready.
    await until(
      'the work prefix emptied',
      async () => (await listKeys(s3, TEST_BUCKET, `work/${id}/`)).length === 0,
      10,
    );
    const dir = join(work, id);
    await downloadPrefix(s3, TEST_BUCKET, `videos/${id}/hls/${video.hlsVersion}/`, dir);
    // The single-process encode of the same ladder, for its frame count.
    const whole = join(work, `${id}-whole`);
    mkdirSync(whole);
    const config = testConfig(CHUNKED);
    const rows = (await api.app.get(VideoStore).findById(id))!;
    const probe = await new FfmpegMediaToolkit(config).probe(source);
    const plan = planTranscode(probe, { shortSides: config.transcode.ladder, previewShortSide: 0 });
    execFileSync(
      'ffmpeg',
      hlsCommand({
        sourcePath: source,
        demuxer: 'mov',
        rungs: plan.ladder,
        hasAudio: false,
        preset: 'ultrafast',
        segmentSeconds: 2,
      }),
      { cwd: whole, stdio: 'ignore' },
    );
    expect(rows.renditions!.map((r) => r.name)).toEqual(rungs);
    const cuts: string[] = [];
    for (const rung of rungs) {
      const text = readFileSync(join(dir, rung, 'index.m3u8'), 'utf8');
      expect(text.match(/#EXT-X-MAP/g)).toHaveLength(1);
      const playlist = parseMediaPlaylist(text);
      let end: number | undefined;
      for (const s of playlist.segments) {
        const t = segmentTiming(readFileSync(join(dir, rung, s.uri)));
        if (end !== undefined) expect(t.start).toBe(end);
        end = t.end;
      }
      cuts.push(playlist.segments.map((s) => s.durationSeconds.toFixed(3)).join(','));
      expect(countFrames(join(dir, rung), join(work, 'joined.mp4'))).toBe(
        countFrames(join(whole, rung), join(work, 'whole.mp4')),
      );
    }
    expect(new Set(cuts).size).toBe(1);
    // The storyboard, laid out from the tiles each chunk took from its own decode, was published
    // with the ladder: a tile every 2 s, none missing or doubled at a join.
    expect(rows.storyboard).toBe(true);
    const storyboard = readFileSync(join(dir, 'storyboard', 'storyboard.vtt'), 'utf8');
    const ends = [...storyboard.matchAll(/--> (\d\d):(\d\d):(\d\d\.\d{3})/g)].map(
      (m) => Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]),
    );
    expect(ends).toHaveLength(Math.ceil(rows.durationSeconds! / 2));
    expect(ends.at(-1)).toBeCloseTo(rows.durationSeconds!, 2);
    expect(existsSync(join(dir, 'storyboard', 'sprite-0.jpg'))).toBe(true);
  }

  // 20 s in 6 s chunks: four chunk jobs (the last 2 s) and the audio, on two workers.
  it('is encoded by two workers sharing its chunks and published as one continuous rendition per rung', async () => {
    await startWorker();
    await startWorker();
    const clip = makeClip(join(work, 'landscape.mp4'), { size: '640x360', fps: '30', seconds: 20, audio: true });
    const id = await uploadFile(user, clip, 'video/mp4');
    await expectStitched(id, clip, ['360p', '240p']);
    const version = await versionOf(id);
    const jobs = [...(await chunkJobs(id, version, 4)), await queue.getJob(audioJobId(id, version))];
    for (const job of jobs) expect(await job!.getState()).toBe('completed');
    expect(new Set(jobs.map((j) => j!.processedBy)).size).toBe(2);
    expect(await queue.getJob(chunkJobId(id, version, 4))).toBeUndefined();
    // No decode of its own for the storyboard: the chunks made its tiles.
    expect(await queue.getJob(storyboardJobId(id, version))).toBeUndefined();
  }, 300_000);

  it("takes the preview's rung and audio, encoded alike, instead of encoding them again in every chunk", async () => {
    // The preview (240p, its audio, at the ladder's preset) is the ladder's own low rung; a
    // source published as it is would keep its audio out of it, so that path is off here.
    const alike = { PREVIEW_SHORT_SIDE: '240', PREVIEW_PRESET: 'ultrafast', STANDARD_INPUT_MAX_KBPS: '0' };
    await startWorker(alike);
    await startWorker(alike);
    const clip = makeClip(join(work, 'adopted.mp4'), { size: '640x360', fps: '30', seconds: 14, audio: true });
    const id = await uploadFile(user, clip, 'video/mp4');
    let previewVersion: string | null | undefined;
    await until('the preview started', async () => {
      previewVersion = (await api.app.get(VideoStore).findById(id))?.previewVersion;
      return Boolean(previewVersion);
    });
    await expectStitched(id, clip, ['360p', '240p']);
    const version = await versionOf(id);
    // The chunks encoded 360p alone and no job encoded the audio: both were the preview's.
    const chunks = await chunkJobs(id, version, 3);
    for (const chunk of chunks) expect(chunk!.data.ladder.fromPreview).toEqual(['240p', 'audio']);
    expect(await queue.getJob(audioJobId(id, version))).toBeUndefined();
    // The published files are the preview's, copied: same names, same bytes (ETags).
    const etags = async (prefix: string) =>
      Object.fromEntries(
        await Promise.all(
          (await listKeys(s3, TEST_BUCKET, prefix))
            .filter((k) => !k.endsWith('.m3u8'))
            .map(async (k) => [
              k.slice(prefix.length),
              (await s3.send(new HeadObjectCommand({ Bucket: TEST_BUCKET, Key: k }))).ETag,
            ]),
        ),
      );
    for (const name of ['240p', 'audio']) {
      const preview = await etags(`videos/${id}/hls/${previewVersion}/${name}/`);
      expect(Object.keys(preview).length).toBeGreaterThan(3);
      expect(await etags(`videos/${id}/hls/${version}/${name}/`)).toEqual(preview);
    }
  }, 300_000);

  it('encodes the audio after the chunks, so it never holds a chunk back', async () => {
    await startWorker();
    const clip = makeClip(join(work, 'audio-last.mp4'), { size: '640x360', fps: '30', seconds: 14, audio: true });
    const id = await uploadFile(user, clip, 'video/mp4');
    await expectStitched(id, clip, ['360p', '240p']);
    const version = await versionOf(id);
    // One worker: it takes every chunk before the audio, which was queued after them.
    const audio = (await queue.getJob(audioJobId(id, version)))!;
    expect(audio.returnvalue).toBe('encoded');
    const chunks = await chunkJobs(id, version, 3);
    for (const chunk of chunks) expect(chunk!.finishedOn!).toBeLessThanOrEqual(audio.processedOn!);
    const dir = join(work, `${id}-audio`);
    await downloadPrefix(s3, TEST_BUCKET, `videos/${id}/hls/${version}/audio/`, dir);
    const playlist = parseMediaPlaylist(readFileSync(join(dir, 'index.m3u8'), 'utf8'));
    expect(playlist.ended).toBe(true);
    expect(playlist.segments.reduce((sum, s) => sum + s.durationSeconds, 0)).toBeCloseTo(14, 0);
  }, 300_000);

  it('joins a portrait 29.97 fps clip on exact frame times', async () => {
    await startWorker();
    const clip = makeClip(join(work, 'portrait.mp4'), {
      size: '360x640',
      fps: '30000/1001',
      seconds: 19,
      audio: false,
    });
    const id = await uploadFile(user, clip, 'video/mp4');
    await expectStitched(id, clip, ['360p', '240p']);
  }, 300_000);

  it('survives a worker SIGKILLed mid-chunk: another worker retries it, no segment missing or doubled', async () => {
    const clip = makeClip(join(work, 'killed.mp4'), { size: '1280x720', fps: '30', seconds: 24, audio: true });
    const overrides = { ...CHUNKED, TRANSCODE_PRESET: 'medium', LADDER: '720,360' };
    child = spawn(
      process.execPath,
      [
        '--openssl-legacy-provider',
        '-r',
        join(__dirname, '../../scripts/ts-register.js'),
        join(__dirname, '../../worker/main.ts'),
      ],
      {
        env: { ...process.env, ...testEnv(overrides) },
        stdio: ['ignore', 'ignore', 'ignore'],
        detached: true,
      },
    );
    const id = await uploadFile(user, clip, 'video/mp4');
    let version = '';
    await until('a chunk running on the first worker', async () => {
      const row = await api.app.get(VideoStore).findById(id);
      if (!row?.ladderVersion) return false;
      version = row.ladderVersion;
      return (await queue.getJobState(chunkJobId(id, version, 0))) === 'active';
    });
    const exited = new Promise((r) => child!.once('exit', r));
    process.kill(-child.pid!, 'SIGKILL');
    await exited;
    await startWorker({ TRANSCODE_PRESET: 'medium', LADDER: '720,360' });
    const video = await waitForFinal(user, id, 240);
    expect(video.status).toBe('ready');
    const retried = (await chunkJobs(id, version, 1))[0]!;
    expect(retried.stalledCounter + retried.attemptsMade).toBeGreaterThan(0);
    const dir = join(work, id);
    await downloadPrefix(s3, TEST_BUCKET, `videos/${id}/hls/${video.hlsVersion}/`, dir);
    for (const rung of ['720p', '360p']) {
      const playlist = parseMediaPlaylist(readFileSync(join(dir, rung, 'index.m3u8'), 'utf8'));
      expect(new Set(playlist.segments.map((s) => s.uri)).size).toBe(12);
      expect(countFrames(join(dir, rung), join(work, 'killed-joined.mp4'))).toBe(720);
    }
  }, 300_000);

  it('fails the video with the code of a chunk that fails for good, and stops its remaining chunks', async () => {
    const real = new FfmpegMediaToolkit(testConfig(CHUNKED));
    // ffmpeg refusing the second chunk's slice, as it does on a source damaged there.
    const failing: MediaToolkit = Object.assign(Object.create(real), {
      run: (args: readonly string[], options: Parameters<MediaToolkit['run']>[1]) =>
        args.includes('-ss') && args[args.indexOf('-ss') + 1] === '6.000' && args.includes('-output_ts_offset')
          ? Promise.reject(
              new MediaToolFailure('ffmpeg exited with code 1', 'Invalid data found when processing input'),
            )
          : real.run(args, options),
    });
    const module = await Test.createTestingModule({ imports: [WorkerModule.forRoot(testConfig(CHUNKED))] })
      .overrideProvider(MediaToolkit)
      .useValue(failing)
      .compile();
    const worker = await module.init();
    workers.push(worker);
    const clip = makeClip(join(work, 'damaged.mp4'), { size: '640x360', fps: '30', seconds: 36, audio: false });
    const id = await uploadFile(user, clip, 'video/mp4');
    const video = await waitForFinal(user, id, 120);
    expect(video.status).toBe('failed');
    expect(video.error.code).toBe('corrupt_media');
    const version = (await queue.getJobs(['failed', 'completed']))
      .map((j) => new RegExp(`^chunk-${id}-(\\w+)-\\d+$`).exec(String(j.id))?.[1])
      .find(Boolean);
    expect(version).toBeDefined();
    const [first, second, ...rest] = await chunkJobs(id, version!, 6);
    expect(await first!.getState()).toBe('completed');
    // The video is marked failed by the chunk's handler, just before BullMQ moves its job.
    await until('the second chunk job failed', async () => (await second!.getState()) === 'failed', 10);
    // Chunks run in order on one worker: the later ones were removed before they started.
    expect(rest.every((j) => j === undefined)).toBe(true);
    expect(await queue.getJobState(ladderJobId(id, version!))).not.toMatch(/waiting|prioritized|active/);
    await until(
      'the work prefix emptied',
      async () => (await listKeys(s3, TEST_BUCKET, `work/${id}/`)).length === 0,
      10,
    );
    expect(await listKeys(s3, TEST_BUCKET, `videos/${id}/hls/`)).toEqual([]);
  }, 300_000);

  it('stops every chunk and leaves nothing in storage when the video is deleted while it is encoded', async () => {
    await startWorker({ TRANSCODE_PRESET: 'medium' });
    const clip = makeClip(join(work, 'deleted.mp4'), { size: '1280x720', fps: '30', seconds: 36, audio: true });
    const id = await uploadFile(user, clip, 'video/mp4');
    let version = '';
    await until(
      'the first chunk done',
      async () => {
        const row = await api.app.get(VideoStore).findById(id);
        if (!row?.ladderVersion) return false;
        version = row.ladderVersion;
        return (await queue.getJobState(chunkJobId(id, version, 0))) === 'completed';
      },
      120,
    );
    expect((await user('DELETE', `/v1/videos/${id}`)).status).toBe(204);
    const ids = [
      ...Array.from({ length: 6 }, (_, i) => chunkJobId(id, version, i)),
      audioJobId(id, version),
      ladderJobId(id, version),
    ];
    await until('no job of the video waiting or running', async () => {
      const states = await Promise.all(ids.map((j) => queue.getJobState(j)));
      return states.every((s) => s === 'completed' || s === 'failed' || s === 'unknown');
    });
    for (const prefix of [`uploads/${id}/`, `videos/${id}/`, `work/${id}/`])
      expect(await listKeys(s3, TEST_BUCKET, prefix)).toEqual([]);
    expect(await queue.getJob(chunkJobId(id, version, 5))).toBeUndefined();
  }, 300_000);

  it('runs the first chunks of a short upload before the later chunks of a long one queued before it', async () => {
    const long = await uploadFile(
      user,
      makeClip(join(work, 'long.mp4'), { size: '640x360', fps: '30', seconds: 48, audio: false }),
      'video/mp4',
    );
    const short = await uploadFile(
      user,
      makeClip(join(work, 'short.mp4'), { size: '640x360', fps: '30', seconds: 12, audio: false }),
      'video/mp4',
    );
    // Both queued before any worker runs; one worker, one job at a time.
    await startWorker();
    expect((await waitForFinal(user, short, 180)).status).toBe('ready');
    expect((await waitForFinal(user, long, 180)).status).toBe('ready');
    const shortDone = (await queue.getJob(ladderJobId(short, await versionOf(short))))!.finishedOn!;
    const longChunks = await chunkJobs(long, await versionOf(long), 8);
    // The short video was published while the long one still had most of its chunks to encode.
    expect(longChunks.filter((j) => j!.processedOn! > shortDone).length).toBeGreaterThanOrEqual(5);
  }, 300_000);

  it('is finished after the reconcile sweep replaces a flow whose parent waits on a child lost from Redis', async () => {
    // Chunks after the first wait at a gate, so the test removes a chunk job before it can run.
    let open: () => void = () => {};
    const gate = new Promise<void>((r) => (open = r));
    const encoded: string[] = [];
    const real = new FfmpegMediaToolkit(testConfig(CHUNKED));
    const gated: MediaToolkit = Object.assign(Object.create(real), {
      run: async (args: readonly string[], options: Parameters<MediaToolkit['run']>[1]) => {
        const offset = args.includes('-output_ts_offset') ? args[args.indexOf('-output_ts_offset') + 1]! : undefined;
        if (offset) encoded.push(offset);
        if (offset && offset !== '0.000') await gate;
        return real.run(args, options);
      },
    });
    const module = await Test.createTestingModule({ imports: [WorkerModule.forRoot(testConfig(CHUNKED))] })
      .overrideProvider(MediaToolkit)
      .useValue(gated)
      .compile();
    workers.push(await module.init());
    const clip = makeClip(join(work, 'lost.mp4'), { size: '640x360', fps: '30', seconds: 24, audio: false });
    const id = await uploadFile(user, clip, 'video/mp4');
    let version = '';
    await until('the second chunk at the gate', async () => {
      version = (await api.app.get(VideoStore).findById(id))?.ladderVersion ?? '';
      return version !== '' && (await queue.getJobState(chunkJobId(id, version, 1))) === 'active';
    });
    // Lost as a flush or an eviction loses it: its data and its place in the queue, while the
    // parent still lists it among the children it waits for.
    const lost = chunkJobId(id, version, 3);
    expect(await queue.getJobState(lost)).toBe('prioritized');
    const redis = new Redis(TEST_REDIS_URL);
    await redis.multi().del(`bull:${TRANSCODE_QUEUE}:${lost}`).zrem(`bull:${TRANSCODE_QUEUE}:prioritized`, lost).exec();
    redis.disconnect();
    open();
    const jobs = api.app.get(JobQueue);
    await until(
      'the other chunks done and the parent waiting',
      async () =>
        (await queue.getJobState(chunkJobId(id, version, 2))) === 'completed' &&
        (await queue.getJobState(ladderJobId(id, version))) === 'waiting-children',
    );
    expect(await jobs.ladderJobState(id, version)).toBe('stuck');

    await db.query(`UPDATE videos SET updated_at = now() - interval '1 day' WHERE id = $1`, [id]);
    expect(await sweeps.get(MaintenanceService).reconcileStuckVideos()).toBe(1);
    await expectStitched(id, clip, ['360p', '240p']);
    // The same version, its chunks done before the loss reused by the new flow: each encoded once.
    expect((await api.app.get(VideoStore).findById(id))!.hlsVersion).toBe(version);
    expect(encoded.sort()).toEqual(['0.000', '12.000', '18.000', '6.000']);
  }, 300_000);

  it('sweeps chunk outputs no ladder will publish and keeps those of a ladder being encoded', async () => {
    const created = (await user('POST', '/v1/videos', { title: 'sweep', contentType: 'video/mp4', sizeBytes: 10 }))
      .json;
    const encoding: string = created.video.id;
    await db.query(`UPDATE videos SET status = 'processing', ladder_version = 'v2' WHERE id = $1`, [encoding]);
    const gone = newVideoId();
    const put = (key: string) => s3.send(new PutObjectCommand({ Bucket: TEST_BUCKET, Key: key, Body: '{}' }));
    await put(`${partWorkPrefix(encoding, 'v2', 0)}done.json`);
    await put(`${partWorkPrefix(encoding, 'v1', 0)}done.json`);
    await put(`${partWorkPrefix(gone, 'v1', 'audio')}done.json`);

    expect(await sweeps.get(MaintenanceService).sweepOrphanedWork()).toBe(2);
    expect(await listKeys(s3, TEST_BUCKET, `work/${encoding}/`)).toEqual([
      `${partWorkPrefix(encoding, 'v2', 0)}done.json`,
    ]);
    expect(await listKeys(s3, TEST_BUCKET, `work/${gone}/`)).toEqual([]);
    // A row left processing with no job would be re-queued by other suites' reconcile sweeps.
    await db.query(`DELETE FROM videos WHERE id = $1`, [encoding]);
    await put(`${partWorkPrefix(encoding, 'v2', 0)}done.json`);
    expect(await sweeps.get(MaintenanceService).sweepOrphanedWork()).toBe(1);
  });
});
