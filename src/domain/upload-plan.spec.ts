import { checkRequestedParts, partLength, partsToComplete, planUpload } from './upload-plan';

const MIB = 1024 * 1024;
const limits = { maxBytes: 20 * 1024 * MIB, singleMaxBytes: 100 * MIB, partBytes: 16 * MIB };

describe('planUpload', () => {
  it('uses a single POST up to UPLOAD_SINGLE_MAX_BYTES inclusive', () => {
    expect(planUpload(1, limits)).toEqual({ strategy: 'single' });
    expect(planUpload(100 * MIB, limits)).toEqual({ strategy: 'single' });
  });

  it('splits larger uploads into parts of UPLOAD_PART_BYTES', () => {
    expect(planUpload(100 * MIB + 1, limits)).toEqual({ strategy: 'multipart', partSize: 16 * MIB, partCount: 7 });
    expect(planUpload(300 * MIB, limits)).toEqual({ strategy: 'multipart', partSize: 16 * MIB, partCount: 19 });
  });

  it('grows the part size so no upload needs more than 10,000 parts', () => {
    const plan = planUpload(500 * 1024 * MIB, { ...limits, maxBytes: 1024 * 1024 * MIB, partBytes: 5 * MIB });
    expect(plan).toEqual({ strategy: 'multipart', partSize: 52 * MIB, partCount: 9847 });
  });

  it('refuses more than UPLOAD_MAX_BYTES', () => {
    expect(() => planUpload(limits.maxBytes + 1, limits)).toThrow(
      expect.objectContaining({ code: 'upload_too_large' }),
    );
  });

  it('gives every part its exact length, the last one the remainder', () => {
    expect([1, 2, 3].map((n) => partLength(11, 5, n))).toEqual([5, 5, 1]);
  });
});

describe('checkRequestedParts', () => {
  it.each([[[0]], [[4]], [[1, 1]], [[]], [Array.from({ length: 101 }, (_, i) => i + 1)]])(
    'refuses %j of 3',
    (parts) => {
      expect(() => checkRequestedParts(parts, 200 > parts.length ? 3 : 200)).toThrow(
        expect.objectContaining({ code: 'invalid_parts' }),
      );
    },
  );
  it('accepts any order', () => {
    expect(() => checkRequestedParts([3, 1, 2], 3)).not.toThrow();
  });
});

describe('partsToComplete', () => {
  const stored = [
    { partNumber: 2, etag: '"b"', size: 5 },
    { partNumber: 1, etag: '"a"', size: 5 },
    { partNumber: 3, etag: '"c"', size: 1 },
  ];

  it('completes from storage’s own list, in order, when the client sends none', () => {
    expect(partsToComplete(undefined, stored, 11, 5, 3)).toEqual([
      { partNumber: 1, etag: '"a"' },
      { partNumber: 2, etag: '"b"' },
      { partNumber: 3, etag: '"c"' },
    ]);
  });

  it('accepts the client’s list with quoted or bare ETags', () => {
    const claimed = [
      { partNumber: 1, etag: 'a' },
      { partNumber: 2, etag: '"b"' },
      { partNumber: 3, etag: 'c' },
    ];
    expect(partsToComplete(claimed, stored, 11, 5, 3)).toHaveLength(3);
  });

  it('refuses a wrong ETag or a missing part as invalid_parts', () => {
    const wrong = [
      { partNumber: 1, etag: 'a' },
      { partNumber: 2, etag: 'x' },
      { partNumber: 3, etag: 'c' },
    ];
    expect(() => partsToComplete(wrong, stored, 11, 5, 3)).toThrow(expect.objectContaining({ code: 'invalid_parts' }));
    expect(() => partsToComplete(wrong.slice(0, 2), stored, 11, 5, 3)).toThrow(
      expect.objectContaining({ code: 'invalid_parts' }),
    );
  });

  it('reports bytes not yet there, or a part of the wrong length, as upload_incomplete', () => {
    expect(() => partsToComplete(undefined, stored.slice(0, 2), 11, 5, 3)).toThrow(
      expect.objectContaining({ code: 'upload_incomplete' }),
    );
    const short = stored.map((p) => (p.partNumber === 2 ? { ...p, size: 4 } : p));
    expect(() => partsToComplete(undefined, short, 11, 5, 3)).toThrow(
      expect.objectContaining({ code: 'upload_incomplete' }),
    );
  });
});
