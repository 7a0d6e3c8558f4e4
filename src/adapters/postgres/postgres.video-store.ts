import { Inject, Injectable } from '@nestjs/common';
import type { DownloadFile, Video, VideoStatus } from '../../domain/video';
import {
  type DetailsPatch,
  type NewVideo,
  type PipelineHealth,
  type ProbedDetails,
  type ReadyResult,
  type StatusChange,
  type VideoQuery,
  VideoStore,
} from '../../ports/video-store';
import { lockVideoRow, writeVideoEvents } from './outbox';
import type { Queryable, SqlClient } from './sql-client';
import { toVideo, type VideoRow } from './video-rows';

export const SQL_CLIENT = Symbol('SQL_CLIENT');

@Injectable()
export class PostgresVideoStore extends VideoStore {
  constructor(@Inject(SQL_CLIENT) private readonly sql: SqlClient) {
    super();
  }

  private async one(text: string, params: readonly unknown[]): Promise<Video | null> {
    const row = await firstRow(this.sql, text, params);
    return row ? toVideo(row) : null;
  }

  /**
   * One change of a video and the events it emits, in one transaction: the row is locked first,
   * so `before` is exactly what the change replaced. `text` returns the changed (or deleted) row.
   */
  private mutate(id: string, text: string, params: readonly unknown[], deletes = false): Promise<Video | null> {
    return this.sql.transaction(async (tx) => {
      const before = await lockVideoRow(tx, id);
      const changed = await firstRow(tx, text, params);
      if (!changed) return null;
      await writeVideoEvents(tx, before, deletes ? null : changed);
      return toVideo(changed);
    });
  }

  async insert(v: NewVideo): Promise<Video> {
    return this.sql.transaction(async (tx) => {
      const row = await firstRow(
        tx,
        `INSERT INTO videos (id, owner_id, title, status, access, content_type, size_bytes, filename,
                           upload_strategy, multipart_upload_id, part_size, part_count)
       VALUES ($1, $2, $3, 'awaiting_upload', $4, $5, $6, $7, $8, $9, $10, $11) RETURNING *`,
        [
          v.id,
          v.ownerId,
          v.title,
          v.access,
          v.contentType,
          v.sizeBytes,
          v.filename,
          v.uploadStrategy,
          v.multipartUploadId,
          v.partSize,
          v.partCount,
        ],
      );
      await writeVideoEvents(tx, null, row!);
      return toVideo(row!);
    });
  }

  findById(id: string): Promise<Video | null> {
    return this.one('SELECT * FROM videos WHERE id = $1', [id]);
  }

  async list(q: VideoQuery): Promise<Video[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const bind = (value: unknown) => `$${params.push(value)}`;
    if (q.ownerId !== undefined) where.push(`owner_id = ${bind(q.ownerId)}`);
    if (q.status !== undefined) where.push(`status = ${bind(q.status)}`);
    if (q.after) where.push(`(created_at, id) < (${bind(q.after.createdAt)}, ${bind(q.after.id)})`);
    const { rows } = await this.sql.query<VideoRow>(
      `SELECT * FROM videos ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY created_at DESC, id DESC LIMIT ${bind(q.limit)}`,
      params,
    );
    return rows.map(toVideo);
  }

  updateDetails(id: string, patch: DetailsPatch): Promise<Video | null> {
    // A window bound is written only when the patch names it ($n::boolean flags); null clears it.
    return this.mutate(
      id,
      `UPDATE videos SET title = COALESCE($2, title), access = COALESCE($3, access),
         available_from = CASE WHEN $4::boolean THEN $5 ELSE available_from END,
         available_until = CASE WHEN $6::boolean THEN $7 ELSE available_until END,
         downloadable = COALESCE($8, downloadable),
         download = CASE WHEN $8 = false THEN NULL ELSE download END,
         updated_at = now()
       WHERE id = $1 RETURNING *`,
      [
        id,
        patch.title ?? null,
        patch.access ?? null,
        'availableFrom' in patch,
        patch.availableFrom ?? null,
        'availableUntil' in patch,
        patch.availableUntil ?? null,
        patch.downloadable ?? null,
      ],
    );
  }

  transition(id: string, from: VideoStatus, to: VideoStatus, change: StatusChange = {}): Promise<Video | null> {
    // Each optional column is only written when the change names it ($n::boolean flags).
    return this.mutate(
      id,
      `UPDATE videos SET status = $3, updated_at = now(),
         multipart_upload_id = CASE WHEN $4::boolean THEN $5 ELSE multipart_upload_id END,
         error_code = CASE WHEN $6::boolean THEN $7 ELSE error_code END,
         error_message = CASE WHEN $6::boolean THEN $8 ELSE error_message END
       WHERE id = $1 AND status = $2 RETURNING *`,
      [
        id,
        from,
        to,
        'multipartUploadId' in change,
        change.multipartUploadId ?? null,
        'errorCode' in change,
        change.errorCode ?? null,
        change.errorMessage ?? null,
      ],
    );
  }

