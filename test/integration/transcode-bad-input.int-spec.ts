import { closeSync, constants, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture } from '../support/fixtures';
import { client, token } from '../support/harness';
import {
  downloadPrefix,
  listKeys,
  startStack,
  uploadFile,
  waitForFinal,
  watchUntilFinal,
  type Stack,
} from '../support/pipeline';

describe('transcoding refuses what is not media, and never reads anything but the upload', () => {
  let stack: Stack;
  let work: string;

  beforeAll(async () => {
    stack = await startStack({ TRANSCODE_PRESET: 'ultrafast', HLS_SEGMENT_SECONDS: '2' }, 'mallory');
    work = mkdtempSync(join(tmpdir(), 'velvet-bad-input-'));
  });
  afterAll(async () => {
    await stack.close();
    rmSync(work, { recursive: true, force: true });
  });

  /**
   * `copiedFirst`: a standard source is published by stream copy before its tail is checked, so
   * it may be playable for a moment before it fails; either way nothing is left behind.
   */
  /** The keys under `prefix` once none are left, or those still there after 10 s. */
  async function emptied(prefix: string): Promise<string[]> {
    let keys = await listKeys(stack.s3, stack.api.config.s3.bucket, prefix);
    for (const deadline = Date.now() + 10_000; keys.length > 0 && Date.now() < deadline;) {
      await new Promise((r) => setTimeout(r, 100));
      keys = await listKeys(stack.s3, stack.api.config.s3.bucket, prefix);
    }
    return keys;
  }

  async function failsWith(bytes: Buffer, contentType: string, code: string, copiedFirst = false): Promise<any> {
    const path = join(work, `input-${randomBytes(4).toString('hex')}`);
    writeFileSync(path, bytes);
    const { video, playableSeen } = await watchUntilFinal(stack.user, await uploadFile(stack.user, path, contentType));
    expect(video.status).toBe('failed');
    // Refused before anything was published: never playable, no preview left behind.
    if (!copiedFirst) expect(playableSeen).toBe(false);
    expect(video).toMatchObject({ playable: false, playableAt: null });
    expect(video.error.code).toBe(code);
    expect(video.error.message).toEqual(expect.any(String));
    expect(video.error.message).not.toMatch(/ffmpeg|\/tmp\//);
    // The row says failed first, then the failure deletes what was published: a moment later.
    expect(await emptied(`videos/${video.id}/`)).toEqual([]);
    return video;
  }

  it('fails random bytes, a text file and a PNG as not_media', async () => {
    await failsWith(randomBytes(64 * 1024), 'video/mp4', 'not_media');
    await failsWith(Buffer.from('just some text\n'.repeat(100)), 'application/octet-stream', 'not_media');
    await failsWith(readFileSync(fixture('png')), 'video/mp4', 'not_media');
  });

  it('fails a truncated MP4 (index at the end, cut off) as not_media, and a truncated fast-start MP4 as corrupt_media', async () => {
    const whole = readFileSync(fixture('standard'));
    await failsWith(whole.subarray(0, Math.floor(whole.length / 2)), 'video/mp4', 'not_media');
    const faststart = join(work, 'faststart.mp4');
    execFileSync('ffmpeg', [
      '-loglevel',
      'error',
      '-y',
      '-i',
      fixture('standard'),
      '-c',
      'copy',
      '-movflags',
      '+faststart',
      faststart,
    ]);
    const fs = readFileSync(faststart);
    await failsWith(fs.subarray(0, Math.floor(fs.length / 2)), 'video/mp4', 'corrupt_media', true);
  });

  /** Runs ffmpeg here (test input only), from lavfi sources to `name` in the work folder. */
  function make(name: string, ...args: string[]): string {
    const path = join(work, name);
    execFileSync('ffmpeg', ['-loglevel', 'error', '-y', ...args, path]);
    return path;
  }

  /** Distinct frames of the ready video's top rendition, decoded from what was published. */
  async function distinctFrames(video: any): Promise<number> {
    const dir = mkdtempSync(join(work, 'published-'));
    const prefix = `videos/${video.id}/hls/${video.hlsVersion}/`;
    await downloadPrefix(stack.s3, stack.api.config.s3.bucket, prefix, dir);
    const rung = video.renditions.find((r: any) => r.width)!.name;
    const md5 = execFileSync('ffmpeg', ['-v', 'error', '-i', join(dir, rung, 'index.m3u8'), '-f', 'framemd5', '-'], {
      encoding: 'utf8',
    });
    return new Set(
      md5
        .split('\n')
        .filter((l) => l && !l.startsWith('#'))
        .map((l) => l.split(',').pop()!.trim()),
    ).size;
  }

  it('plays the real video of a file whose cover picture comes first (MP4 cover art, a Matroska still)', async () => {
    const cover = make('cover.png', '-f', 'lavfi', '-i', 'color=c=red:s=320x240', '-frames:v', '1');
    const video = ['-f', 'lavfi', '-i', 'testsrc=d=6:r=30:s=320x240'];
    const still = [
      '-map',
      '0',
      '-map',
      '1',
      '-c:v:0',
      'mjpeg',
      '-disposition:v:0',
      'attached_pic',
      '-c:v:1',
      'libx264',
    ];
    for (const [name, type] of [
      ['cover.mp4', 'video/mp4'],
      ['cover.mkv', 'video/x-matroska'],
    ] as const) {
      const file = make(name, '-i', cover, ...video, ...still, '-preset', 'ultrafast');
      const done = await waitForFinal(stack.user, await uploadFile(stack.user, file, type));
      expect({ name, status: done.status, duration: Math.round(done.durationSeconds) }).toEqual({
        name,
        status: 'ready',
        duration: 6,
      });
      // Six seconds of testsrc at 30 fps: every frame differs; the cover is one frame.
      expect(await distinctFrames(done)).toBeGreaterThanOrEqual(170);
    }
  }, 180_000);

  it('fails an MPEG-TS that switches to 8192×4352 mid-stream as corrupt_media', async () => {
    const small = make(
      'small.ts',
      '-f',
      'lavfi',
      '-i',
      'testsrc=d=2:r=25:s=320x240',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
    );
    const huge = make(
      'huge.ts',
      '-f',
      'lavfi',
      '-i',
      'testsrc=d=0.2:r=25:s=8192x4352',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
    );
    const path = join(work, 'switch.ts');
    writeFileSync(path, Buffer.concat([readFileSync(small), readFileSync(huge)]));
    const { video } = await watchUntilFinal(stack.user, await uploadFile(stack.user, path, 'video/mp2t'));
    expect({ status: video.status, code: video.error?.code }).toEqual({ status: 'failed', code: 'corrupt_media' });
  }, 180_000);

  it('fails a 1000 fps source as frame_rate_too_high before decoding it', async () => {
    const fast = make(
      'fast.mp4',
      '-f',
      'lavfi',
      '-i',
      'testsrc=d=1:r=1000:s=64x64',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
    );
    const video = await failsWith(readFileSync(fast), 'video/mp4', 'frame_rate_too_high');
    expect(video.error.message).toMatch(/1000 frames per second; the limit is 240/);
  });

  it('refuses a zero-byte upload at creation (sizeBytes must be positive)', async () => {
    const res = await stack.user('POST', '/v1/videos', { title: 'empty', contentType: 'video/mp4', sizeBytes: 0 });
    expect(res.status).toBe(400);
  });

  it('fails an HLS playlist and an ffconcat script naming a local file as not_media, without opening it', async () => {
    // A FIFO: opening it for reading would block until a writer comes, and a writer can only
    // open it (non-blocking) while a reader has it open. Both ways, an open is detected.
    const bait = join(work, 'bait.mp4');
    execFileSync('mkfifo', [bait]);
    let opened = 0;
    const watch = setInterval(() => {
      try {
        closeSync(openSync(bait, constants.O_WRONLY | constants.O_NONBLOCK));
        opened++;
      } catch {
        // ENXIO: nobody is reading it.
      }
    }, 10);
    try {
      const hls = `#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nfile://${bait}\n#EXTINF:10,\n${bait}\n#EXT-X-ENDLIST\n`;
      await failsWith(Buffer.from(hls), 'application/octet-stream', 'not_media');
      const concat = `ffconcat version 1.0\nfile '${bait}'\n`;
      await failsWith(Buffer.from(concat), 'video/mp4', 'not_media');
    } finally {
      clearInterval(watch);
    }
    expect(opened).toBe(0);
  });

  it('retries a failed video on the owner’s request, and only a failed one', async () => {
    const path = join(work, 'junk');
    writeFileSync(path, randomBytes(1000));
    const id = await uploadFile(stack.user, path, 'video/mp4');
    expect((await waitForFinal(stack.user, id)).status).toBe('failed');
    const other = client(stack.api.url, await token('someone-else'));
    expect((await other('POST', `/v1/videos/${id}/retry`)).status).toBe(404);
    const retried = await stack.user('POST', `/v1/videos/${id}/retry`);
    expect(retried.status).toBe(202);
    expect(retried.json.video).toMatchObject({ status: 'queued', error: null });
    const again = await waitForFinal(stack.user, id);
    expect(again.error.code).toBe('not_media');
    const good = await uploadFile(stack.user, fixture('oneSecond'), 'video/mp4');
    expect((await waitForFinal(stack.user, good)).status).toBe('ready');
    const refused = await stack.user('POST', `/v1/videos/${good}/retry`);
    expect({ status: refused.status, code: refused.json.code }).toEqual({ status: 409, code: 'invalid_state' });
  });
});
