import { Inject, Injectable } from '@nestjs/common';
import type { Grant } from '../../domain/playback';
import { GrantStore } from '../../ports/grant-store';
import { SQL_CLIENT } from './postgres.video-store';
import type { SqlClient } from './sql-client';

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

  async put(videoId: string, userId: string, expiresAt: Date | null): Promise<Grant> {
    const { rows } = await this.sql.query<GrantRow>(
      `INSERT INTO grants (video_id, user_id, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (video_id, user_id) DO UPDATE SET expires_at = EXCLUDED.expires_at RETURNING *`,
      [videoId, userId, expiresAt],
    );
    return toGrant(rows[0]!);
  }

  async find(videoId: string, userId: string): Promise<Grant | null> {
    const { rows } = await this.sql.query<GrantRow>('SELECT * FROM grants WHERE video_id = $1 AND user_id = $2', [videoId, userId]);
    return rows[0] ? toGrant(rows[0]) : null;
  }

  async list(videoId: string): Promise<Grant[]> {
    const { rows } = await this.sql.query<GrantRow>('SELECT * FROM grants WHERE video_id = $1 ORDER BY created_at, user_id', [videoId]);
    return rows.map(toGrant);
  }

  async remove(videoId: string, userId: string): Promise<boolean> {
    const { rows } = await this.sql.query('DELETE FROM grants WHERE video_id = $1 AND user_id = $2 RETURNING user_id', [videoId, userId]);
    return rows.length > 0;
  }
}