  replaceMultipartUpload(id: string, uploadId: string): Promise<Video | null> {
    return this.mutate(
      id,
      `UPDATE videos SET multipart_upload_id = $2, updated_at = now()
       WHERE id = $1 AND status = 'awaiting_upload' RETURNING *`,
      [id, uploadId],
    );
  }

  delete(id: string, onlyIf?: VideoStatus): Promise<Video | null> {
    return onlyIf
      ? this.mutate(id, 'DELETE FROM videos WHERE id = $1 AND status = $2 RETURNING *', [id, onlyIf], true)
      : this.mutate(id, 'DELETE FROM videos WHERE id = $1 RETURNING *', [id], true);
  }

  async findAwaitingUploadSince(before: Date, limit: number): Promise<Video[]> {
    const { rows } = await this.sql.query<VideoRow>(
      `SELECT * FROM videos WHERE status = 'awaiting_upload' AND created_at < $1
       ORDER BY created_at LIMIT $2`,
      [before, limit],
    );
    return rows.map(toVideo);
  }

  async claimForProcessing(id: string): Promise<Video | null> {
    return this.mutate(
      id,
      `UPDATE videos SET status = 'processing', progress = CASE WHEN status = 'queued' THEN 0 ELSE progress END,
         error_code = NULL, error_message = NULL, updated_at = now()
       WHERE id = $1 AND status IN ('queued', 'processing') RETURNING *`,
      [id],
    );
  }

  async setProgress(id: string, progress: number): Promise<void> {
    await this.sql.query(
      `UPDATE videos SET progress = GREATEST(COALESCE(progress, 0), $2), updated_at = now() WHERE id = $1 AND status = 'processing'`,
      [id, Math.max(0, Math.min(100, Math.round(progress)))],
    );
  }

  startPreview(id: string, version: string, p: ProbedDetails): Promise<Video | null> {
    return this.mutate(
      id,
      `UPDATE videos SET preview_version = COALESCE(preview_version, $2), duration_seconds = $3, width = $4, height = $5,
         updated_at = now()
       WHERE id = $1 AND status = 'processing' RETURNING *`,
      [id, version, p.durationSeconds, p.width, p.height],
    );
  }

  startLadder(id: string, version: string): Promise<Video | null> {
    return this.mutate(
      id,
      `UPDATE videos SET ladder_version = COALESCE(ladder_version, $2), updated_at = now()
       WHERE id = $1 AND status = 'processing' RETURNING *`,
      [id, version],
    );
  }

  markPlayable(id: string, previewVersion: string, via: 'source' | 'preview'): Promise<Video | null> {
    return this.mutate(
      id,
      `UPDATE videos SET playable_via = CASE WHEN playable_at IS NULL THEN $3 ELSE playable_via END,
         playable_at = COALESCE(playable_at, now()), updated_at = now()
       WHERE id = $1 AND status = 'processing' AND preview_version = $2 RETURNING *`,
      [id, previewVersion, via],
    );
  }

  recordSourceCheck(id: string, nonStandardReasons: readonly string[]): Promise<Video | null> {
    return this.mutate(
      id,
      `UPDATE videos SET non_standard_reasons = $2::text[], updated_at = now()
       WHERE id = $1 AND status = 'processing' RETURNING *`,
      [id, [...nonStandardReasons]],
    );
  }

  dropPreview(id: string, previewVersion: string): Promise<Video | null> {
    return this.mutate(
      id,
      `UPDATE videos SET preview_version = NULL, playable_at = NULL, playable_via = NULL, updated_at = now()
       WHERE id = $1 AND status = 'processing' AND preview_version = $2 RETURNING *`,
      [id, previewVersion],
    );
  }

  markReady(id: string, r: ReadyResult): Promise<Video | null> {
    return this.mutate(
      id,
      `UPDATE videos SET status = 'ready', progress = 100, error_code = NULL, error_message = NULL,
         duration_seconds = $2, width = $3, height = $4, renditions = $5::jsonb, hls_version = $6,
         source_etag = $7, ready_at = now(), playable_via = CASE WHEN playable_at IS NULL THEN 'ladder' ELSE playable_via END,
         playable_at = COALESCE(playable_at, now()), preview_version = NULL, ladder_version = NULL,
         storyboard = $8, captions_master = NULL, updated_at = now()
       WHERE id = $1 AND status = 'processing' RETURNING *`,
      [
        id,
        r.durationSeconds,
        r.width,
        r.height,
        JSON.stringify(r.renditions),
        r.hlsVersion,
        r.sourceEtag,
        r.storyboard,
      ],
    );
  }

