import { Inject, Injectable } from '@nestjs/common';
import {
  CaptionStore,
  type CaptionInfo,
  type CaptionPut,
  type NewCaption,
  type StoredCaption,
} from '../../ports/caption-store';
import { SQL_CLIENT } from './postgres.video-store';
import type { SqlClient } from './sql-client';

interface CaptionRow {
  video_id: string;
  lang: string;
  label: string;
  is_default: boolean;
  cue_count: number;
  created_at: Date;
  updated_at: Date;
  digest?: string;
}

const toInfo = (r: CaptionRow): CaptionInfo => ({
  videoId: r.video_id,
  lang: r.lang,
  label: r.label,
  isDefault: r.is_default,
  cueCount: r.cue_count,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const INFO_COLUMNS = 'video_id, lang, label, is_default, cue_count, created_at, updated_at';

@Injectable()
export class PostgresCaptionStore extends CaptionStore {
  constructor(@Inject(SQL_CLIENT) private readonly sql: SqlClient) {
    super();
  }

  put(videoId: string, c: NewCaption, maxLanguages: number): Promise<CaptionPut> {
    return this.sql.transaction(async (tx) => {
      // The video row locked first: changes to one video's captions queue up, and the count below
      // cannot be passed by two additions at once.
      await tx.query('SELECT id FROM videos WHERE id = $1 FOR UPDATE', [videoId]);
      const others = await tx.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM captions WHERE video_id = $1 AND lang <> $2',
        [videoId, c.lang],
      );
      if (others.rows[0]!.n >= maxLanguages) return { tooMany: true as const };
      await tx.query('UPDATE videos SET captions_revision = captions_revision + 1 WHERE id = $1', [videoId]);
      if (c.isDefault)
        await tx.query('UPDATE captions SET is_default = false WHERE video_id = $1 AND lang <> $2', [videoId, c.lang]);
      const { rows } = await tx.query<CaptionRow & { created: boolean }>(
        `INSERT INTO captions (video_id, lang, label, is_default, vtt, digest, cue_count) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (video_id, lang) DO UPDATE SET label = EXCLUDED.label, is_default = EXCLUDED.is_default, vtt = EXCLUDED.vtt,
           digest = EXCLUDED.digest, cue_count = EXCLUDED.cue_count, updated_at = now()
         RETURNING ${INFO_COLUMNS}, (xmax = 0) AS created`,
        [videoId, c.lang, c.label, c.isDefault, c.vtt, c.digest, c.cueCount],
      );
      return { caption: toInfo(rows[0]!), created: rows[0]!.created };
    });
  }

  async list(videoId: string): Promise<CaptionInfo[]> {
    const { rows } = await this.sql.query<CaptionRow>(
      `SELECT ${INFO_COLUMNS} FROM captions WHERE video_id = $1 ORDER BY lang`,
      [videoId],
    );
    return rows.map(toInfo);
  }

  remove(videoId: string, lang: string): Promise<boolean> {
    return this.sql.transaction(async (tx) => {
      const { rows } = await tx.query('DELETE FROM captions WHERE video_id = $1 AND lang = $2 RETURNING lang', [
        videoId,
        lang,
      ]);
      // Only a removal is a change: asking to remove what is not there leaves the revision alone.
      if (rows.length > 0)
        await tx.query('UPDATE videos SET captions_revision = captions_revision + 1 WHERE id = $1', [videoId]);
      return rows.length > 0;
    });
  }

  snapshot(videoId: string): Promise<{ revision: number; captions: StoredCaption[] } | null> {
    // One transaction: the revision and the rows it counts are read together.
    return this.sql.transaction(async (tx) => {
      const video = await tx.query<{ captions_revision: number }>(
        'SELECT captions_revision FROM videos WHERE id = $1 FOR SHARE',
        [videoId],
      );
      if (!video.rows[0]) return null;
      const { rows } = await tx.query<CaptionRow>(
        `SELECT ${INFO_COLUMNS}, digest FROM captions WHERE video_id = $1 ORDER BY lang`,
        [videoId],
      );
      return {
        revision: video.rows[0].captions_revision,
        captions: rows.map((r) => ({ ...toInfo(r), digest: r.digest! })),
      };
    });
  }

  async vtts(videoId: string, langs: readonly string[]): Promise<Map<string, string>> {
    if (langs.length === 0) return new Map();
    const { rows } = await this.sql.query<{ lang: string; vtt: string }>(
      'SELECT lang, vtt FROM captions WHERE video_id = $1 AND lang = ANY($2::text[])',
      [videoId, [...langs]],
    );
    return new Map(rows.map((r) => [r.lang, r.vtt]));
  }
}
