import { Inject, Injectable } from '@nestjs/common';
import {
  AnalyticsStore,
  type DailyViews,
  type ViewerCursor,
  type ViewerProgress,
  type ViewerRow,
} from '../../ports/analytics-store';
import { parseMultirange, type ViewFacts } from '../../domain/view-analytics';
import { creditFresh, eventKey, eventSums, type ViewBatch } from '../../domain/beacon-rollup';
import type { ViewClaims } from '../../domain/view-token';
import type { Interval } from '../../domain/watched-intervals';
import { SQL_CLIENT } from './postgres.video-store';
import type { SqlClient } from './sql-client';

const PARTITION_NAME = /^playback_events_(\d{8})$/;
// PostgreSQL's "no partition of relation found for row".
const NO_PARTITION = '23514';
const DEADLOCK = '40P01';
const ATTEMPTS = 3;
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

  async record(batches: readonly ViewBatch[]): Promise<number[]> {
    const days = [...new Set(batches.map((b) => viewDay(b.view)))];
    for (let attempt = 1; ; attempt++) {
      for (const day of days) await this.ensurePartition(day);
      try {
        return await this.recordIn(batches);
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (attempt >= ATTEMPTS || (code !== NO_PARTITION && code !== DEADLOCK)) throw error;
        // A day's partition was dropped by another process (retention) since this one saw it.
        if (code === NO_PARTITION) for (const day of days) this.partitions.delete(day);
      }
    }
  }

  /**
   * The whole write as one statement (atomic without a transaction, one round trip whatever its
   * size): the events inserted once per (view, seq); from those that were new, each view's sums
   * upserted onto its row, then each viewer's progress and each day's rollup from the views'
   * rows as they now are. Rows are taken in key order, so two writers touching the same rows wait
   * rather than deadlock (one that happens anyway is retried whole).
   */
  private async recordIn(batches: readonly ViewBatch[]): Promise<number[]> {
    const events = batches
      .flatMap((b) => b.events.map((event) => ({ b, event, sums: eventSums(b.view, event) })))
      .sort((x, y) =>
        x.b.view.viewId === y.b.view.viewId ? x.event.seq - y.event.seq : x.b.view.viewId < y.b.view.viewId ? -1 : 1,
      );
    const views = [...new Map(batches.map((b) => [b.view.viewId, b.view])).values()];
    const { rows } = await this.sql.query<{ view_id: string; seq: number }>(
      RECORD,
      [
        events.map((e) => e.b.view.viewId),
        events.map((e) => e.event.seq),
        events.map((e) => viewDay(e.b.view)),
        events.map((e) => e.b.receivedAt),
        events.map((e) => JSON.stringify(e.event)),
        events.map((e) => multirange(e.sums.watched)),
        events.map((e) => e.sums.playedSeconds),
        events.map((e) => e.event.positionSeconds),
        events.map((e) => e.event.rendition ?? null),
        events.map((e) => e.event.startupMs ?? null),
        events.map((e) => e.event.rebufferCount ?? 0),
        events.map((e) => Math.round(e.event.rebufferMs ?? 0)),
        events.map((e) => (e.sums.error ? 1 : 0)),
        views.map((v) => v.viewId),
        views.map((v) => v.videoId),
        views.map((v) => v.viewerId),
        views.map((v) => new Date(v.startedAtEpoch * 1000)),
      ],
      'velvet_record_playback_events',
    );
    return creditFresh(batches, new Set(rows.map((r) => eventKey(r.view_id, r.seq))));
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

/** The day a view's raw events are filed under: its start's, from its token (UTC). */
const viewDay = (view: ViewClaims) => new Date(view.startedAtEpoch * 1000).toISOString().slice(0, 10);

// $1–$13: one row per event of the write, sorted by (view, seq); $14–$17: one per view.
// `fresh` are the events stored for the first time; a view's position and rendition are its
// highest new seq's, and move only past the seq it had. A data-modifying WITH runs whole even
// where the final SELECT does not read it. `xmax = 0` tells a row this statement inserted from
// one it updated (PostgreSQL's upsert idiom): the views counted are the new ones.
const RECORD = `
WITH e AS (
  SELECT * FROM unnest($1::text[], $2::int[], $3::date[], $4::timestamptz[], $5::jsonb[], $6::nummultirange[],
                       $7::float8[], $8::float8[], $9::text[], $10::int[], $11::int[], $12::bigint[], $13::int[])
    AS e(view_id, seq, started_on, received_at, event, watched, played, position, rendition, startup,
         rebuffer_count, rebuffer_ms, error)
), fresh AS (
  INSERT INTO playback_events (started_on, view_id, seq, received_at, event)
  SELECT started_on, view_id, seq, received_at, event FROM e
  ON CONFLICT DO NOTHING RETURNING view_id, seq
), d AS (
  SELECT n.view_id, range_agg(n.watched) AS watched, sum(n.played) AS played, max(n.seq) AS last_seq,
         (array_agg(n.position ORDER BY n.seq DESC))[1] AS position,
         (array_agg(n.rendition ORDER BY n.seq DESC) FILTER (WHERE n.rendition IS NOT NULL))[1] AS rendition,
         (array_agg(n.startup ORDER BY n.seq) FILTER (WHERE n.startup IS NOT NULL))[1] AS startup,
         sum(n.rebuffer_count) AS rebuffer_count, sum(n.rebuffer_ms) AS rebuffer_ms, sum(n.error) AS errors,
         max(n.received_at) AS seen_at
    FROM (SELECT DISTINCT ON (view_id, seq) e.* FROM e JOIN fresh USING (view_id, seq)) AS n
   GROUP BY n.view_id
), views AS (
  INSERT INTO playback_views AS v (view_id, video_id, viewer_id, started_on, started_at, last_seen_at, last_seq,
                                   position_seconds, watched, watch_seconds, startup_ms, rebuffer_count, rebuffer_ms,
                                   errors, rendition)
  SELECT d.view_id, w.video_id, w.viewer_id, (w.started_at AT TIME ZONE 'UTC')::date, w.started_at, d.seen_at,
         d.last_seq, d.position, d.watched, d.played, d.startup, d.rebuffer_count, d.rebuffer_ms, d.errors, d.rendition
    FROM d JOIN unnest($14::text[], $15::text[], $16::text[], $17::timestamptz[])
                  AS w(view_id, video_id, viewer_id, started_at) USING (view_id)
   ORDER BY d.view_id
  ON CONFLICT (view_id) DO UPDATE SET
    watched = v.watched + excluded.watched,
    watch_seconds = v.watch_seconds + excluded.watch_seconds,
    position_seconds = CASE WHEN excluded.last_seq > v.last_seq THEN excluded.position_seconds ELSE v.position_seconds END,
    rendition = CASE WHEN excluded.last_seq > v.last_seq THEN coalesce(excluded.rendition, v.rendition)
                     ELSE coalesce(v.rendition, excluded.rendition) END,
    last_seq = greatest(v.last_seq, excluded.last_seq),
    startup_ms = coalesce(v.startup_ms, excluded.startup_ms),
    rebuffer_count = v.rebuffer_count + excluded.rebuffer_count,
    rebuffer_ms = v.rebuffer_ms + excluded.rebuffer_ms,
    errors = v.errors + excluded.errors,
    last_seen_at = greatest(v.last_seen_at, excluded.last_seen_at)
  RETURNING v.view_id, v.video_id, v.viewer_id, v.position_seconds, v.last_seq, xmax = 0 AS created
), r AS (
  SELECT views.view_id, views.video_id, views.viewer_id, views.created, d.watched, d.played, d.position, d.seen_at,
         views.position_seconds = d.position AND views.last_seq = d.last_seq AS moved
    FROM views JOIN d USING (view_id)
), progress AS (
  INSERT INTO viewer_progress AS p
    (video_id, viewer_id, views, watched, watch_seconds, position_seconds, position_at, last_seen_at)
  SELECT video_id, viewer_id, count(*) FILTER (WHERE created), range_agg(watched), sum(played),
         (array_agg(position ORDER BY moved DESC, seen_at DESC))[1],
         coalesce(max(seen_at) FILTER (WHERE moved), '-infinity'), max(seen_at)
    FROM r WHERE viewer_id IS NOT NULL
   GROUP BY video_id, viewer_id ORDER BY video_id, viewer_id
  ON CONFLICT (video_id, viewer_id) DO UPDATE SET
    views = p.views + excluded.views,
    watched = p.watched + excluded.watched,
    watch_seconds = p.watch_seconds + excluded.watch_seconds,
    -- The position follows the view whose beacon moved it last.
    position_seconds = CASE WHEN excluded.position_at > '-infinity' AND excluded.position_at >= p.position_at
                            THEN excluded.position_seconds ELSE p.position_seconds END,
    position_at = greatest(p.position_at, excluded.position_at),
    last_seen_at = greatest(p.last_seen_at, excluded.last_seen_at)
), daily AS (
  INSERT INTO video_daily_views AS dv (video_id, day, views, watch_seconds)
  SELECT video_id, (seen_at AT TIME ZONE 'UTC')::date, count(*) FILTER (WHERE created), sum(played)
    FROM r GROUP BY 1, 2 ORDER BY 1, 2
  ON CONFLICT (video_id, day) DO UPDATE SET
    views = dv.views + excluded.views, watch_seconds = dv.watch_seconds + excluded.watch_seconds
)
SELECT view_id, seq FROM fresh`;
