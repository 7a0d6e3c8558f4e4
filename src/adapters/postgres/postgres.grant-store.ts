import { Inject, Injectable } from '@nestjs/common';
import type { Grant } from '../../domain/playback';
import { GrantStore } from '../../ports/grant-store';
import { SQL_CLIENT } from './postgres.video-store';
import { writeEvent } from './outbox';
import type { Queryable, SqlClient } from './sql-client';
import type { VideoRow } from './video-rows';

interface GrantRow {
  video_id: string;
  user_id: string;
  expires_at: Date | null;
  created_at: Date;
}

const toGrant = (r: GrantRow): Grant => ({ videoId: r.video_id, userId: r.user_id, expiresAt: r.expires_at, createdAt: r.created_at });

@Injectable()
export class PostgresGrantStore extends GrantStore {
  constructor(@Inject(SQL_CLIENT) private readonly sql: SqlClient) {
    super();
  }

  /** The grant and its `grant.created` event, in one transaction. */
  async put(videoId: string, userId: string, expiresAt: Date | null): Promise<Grant> {
    return this.sql.transaction(async (tx) => {
      const video = await lockVideo(tx, videoId);
      const { rows } = await tx.query<GrantRow>(
        `INSERT INTO grants (video_id, user_id, expires_at) VALUES ($1, $2, $3)
         ON CONFLICT (video_id, user_id) DO UPDATE SET expires_at = EXCLUDED.expires_at RETURNING *`,
        [videoId, userId, expiresAt],
      );
      const grant = toGrant(rows[0]!);
      if (video) await writeEvent(tx, 'grant.created', video, false, grant);
      return grant;
    });
  }

  async find(videoId: string, userId: string): Promise<Grant | null> {
    const { rows } = await this.sql.query<GrantRow>('SELECT * FROM grants WHERE video_id = $1 AND user_id = $2', [videoId, userId]);
    return rows[0] ? toGrant(rows[0]) : null;
  }

  async list(videoId: string): Promise<Grant[]> {
    const { rows } = await this.sql.query<GrantRow>('SELECT * FROM grants WHERE video_id = $1 ORDER BY created_at, user_id', [videoId]);
    return rows.map(toGrant);
  }

  /** Removes the grant and writes its `grant.revoked` event, in one transaction. */
  async remove(videoId: string, userId: string): Promise<boolean> {
    return this.sql.transaction(async (tx) => {
      const video = await lockVideo(tx, videoId);
      const { rows } = await tx.query<GrantRow>('DELETE FROM grants WHERE video_id = $1 AND user_id = $2 RETURNING *', [videoId, userId]);
      if (rows[0] && video) await writeEvent(tx, 'grant.revoked', video, false, toGrant(rows[0]));
      return rows.length > 0;
    });
  }
}

/** The video row, locked, so its events keep their sequence order. */
async function lockVideo(tx: Queryable, videoId: string): Promise<VideoRow | null> {
  const { rows } = await tx.query<VideoRow>('SELECT * FROM videos WHERE id = $1 FOR UPDATE', [videoId]);
  return rows[0] ?? null;
}
