import { join } from 'node:path';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { Queue } from 'bullmq';
import { parseMediaPlaylist, type MediaPlaylist } from '../../src/domain/playlists';
import { MAINTENANCE_QUEUE } from '../../src/jobs/job-contract';
import { MaintenanceService } from '../../src/services/operations/maintenance.service';
import { VideoFailures } from '../../src/services/transcoding/video-failures.service';
import { fixture } from '../support/fixtures';
import { TEST_REDIS_URL } from '../support/test-env';
import { listKeys, startStack, uploadFile, waitForFinal, watchUntilFinal, type Stack } from '../support/pipeline';

const CDN = 'https://cdn.example.test';
const FIXTURES = join(__dirname, '../fixtures/cloudfront');
const SEGMENT = 2;
const TTL = 120;
const BUCKET_SECONDS = 60;

/** The preview as storage holds it: the playlists and headers a CDN would serve. */
describe('the preview: playable while the ladder is encoded', () => {
  let stack: Stack;
  let bucket: string;

  beforeAll(async () => {
    stack = await startStack({
      HLS_SEGMENT_SECONDS: String(SEGMENT),
      // The ladder slower than the preview, so the preview is watched while the ladder runs.
      TRANSCODE_PRESET: 'fast',
      LADDER: '720,480,360',
      CDN_BASE_URL: CDN,
      CLOUDFRONT_KEY_PAIR_ID: 'K2JCJMDEHXQW5F',
      CLOUDFRONT_PRIVATE_KEY_FILE: join(FIXTURES, 'rsa-private.pem'),
      PLAYBACK_TTL_SECONDS: String(TTL),
      PLAYBACK_EXPIRY_BUCKET_SECONDS: String(BUCKET_SECONDS),
    });
    bucket = stack.api.config.s3.bucket;
  });
  afterAll(() => stack.close());

  const read = async (key: string) => {
    const object = await stack.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return { text: await object.Body!.transformToString(), cacheControl: object.CacheControl };
  };
  const exists = (key: string) =>
    stack.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).then(
      () => true,
      () => false,
    );
  const session = (id: string) => stack.user('POST', `/v1/videos/${id}/playback-sessions`, {});

  it('lists each segment only once it is stored, keeps the renditions together, and ends them; sessions follow it to the ladder', async () => {
    const id = await uploadFile(stack.user, fixture('long1080'), 'video/mp4');
    const notYet = await session(id);
    expect([notYet.status, notYet.json.code]).toEqual([409, 'not_ready']);
    // What a player shows while it waits (<velvet-player>'s processing state).
    expect(['awaiting_upload', 'queued', 'processing']).toContain(notYet.json.videoStatus);

    // Watch storage the way a player reloads a playlist, from the moment the master appears.
    let master = '';
    for (
      const deadline = Date.now() + 60_000;
      !master && Date.now() < deadline;
      await new Promise((r) => setTimeout(r, 100))
    ) {
      master = (await listKeys(stack.s3, bucket, `videos/${id}/hls/`)).find((k) => k.endsWith('/master.m3u8')) ?? '';
    }
    expect(master).not.toBe('');
    const prefix = master.replace(/master\.m3u8$/, '');
    const renditions = ['360p', 'audio'];
    const seen: Array<Record<string, MediaPlaylist>> = [];
    const checked = new Set<string>();
    /** One reload of every rendition's playlist, as a player does; true once all have ended. */
    const observe = async (): Promise<boolean> => {
      const now: Record<string, MediaPlaylist> = {};
      for (const name of renditions) {
        const { text, cacheControl } = await read(`${prefix}${name}/index.m3u8`);
        now[name] = parseMediaPlaylist(text);
        expect(text).toContain('#EXT-X-PLAYLIST-TYPE:EVENT');
        expect(text).toContain('#EXT-X-START:TIME-OFFSET=0');
        expect(cacheControl).toBe(now[name].ended ? 'public, max-age=31536000, immutable' : 'public, max-age=3');
        for (const segment of now[name].segments) {
          const key = `${prefix}${name}/${segment.uri}`;
          if (checked.has(key)) continue;
          // Listed, hence already stored.
          expect(await exists(key)).toBe(true);
          checked.add(key);
        }
      }
      const [video360, audio] = renditions.map((n) => now[n]!.segments.length);
      expect(Math.abs(video360! - audio!)).toBeLessThanOrEqual(1);
      seen.push(now);
      return renditions.every((n) => now[n]!.ended);
    };
    // The first look right as the master appears (on a loaded machine the preview is quick).
    let ended = await observe();
    const video = (await stack.user('GET', `/v1/videos/${id}`)).json;
    expect(video).toMatchObject({ status: 'processing', playable: true });
    expect(Date.parse(video.playableAt)).toBeGreaterThan(0);
    const preview = await session(id);
    expect(preview.status).toBe(201);
    expect(preview.json.manifestUrl).toBe(`${CDN}/${master}`);
    expect(preview.json.posterUrl).toContain(`/videos/${id}/poster.jpg`);
    // Played early, and said so: a player shows that more is on its way.
    expect(preview.json.playableEarly).toBe(true);
    expect(preview.json.progress === null || typeof preview.json.progress === 'number').toBe(true);
    while (!ended) {
      await new Promise((r) => setTimeout(r, 150));
      ended = await observe();
    }
    // It grew while watched, and only ever by appending.
    const counts = seen.map((s) => s['360p']!.segments.length);
    expect(counts[0]).toBeLessThan(counts.at(-1)!);
    for (let i = 1; i < seen.length; i++) {
      for (const name of renditions)
        expect(seen[i]![name]!.segments.slice(0, seen[i - 1]![name]!.segments.length)).toEqual(
          seen[i - 1]![name]!.segments,
        );
    }
    const finished = seen.at(-1)!;
    expect(finished['360p']!.segments.reduce((s, x) => s + x.durationSeconds, 0)).toBeCloseTo(20, 0);
    expect((await read(`${prefix}360p/${finished['360p']!.segments[0]!.uri}`)).cacheControl).toBe(
      'public, max-age=31536000, immutable',
    );
    // The preview went out before the ladder finished.
    expect((await stack.user('GET', `/v1/videos/${id}`)).json.status).toBe('processing');

    const ready = await waitForFinal(stack.user, id, 240);
    expect(ready).toMatchObject({ status: 'ready', playable: true, playableAt: video.playableAt });
    const full = await session(id);
    expect(full.json.manifestUrl).toBe(`${CDN}/videos/${id}/hls/${ready.hlsVersion}/master.m3u8`);
    expect(full.json.manifestUrl).not.toBe(preview.json.manifestUrl);
    expect(full.json).toMatchObject({ playableEarly: false, progress: null });

    // The preview outlives every session that was given it: deleted by a delayed job.
    expect(await exists(master)).toBe(true);
    const queue = new Queue(MAINTENANCE_QUEUE, { connection: { url: TEST_REDIS_URL } });
    try {
      const job = await queue.getJob(`delete-versions-${id}-${ready.hlsVersion}`);
      expect(job).toBeDefined();
      expect(await job!.getState()).toBe('delayed');
      expect(job!.opts.delay).toBe((TTL + BUCKET_SECONDS) * 1000);
      expect(job!.data).toEqual({ videoId: id, versions: [prefix.split('/').at(-2)] });
      await job!.remove();
      // What the job does when its time comes: the preview goes, the ladder stays.
      const maintenance = stack.worker.get(MaintenanceService);
      expect(await maintenance.deleteVersions(id, [...job!.data.versions, ready.hlsVersion])).toBeGreaterThan(0);
      expect(await listKeys(stack.s3, bucket, prefix)).toEqual([]);
      expect(await exists(`videos/${id}/hls/${ready.hlsVersion}/master.m3u8`)).toBe(true);
    } finally {
      await queue.close();
    }
  }, 300_000);

  it('deletes a published preview and stops being playable when the video fails after it went out', async () => {
    const id = await uploadFile(stack.user, fixture('long1080'), 'video/mp4');
    let video: any;
    for (
      const deadline = Date.now() + 60_000;
      !video?.playable && Date.now() < deadline;
      await new Promise((r) => setTimeout(r, 100))
    ) {
      video = (await stack.user('GET', `/v1/videos/${id}`)).json;
    }
    expect(video.playable).toBe(true);
    // A permanent failure found later in the work (what the processor does with one).
    await stack.worker.get(VideoFailures).fail(id, 'corrupt_media', 'The file could not be decoded.');
    const failed = (await stack.user('GET', `/v1/videos/${id}`)).json;
    expect(failed).toMatchObject({
      status: 'failed',
      playable: false,
      playableAt: null,
      error: { code: 'corrupt_media' },
    });
    expect([(await session(id)).status]).toEqual([409]);
    // The running job finds the video failed and publishes nothing more.
    await new Promise((r) => setTimeout(r, 3000));
    const { video: after } = await watchUntilFinal(stack.user, id);
    expect(after.status).toBe('failed');
    for (let i = 0; i < 100 && (await listKeys(stack.s3, bucket, `videos/${id}/`)).length > 0; i++)
      await new Promise((r) => setTimeout(r, 200));
    expect(await listKeys(stack.s3, bucket, `videos/${id}/`)).toEqual([]);
  }, 120_000);
});

describe('with the preview switched off (PREVIEW_SHORT_SIDE=0)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      HLS_SEGMENT_SECONDS: String(SEGMENT),
      TRANSCODE_PRESET: 'ultrafast',
      PREVIEW_SHORT_SIDE: '0',
    });
  });
  afterAll(() => stack.close());

  it('becomes playable only when ready, with one version', async () => {
    const { video, playableSeen } = await watchUntilFinal(
      stack.user,
      await uploadFile(stack.user, fixture('standard'), 'video/mp4'),
    );
    expect(playableSeen).toBe(false);
    expect(video).toMatchObject({ status: 'ready', playable: true, playableAt: video.readyAt });
    const keys = await listKeys(stack.s3, stack.api.config.s3.bucket, `videos/${video.id}/hls/`);
    expect(keys.every((k) => k.startsWith(`videos/${video.id}/hls/${video.hlsVersion}/`))).toBe(true);
  });
});
