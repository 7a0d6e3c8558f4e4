import { Inject, Injectable } from '@nestjs/common';
import {
  AnalyticsStore,
  type DailyViews,
  type PlaybackEvent,
  type ViewerCursor,
  type ViewerProgress,
  type ViewerRow,
} from '../../ports/analytics-store';
import { parseMultirange, type ViewFacts } from '../../domain/view-analytics';
import type { ViewClaims } from '../../domain/view-token';
import { mergeIntervals, playedSeconds, type Interval } from '../../domain/watched-intervals';
import { SQL_CLIENT } from './postgres.video-store';
import type { Queryable, SqlClient } from './sql-client';

const PARTITION_NAME = /^playback_events_(\d{8})$/;
// PostgreSQL's "no partition of relation found for row".
const NO_PARTITION = '23514';
// Serializes the creation of a day's partition across processes (any constant, shared by all).
const PARTITION_LOCK = 727_015;

/**
 * Views, their raw events (partitioned by the view's day), each viewer's progress and the daily
 * rollups, all updated in one transaction per batch from the events that were new: a replayed
 * batch inserts no event, hence adds nothing anywhere.
 */
@Injectable()
export class PostgresAnalyticsStore extends AnalyticsStore {
  /** Days whose partition this process created or found. */
  private readonly partitions = new Set<string>();

  constructor(@Inject(SQL_CLIENT) private readonly sql: SqlClient) {
    super();
  }

  async record(view: ViewClaims, events: readonly PlaybackEvent[], receivedAt: Date): Promise<number> {
    const day = new Date(view.startedAtEpoch * 1000).toISOString().slice(0, 10);
    await this.ensurePartition(day);
    try {
      return await this.recordIn(day, view, events, receivedAt);
    } catch (error) {
      // The day's partition was dropped by another process (retention) since this one saw it.
      if ((error as { code?: string }).code !== NO_PARTITION) throw error;
      this.partitions.delete(day);
      await this.ensurePartition(day);
      return this.recordIn(day, view, events, receivedAt);
    }
  }

  private recordIn(day: string, view: ViewClaims, events: readonly PlaybackEvent[], receivedAt: Date): Promise<number> {
    const startedAt = new Date(view.startedAtEpoch * 1000);
    return this.sql.transaction(async (tx) => {
      const created = await tx.query(
        `INSERT INTO playback_views (view_id, video_id, viewer_id, started_on, started_at, last_seen_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (view_id) DO NOTHING RETURNING view_id`,
        [view.viewId, view.videoId, view.viewerId, day, startedAt, receivedAt],
      );
      const inserted = await tx.query<{ seq: number }>(
        `INSERT INTO playback_events (started_on, view_id, seq, received_at, event)
         SELECT $1, $2, e.seq, $3, e.event
           FROM unnest($4::int[], $5::jsonb[]) AS e(seq, event)
         ON CONFLICT DO NOTHING RETURNING seq`,
        [day, view.viewId, receivedAt, events.map((e) => e.seq), events.map((e) => JSON.stringify(e))],
      );
      const fresh = new Set(inserted.rows.map((r) => r.seq));
      const applied = events.filter((e) => fresh.has(e.seq)).sort((a, b) => a.seq - b.seq);
      if (applied.length === 0) return 0;
      await this.apply(tx, view, applied, created.rows.length > 0, receivedAt);
      return applied.length;
    });
  }

  async progress(videoId: string, viewerId: string): Promise<ViewerProgress | null> {
    const { rows } = await this.sql.query<ProgressRow>(
      `SELECT ${PROGRESS_COLUMNS} FROM viewer_progress WHERE video_id = $1 AND viewer_id = $2`,
      [videoId, viewerId],
    );
    return rows[0] ? toProgress(rows[0]) : null;
  }

  async progressOf(videoIds: readonly string[], viewerId: string): Promise<Map<string, ViewerProgress>> {
    const { rows } = await this.sql.query<ProgressRow & { video_id: string }>(
      `SELECT video_id, ${PROGRESS_COLUMNS} FROM viewer_progress WHERE video_id = ANY($1::text[]) AND viewer_id = $2`,
      [videoIds, viewerId],
    );
    return new Map(rows.map((r) => [r.video_id, toProgress(r)]));
  }

