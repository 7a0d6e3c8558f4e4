import { Injectable, Logger } from '@nestjs/common';
import { DomainError } from '../../domain/errors';
import { isCompleted } from '../../domain/watched-intervals';
import { summarizeViews, type VideoAnalytics } from '../../domain/view-analytics';
import type { Actor, Video } from '../../domain/video';
import { AnalyticsStore, type DailyViews, type ViewerCursor } from '../../ports/analytics-store';
import { Clock } from '../../ports/clock';
import { VideoStore } from '../../ports/video-store';
import { loadOwnedVideo } from '../shared/video-access';

const DAY_MS = 86_400_000;
const DEFAULT_DAYS = 30;
const MAX_DAYS = 366;

export interface VideoAnalyticsJson extends VideoAnalytics {
  readonly videoId: string;
  /** The UTC days covered, both included (YYYY-MM-DD). */
  readonly from: string;
  readonly to: string;
  readonly days: ReadonlyArray<{ date: string; views: number; watchTimeSeconds: number }>;
}

export interface CollectionAnalyticsJson {
  readonly collectionId: string;
  readonly from: string;
  readonly to: string;
  readonly views: number;
  readonly uniqueViewers: number;
  readonly watchTimeSeconds: number;
  readonly videos: ReadonlyArray<{
    readonly videoId: string;
    readonly title: string;
    readonly views: number;
    readonly uniqueViewers: number;
    readonly watchTimeSeconds: number;
    readonly completionRate: number;
  }>;
}

export interface ViewerJson {
  readonly userId: string;
  readonly views: number;
  readonly watchTimeSeconds: number;
  readonly coverage: number;
  readonly lastPositionSeconds: number;
  readonly completed: boolean;
  readonly lastSeenAt: string;
}

/** What a video's owner (or an admin) reads of its viewing, and a viewer's erasure. */
@Injectable()
export class VideoAnalyticsService {
  private readonly logger = new Logger(VideoAnalyticsService.name);

  constructor(
    private readonly store: AnalyticsStore,
    private readonly videos: VideoStore,
    private readonly clock: Clock,
  ) {}

  async analytics(actor: Actor, id: string, range: { from?: string; to?: string }): Promise<VideoAnalyticsJson> {
    const video = await loadOwnedVideo(this.videos, actor, id);
    const { from, until } = this.days(range);
    const duration = video.durationSeconds ?? 0;
    const [views, days] = await Promise.all([
      this.store.views(video.id, from, until),
      this.store.days(video.id, from, until),
    ]);
    return {
      videoId: video.id,
      from: iso(from),
      to: iso(new Date(until.getTime() - DAY_MS)),
      ...summarizeViews(views, duration),
      days: days.map((d: DailyViews) => ({ date: d.date, views: d.views, watchTimeSeconds: d.watchSeconds })),
    };
  }

  async viewers(
    actor: Actor,
    id: string,
    page: { cursor?: string; limit: number },
  ): Promise<{ viewers: ViewerJson[]; nextCursor: string | null }> {
    const video = await loadOwnedVideo(this.videos, actor, id);
    const duration = video.durationSeconds ?? 0;
    const rows = await this.store.viewers(video.id, page.limit + 1, page.cursor ? decode(page.cursor) : undefined);
    const shown = rows.slice(0, page.limit);
    const last = shown.at(-1);
    return {
      viewers: shown.map((r) => ({
        userId: r.viewerId,
        views: r.views,
        watchTimeSeconds: r.watchSeconds,
        coverage: duration > 0 ? Math.min(1, r.coveredSeconds / duration) : 0,
        lastPositionSeconds: r.positionSeconds,
        completed: isCompleted(r.coveredSeconds, duration),
        lastSeenAt: r.lastSeenAt.toISOString(),
      })),
      nextCursor:
        rows.length > page.limit && last ? encode({ lastSeenAt: last.lastSeenAt, viewerId: last.viewerId }) : null,
    };
  }

  /**
   * A collection's analytics for its manager: each video's figures over the days, and the
   * totals (unique viewers across the videos: each signed-in viewer once, each anonymous view).
   */
  async collectionAnalytics(
    collectionId: string,
    videos: readonly Video[],
    range: { from?: string; to?: string },
  ): Promise<CollectionAnalyticsJson> {
    const { from, until } = this.days(range);
    const perVideo = await Promise.all(videos.map((v) => this.store.views(v.id, from, until)));
    const items = videos.map((v, i) => {
      const summary = summarizeViews(perVideo[i]!, v.durationSeconds ?? 0);
      return {
        videoId: v.id,
        title: v.title,
        views: summary.views,
        uniqueViewers: summary.uniqueViewers,
        watchTimeSeconds: summary.watchTimeSeconds,
        completionRate: summary.completionRate,
      };
    });
    const all = perVideo.flat();
    return {
      collectionId,
      from: iso(from),
      to: iso(new Date(until.getTime() - DAY_MS)),
      views: all.length,
      uniqueViewers:
        new Set(all.flatMap((v) => (v.viewerId === null ? [] : [v.viewerId]))).size +
        all.filter((v) => v.viewerId === null).length,
      watchTimeSeconds: items.reduce((sum, v) => sum + v.watchTimeSeconds, 0),
      videos: items,
    };
  }

  /** Erases a viewer's events, views and progress everywhere (the daily totals hold no identity). */
  async eraseViewer(userId: string): Promise<void> {
    const views = await this.store.eraseViewer(userId);
    this.logger.log(`analytics of a viewer erased: ${views} views`);
  }

  /** [from, until) as UTC midnights from inclusive YYYY-MM-DD days; the last 30 days by default. */
  private days(range: { from?: string; to?: string }): { from: Date; until: Date } {
    const today = Date.parse(iso(this.clock.now()));
    const until = (range.to ? Date.parse(range.to) : today) + DAY_MS;
    const from = range.from ? Date.parse(range.from) : until - DEFAULT_DAYS * DAY_MS;
    if (from >= until)
      throw new DomainError('invalid_request', '`from` must not be after `to`.', [
        { path: 'from', message: 'after to' },
      ]);
    if (until - from > MAX_DAYS * DAY_MS)
      throw new DomainError('invalid_request', `At most ${MAX_DAYS} days at once.`, [
        { path: 'from', message: 'too early' },
      ]);
    return { from: new Date(from), until: new Date(until) };
  }
}

const iso = (date: Date) => date.toISOString().slice(0, 10);

// A viewer id may hold any character of a token subject: the cursor is JSON, base64url.
function encode(cursor: ViewerCursor): string {
  return Buffer.from(JSON.stringify([cursor.lastSeenAt.toISOString(), cursor.viewerId])).toString('base64url');
}

function decode(value: string): ViewerCursor {
  try {
    const [at, viewerId] = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as unknown[];
    const lastSeenAt = new Date(typeof at === 'string' ? at : '');
    if (typeof viewerId === 'string' && viewerId.length > 0 && !Number.isNaN(lastSeenAt.getTime()))
      return { lastSeenAt, viewerId };
  } catch {
    // Falls through to the refusal.
  }
  throw new DomainError('invalid_cursor', 'The cursor is malformed.');
}
