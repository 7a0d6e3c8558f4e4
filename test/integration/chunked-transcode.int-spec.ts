import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { segmentTiming } from '../../src/domain/mp4-fragments';
import { parseMediaPlaylist } from '../../src/domain/playlists';
import { VideoStore } from '../../src/ports/video-store';
import { chunkJobId, TRANSCODE_QUEUE } from '../../src/jobs/job-contract';
import { TEST_BUCKET, TEST_REDIS_URL } from '../support/test-env';
import { downloadPrefix, ffprobe, listKeys, startStack, uploadFile, waitForFinal, type Stack } from '../support/pipeline';

const CHUNKED = { TRANSCODE_CHUNK_SECONDS: '6', HLS_SEGMENT_SECONDS: '2', LADDER: '360,240', TRANSCODE_PRESET: 'ultrafast', PREVIEW_SHORT_SIDE: '0' };

describe('a chunked ladder', () => {
  let work: string;
  let stack: Stack;
  let queue: Queue;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'velvet-chunked-'));
    stack = await startStack(CHUNKED);
    queue = new Queue(TRANSCODE_QUEUE, { connection: { url: TEST_REDIS_URL } });
  });
  afterAll(async () => {
    await queue.close();
    await stack.close();
    rmSync(work, { recursive: true, force: true });
  });

  // 20 s in 6 s chunks: three chunk jobs (the last 8 s) and the audio, stitched by the publish job.
  it('is encoded in chunks and published as one continuous rendition per rung', async () => {
    const clip = join(work, 'clip.mp4');
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30:duration=20', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=20', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', clip]);
    const id = await uploadFile(stack.user, clip, 'video/mp4');
    const video = await waitForFinal(stack.user, id, 180);
    expect(video.status).toBe('ready');
    const version = (await stack.api.app.get(VideoStore).findById(id))!.hlsVersion!;
    for (const index of [0, 1, 2]) expect(await queue.getJobState(chunkJobId(id, version, index))).toBe('completed');
    expect(await listKeys(stack.s3, TEST_BUCKET, `work/${id}/`)).toEqual([]);
    const dir = join(work, id);
    await downloadPrefix(stack.s3, TEST_BUCKET, `videos/${id}/hls/${version}/`, dir);
    const cuts: string[] = [];
    for (const rung of ['360p', '240p']) {
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
      const whole = Buffer.concat([readFileSync(join(dir, rung, playlist.initUri!)), ...playlist.segments.map((s) => readFileSync(join(dir, rung, s.uri)))]);
      const joined = join(dir, `${rung}.mp4`);
      writeFileSync(joined, whole);
      const frames = ffprobe(joined, '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames');
      // 20 s at 30 fps: no frame lost or doubled at the joins.
      expect(Number(frames.streams[0].nb_read_frames)).toBe(600);
    }
    expect(cuts[0]).toBe(cuts[1]);
  }, 240_000);
});