  recordDownload(id: string, file: DownloadFile): Promise<Video | null> {
    return this.mutate(
      id,
      `UPDATE videos SET download = $3::jsonb, updated_at = now()
       WHERE id = $1 AND status = 'ready' AND hls_version = $2 AND downloadable RETURNING *`,
      [id, file.version, JSON.stringify(file)],
    );
  }

  async setUploadEtag(id: string, etag: string): Promise<void> {
    await this.sql.query(`UPDATE videos SET upload_etag = $2 WHERE id = $1 AND status = 'awaiting_upload'`, [id, etag]);
  }

  async tombstoneUpload(id: string, until: Date): Promise<void> {
    await this.sql.query(
      `INSERT INTO upload_tombstones (video_id, until) VALUES ($1, $2)
       ON CONFLICT (video_id) DO UPDATE SET until = GREATEST(upload_tombstones.until, EXCLUDED.until)`,
      [id, until],
    );
  }

  async uploadTombstones(now: Date, limit: number): Promise<Array<{ videoId: string; expired: boolean }>> {
    const { rows } = await this.sql.query<{ video_id: string; expired: boolean }>(
      'SELECT video_id, until < $1 AS expired FROM upload_tombstones ORDER BY until LIMIT $2',
      [now, limit],
    );
    return rows.map((r) => ({ videoId: r.video_id, expired: r.expired }));
  }

  async clearUploadTombstone(id: string): Promise<void> {
    await this.sql.query('DELETE FROM upload_tombstones WHERE video_id = $1', [id]);
  }

  async retireVersions(id: string, versions: readonly string[], after: Date): Promise<void> {
    if (versions.length === 0) return;
    await this.sql.query(
      `INSERT INTO retiring_versions (video_id, version, delete_after)
       SELECT $1, v, $3 FROM unnest($2::text[]) AS v WHERE EXISTS (SELECT 1 FROM videos WHERE id = $1)
       ON CONFLICT (video_id, version) DO UPDATE SET delete_after = GREATEST(retiring_versions.delete_after, EXCLUDED.delete_after)`,
      [id, [...versions], after],
    );
  }

  async dueRetiredVersions(now: Date, limit: number): Promise<Array<{ videoId: string; versions: string[] }>> {
    const { rows } = await this.sql.query<{ video_id: string; versions: string[] }>(
      `SELECT video_id, array_agg(version ORDER BY version) AS versions FROM retiring_versions
       WHERE delete_after <= $1 GROUP BY video_id ORDER BY min(delete_after) LIMIT $2`,
      [now, limit],
    );
    return rows.map((r) => ({ videoId: r.video_id, versions: r.versions }));
  }

  async forgetRetiredVersions(id: string, versions: readonly string[]): Promise<void> {
    await this.sql.query('DELETE FROM retiring_versions WHERE video_id = $1 AND version = ANY($2::text[])', [
      id,
      [...versions],
    ]);
  }

  async setCaptionsMaster(id: string, version: string, revision: number, master: string | null): Promise<boolean> {
    const { rows } = await this.sql.query(
      `UPDATE videos SET captions_master = $4 WHERE id = $1 AND status = 'ready' AND hls_version = $2 AND captions_revision = $3 RETURNING id`,
      [id, version, revision, master],
    );
    return rows.length > 0;
  }

  markFailed(id: string, code: string, message: string): Promise<Video | null> {
    return this.mutate(
      id,
      `UPDATE videos SET status = 'failed', error_code = $2, error_message = $3, preview_version = NULL, ladder_version = NULL, playable_at = NULL, playable_via = NULL,
         updated_at = now()
       WHERE id = $1 AND status IN ('queued', 'processing') RETURNING *`,
      [id, code, message],
    );
  }

  async findInFlightSince(before: Date, limit: number): Promise<Video[]> {
    const { rows } = await this.sql.query<VideoRow>(
      `SELECT * FROM videos WHERE status IN ('queued', 'processing') AND updated_at < $1
       ORDER BY updated_at LIMIT $2`,
      [before, limit],
    );
    return rows.map(toVideo);
  }

  async pipelineHealth(failedSince: Date): Promise<PipelineHealth> {
    const { rows } = await this.sql.query<{ oldest: Date | null; failed: string }>(
      `SELECT (SELECT min(updated_at) FROM videos WHERE status = 'queued') AS oldest,
              (SELECT count(*) FROM videos WHERE status = 'failed' AND updated_at >= $1) AS failed`,
      [failedSince],
    );
    return { oldestQueuedAt: rows[0]?.oldest ?? null, failed: Number(rows[0]?.failed ?? 0) };
  }

  async ping(): Promise<void> {
    await this.sql.query('SELECT 1');
  }
}

async function firstRow(q: Queryable, text: string, params: readonly unknown[]): Promise<VideoRow | null> {
  const { rows } = await q.query<VideoRow>(text, params);
  return rows[0] ?? null;
}
