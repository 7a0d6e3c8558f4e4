/**
 * A standard source published as it is (a stream copy) before the preview and the ladder: as
 * storage holds it, through the same pipeline as every video (real ffmpeg, S3, Redis,
 * PostgreSQL).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, openSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { parseMediaPlaylist } from '../../src/domain/playlists';
import { fixture } from '../support/fixtures';
import { listKeys, startStack, uploadFile, waitForFinal, watchUntilFinal, type Stack } from '../support/pipeline';

describe('a standard source, playable as it is', () => {
  let stack: Stack;
  let bucket: string;
  let work: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'velvet-source-playable-'));
    // A slow ladder, so the source and the preview are seen while it runs.
    stack = await startStack({ TRANSCODE_PRESET: 'medium', LADDER: '360,240', PREVIEW_SHORT_SIDE: '240' });
    bucket = stack.api.config.s3.bucket;
  });
  afterAll(async () => {
    await stack.close();
    rmSync(work, { recursive: true, force: true });
  });

  const read = async (key: string) => {
    const object = await stack.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return { text: await object.Body!.transformToString(), cacheControl: object.CacheControl };
  };
  const exists = (key: string) =>
    stack.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).then(
      () => true,
      () => false,
    );
  const until = async <T>(what: string, check: () => Promise<T | null | undefined | false>, seconds = 60) => {
    for (const deadline = Date.now() + seconds * 1000; Date.now() < deadline;) {
      const found = await check();
      if (found) return found;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for ${what}`);
  };

  it('is published by stream copy, playable before the preview, which then joins it; the ladder replaces both', async () => {
    const id = await uploadFile(stack.user, fixture('standard30'), 'video/mp4');
    const master = await until('the master', async () =>
      (await listKeys(stack.s3, bucket, `videos/${id}/hls/`)).find((k) => k.endsWith('/master.m3u8')),
    );
    const prefix = master.replace(/master\.m3u8$/, '');
    const first = await read(master);
    // The source's own rendition and its audio, in a master that is replaced once the preview joins.
    expect(first.text).toContain('source/index.m3u8');
    expect(first.text).toContain('URI="audio/index.m3u8"');
    expect(first.cacheControl).toBe('public, max-age=3');
    const playable = (await stack.user('GET', `/v1/videos/${id}`)).json;
    expect(playable).toMatchObject({
      status: 'processing',
      playable: true,
      playableVia: 'source',
      nonStandardReasons: [],
    });

    // Every listed segment is stored; the target duration holds every segment; the copy ends whole.
    const source = await until('the source copied whole', async () => {
      const playlist = parseMediaPlaylist((await read(`${prefix}source/index.m3u8`)).text);
      return playlist.ended ? playlist : null;
    });
    for (const segment of source.segments) expect(await exists(`${prefix}source/${segment.uri}`)).toBe(true);
    const text = (await read(`${prefix}source/index.m3u8`)).text;
    const target = Number(/#EXT-X-TARGETDURATION:(\d+)/.exec(text)![1]);
    for (const segment of source.segments) expect(Math.round(segment.durationSeconds)).toBeLessThanOrEqual(target);
    expect(source.segments.reduce((sum, s) => sum + s.durationSeconds, 0)).toBeCloseTo(30, 0);
    const bandwidth = Number(/BANDWIDTH=(\d+)/.exec(first.text)![1]);
    // BANDWIDTH holds every segment's own rate, audio included.
    const audio = parseMediaPlaylist((await read(`${prefix}audio/index.m3u8`)).text);
    expect(audio.segments.length).toBeGreaterThan(0);
    for (const segment of source.segments) {
      const head = await stack.s3.send(
        new HeadObjectCommand({ Bucket: bucket, Key: `${prefix}source/${segment.uri}` }),
      );
      expect((head.ContentLength! * 8) / segment.durationSeconds).toBeLessThanOrEqual(bandwidth);
    }

    // The preview's rung joins the same master, beside the source, with the source's audio.
    const joined = await until('the preview in the master', async () => {
      const now = await read(master);
      return now.text.includes('240p/index.m3u8') ? now : null;
    });
    expect(joined.text).toContain('source/index.m3u8');
    expect(await exists(`${prefix}240p/index.m3u8`)).toBe(true);

    const ready = await waitForFinal(stack.user, id, 240);
    expect(ready).toMatchObject({ status: 'ready', playableVia: 'source', nonStandardReasons: [] });
    const final = (await read(`videos/${id}/hls/${ready.hlsVersion}/master.m3u8`)).text;
    expect(final).not.toContain('source/');
    expect(final).toContain('360p/index.m3u8');
  }, 300_000);

  it('goes the preview’s way with its reason when it is not standard', async () => {
    const path = join(work, 'gop12.mp4');
    execFileSync('ffmpeg', [
      ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30:duration=14'],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-g', '360', '-sc_threshold', '0', '-pix_fmt', 'yuv420p', path],
    ]);
    const id = await uploadFile(stack.user, path, 'video/mp4');
    const ready = await waitForFinal(stack.user, id, 240);
    expect(ready).toMatchObject({
      status: 'ready',
      playableVia: 'preview',
      nonStandardReasons: ['keyframe_interval'],
    });
  }, 300_000);

  it('ends failed with its renditions gone when its tail turns out cut off after it became playable', async () => {
    // The index up front (faststart), the last third of the media missing: it probes whole.
    const whole = join(work, 'faststart.mp4');
    execFileSync('ffmpeg', [
      ...['-hide_banner', '-loglevel', 'error', '-i', fixture('standard30'), '-c', 'copy'],
      ...['-movflags', '+faststart', whole],
    ]);
    const cut = join(work, 'cut.mp4');
    execFileSync('head', ['-c', String(Math.floor(statSync(whole).size * 0.66)), whole], {
      stdio: ['ignore', openSync(cut, 'w'), 'inherit'],
    });
    const id = await uploadFile(stack.user, cut, 'video/mp4');
    const { video: failed, playableSeen } = await watchUntilFinal(stack.user, id, 120);
    expect(playableSeen).toBe(true);
    expect(failed.status).toBe('failed');
    expect(failed.error.code).toBe('corrupt_media');
    expect(failed.playable).toBe(false);
    // The row says failed first, then the failure deletes what was published: a moment later.
    expect(
      await until(
        'the copy removed',
        async () => (await listKeys(stack.s3, bucket, `videos/${id}/hls/`)).length === 0,
        10,
      ),
    ).toBe(true);
  }, 300_000);
});
