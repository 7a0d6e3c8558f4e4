import { DomainError } from './errors';
import { assertVideoId, isVideoId, newVideoId, VIDEO_ID_PATTERN } from './ids';

describe('video ids', () => {
  it('encodes 128 random bits as 26 lowercase base32 characters', () => {
    expect(newVideoId(() => Buffer.alloc(16, 0))).toBe('0'.repeat(26));
    expect(newVideoId(() => Buffer.alloc(16, 0xff))).toBe(`7${'z'.repeat(25)}`);
    const ids = new Set(Array.from({ length: 1000 }, () => newVideoId()));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(VIDEO_ID_PATTERN);
  });

  it.each([
    '',
    'abc',
    `8${'0'.repeat(25)}`,
    `0${'0'.repeat(24)}i`,
    `0${'0'.repeat(24)}*`,
    `0${'0'.repeat(24)}.`,
    `0${'0'.repeat(24)}/`,
    `0${'0'.repeat(24)}%`,
    `0${'0'.repeat(24)}A`,
    `${'0'.repeat(26)}\n`,
  ])('refuses %j', (id) => {
    expect(isVideoId(id)).toBe(false);
    expect(() => assertVideoId(id)).toThrow(DomainError);
  });

  it('refuses non-strings', () => {
    expect(isVideoId(undefined)).toBe(false);
    expect(isVideoId(12)).toBe(false);
  });
});
