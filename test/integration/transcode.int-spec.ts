import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { parseMediaPlaylist } from '../../src/domain/playlists';
import { canEncode, fixture } from '../support/fixtures';
import {
  decodeAll,
  downloadObject,
  downloadPrefix,
  ffprobe,
  listKeys,
  startsWithKeyframe,
  startStack,
  uploadFile,
  waitForFinal,
  type Stack,
} from '../support/pipeline';

const SEGMENT = 2;

interface StreamInf {
  attrs: Record<string, string>;
  uri: string;
}

function parseMaster(text: string): { streams: StreamInf[]; media: string[] } {
  const lines = text.trim().split('\n');
  const streams: StreamInf[] = [];
  lines.forEach((line, i) => {
    if (!line.startsWith('#EXT-X-STREAM-INF:')) return;
    const attrs: Record<string, string> = {};
    for (const m of line.slice(18).matchAll(/([A-Z-]+)=("[^"]*"|[^,]*)/g)) attrs[m[1]!] = m[2]!.replace(/^"|"$/g, '');
    streams.push({ attrs, uri: lines[i + 1]! });
  });
  return { streams, media: lines.filter((l) => l.startsWith('#EXT-X-MEDIA:')) };
}

function avcCodec(profile: string, level: number): string {
  const idc: Record<string, string> = { High: '6400', Main: '4D40', 'Constrained Baseline': '42C0' };
  return `avc1.${idc[profile]}${level.toString(16).toUpperCase().padStart(2, '0')}`;
}

describe('transcoding: upload → HLS ladder → ready', () => {
  let stack: Stack;
  let work: string;

  beforeAll(async () => {
    // The preview encoded like the ladder, so the ladder adopts its renditions (checked below).
    stack = await startStack({
      HLS_SEGMENT_SECONDS: String(SEGMENT),
      TRANSCODE_PRESET: 'ultrafast',
      PREVIEW_PRESET: 'ultrafast',
    });
    work = mkdtempSync(join(tmpdir(), 'velvet-transcode-test-'));
  });
  afterAll(async () => {
    await stack.close();
    rmSync(work, { recursive: true, force: true });
  });

  /** Downloads the published version and checks what every ready video must satisfy. */
  async function checkPublished(video: any): Promise<{ dir: string; master: ReturnType<typeof parseMaster> }> {
    const bucket = stack.api.config.s3.bucket;
    expect(video).toMatchObject({ status: 'ready', progress: 100, error: null });
    expect(video.hlsVersion).toMatch(/^[0-9a-z]+$/);
    expect(Date.parse(video.readyAt)).toBeGreaterThan(0);
    const prefix = `videos/${video.id}/hls/${video.hlsVersion}/`;
    const dir = join(work, video.id);
    const files = await downloadPrefix(stack.s3, bucket, prefix, dir);
    expect(files).toContain('master.m3u8');
    expect(video.playable).toBe(true);
    expect(Date.parse(video.playableAt)).toBeLessThanOrEqual(Date.parse(video.readyAt));
    // Besides the ladder, only the finished preview, kept until its sessions have expired.
    const all = await listKeys(stack.s3, bucket, `videos/${video.id}/hls/`);
    const others = [
      ...new Set(all.filter((k) => !k.startsWith(prefix)).map((k) => k.split('/').slice(0, 4).join('/'))),
    ];
    expect(others).toHaveLength(1);
    const previewPlaylists = all.filter((k) => k.startsWith(`${others[0]}/`) && k.endsWith('/index.m3u8'));
    expect(all).toContain(`${others[0]}/master.m3u8`);
    expect(previewPlaylists.length).toBeGreaterThan(0);
    for (const key of previewPlaylists) {
      const path = join(work, `${video.id}-preview-${key.split('/').at(-2)}.m3u8`);
      await downloadObject(stack.s3, bucket, key, path);
      const text = readFileSync(path, 'utf8');
      expect(text).toContain('#EXT-X-PLAYLIST-TYPE:EVENT');
      expect(text.trimEnd().endsWith('#EXT-X-ENDLIST')).toBe(true);
    }
    // The ladder adopted the preview's renditions: the very same segments, not a second encode.
    // A standard source's copy (its video and its audio) went out with the preview, and is not
    // the ladder's: the ladder encodes its own audio.
    const copied = video.playableVia === 'source' ? ['source/', 'audio/'] : [];
    expect(video.playableVia).toBe(video.nonStandardReasons?.length === 0 ? 'source' : 'preview');
    const etags = async (p: string) => {
      const listed = await stack.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: p }));
      return new Map(
        (listed.Contents ?? [])
          .filter((o) => o.Key!.endsWith('.m4s') && !copied.some((c) => o.Key!.startsWith(`${p}${c}`)))
          .map((o) => [o.Key!.slice(p.length), o.ETag]),
      );
    };
    const [previewSegments, ladderSegments] = await Promise.all([etags(`${others[0]}/`), etags(prefix)]);
    expect(previewSegments.size).toBeGreaterThan(0);
    for (const [file, etag] of previewSegments) expect([file, ladderSegments.get(file)]).toEqual([file, etag]);

    const head = async (key: string) => stack.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    const masterHead = await head(`${prefix}master.m3u8`);
    expect(masterHead.ContentType).toBe('application/vnd.apple.mpegurl');
    expect(masterHead.CacheControl).toMatch(/immutable/);
    const segment = files.find((f) => f.endsWith('.m4s'))!;
    expect((await head(`${prefix}${segment}`)).ContentType).toBe('video/mp4');

    const master = parseMaster(readFileSync(join(dir, 'master.m3u8'), 'utf8'));
    const counts = new Set<number>();
    const cuts = new Set<string>();
    const totals: number[] = [];
    const audioUris = master.media.map((m) => /URI="([^"]+)"/.exec(m)![1]!);
    for (const stream of [...master.streams.map((s) => s.uri), ...audioUris]) {
      const playlistPath = join(dir, stream);
      decodeAll(playlistPath);
      const playlist = parseMediaPlaylist(readFileSync(playlistPath, 'utf8'));
      // Video rungs share segment boundaries; AAC frames (1024 samples) make audio's differ slightly.
      expect(readFileSync(playlistPath, 'utf8')).toContain('#EXT-X-PLAYLIST-TYPE:VOD');
      if (!audioUris.includes(stream)) {
        counts.add(playlist.segments.length);
        cuts.add(playlist.segments.map((s) => s.durationSeconds.toFixed(3)).join(','));
      }
      totals.push(playlist.segments.reduce((sum, s) => sum + s.durationSeconds, 0));
      playlist.segments.slice(0, -1).forEach((s) => expect(Math.abs(s.durationSeconds - SEGMENT)).toBeLessThan(0.5));
      expect(playlist.segments.at(-1)!.durationSeconds).toBeLessThanOrEqual(SEGMENT + 0.5);
    }
    expect(counts.size).toBeLessThanOrEqual(1);
    // Every video rung, adopted or encoded by the ladder, cuts its segments at the same instants.
    expect(cuts.size).toBeLessThanOrEqual(1);
    expect(Math.max(...totals) - Math.min(...totals)).toBeLessThan(0.2);
    return { dir, master };
  }

  /** Every variant: RESOLUTION, FRAME-RATE, CODECS match the encoded stream; every segment starts on a keyframe. */
  function checkVideoVariants(dir: string, master: ReturnType<typeof parseMaster>) {
    for (const { attrs, uri } of master.streams) {
      const folder = join(dir, uri.split('/')[0]!);
      const playlist = parseMediaPlaylist(readFileSync(join(dir, uri), 'utf8'));
      const init = join(folder, playlist.initUri!);
      const joined = join(work, 'joined.mp4');
      writeFileSync(joined, Buffer.concat([readFileSync(init), readFileSync(join(folder, playlist.segments[0]!.uri))]));
      const probed = ffprobe(
        joined,
        '-select_streams',
        'v:0',
        '-show_entries',
        'stream=width,height,profile,level,codec_name',
      ).streams[0];
      expect(attrs.RESOLUTION).toBe(`${probed.width}x${probed.height}`);
      expect(attrs.CODECS!.split(',')[0]).toBe(avcCodec(probed.profile, probed.level));
      expect(Number(attrs.BANDWIDTH)).toBeGreaterThanOrEqual(Number(attrs['AVERAGE-BANDWIDTH']));
      expect(Number(attrs['FRAME-RATE'])).toBeGreaterThan(0);
      expect(probed.codec_name).toBe('h264');
      playlist.segments.forEach((seg, i) =>
        expect(startsWithKeyframe(init, join(folder, seg.uri), join(work, `probe-${i}.mp4`))).toBe(true),
      );
    }
  }

  it('turns a 720p clip with audio into a keyframe-aligned ladder, a poster and a master playlist', async () => {
    const id = await uploadFile(stack.user, fixture('standard'), 'video/mp4');
    const video = await waitForFinal(stack.user, id);
    const { dir, master } = await checkPublished(video);
    expect(video).toMatchObject({ width: 1280, height: 720 });
    expect(video.durationSeconds).toBeCloseTo(4, 0);
    expect(video.renditions.map((r: any) => [r.name, r.width, r.height])).toEqual([
      ['720p', 1280, 720],
      ['480p', 854, 480],
      ['360p', 640, 360],
    ]);
    expect(master.media).toHaveLength(1);
    expect(master.media[0]).toMatch(/TYPE=AUDIO,GROUP-ID="audio"/);
    expect(master.streams.map((s) => s.attrs.RESOLUTION)).toEqual(['1280x720', '854x480', '640x360']);
    for (const s of master.streams) {
      expect(s.attrs.CODECS).toMatch(/^avc1\.[0-9A-F]{6},mp4a\.40\.2$/);
      expect(s.attrs.AUDIO).toBe('audio');
      expect(Number(s.attrs['FRAME-RATE'])).toBeCloseTo(30, 1);
    }
    expect(video.renditions[0].bandwidth).toBe(Number(master.streams[0]!.attrs.BANDWIDTH));
    checkVideoVariants(dir, master);
    // The audio rendition: AAC-LC 48 kHz stereo.
    const audio = ffprobe(
      join(dir, 'audio/index.m3u8'),
      '-allowed_extensions',
      'ALL',
      '-show_entries',
      'stream=codec_name,profile,sample_rate,channels',
    );
    expect(audio.streams[0]).toMatchObject({ codec_name: 'aac', profile: 'LC', sample_rate: '48000', channels: 2 });

    const poster = join(work, `${id}-poster.jpg`);
    await downloadObject(stack.s3, stack.api.config.s3.bucket, `videos/${id}/poster.jpg`, poster);
    const posterInfo = ffprobe(poster, '-show_entries', 'stream=codec_name,width');
    expect(posterInfo.streams[0]).toMatchObject({ codec_name: 'mjpeg', width: 1280 });
  });

  it('handles a source without audio', async () => {
    const video = await waitForFinal(stack.user, await uploadFile(stack.user, fixture('noAudio'), 'video/mp4'));
    const { dir, master } = await checkPublished(video);
    expect(master.media).toEqual([]);
    expect(master.streams.map((s) => s.attrs.RESOLUTION)).toEqual(['640x360']);
    expect(master.streams[0]!.attrs.CODECS).toMatch(/^avc1\.[0-9A-F]{6}$/);
    checkVideoVariants(dir, master);
  });

  it('turns an MP3 (even declared video/mp4) into audio-only HLS', async () => {
    const video = await waitForFinal(stack.user, await uploadFile(stack.user, fixture('audioOnly'), 'video/mp4'));
    const { master } = await checkPublished(video);
    expect(video).toMatchObject({ width: null, height: null });
    expect(master.streams).toHaveLength(1);
    expect(master.streams[0]!.attrs.CODECS).toBe('mp4a.40.2');
    expect(master.streams[0]!.attrs.RESOLUTION).toBeUndefined();
    expect(video.renditions).toEqual([expect.objectContaining({ name: 'audio', codecs: 'mp4a.40.2' })]);
  });

  it('keeps a 1080×1920 phone video portrait, with the 1080p-class rungs', async () => {
    const video = await waitForFinal(stack.user, await uploadFile(stack.user, fixture('portrait'), 'video/mp4'));
    const { dir, master } = await checkPublished(video);
    expect(master.streams.map((s) => s.attrs.RESOLUTION)).toEqual(['1080x1920', '720x1280', '480x854', '360x640']);
    checkVideoVariants(dir, master);
  }, 180_000);

  it('makes even dimensions from an odd 853×479 Matroska source, never upscaling', async () => {
    const video = await waitForFinal(stack.user, await uploadFile(stack.user, fixture('oddSize'), 'video/x-matroska'));
    const { dir, master } = await checkPublished(video);
    // 853 × 360/479 = 641.1, rounded to the nearest even width.
    expect(master.streams.map((s) => s.attrs.RESOLUTION)).toEqual(['642x360']);
    checkVideoVariants(dir, master);
  });

  it('keeps 60 fps and caps 120 fps at 60', async () => {
    for (const [name, expected] of [
      ['fps60', 60],
      ['fps120', 60],
    ] as const) {
      const video = await waitForFinal(stack.user, await uploadFile(stack.user, fixture(name), 'video/mp4'));
      const { dir, master } = await checkPublished(video);
      expect(Number(master.streams[0]!.attrs['FRAME-RATE'])).toBeCloseTo(expected, 1);
      checkVideoVariants(dir, master);
    }
  });

  it('handles a one-second clip', async () => {
    const video = await waitForFinal(stack.user, await uploadFile(stack.user, fixture('oneSecond'), 'video/mp4'));
    const { master } = await checkPublished(video);
    expect(master.streams).toHaveLength(1);
  });

  it('transcodes a 10-bit HEVC source to 8-bit H.264', async () => {
    expect(canEncode('libx265')).toBe(true);
    const video = await waitForFinal(stack.user, await uploadFile(stack.user, fixture('hevc10'), 'video/mp4'));
    const { dir, master } = await checkPublished(video);
    checkVideoVariants(dir, master);
    const probed = ffprobe(
      join(dir, master.streams[0]!.uri),
      '-allowed_extensions',
      'ALL',
      '-select_streams',
      'v:0',
      '-show_entries',
      'stream=pix_fmt',
    );
    expect(probed.streams[0].pix_fmt).toBe('yuv420p');
  });
});
