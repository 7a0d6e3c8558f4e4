import { chooseLadder, outputFrameRate } from './ladder';
import type { MediaInfo } from './media-info';

const info = (width: number, height: number, frameRate = 30): MediaInfo => ({
  formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
  durationSeconds: 10,
  video: { codec: 'h264', width, height, frameRate, pixelFormat: 'yuv420p', profile: 'High' },
  audio: null,
});
const config = { shortSides: [1080, 720, 480, 360] };
const sizes = (i: MediaInfo) => chooseLadder(i, config).map((r) => `${r.width}x${r.height}`);

describe('chooseLadder', () => {
  it('keeps every rung a 1080p source reaches, largest first', () => {
    expect(sizes(info(1920, 1080))).toEqual(['1920x1080', '1280x720', '854x480', '640x360']);
  });
  it('never upscales', () => {
    expect(sizes(info(1280, 720))).toEqual(['1280x720', '854x480', '640x360']);
  });
  it('sizes portrait video by its short side', () => {
    expect(sizes(info(1080, 1920))).toEqual(['1080x1920', '720x1280', '480x854', '360x640']);
  });
  it('gives a source below the smallest rung one rung at its own even size', () => {
    expect(sizes(info(321, 241))).toEqual(['320x240']);
  });
  it('keeps dimensions even for odd sources', () => {
    for (const r of chooseLadder(info(853, 479), config)) expect([r.width % 2, r.height % 2]).toEqual([0, 0]);
  });
  it('takes bitrates from the table, more for high frame rates, with peak and buffer above average', () => {
    const [r1080] = chooseLadder(info(1920, 1080), config);
    expect(r1080!.videoBitrate).toBe(6_000_000);
    const [r1080p60] = chooseLadder(info(1920, 1080, 60), config);
    expect(r1080p60!.videoBitrate).toBe(9_000_000);
    expect(r1080!.maxBitrate).toBeGreaterThan(r1080!.videoBitrate);
    expect(r1080!.bufferSize).toBeGreaterThan(r1080!.maxBitrate);
  });
  it("caps each capped-CRF rung at the fixed ladder's average, with the CRF of its size", () => {
    const fixed = chooseLadder(info(1920, 1080), config);
    const capped = chooseLadder(info(1920, 1080), { ...config, mode: 'capped-crf' });
    expect(capped.map((r) => [r.name, r.crf])).toEqual([
      ['1080p', 23],
      ['720p', 23],
      ['480p', 23],
      ['360p', 23],
    ]);
    capped.forEach((r, i) => {
      // Never more than today's cost: the ceiling is the fixed rung's average.
      expect(r.maxBitrate).toBe(fixed[i]!.videoBitrate);
      expect(r.bufferSize).toBe(r.maxBitrate);
    });
    expect(fixed.every((r) => r.crf === undefined)).toBe(true);
    const custom = chooseLadder(info(1920, 1080), {
      ...config,
      mode: 'capped-crf',
      crf: [
        [720, 26],
        [0, 20],
      ],
    });
    expect(custom.map((r) => r.crf)).toEqual([26, 26, 20, 20]);
  });

  it('returns no rung for audio-only sources', () => {
    expect(chooseLadder({ ...info(2, 2), video: null }, config)).toEqual([]);
  });
});

describe('outputFrameRate', () => {
  it.each([
    [30, 30],
    [29.97, 29.97],
    [60, 60],
    [59.94, 59.94],
    [120, 60],
    [100, 50],
    [240, 60],
    [0, 30],
  ])('%d fps → %d', (input, expected) => {
    expect(outputFrameRate(input)).toBeCloseTo(expected, 2);
  });
});
