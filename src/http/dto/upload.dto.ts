import { z } from 'zod';

export const presignPartsBody = z.strictObject({
  // Range, repeats and the per-call cap are checked against the video (400 invalid_parts).
  partNumbers: z.array(z.int()).max(10_000),
});

export const completeUploadBody = z
  .strictObject({
    parts: z
      .array(z.strictObject({ partNumber: z.int(), etag: z.string().min(1).max(200) }))
      .max(10_000)
      .optional(),
  })
  .optional();
