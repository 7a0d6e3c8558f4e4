import { DomainError } from './errors';
import { isVideoId } from './ids';

/** Position after the last item of a page, for keyset pagination on (createdAt, id) descending. */
export interface PageCursor {
  readonly createdAt: Date;
  readonly id: string;
}

export function encodeCursor(cursor: PageCursor): string {
  return Buffer.from(`${cursor.createdAt.toISOString()}|${cursor.id}`).toString('base64url');
}

export function decodeCursor(value: string, isId: (id: unknown) => id is string = isVideoId): PageCursor {
  const text = /^[A-Za-z0-9_-]{1,200}$/.test(value) ? Buffer.from(value, 'base64url').toString('utf8') : '';
  const [iso, id, extra] = text.split('|');
  const createdAt = new Date(iso ?? '');
  if (extra !== undefined || !isId(id) || Number.isNaN(createdAt.getTime())) {
    throw new DomainError('invalid_cursor', 'The cursor is malformed.');
  }
  return { createdAt, id };
}
