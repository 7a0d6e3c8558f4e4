import { chooseLadder } from './ladder';
import { droppedBecause, keptRungs, type MeasuredRendition } from './ladder-master';
import type { MediaInfo } from './media-info';
import { deliveryBytesPerMinute } from './video';

const source: MediaInfo = {
  formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
  durationSeconds: 60,
  video: { codec: 'h264', width: 1920, height: 1080, frameRate: 30, pixelFormat: 'yuv420p', profile: 'High' },
  audio: null,
};
const rungs = chooseLadder(source, { shortSides: [1080, 720, 480, 360], mode: 'capped-crf' });
const measuredAt = (kbps: number[]) =>
  new Map<string, MeasuredRendition>(
    rungs.map((r, i) => [
      r.name,
      { bandwidth: { peak: kbps[i]! * 1500, average: kbps[i]! * 1000 }, codecs: 'avc1.640028', durationSeconds: 60 },
    ]),
  );
const names = (kbps: number[], margin = 0.15) => keptRungs(rungs, measuredAt(kbps), margin).map((r) => r.name);

describe('keptRungs', () => {
  it('keeps every rung of a picture that needs its pixels', () => {
    expect(names([5800, 2900, 1300, 700])).toEqual(['1080p', '720p', '480p', '360p']);
  });

  it('drops a rung that costs hardly more than the one below it', () => {
    // 1080p at 400 kbit/s is within 15 % of 720p's 380: the bigger picture buys nothing.
    expect(names([400, 380, 300, 250])).toEqual(['720p', '480p', '360p']);
    expect(names([400, 380, 300, 250], 0)).toEqual(['1080p', '720p', '480p', '360p']);
  });

  it('never keeps fewer than two video rungs: the largest comes back first', () => {
    expect(names([300, 300, 300, 300])).toEqual(['1080p', '360p']);
    const two = rungs.slice(2);
    expect(keptRungs(two, measuredAt([0, 0, 300, 300]), 0.15).map((r) => r.name)).toEqual(['480p', '360p']);
    expect(keptRungs(rungs.slice(3), measuredAt([0, 0, 0, 300]), 0.15).map((r) => r.name)).toEqual(['360p']);
    expect(keptRungs([], new Map(), 0.15)).toEqual([]);
  });

  it('says why in the log line', () => {
    const measured = measuredAt([400, 380, 300, 250]);
    const kept = keptRungs(rungs, measured, 0.15);
    expect(droppedBecause(rungs[0]!, kept, measured)).toBe(
      "it averages 400 kbit/s, hardly more than 720p's 380 kbit/s",
    );
  });
});

describe('deliveryBytesPerMinute', () => {
  it("is the top rendition's measured average as bytes a minute, and unknown without a measure", () => {
    const rendition = { name: '1080p', width: 1920, height: 1080, bandwidth: 9_000_000, codecs: 'avc1' };
    expect(deliveryBytesPerMinute([{ ...rendition, averageBandwidth: 1_600_000 }])).toBe(12_000_000);
    expect(deliveryBytesPerMinute([rendition])).toBeNull();
    expect(deliveryBytesPerMinute(null)).toBeNull();
  });
});
