import { z } from 'zod';
import { playableVersion, VIDEO_ACCESS, VIDEO_STATUSES, type Video } from '../../domain/video';

// Printable text only: control characters in a title or file name end up in players and logs.
const printable = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .regex(/^[^\p{Cc}]*$/u, 'must not contain control characters');

export const createVideoBody = z.strictObject({
  title: printable(200),
  contentType: z.string().min(1).max(255),
  sizeBytes: z.int().positive().max(Number.MAX_SAFE_INTEGER),
  filename: printable(255).optional(),
  access: z.enum(VIDEO_ACCESS).optional(),
});

export const updateVideoBody = z
  .strictObject({ title: printable(200).optional(), access: z.enum(VIDEO_ACCESS).optional() })
  .refine((b) => b.title !== undefined || b.access !== undefined, 'give title or access');

export const listVideosQuery = z.strictObject({
  status: z.enum(VIDEO_STATUSES).optional(),
  cursor: z.string().max(200).optional(),
  limit: z
    .string()
    .regex(/^\d{1,3}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.int().min(1).max(100))
    .default(20),
  all: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
});

export interface VideoJson {
  id: string;
  ownerId: string;
  title: string;
  status: Video['status'];
  access: Video['access'];
  sizeBytes: number;
  contentType: string;
  filename: string | null;
  progress: number | null;
  error: { code: string; message: string } | null;
  durationSeconds: number | null;
  width: number | null;
  height: number | null;
  renditions: Video['renditions'];
  hlsVersion: string | null;
  readyAt: string | null;
  /** A session can be started: the preview while processing, the ladder once ready. */
  playable: boolean;
  playableAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export function presentVideo(video: Video): VideoJson {
  const playable = playableVersion(video) !== null;
  return {
    id: video.id,
    ownerId: video.ownerId,
    title: video.title,
    status: video.status,
    access: video.access,
    sizeBytes: video.sizeBytes,
    contentType: video.contentType,
    filename: video.filename,
    progress: video.progress,
    error: video.errorCode ? { code: video.errorCode, message: video.errorMessage ?? '' } : null,
    durationSeconds: video.durationSeconds,
    width: video.width,
    height: video.height,
    renditions: video.renditions,
    hlsVersion: video.hlsVersion,
    readyAt: video.readyAt?.toISOString() ?? null,
    playable,
    playableAt: playable ? (video.playableAt ?? video.readyAt)?.toISOString() ?? null : null,
    createdAt: video.createdAt.toISOString(),
    updatedAt: video.updatedAt.toISOString(),
  };
}
