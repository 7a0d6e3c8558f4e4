import { chunkFrameCount, chunkPriority, frameTime, planChunks } from './chunk-plan';

describe('planChunks', () => {
  it('cuts on multiples of the chunk length and gives the last chunk the rest', () => {
    expect(planChunks(40, 12, 6, 30)).toEqual([
      { index: 0, startSeconds: 0, durationSeconds: 12, firstSegment: 0 },
      { index: 1, startSeconds: 12, durationSeconds: 12, firstSegment: 2 },
      { index: 2, startSeconds: 24, durationSeconds: 16, firstSegment: 4 },
    ]);
    expect(planChunks(48, 12, 6, 30).map((c) => c.durationSeconds)).toEqual([12, 12, 12, 12]);
    expect(planChunks(49, 12, 6, 30).map((c) => c.durationSeconds)).toEqual([12, 12, 12, 13]);
  });

  it('keeps a video shorter than two chunks in one piece', () => {
    expect(planChunks(23.5, 12, 6, 30)).toEqual([
      { index: 0, startSeconds: 0, durationSeconds: 23.5, firstSegment: 0 },
    ]);
  });

  it('covers the whole duration without gaps or overlaps', () => {
    const chunks = planChunks(7201.3, 60, 6, 29.97);
    chunks.forEach(
      (c, i) => i > 0 && expect(c.startSeconds).toBe(chunks[i - 1]!.startSeconds + chunks[i - 1]!.durationSeconds),
    );
    expect(chunks.at(-1)!.startSeconds + chunks.at(-1)!.durationSeconds).toBeCloseTo(7201.3, 6);
  });

  it('starts each chunk on the exact time of its first frame (29.97 fps)', () => {
    expect(planChunks(24, 6, 2, 29.97).map((c) => c.startSeconds)).toEqual([0, 6.006, 12.012, 18.018]);
    expect(planChunks(24, 6, 2, 29.97).map((c) => c.durationSeconds.toFixed(3))).toEqual([
      '6.006',
      '6.006',
      '6.006',
      '5.982',
    ]);
    expect(frameTime(8, 25)).toBe(8);
  });

  it('refuses chunks that are not whole segments', () => {
    expect(() => planChunks(60, 10, 6, 30)).toThrow(/not a multiple/);
  });
});

describe('chunkFrameCount', () => {
  it('counts the frames of every chunk but the last, which runs to the end', () => {
    const chunks = planChunks(61, 30, 6, 30000 / 1001);
    expect(chunks.map((c) => chunkFrameCount(c, chunks.length, 30000 / 1001))).toEqual([900, undefined]);
  });
});

describe('chunkPriority', () => {
  it('runs earlier chunks first, whatever the video', () => {
    expect(chunkPriority({ index: 0 })).toBeLessThan(chunkPriority({ index: 1 }));
    expect(chunkPriority({ index: 0 })).toBeGreaterThan(0);
  });
});
