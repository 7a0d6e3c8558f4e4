import {
  coveredSeconds,
  isCompleted,
  mergeIntervals,
  playedSeconds,
  retentionCurve,
  type Interval,
} from './watched-intervals';

describe('watched intervals', () => {
  // Play 0–4 s, seek to 8, play to 10, seek back to 2, play to 4.
  const seekedAround: Interval[] = [
    [0, 4],
    [8, 10],
    [2, 4],
  ];

  it('counts watch time with replays and coverage once per second of the timeline', () => {
    expect(playedSeconds(seekedAround)).toBeCloseTo(8, 6);
    expect(coveredSeconds(seekedAround)).toBeCloseTo(6, 6);
    expect(mergeIntervals(seekedAround)).toEqual([
      [0, 4],
      [8, 10],
    ]);
  });

  it('merges stretches a timeupdate apart, keeps a real skip, clamps to the video and drops nonsense', () => {
    expect(
      mergeIntervals(
        [
          [4.2, 6],
          [0, 4],
          [7, 12],
          [-3, 0.5],
          [5, 5],
          [9, 3],
          [Number.NaN, 2],
          [1, Number.POSITIVE_INFINITY],
        ],
        10,
      ),
    ).toEqual([
      [0, 6],
      [7, 10],
    ]);
    expect(
      mergeIntervals([
        [0, 4],
        [4.2, 6],
        [7, 9],
      ]),
    ).toEqual([
      [0, 6],
      [7, 9],
    ]);
    expect(
      playedSeconds([
        [Number.NaN, 3],
        [5, 4],
        [0, 2],
      ]),
    ).toBe(2);
  });

  it('calls a view complete from 90 % of the timeline covered', () => {
    expect(isCompleted(90, 100)).toBe(true);
    expect(isCompleted(89.9, 100)).toBe(false);
    expect(isCompleted(0, 0)).toBe(false);
  });

  it('draws the retention curve: the share of views that watched each 1 % of the timeline', () => {
    const curve = retentionCurve(
      [
        [[0, 100]],
        [[0, 50]],
        [
          [0, 10],
          [90, 100],
        ],
        [],
      ],
      100,
    );
    expect(curve).toHaveLength(100);
    expect(curve[0]).toBe(0.75);
    expect(curve[20]).toBe(0.5);
    expect(curve[60]).toBe(0.25);
    expect(curve[95]).toBe(0.5);
    // Half a slice watched counts; less does not.
    expect(retentionCurve([[[0, 0.5]]], 100)[0]).toBe(1);
    expect(retentionCurve([[[0, 0.4]]], 100)[0]).toBe(0);
    expect(retentionCurve([], 100).every((v) => v === 0)).toBe(true);
  });
});
