import { parseMultirange, percentile, summarizeViews, type ViewFacts } from './view-analytics';

const view = (over: Partial<ViewFacts>): ViewFacts => ({
  viewerId: 'a',
  watched: [],
  watchSeconds: 0,
  startupMs: null,
  rebufferMs: 0,
  errors: 0,
  ...over,
});

describe('a video analytics summary', () => {
  it('sums watch time with replays, completes on coverage, and counts anonymous views as viewers', () => {
    const summary = summarizeViews(
      [
        // Watched all of it once and the first half again: 150 s of watch time.
        view({ viewerId: 'a', watched: [[0, 100]], watchSeconds: 150, startupMs: 400 }),
        view({ viewerId: 'a', watched: [[0, 50]], watchSeconds: 50, startupMs: 900, rebufferMs: 2000 }),
        view({ viewerId: null, watched: [[0, 95]], watchSeconds: 95, startupMs: 600, errors: 1 }),
        view({ viewerId: null, watched: [], watchSeconds: 0 }),
      ],
      100,
    );
    expect(summary).toMatchObject({
      views: 4,
      uniqueViewers: 3,
      watchTimeSeconds: 295,
      averageViewSeconds: 73.75,
      completionRate: 0.5,
      startupTimeMs: { p50: 600, p95: 900 },
      errorRate: 0.25,
    });
    expect(summary.rebufferRatio).toBeCloseTo(2 / 297, 6);
    expect(summary.retention[10]).toBe(0.75);
    expect(summary.retention[97]).toBe(0.25);
  });

  it('is all zeros for a video nobody watched', () => {
    expect(summarizeViews([], 100)).toMatchObject({
      views: 0,
      watchTimeSeconds: 0,
      averageViewSeconds: 0,
      completionRate: 0,
      rebufferRatio: 0,
      startupTimeMs: { p50: null, p95: null },
    });
  });

  it('reads a multirange and takes percentiles by nearest rank', () => {
    expect(parseMultirange('{[0,4.5),[8,10)}')).toEqual([
      [0, 4.5],
      [8, 10],
    ]);
    expect(parseMultirange('{}')).toEqual([]);
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2);
    expect(percentile([1, 2, 3, 4], 0.95)).toBe(4);
  });
});
