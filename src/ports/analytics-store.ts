import type { Interval } from '../domain/watched-intervals';
import type { ViewClaims } from '../domain/view-token';
import type { ViewFacts } from '../domain/view-analytics';

/** What a player reports of one view, numbered by the player (sequence numbers from 0). */
export interface PlaybackEvent {
  readonly seq: number;
  readonly type: PlaybackEventType;
  /** The playhead when the event was sent, in seconds of the media timeline. */
  readonly positionSeconds: number;
  /** What played since the previous event, clamped to the video: watch time and coverage. */
  readonly intervals: readonly Interval[];
  /** From the session request to the first frame; sent once, on the view's first event. */
  readonly startupMs?: number;
  /** Stalls since the previous event: how many, and how long in all. */
  readonly rebufferCount?: number;
  readonly rebufferMs?: number;
  /** A player error's code (hls.js `details`, a MediaError code). */
  readonly error?: string;
  /** The rendition in use (its NAME or height, as the player knows it). */
  readonly rendition?: string;
}

export const PLAYBACK_EVENT_TYPES = ['heartbeat', 'pause', 'seek', 'ended', 'rendition', 'error', 'hidden'] as const;
export type PlaybackEventType = (typeof PLAYBACK_EVENT_TYPES)[number];

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
  /** Records a view's events; returns how many were new. */
  abstract record(view: ViewClaims, events: readonly PlaybackEvent[], receivedAt: Date): Promise<number>;

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