  async views(videoId: string, from: Date, to: Date): Promise<ViewFacts[]> {
    const { rows } = await this.sql.query<{
      viewer_id: string | null;
      watched: string;
      watch_seconds: number;
      startup_ms: number | null;
      rebuffer_ms: string;
      errors: number;
    }>(
      `SELECT viewer_id, watched::text AS watched, watch_seconds, startup_ms, rebuffer_ms, errors
         FROM playback_views WHERE video_id = $1 AND started_at >= $2 AND started_at < $3`,
      [videoId, from, to],
    );
    return rows.map((r) => ({
      viewerId: r.viewer_id,
      watched: parseMultirange(r.watched),
      watchSeconds: r.watch_seconds,
      startupMs: r.startup_ms,
      rebufferMs: Number(r.rebuffer_ms),
      errors: r.errors,
    }));
  }

  async days(videoId: string, from: Date, to: Date): Promise<DailyViews[]> {
    const { rows } = await this.sql.query<{ day: string; views: number; watch_seconds: number }>(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, views, watch_seconds FROM video_daily_views
        WHERE video_id = $1 AND day >= $2::date AND day < $3::date ORDER BY day`,
      [videoId, from.toISOString().slice(0, 10), to.toISOString().slice(0, 10)],
    );
    return rows.map((r) => ({ date: r.day, views: r.views, watchSeconds: r.watch_seconds }));
  }

  async viewers(videoId: string, limit: number, after?: ViewerCursor): Promise<ViewerRow[]> {
    const { rows } = await this.sql.query<ProgressRow & { viewer_id: string }>(
      `SELECT viewer_id, ${PROGRESS_COLUMNS} FROM viewer_progress
        WHERE video_id = $1 AND ($2::timestamptz IS NULL OR (last_seen_at, viewer_id) < ($2, $3))
        ORDER BY last_seen_at DESC, viewer_id DESC LIMIT $4`,
      [videoId, after?.lastSeenAt ?? null, after?.viewerId ?? null, limit],
    );
    return rows.map((r) => ({ viewerId: r.viewer_id, ...toProgress(r) }));
  }

  async eraseViewer(viewerId: string): Promise<number> {
    return this.sql.transaction(async (tx) => {
      await tx.query(
        `DELETE FROM playback_events e USING playback_views v
          WHERE v.viewer_id = $1 AND e.view_id = v.view_id AND e.started_on = v.started_on`,
        [viewerId],
      );
      const views = await tx.query('DELETE FROM playback_views WHERE viewer_id = $1 RETURNING view_id', [viewerId]);
      await tx.query('DELETE FROM viewer_progress WHERE viewer_id = $1', [viewerId]);
      return views.rows.length;
    });
  }

  async dropEventsBefore(day: string): Promise<string[]> {
    const { rows } = await this.sql.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i
         JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
        WHERE p.relname = 'playback_events'`,
    );
    const cutoff = day.replaceAll('-', '');
    const dropped: string[] = [];
    for (const { name } of rows) {
      const match = PARTITION_NAME.exec(name);
      if (!match || match[1]! >= cutoff) continue;
      // The name is one this store made (matched above): safe to put in the statement.
      await this.sql.exec(`DROP TABLE IF EXISTS ${name}`);
      const dropDay = `${match[1]!.slice(0, 4)}-${match[1]!.slice(4, 6)}-${match[1]!.slice(6)}`;
      this.partitions.delete(dropDay);
      dropped.push(dropDay);
    }
    return dropped.sort();
  }

