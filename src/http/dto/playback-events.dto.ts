import { z } from 'zod';
import { PLAYBACK_EVENT_TYPES } from '../../ports/analytics-store';

// A day of media at most; positions and stretches are clamped to the video after this.
const seconds = z.number().finite().min(0).max(86_400);

const event = z.strictObject({
  seq: z.int().min(0).max(1_000_000),
  type: z.enum(PLAYBACK_EVENT_TYPES),
  positionSeconds: seconds,
  // What played since the previous event: [start, end] pairs of the media timeline.
  intervals: z
    .array(z.tuple([seconds, seconds]).refine(([a, b]) => b >= a, 'an interval ends after it starts'))
    .max(50),
  startupMs: z.int().min(0).max(600_000).optional(),
  rebufferCount: z.int().min(0).max(10_000).optional(),
  rebufferMs: z.int().min(0).max(86_400_000).optional(),
  error: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/)
    .optional(),
  rendition: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,32}$/)
    .optional(),
});

/** `POST /v1/playback-events`: one view's events, its token in the body (sendBeacon has no headers). */
export const playbackEventsBody = z.strictObject({
  viewToken: z.string().min(1).max(1024),
  events: z.array(event).min(1).max(50),
});
