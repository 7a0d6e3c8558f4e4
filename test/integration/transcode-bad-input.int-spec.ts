import { closeSync, constants, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture } from '../support/fixtures';
import { client, token } from '../support/harness';
import { listKeys, startStack, uploadFile, waitForFinal, watchUntilFinal, type Stack } from '../support/pipeline';

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

  async function failsWith(bytes: Buffer, contentType: string, code: string): Promise<any> {
    const path = join(work, `input-${randomBytes(4).toString('hex')}`);
    writeFileSync(path, bytes);
    const { video, playableSeen } = await watchUntilFinal(stack.user, await uploadFile(stack.user, path, contentType));
    expect(video.status).toBe('failed');
    // Refused before anything was published: never playable, no preview left behind.
    expect(playableSeen).toBe(false);
    expect(video).toMatchObject({ playable: false, playableAt: null });
    expect(video.error.code).toBe(code);
    expect(video.error.message).toEqual(expect.any(String));
    expect(video.error.message).not.toMatch(/ffmpeg|\/tmp\//);
    expect(await listKeys(stack.s3, stack.api.config.s3.bucket, `videos/${video.id}/`)).toEqual([]);
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
    await failsWith(fs.subarray(0, Math.floor(fs.length / 2)), 'video/mp4', 'corrupt_media');
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