  /** The new events' sums onto the view, the viewer's progress and the day's rollup. */
  private async apply(
    tx: Queryable,
    view: ViewClaims,
    events: readonly PlaybackEvent[],
    newView: boolean,
    receivedAt: Date,
  ): Promise<void> {
    const stretches = events.flatMap((e) => e.intervals);
    const watched = multirange(mergeIntervals(stretches, view.durationSeconds));
    const played = playedSeconds(stretches);
    const last = events.at(-1)!;
    const startup = events.find((e) => e.startupMs !== undefined)?.startupMs ?? null;
    const rendition = [...events].reverse().find((e) => e.rendition !== undefined)?.rendition ?? null;
    const sum = (pick: (e: PlaybackEvent) => number | undefined) => events.reduce((n, e) => n + (pick(e) ?? 0), 0);
    const updated = await tx.query<{ moved: boolean }>(
      `UPDATE playback_views SET
         watched = watched + $2::nummultirange,
         watch_seconds = watch_seconds + $3,
         position_seconds = CASE WHEN $4 > last_seq THEN $5 ELSE position_seconds END,
         rendition = CASE WHEN $4 > last_seq THEN coalesce($6, rendition) ELSE coalesce(rendition, $6) END,
         last_seq = greatest(last_seq, $4),
         startup_ms = coalesce(startup_ms, $7),
         rebuffer_count = rebuffer_count + $8,
         rebuffer_ms = rebuffer_ms + $9,
         errors = errors + $10,
         last_seen_at = greatest(last_seen_at, $11)
       WHERE view_id = $1
       RETURNING position_seconds = $5 AND last_seq = $4 AS moved`,
      [
        view.viewId,
        watched,
        played,
        last.seq,
        last.positionSeconds,
        rendition,
        startup,
        sum((e) => e.rebufferCount),
        Math.round(sum((e) => e.rebufferMs)),
        events.filter((e) => e.type === 'error').length,
        receivedAt,
      ],
    );
    if (view.viewerId) {
      // The position follows the view whose beacon moved it last.
      const moved = updated.rows[0]?.moved ?? false;
      await tx.query(
        `INSERT INTO viewer_progress AS p
           (video_id, viewer_id, views, watched, watch_seconds, position_seconds, position_at, last_seen_at)
         VALUES ($1, $2, $3, $4::nummultirange, $5, $6, CASE WHEN $7 THEN $8::timestamptz ELSE '-infinity' END, $8)
         ON CONFLICT (video_id, viewer_id) DO UPDATE SET
           views = p.views + excluded.views,
           watched = p.watched + excluded.watched,
           watch_seconds = p.watch_seconds + excluded.watch_seconds,
           position_seconds = CASE WHEN $7 AND $8 >= p.position_at THEN excluded.position_seconds ELSE p.position_seconds END,
           position_at = CASE WHEN $7 AND $8 >= p.position_at THEN $8 ELSE p.position_at END,
           last_seen_at = greatest(p.last_seen_at, excluded.last_seen_at)`,
        [view.videoId, view.viewerId, newView ? 1 : 0, watched, played, last.positionSeconds, moved, receivedAt],
      );
    }
    await tx.query(
      `INSERT INTO video_daily_views AS d (video_id, day, views, watch_seconds) VALUES ($1, $2, $3, $4)
       ON CONFLICT (video_id, day) DO UPDATE SET
         views = d.views + excluded.views, watch_seconds = d.watch_seconds + excluded.watch_seconds`,
      [view.videoId, receivedAt.toISOString().slice(0, 10), newView ? 1 : 0, played],
    );
  }

  /** The day's partition of raw events, created once (under a lock: two creators would collide). */
  private async ensurePartition(day: string): Promise<void> {
    if (this.partitions.has(day)) return;
    const name = `playback_events_${day.replaceAll('-', '')}`;
    await this.sql.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [PARTITION_LOCK]);
      const next = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
      // `day` is an ISO date made above, never client text: safe to put in the statement.
      await tx.exec(
        `CREATE TABLE IF NOT EXISTS ${name} PARTITION OF playback_events FOR VALUES FROM ('${day}') TO ('${next}')`,
      );
    });
    this.partitions.add(day);
  }
}

interface ProgressRow {
  position_seconds: number;
  covered: string;
  watch_seconds: number;
  views: number;
  last_seen_at: Date;
}

const PROGRESS_COLUMNS = `position_seconds, watch_seconds, views, last_seen_at,
  (SELECT coalesce(sum(upper(r) - lower(r)), 0) FROM unnest(watched) AS r) AS covered`;

const toProgress = (r: ProgressRow): ViewerProgress => ({
  positionSeconds: r.position_seconds,
  coveredSeconds: Number(r.covered),
  watchSeconds: r.watch_seconds,
  views: r.views,
  lastSeenAt: r.last_seen_at,
});

/** A multirange literal of merged stretches; numbers only, so nothing of a client is quoted. */
function multirange(intervals: readonly Interval[]): string {
  return `{${intervals.map(([start, end]) => `[${start.toFixed(3)},${end.toFixed(3)})`).join(',')}}`;
}
