import { decodeCursor, encodeCursor } from './cursor';

describe('page cursors', () => {
  it('round-trips a position', () => {
    const position = { createdAt: new Date('2026-11-25T10:00:00.123Z'), id: '0123456789abcdefghjkmnpqrs' };
    expect(decodeCursor(encodeCursor(position))).toEqual(position);
  });
  it.each([
    '',
    'not base64!',
    Buffer.from('2026-01-01T00:00:00Z|nope').toString('base64url'),
    Buffer.from('garbage|0123456789abcdefghjkmnpqrs').toString('base64url'),
    Buffer.from(`2026-01-01T00:00:00Z|0123456789abcdefghjkmnpqrs|x`).toString('base64url'),
  ])('refuses %j', (cursor) =>
    expect(() => decodeCursor(cursor)).toThrow(expect.objectContaining({ code: 'invalid_cursor' })),
  );
});
