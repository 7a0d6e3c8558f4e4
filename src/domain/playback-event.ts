import type { Interval } from './watched-intervals';

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
