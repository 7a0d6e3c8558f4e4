import { coveredSeconds, isCompleted, mergeIntervals, retentionCurve, type Interval } from './watched-intervals';

/** One view as the analytics read sees it. */
export interface ViewFacts {
  /** Null: an anonymous viewer. */
  readonly viewerId: string | null;
  readonly watched: readonly Interval[];
  readonly watchSeconds: number;
  readonly startupMs: number | null;
  readonly rebufferMs: number;
  readonly errors: number;
}

export interface VideoAnalytics {
  readonly views: number;
  /** Distinct signed-in viewers, plus each anonymous view (they cannot be told apart). */
  readonly uniqueViewers: number;
  readonly watchTimeSeconds: number;
  readonly averageViewSeconds: number;
  /** Share of views that covered at least 90 % of the video. */
  readonly completionRate: number;
  /** For each 1 % of the timeline, the share of views that watched it. */
  readonly retention: number[];
  readonly startupTimeMs: { readonly p50: number | null; readonly p95: number | null };
  /** Time stalled over time stalled and playing. */
  readonly rebufferRatio: number;
  /** Share of views with at least one error. */
  readonly errorRate: number;
}

/** The figures of a video's analytics from its views (watch time and coverage kept apart). */
export function summarizeViews(views: readonly ViewFacts[], durationSeconds: number): VideoAnalytics {
  const count = views.length;
  const share = (n: number) => (count === 0 ? 0 : n / count);
  const watch = views.reduce((sum, v) => sum + v.watchSeconds, 0);
  const stalled = views.reduce((sum, v) => sum + v.rebufferMs, 0) / 1000;
  const signedIn = new Set(views.flatMap((v) => (v.viewerId === null ? [] : [v.viewerId])));
  const startups = views.flatMap((v) => (v.startupMs === null ? [] : [v.startupMs])).sort((a, b) => a - b);
  const merged = views.map((v) => mergeIntervals(v.watched, durationSeconds));
  return {
    views: count,
    uniqueViewers: signedIn.size + views.filter((v) => v.viewerId === null).length,
    watchTimeSeconds: watch,
    averageViewSeconds: share(watch),
    completionRate: share(merged.filter((m) => isCompleted(coveredSeconds(m), durationSeconds)).length),
    retention: retentionCurve(merged, durationSeconds),
    startupTimeMs: { p50: percentile(startups, 0.5), p95: percentile(startups, 0.95) },
    rebufferRatio: stalled + watch === 0 ? 0 : stalled / (stalled + watch),
    errorRate: share(views.filter((v) => v.errors > 0).length),
  };
}

/** Nearest rank of sorted values; null without any. */
export function percentile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** A PostgreSQL nummultirange's text (`{[0,4.5),[8,10)}`) as intervals. */
export function parseMultirange(text: string): Interval[] {
  return [...text.matchAll(/[[(]([\d.]+),([\d.]+)[\])]/g)].map((m) => [Number(m[1]), Number(m[2])] as const);
}
