/**
 * Beacon batches as one write takes them: several views' batches (group commit), each event
 * reduced to the sums the store adds (what it covered, merged and clamped to the video; what it
 * played, replays included), and each stored event credited to the first batch carrying it, so
 * a replay records nothing.
 */
import type { PlaybackEvent } from './playback-event';
import type { ViewClaims } from './view-token';
import { mergeIntervals, playedSeconds, type Interval } from './watched-intervals';

/** One view's beacon batch as received. */
export interface ViewBatch {
  readonly view: ViewClaims;
  readonly events: readonly PlaybackEvent[];
  readonly receivedAt: Date;
}

/** What one event adds to its view's coverage and watch time. */
export interface EventSums {
  readonly watched: readonly Interval[];
  readonly playedSeconds: number;
  readonly error: boolean;
}

export const eventKey = (viewId: string, seq: number) => `${viewId} ${seq}`;

export function eventSums(view: ViewClaims, event: PlaybackEvent): EventSums {
  return {
    watched: mergeIntervals(event.intervals, view.durationSeconds),
    playedSeconds: playedSeconds(event.intervals),
    error: event.type === 'error',
  };
}

/**
 * How many events of each batch were new, given the keys of the events stored for the first
 * time by the write (`fresh`): an event in two batches of one write counts for the first.
 */
export function creditFresh(batches: readonly ViewBatch[], fresh: ReadonlySet<string>): number[] {
  const claimed = new Set<string>();
  return batches.map(({ view, events }) => {
    let count = 0;
    for (const { seq } of events) {
      const key = eventKey(view.viewId, seq);
      if (!fresh.has(key) || claimed.has(key)) continue;
      claimed.add(key);
      count++;
    }
    return count;
  });
}
