import { Inject, Injectable } from '@nestjs/common';
import type { EntitlementFacts, Grant } from '../../domain/entitlement';
import { GrantStore, type GrantTerms } from '../../ports/grant-store';
import { lockVideoRow, writeEvent } from './outbox';
import { SQL_CLIENT } from './postgres.video-store';
import type { SqlClient } from './sql-client';

interface GrantRow {
  video_id: string;
  user_id: string;
  expires_at: Date | null;
  created_at: Date;
  kind: 'purchase' | 'rental';
  rental_seconds: number | null;
  start_by: Date | null;
  started_at: Date | null;
  download: boolean;
}

const toGrant = (r: GrantRow): Grant => ({
  videoId: r.video_id,
  userId: r.user_id,
  expiresAt: r.expires_at,
  createdAt: r.created_at,
  kind: r.kind,
  rentalSeconds: r.rental_seconds,
  startBy: r.start_by,
  startedAt: r.started_at,
  download: r.download,
});

@Injectable()
export class PostgresGrantStore extends GrantStore {
  constructor(@Inject(SQL_CLIENT) private readonly sql: SqlClient) {
    super();
  }

  /** The grant and its `grant.created` event, in one transaction. */
  async put(videoId: string, userId: string, terms: GrantTerms): Promise<Grant> {
    return this.sql.transaction(async (tx) => {
      const video = await lockVideoRow(tx, videoId);
      const { rows } = await tx.query<GrantRow>(
        `INSERT INTO grants (video_id, user_id, expires_at, kind, rental_seconds, start_by, download) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (video_id, user_id) DO UPDATE SET expires_at = EXCLUDED.expires_at, kind = EXCLUDED.kind,
           rental_seconds = EXCLUDED.rental_seconds, start_by = EXCLUDED.start_by, download = EXCLUDED.download,
           -- A rental's clock, once started, is never restarted by granting again.
           started_at = CASE WHEN EXCLUDED.kind = 'rental' THEN grants.started_at ELSE NULL END
         RETURNING *`,
        [
          videoId,
          userId,
          terms.expiresAt,
          terms.rental ? 'rental' : 'purchase',
          terms.rental?.seconds ?? null,
          terms.rental?.startBy ?? null,
          terms.download,
        ],
      );
      const grant = toGrant(rows[0]!);
      if (video) await writeEvent(tx, 'grant.created', video, false, grant);
      return grant;
    });
  }

  async find(videoId: string, userId: string): Promise<Grant | null> {
    const { rows } = await this.sql.query<GrantRow>('SELECT * FROM grants WHERE video_id = $1 AND user_id = $2', [
      videoId,
      userId,
    ]);
    return rows[0] ? toGrant(rows[0]) : null;
  }

  async list(videoId: string): Promise<Grant[]> {
    const { rows } = await this.sql.query<GrantRow>(
      'SELECT * FROM grants WHERE video_id = $1 ORDER BY created_at, user_id',
      [videoId],
    );
    return rows.map(toGrant);
  }

  /** Removes the grant and writes its `grant.revoked` event, in one transaction. */
  async remove(videoId: string, userId: string): Promise<boolean> {
    return this.sql.transaction(async (tx) => {
      const video = await lockVideoRow(tx, videoId);
      const { rows } = await tx.query<GrantRow>('DELETE FROM grants WHERE video_id = $1 AND user_id = $2 RETURNING *', [
        videoId,
        userId,
      ]);
      if (rows[0] && video) await writeEvent(tx, 'grant.revoked', video, false, toGrant(rows[0]));
      return rows.length > 0;
    });
  }

  async facts(videoId: string, userId: string): Promise<EntitlementFacts> {
    // One round trip: the video grant, and the collection grants covering the video — through a
    // current item, or a removed one if the grant was live when it was removed.
    const { rows } = await this.sql.query<GrantRow & { collection_id: string | null }>(
      `SELECT g.*, NULL::text AS collection_id FROM grants g WHERE g.video_id = $1 AND g.user_id = $2
       UNION ALL
       SELECT $1 AS video_id, cg.user_id, cg.expires_at, cg.created_at, 'purchase' AS kind, NULL::integer, NULL::timestamptz, NULL::timestamptz, cg.download, cg.collection_id
       FROM collection_grants cg JOIN collection_items ci ON ci.collection_id = cg.collection_id
       WHERE ci.video_id = $1 AND cg.user_id = $2
         AND (ci.removed_at IS NULL OR (cg.created_at <= ci.removed_at AND (cg.expires_at IS NULL OR cg.expires_at > ci.removed_at)))`,
      [videoId, userId],
    );
    const video = rows.find((r) => r.collection_id === null);
    return {
      videoGrant: video ? toGrant(video) : null,
      collectionGrants: rows
        .filter((r) => r.collection_id !== null)
        .map((r) => ({ collectionId: r.collection_id!, expiresAt: r.expires_at, download: r.download })),
    };
  }

  async startRental(videoId: string, userId: string, now: Date): Promise<Grant | null> {
    // Atomic: of two devices starting together, one sets started_at and both read the same value.
    const { rows } = await this.sql.query<GrantRow>(
      `UPDATE grants SET started_at = COALESCE(started_at, $3) WHERE video_id = $1 AND user_id = $2 AND kind = 'rental' RETURNING *`,
      [videoId, userId, now],
    );
    return rows[0] ? toGrant(rows[0]) : null;
  }
}
