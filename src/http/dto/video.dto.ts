import { z } from 'zod';
import { VIDEO_ACCESS, VIDEO_STATUSES } from '../../domain/video';

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

const instant = z.iso
  .datetime({ offset: true })
  .transform((v) => new Date(v))
  .nullable()
  .optional();

export const updateVideoBody = z
  .strictObject({
    title: printable(200).optional(),
    access: z.enum(VIDEO_ACCESS).optional(),
    availableFrom: instant,
    availableUntil: instant,
    downloadable: z.boolean().optional(),
  })
  .refine(
    (b) => Object.values(b).some((v) => v !== undefined),
    'give title, access, availableFrom, availableUntil or downloadable',
  );

/** `?cursor=&limit=` of every keyset-paginated list. */
export const pageQuery = {
  cursor: z.string().max(200).optional(),
  limit: z
    .string()
    .regex(/^\d{1,3}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.int().min(1).max(100))
    .default(20),
};

export const listVideosQuery = z.strictObject({
  status: z.enum(VIDEO_STATUSES).optional(),
  ...pageQuery,
  all: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
});

export { presentVideo, presentVideoToViewer, type VideoJson, type ViewerVideoJson } from '../../domain/video-json';
