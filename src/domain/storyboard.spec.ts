import { chunkFirstFrame, planChunks } from './chunk-plan';
import { firstTileFrom, planStoryboard, sheetCount, storyboardVtt, tileFilter, tileFrame } from './storyboard';

const cues = (vtt: string) =>
  [
    ...vtt.matchAll(
      /^(\d\d):(\d\d):(\d\d)\.(\d{3}) --> (\d\d):(\d\d):(\d\d)\.(\d{3})\n(sprite-\d+\.jpg)#xywh=(\d+),(\d+),(\d+),(\d+)$/gm,
    ),
  ].map((m) => {
    const t = (h: string, mi: string, s: string, ms: string) =>
      Number(h) * 3600 + Number(mi) * 60 + Number(s) + Number(ms) / 1000;
    return {
      start: t(m[1]!, m[2]!, m[3]!, m[4]!),
      end: t(m[5]!, m[6]!, m[7]!, m[8]!),
      sprite: m[9]!,
      x: Number(m[10]),
      y: Number(m[11]),
      w: Number(m[12]),
      h: Number(m[13]),
    };
  });

describe('storyboards', () => {
  it('keeps 2 s tiles for a short video and grows the interval to stay within the tile bound', () => {
    expect(planStoryboard(10, 1920, 1080, { intervalSeconds: 2, maxTiles: 400 })).toEqual({
      intervalSeconds: 2,
      tileWidth: 160,
      tileHeight: 90,
      columns: 10,
      rows: 10,
    });
    expect(planStoryboard(4 * 3600, 1920, 1080, { intervalSeconds: 2, maxTiles: 400 }).intervalSeconds).toBe(36);
    // Portrait: the long side is the height; even sizes for the JPEG encoder.
    expect(planStoryboard(10, 1080, 1920, { intervalSeconds: 2, maxTiles: 400 })).toMatchObject({
      tileWidth: 90,
      tileHeight: 160,
    });
    expect(planStoryboard(10, 853, 479, { intervalSeconds: 2, maxTiles: 400 })).toMatchObject({
      tileWidth: 160,
      tileHeight: 90,
    });
  });

  it('writes cues that cover the whole duration, each pointing inside its sprite sheet', () => {
    const plan = planStoryboard(253.4, 1280, 720, { intervalSeconds: 2, maxTiles: 400 });
    const tiles = 127;
    const list = cues(storyboardVtt(plan, tiles, 253.4));
    expect(list).toHaveLength(tiles);
    expect(list[0]!.start).toBe(0);
    expect(list.at(-1)!.end).toBeCloseTo(253.4, 3);
    list.slice(1).forEach((c, i) => expect(c.start).toBe(list[i]!.end));
    expect(sheetCount(plan, tiles)).toBe(2);
    for (const c of list) {
      expect(c.x + c.w).toBeLessThanOrEqual(plan.columns * plan.tileWidth);
      expect(c.y + c.h).toBeLessThanOrEqual(plan.rows * plan.tileHeight);
    }
    expect(list[100]).toMatchObject({ sprite: 'sprite-1.jpg', x: 0, y: 0 });
    expect(list[99]).toMatchObject({ sprite: 'sprite-0.jpg', x: 9 * 160, y: 9 * 90 });
  });

  /**
   * ffmpeg's `select` as tileFilter writes it, evaluated here on the frame count n with the same
   * doubles: which of a run's frames become tiles.
   */
  function selected(filter: string, frames: number): number[] {
    const m = /select='gt\(floor\(\(n\+(\d+)\+([\d.]+)\)\/([\d.]+)\)\*([\d.]+),n\+(\d+)-1\+([\d.]+)\)'/.exec(filter);
    if (!m) throw new Error(`unexpected filter ${filter}`);
    const [first, eps, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const picked: number[] = [];
    for (let n = 0; n < frames; n++) if (Math.floor((n + first + eps) / p) * p > n + first - 1 + eps) picked.push(n);
    return picked;
  }

  it.each([
    { rate: 30, interval: 2, chunk: 6 },
    { rate: 30000 / 1001, interval: 2, chunk: 6 },
    { rate: 24000 / 1001, interval: 5, chunk: 12 },
    { rate: 25, interval: 3, chunk: 30 },
    { rate: 60, interval: 36, chunk: 60 },
    { rate: 12.5, interval: 1, chunk: 6 },
  ])(
    'picks in every chunk the frames one whole run picks, numbered alike ($rate fps, $interval s tiles, $chunk s chunks)',
    ({ rate, interval, chunk }) => {
      const duration = 601.3;
      const plan = planStoryboard(duration, 1920, 1080, { intervalSeconds: interval, maxTiles: 10_000 });
      const total = Math.ceil(duration * rate - 1e-6);
      const whole = selected(tileFilter(plan, rate, 0), total);
      // Tile n is the first frame at or after n intervals, and every interval has its tile.
      expect(whole).toEqual(whole.map((_, n) => tileFrame(n, plan, rate)));
      whole.forEach((frame, n) => {
        expect(frame / rate).toBeGreaterThanOrEqual(n * interval - 1e-9);
        expect((frame - 1) / rate).toBeLessThan(n * interval);
      });
      expect(whole.length).toBe(Math.floor((total - 1) / rate / interval) + 1);

      const chunks = planChunks(duration, chunk, 6, rate);
      const numbered = chunks.flatMap((c, k) => {
        const first = chunkFirstFrame(c, rate);
        const next = chunks[k + 1] ? chunkFirstFrame(chunks[k + 1]!, rate) : total;
        const tile0 = firstTileFrom(first, plan, rate);
        return selected(tileFilter(plan, rate, first), next - first).map((n, i) => ({
          tile: tile0 + i,
          frame: first + n,
        }));
      });
      expect(numbered).toEqual(whole.map((frame, tile) => ({ tile, frame })));
    },
  );
});
