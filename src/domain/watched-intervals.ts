/**
 * What a view watched, as stretches of the media timeline. Two measures that must not be
 * confused: watch time counts every second spent playing (a replayed minute twice), coverage
 * counts each second of the timeline once however often it was played (what "completed" and
 * the retention curve are made of). Seeks and rewinds inflate neither.
 */

/** A stretch of the media timeline in seconds, start before end. */
export type Interval = readonly [start: number, end: number];

// Players report positions from timeupdate events (every 250 ms or so) and from different
// beacons: stretches this close are one stretch, not two with a gap no viewer skipped.
const TOUCHING_SECONDS = 0.3;

/**
 * The intervals clamped to [0, duration], empty and non-finite ones dropped, sorted and merged
 * where they overlap or nearly touch: the coverage of a view or of a viewer.
 */
export function mergeIntervals(intervals: Iterable<Interval>, durationSeconds = Infinity): Interval[] {
  const clamped: Array<[number, number]> = [];
  for (const [start, end] of intervals) {
    if (!Number.isFinite(start) || !Number.isFinite(end)) continue;
    const from = Math.max(0, start);
    const to = Math.min(durationSeconds, end);
    if (to > from) clamped.push([from, to]);
  }
  clamped.sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const [start, end] of clamped) {
    const last = merged.at(-1);
    if (last && start <= last[1] + TOUCHING_SECONDS) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  return merged;
}

/** Seconds of the timeline covered, each once (the intervals merged first). */
export function coveredSeconds(intervals: Iterable<Interval>, durationSeconds = Infinity): number {
  return mergeIntervals(intervals, durationSeconds).reduce((sum, [start, end]) => sum + (end - start), 0);
}

/** Seconds spent playing: every interval as reported, replays included. */
export function playedSeconds(intervals: Iterable<Interval>): number {
  let sum = 0;
  for (const [start, end] of intervals)
    if (Number.isFinite(start) && Number.isFinite(end) && end > start) sum += end - start;
  return sum;
}

/** A view that covered at least this share of the video completed it. */
export const COMPLETED_SHARE = 0.9;

/** Whether coverage of `coveredSeconds` of a `durationSeconds` video counts as completed. */
export function isCompleted(covered: number, durationSeconds: number): boolean {
  return durationSeconds > 0 && covered >= durationSeconds * COMPLETED_SHARE;
}

/**
 * The retention curve: for each 1 % of the timeline, the share (0..1) of `views` that watched
 * it, a view counting for a slice once it covered at least half of it.
 */
export function retentionCurve(views: ReadonlyArray<readonly Interval[]>, durationSeconds: number): number[] {
  const slices = 100;
  const counts = new Array<number>(slices).fill(0);
  if (views.length === 0 || durationSeconds <= 0) return counts;
  const width = durationSeconds / slices;
  for (const view of views) {
    const covered = new Array<number>(slices).fill(0);
    for (const [start, end] of mergeIntervals(view, durationSeconds)) {
      for (let i = Math.floor(start / width); i < slices && i * width < end; i++) {
        covered[i]! += Math.min(end, (i + 1) * width) - Math.max(start, i * width);
      }
    }
    covered.forEach((seconds, i) => {
      if (seconds >= width / 2) counts[i]!++;
    });
  }
  return counts.map((n) => n / views.length);
}
