import { grantEndsAt, type Grant } from './entitlement';
import { currentDownload, type Video } from './video';
import { presentVideo, type VideoJson } from './video-json';

/** What creators' backends can subscribe to; `webhook.test` is sent on request only. */
export const VIDEO_EVENT_TYPES = [
  'video.created',
  'video.upload.completed',
  'video.processing',
  'video.playable',
  'video.ready',
  'video.failed',
  'video.updated',
  'video.deleted',
  'grant.created',
  'grant.revoked',
] as const;
export type VideoEventType = (typeof VIDEO_EVENT_TYPES)[number];
export type WebhookEventType = VideoEventType | 'webhook.test';

export interface GrantJson {
  readonly videoId: string;
  readonly userId: string;
  readonly expiresAt: string | null;
  readonly createdAt: string;
  readonly kind: Grant['kind'];
  readonly rentalSeconds: number | null;
  readonly startBy: string | null;
  /** A rental's first session; null until then (and for purchases). */
  readonly startedAt: string | null;
  /** When access ends as things stand: the expiry, or a started rental's end. */
  readonly endsAt: string | null;
  /** Includes saving the MP4. */
  readonly download: boolean;
}

/** The body every receiver gets (Standard Webhooks payload). */
export interface EventBody {
  readonly id: string;
  readonly type: WebhookEventType;
  readonly createdAt: string;
  readonly data: { readonly video?: VideoJson; readonly grant?: GrantJson; readonly [key: string]: unknown };
  /** Grows with every event of one video: a receiver drops an event older than one it applied. */
  readonly sequence: number;
}

/**
 * The events one change of a video emits, from the row before and after it (null: created, or
 * deleted). This is the one place that decides them: the store writes what it returns to the
 * outbox in the same transaction as the change.
 */
export function videoEventTypes(before: Video | null, after: Video | null): VideoEventType[] {
  if (!after) return before ? ['video.deleted'] : [];
  if (!before) return ['video.created'];
  const types: VideoEventType[] = [];
  const becamePlayable = before.playableAt === null && after.playableAt !== null;
  if (before.status !== after.status) {
    if (becamePlayable && after.status === 'ready') types.push('video.playable');
    types.push(statusEvent(before, after));
  } else if (becamePlayable) {
    types.push('video.playable');
  } else if (
    before.title !== after.title ||
    before.access !== after.access ||
    before.downloadable !== after.downloadable ||
    (currentDownload(before) === null) !== (currentDownload(after) === null) ||
    before.availableFrom?.getTime() !== after.availableFrom?.getTime() ||
    before.availableUntil?.getTime() !== after.availableUntil?.getTime() ||
    (before.playableAt !== null && after.playableAt === null)
  ) {
    // A dropped preview makes a video unplayable again: a receiver showing "playable" must know.
    types.push('video.updated');
  }
  return types;
}

function statusEvent(before: Video, after: Video): VideoEventType {
  switch (after.status) {
    case 'queued':
      return before.status === 'awaiting_upload' ? 'video.upload.completed' : 'video.updated';
    case 'processing':
      return 'video.processing';
    case 'ready':
      return 'video.ready';
    case 'failed':
      return 'video.failed';
    default:
      return 'video.updated';
  }
}

export function eventBody(input: {
  id: string;
  type: WebhookEventType;
  createdAt: Date;
  sequence: number;
  video: Video;
  grant?: Grant;
}): EventBody {
  return {
    id: input.id,
    type: input.type,
    createdAt: input.createdAt.toISOString(),
    data: { video: presentVideo(input.video), ...(input.grant ? { grant: presentGrant(input.grant) } : {}) },
    sequence: input.sequence,
  };
}

export function presentGrant(grant: Grant): GrantJson {
  return {
    videoId: grant.videoId,
    userId: grant.userId,
    expiresAt: grant.expiresAt?.toISOString() ?? null,
    createdAt: grant.createdAt.toISOString(),
    kind: grant.kind,
    rentalSeconds: grant.rentalSeconds,
    startBy: grant.startBy?.toISOString() ?? null,
    startedAt: grant.startedAt?.toISOString() ?? null,
    endsAt: grantEndsAt(grant)?.toISOString() ?? null,
    download: grant.download,
  };
}

/** Whether an endpoint wants this event: its owner's videos (or every video for scope all), its types. */
export function endpointWants(
  endpoint: { ownerId: string; scope: 'own' | 'all'; events: readonly string[] | null; disabledAt: Date | null },
  event: { ownerId: string; type: string },
): boolean {
  if (endpoint.disabledAt) return false;
  if (endpoint.scope !== 'all' && endpoint.ownerId !== event.ownerId) return false;
  return endpoint.events === null || endpoint.events.includes(event.type);
}
