/**
 * The content-aware ladder on real ffmpeg: capped-CRF rungs spend what the picture needs under
 * the fixed ladder's rate, a rung that adds nothing is not published, and the master's
 * BANDWIDTH and AVERAGE-BANDWIDTH are measured from the published segments.
 */
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { parseMediaPlaylist } from '../../src/domain/playlists';
import { fixture } from '../support/fixtures';
import { listKeys, startStack, uploadFile, waitForFinal, type Stack } from '../support/pipeline';

const SEGMENT = 2;

describe('the content-aware ladder (LADDER_MODE=capped-crf)', () => {
  let stack: Stack;
  let bucket: string;
  beforeAll(async () => {
    stack = await startStack({
      LADDER: '720,480,360',
      HLS_SEGMENT_SECONDS: String(SEGMENT),
      TRANSCODE_PRESET: 'veryfast',
      PREVIEW_SHORT_SIDE: '0',
      // Wide, so the still picture's rungs surely fall within it of each other.
      LADDER_DROP_MARGIN: '1',
    });
    bucket = stack.api.config.s3.bucket;
  });
  afterAll(() => stack.close());

  const text = async (key: string) =>
    (await stack.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();
  const size = async (key: string) =>
    (await stack.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ContentLength!;

  /** Each variant of the master with its attributes, and every segment's bitrate as published. */
  async function published(id: string, version: string) {
    const prefix = `videos/${id}/hls/${version}/`;
    const master = await text(`${prefix}master.m3u8`);
    const lines = master.split('\n');
    const variants = lines.flatMap((line, i) => {
      if (!line.startsWith('#EXT-X-STREAM-INF:')) return [];
      const attr = (name: string) => Number(new RegExp(`[:,]${name}=(\\d+)`).exec(line)![1]);
      return [{ uri: lines[i + 1]!, bandwidth: attr('BANDWIDTH'), average: attr('AVERAGE-BANDWIDTH') }];
    });
    const measured = await Promise.all(
      variants.map(async (v) => {
        const folder = `${prefix}${v.uri.replace(/index\.m3u8$/, '')}`;
        const playlist = parseMediaPlaylist(await text(`${prefix}${v.uri}`));
        const segments = await Promise.all(
          playlist.segments.map(async (s) => ({
            bits: (await size(`${folder}${s.uri}`)) * 8,
            seconds: s.durationSeconds,
          })),
        );
        const bits = segments.reduce((sum, s) => sum + s.bits, 0);
        const seconds = segments.reduce((sum, s) => sum + s.seconds, 0);
        return { ...v, peak: Math.max(...segments.map((s) => s.bits / s.seconds)), mean: bits / seconds };
      }),
    );
    return { prefix, master, variants: measured };
  }

  it('spends far below the cap on a still picture, drops the rungs that add nothing, and measures BANDWIDTH', async () => {
    const id = await uploadFile(stack.user, fixture('still720'), 'video/mp4');
    const video = await waitForFinal(stack.user, id);
    expect(video.status).toBe('ready');
    const { prefix, master, variants } = await published(id, video.hlsVersion);
    // Two video rungs at least; the one between them is gone from the master, the row and storage.
    expect(video.renditions.map((r: any) => r.name)).toEqual(['720p', '360p']);
    expect(master).not.toContain('480p');
    expect(await listKeys(stack.s3, bucket, `${prefix}480p/`)).toEqual([]);
    for (const v of variants) {
      // The HLS rule: no segment above BANDWIDTH; AVERAGE-BANDWIDTH the measured mean.
      expect(v.bandwidth).toBeGreaterThanOrEqual(Math.floor(v.peak));
      expect(Math.abs(v.average - v.mean) / v.mean).toBeLessThan(0.1);
    }
    // 720p's cap is 3 Mbit/s: a still picture needs a small fraction of it.
    const top = video.renditions[0];
    expect(top.averageBandwidth).toBeLessThan(300_000);
    expect(video.deliveryBytesPerMinute).toBe(Math.round((top.averageBandwidth / 8) * 60));
  });

  it('holds a picture that needs every bit at its cap', async () => {
    const id = await uploadFile(stack.user, fixture('noisy720'), 'video/mp4');
    const video = await waitForFinal(stack.user, id);
    expect(video.status).toBe('ready');
    // At the caps, 480p (1.4 Mbit/s) is within this suite's 100 % margin of 360p (0.73): dropped.
    expect(video.renditions.map((r: any) => r.name)).toEqual(['720p', '360p']);
    const { variants } = await published(id, video.hlsVersion);
    const caps: Record<string, number> = { '720p/index.m3u8': 3_000_000, '360p/index.m3u8': 730_000 };
    expect(variants.map((v) => v.uri)).toEqual(Object.keys(caps));
    for (const v of variants) {
      // At the cap, never above it by more than the VBV buffer allows over a 6 s clip.
      expect(v.mean).toBeGreaterThan(caps[v.uri]! * 0.7);
      expect(v.mean).toBeLessThan(caps[v.uri]! * 1.35);
      expect(v.bandwidth).toBeGreaterThanOrEqual(Math.floor(v.peak));
    }
  });
});

describe('the content-aware ladder, chunked', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      LADDER: '720,480,360',
      HLS_SEGMENT_SECONDS: String(SEGMENT),
      TRANSCODE_CHUNK_SECONDS: String(SEGMENT),
      TRANSCODE_PRESET: 'veryfast',
      PREVIEW_SHORT_SIDE: '0',
      LADDER_DROP_MARGIN: '1',
    });
  });
  afterAll(() => stack.close());

  it('drops the same rungs when the ladder is stitched from chunks, and copies nothing of them', async () => {
    const id = await uploadFile(stack.user, fixture('still720'), 'video/mp4');
    const video = await waitForFinal(stack.user, id);
    expect(video.status).toBe('ready');
    expect(video.renditions.map((r: any) => r.name)).toEqual(['720p', '360p']);
    const prefix = `videos/${id}/hls/${video.hlsVersion}/`;
    const keys = await listKeys(stack.s3, stack.api.config.s3.bucket, prefix);
    expect(keys.some((k) => k.startsWith(`${prefix}720p/seg_`))).toBe(true);
    expect(keys.filter((k) => k.startsWith(`${prefix}480p/`))).toEqual([]);
    expect(video.renditions[0].averageBandwidth).toBeLessThan(300_000);
  });
});
