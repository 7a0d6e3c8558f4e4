import { newPrefixedId } from '../../domain/ids';
import type { Grant } from '../../domain/playback';
import { eventBody, videoEventTypes, type VideoEventType } from '../../domain/video-events';
import type { Queryable } from './sql-client';
import { toVideo, type VideoRow } from './video-rows';

/** The video row, locked for the caller's transaction, so its events keep their sequence order. */
export async function lockVideoRow(tx: Queryable, videoId: string): Promise<VideoRow | null> {
  const { rows } = await tx.query<VideoRow>('SELECT * FROM videos WHERE id = $1 FOR UPDATE', [videoId]);
  return rows[0] ?? null;
}

/**
 * Writes the events of one change of a video into the outbox, inside the caller's transaction
 * (the same one as the change), each with the video's next sequence number. `after` null: the
 * row was deleted, and the sequence continues from the deleted row's.
 */
export async function writeVideoEvents(tx: Queryable, before: VideoRow | null, after: VideoRow | null): Promise<void> {
  const types = videoEventTypes(before && toVideo(before), after && toVideo(after));
  for (const type of types) await writeEvent(tx, type, (after ?? before)!, after === null);
}

/** One event about a video (a grant's, for example), in the caller's transaction. */
export async function writeEvent(
  tx: Queryable,
  type: VideoEventType,
  row: VideoRow,
  deleted = false,
  grant?: Grant,
): Promise<void> {
  let sequence: number;
  if (deleted) {
    sequence = Number(row.event_sequence) + 1;
  } else {
    const { rows } = await tx.query<{ event_sequence: string | number }>(
      'UPDATE videos SET event_sequence = event_sequence + 1 WHERE id = $1 RETURNING event_sequence',
      [row.id],
    );
    sequence = Number(rows[0]!.event_sequence);
  }
  const id = newPrefixedId('evt');
  const body = eventBody({ id, type, createdAt: new Date(), sequence, video: toVideo(row), grant });
  await tx.query(
    'INSERT INTO video_events (id, type, video_id, owner_id, sequence, body) VALUES ($1, $2, $3, $4, $5, $6::jsonb)',
    [id, type, row.id, row.owner_id, sequence, JSON.stringify(body)],
  );
}
