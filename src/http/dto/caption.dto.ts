import { z } from 'zod';

// Shown by players and written into the master playlist as a quoted string: no quotes, no control characters.
const label = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[^\p{Cc}"]*$/u, 'must not contain double quotes or control characters');

export const captionQuery = z.strictObject({
  label: label.optional(),
  default: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
});

export const captionJson = z.strictObject({
  content: z.string(),
  label: label.optional(),
  default: z.boolean().optional(),
});
