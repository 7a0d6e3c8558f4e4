import { Inject, Injectable } from '@nestjs/common';
import { CollectionStore, type Collection, type CollectionGrant } from '../../ports/collection-store';
import { SQL_CLIENT } from './postgres.video-store';
import type { SqlClient } from './sql-client';

interface CollectionRow {
  id: string;
  owner_id: string;
  title: string;
  description: string | null;
  created_at: Date;
  updated_at: Date;
}

interface GrantRow {
  collection_id: string;
  user_id: string;
  expires_at: Date | null;
  created_at: Date;
  download: boolean;
}

const toCollection = (r: CollectionRow): Collection => ({
  id: r.id,
  ownerId: r.owner_id,
  title: r.title,
  description: r.description,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});
const toGrant = (r: GrantRow): CollectionGrant => ({
  collectionId: r.collection_id,
  userId: r.user_id,
  expiresAt: r.expires_at,
  createdAt: r.created_at,
  download: r.download,
});

@Injectable()
export class PostgresCollectionStore extends CollectionStore {
  constructor(@Inject(SQL_CLIENT) private readonly sql: SqlClient) {
    super();
  }

  async create(c: { id: string; ownerId: string; title: string; description: string | null }): Promise<Collection> {
    const { rows } = await this.sql.query<CollectionRow>(
      'INSERT INTO collections (id, owner_id, title, description) VALUES ($1, $2, $3, $4) RETURNING *',
      [c.id, c.ownerId, c.title, c.description],
    );
    return toCollection(rows[0]!);
  }

  async find(id: string): Promise<Collection | null> {
    const { rows } = await this.sql.query<CollectionRow>('SELECT * FROM collections WHERE id = $1', [id]);
    return rows[0] ? toCollection(rows[0]) : null;
  }

  async list(ownerId: string): Promise<Collection[]> {
    const { rows } = await this.sql.query<CollectionRow>(
      'SELECT * FROM collections WHERE owner_id = $1 ORDER BY created_at, id',
      [ownerId],
    );
    return rows.map(toCollection);
  }

  async update(id: string, patch: { title?: string; description?: string | null }): Promise<Collection | null> {
    const { rows } = await this.sql.query<CollectionRow>(
      `UPDATE collections SET title = COALESCE($2, title), description = CASE WHEN $3::boolean THEN $4 ELSE description END, updated_at = now()
       WHERE id = $1 RETURNING *`,
      [id, patch.title ?? null, patch.description !== undefined, patch.description ?? null],
    );
    return rows[0] ? toCollection(rows[0]) : null;
  }

  async delete(id: string): Promise<boolean> {
    const { rows } = await this.sql.query('DELETE FROM collections WHERE id = $1 RETURNING id', [id]);
    return rows.length > 0;
  }

  async items(id: string): Promise<Array<{ videoId: string; position: number }>> {
    const { rows } = await this.sql.query<{ video_id: string; position: number }>(
      'SELECT video_id, position FROM collection_items WHERE collection_id = $1 AND removed_at IS NULL ORDER BY position, added_at, video_id',
      [id],
    );
    return rows.map((r) => ({ videoId: r.video_id, position: r.position }));
  }

  async putItem(
    id: string,
    videoId: string,
    position: number | undefined,
  ): Promise<{ videoId: string; position: number }> {
    const { rows } = await this.sql.query<{ video_id: string; position: number }>(
      `INSERT INTO collection_items (collection_id, video_id, position)
       VALUES ($1, $2, COALESCE($3, (SELECT COALESCE(MAX(position), 0) + 1 FROM collection_items WHERE collection_id = $1 AND removed_at IS NULL)))
       ON CONFLICT (collection_id, video_id) DO UPDATE SET position = COALESCE($3, CASE WHEN collection_items.removed_at IS NULL THEN collection_items.position ELSE EXCLUDED.position END),
         removed_at = NULL
       RETURNING video_id, position`,
      [id, videoId, position ?? null],
    );
    return { videoId: rows[0]!.video_id, position: rows[0]!.position };
  }

  async removeItem(id: string, videoId: string): Promise<boolean> {
    const { rows } = await this.sql.query(
      'UPDATE collection_items SET removed_at = now() WHERE collection_id = $1 AND video_id = $2 AND removed_at IS NULL RETURNING video_id',
      [id, videoId],
    );
    return rows.length > 0;
  }

  async putGrant(
    id: string,
    userId: string,
    terms: { expiresAt: Date | null; download: boolean },
  ): Promise<CollectionGrant> {
    const { rows } = await this.sql.query<GrantRow>(
      `INSERT INTO collection_grants (collection_id, user_id, expires_at, download) VALUES ($1, $2, $3, $4)
       ON CONFLICT (collection_id, user_id) DO UPDATE SET expires_at = EXCLUDED.expires_at, download = EXCLUDED.download RETURNING *`,
      [id, userId, terms.expiresAt, terms.download],
    );
    return toGrant(rows[0]!);
  }

  async removeGrant(id: string, userId: string): Promise<boolean> {
    const { rows } = await this.sql.query(
      'DELETE FROM collection_grants WHERE collection_id = $1 AND user_id = $2 RETURNING user_id',
      [id, userId],
    );
    return rows.length > 0;
  }

  async listGrants(id: string): Promise<CollectionGrant[]> {
    const { rows } = await this.sql.query<GrantRow>(
      'SELECT * FROM collection_grants WHERE collection_id = $1 ORDER BY created_at, user_id',
      [id],
    );
    return rows.map(toGrant);
  }
}
