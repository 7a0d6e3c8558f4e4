import type { ViewBatch } from '../domain/beacon-rollup';
import type { ViewFacts } from '../domain/view-analytics';

export { PLAYBACK_EVENT_TYPES, type PlaybackEvent, type PlaybackEventType } from '../domain/playback-event';

/** A viewer's progress through one video, over all their views. */
export interface ViewerProgress {
  readonly positionSeconds: number;
  /** Seconds of the timeline watched, each once. */
  readonly coveredSeconds: number;
  readonly watchSeconds: number;
  readonly views: number;
  readonly lastSeenAt: Date;
}

/**
 * Viewing analytics, the system of record (PostgreSQL; an event store such as ClickHouse could
 * take its place past one database, docs/analytics.md). Recording is idempotent per (view,
 * sequence number): a beacon sent twice, or replayed, changes nothing the second time.
 */
export abstract class AnalyticsStore {
  /**
   * Records batches of views' events in one write (several views, several batches of one view);
   * returns how many events of each batch were new. An event sent twice counts for the first
   * batch carrying it.
   */
  abstract record(batches: readonly ViewBatch[]): Promise<number[]>;

  /** The viewer's progress through the video; null when they never watched it. */
  abstract progress(videoId: string, viewerId: string): Promise<ViewerProgress | null>;

  /** The viewer's progress through each of `videoIds` they watched (absent: never watched). */
  abstract progressOf(videoIds: readonly string[], viewerId: string): Promise<Map<string, ViewerProgress>>;

  /** The video's views that began in [from, to). */
  abstract views(videoId: string, from: Date, to: Date): Promise<ViewFacts[]>;

  /** The video's daily rollups for the UTC days in [from, to), oldest first; days without views absent. */
  abstract days(videoId: string, from: Date, to: Date): Promise<DailyViews[]>;

  /** A page of the video's viewers, the most recently seen first (then by id), after `after`. */
  abstract viewers(videoId: string, limit: number, after?: ViewerCursor): Promise<ViewerRow[]>;

  /**
   * Drops the raw events of views that began before `day` (YYYY-MM-DD, UTC), whole daily
   * partitions at a time; views, progress and rollups stay. Returns the days dropped.
   */
  abstract dropEventsBefore(day: string): Promise<string[]>;

  /** Erases everything of one viewer: their views, raw events and progress. Returns the views erased. */
  abstract eraseViewer(viewerId: string): Promise<number>;
}

export interface DailyViews {
  /** YYYY-MM-DD, UTC. */
  readonly date: string;
  readonly views: number;
  readonly watchSeconds: number;
}

export interface ViewerCursor {
  readonly lastSeenAt: Date;
  readonly viewerId: string;
}

export interface ViewerRow extends ViewerProgress {
  readonly viewerId: string;
}
