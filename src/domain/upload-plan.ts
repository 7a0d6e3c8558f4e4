import { DomainError } from './errors';

const MIB = 1024 * 1024;
/** S3 limits: parts are 5 MiB to 5 GiB (except the last), at most 10,000 of them. */
export const S3_MIN_PART_BYTES = 5 * MIB;
export const S3_MAX_PART_BYTES = 5 * 1024 * MIB;
/** S3's limit for one PUT or POST of a whole object. */
export const S3_MAX_SINGLE_UPLOAD_BYTES = 5 * 1024 * MIB;
export const S3_MAX_PARTS = 10_000;
/** How many part URLs one request may ask for, so one call cannot mint thousands of signatures. */
export const MAX_PARTS_PER_REQUEST = 100;

export interface UploadLimits {
  readonly maxBytes: number;
  readonly singleMaxBytes: number;
  readonly partBytes: number;
}

export type UploadPlan =
  | { readonly strategy: 'single' }
  | { readonly strategy: 'multipart'; readonly partSize: number; readonly partCount: number };

export function planUpload(sizeBytes: number, limits: UploadLimits): UploadPlan {
  if (sizeBytes > limits.maxBytes) {
    throw new DomainError(
      'upload_too_large',
      `The upload is ${sizeBytes} bytes; the limit is ${limits.maxBytes} bytes.`,
    );
  }
  if (sizeBytes <= limits.singleMaxBytes) return { strategy: 'single' };
  // Grow the part size (in whole MiB) when the configured one would need more than 10,000 parts.
  const minimum = Math.ceil(sizeBytes / S3_MAX_PARTS / MIB) * MIB;
  const partSize = Math.max(limits.partBytes, minimum);
  return { strategy: 'multipart', partSize, partCount: Math.ceil(sizeBytes / partSize) };
}

/** Exact byte length of one part; it is signed into that part's URL. */
export function partLength(sizeBytes: number, partSize: number, partNumber: number): number {
  return Math.min(partSize, sizeBytes - (partNumber - 1) * partSize);
}

/** Part numbers a client asks URLs for: each in 1..partCount, no repeats, at most 100. */
export function checkRequestedParts(partNumbers: readonly number[], partCount: number): void {
  if (partNumbers.length === 0 || partNumbers.length > MAX_PARTS_PER_REQUEST) {
    throw new DomainError('invalid_parts', `Ask for between 1 and ${MAX_PARTS_PER_REQUEST} parts per request.`);
  }
  checkPartNumbers(partNumbers, partCount);
}

function checkPartNumbers(partNumbers: readonly number[], partCount: number): void {
  const seen = new Set<number>();
  for (const n of partNumbers) {
    if (!Number.isInteger(n) || n < 1 || n > partCount) {
      throw new DomainError('invalid_parts', `Part number ${n} is outside 1..${partCount}.`);
    }
    if (seen.has(n)) throw new DomainError('invalid_parts', `Part number ${n} is repeated.`);
    seen.add(n);
  }
}

export interface PartRef {
  readonly partNumber: number;
  readonly etag: string;
}

export interface StoredPart extends PartRef {
  readonly size: number;
}

/** S3 returns ETags quoted; clients may send them either way. */
export function normalizeEtag(etag: string): string {
  return etag.replace(/^"|"$/g, '');
}

/**
 * The parts to complete a multipart upload with: every part 1..partCount exactly once, each with
 * the ETag and the exact length storage holds. `claimed` (from the client) must match storage;
 * without it, storage's own list is used. Missing bytes are `upload_incomplete` (send them and
 * try again); a claim that contradicts storage is `invalid_parts`.
 */
export function partsToComplete(
  claimed: readonly PartRef[] | undefined,
  stored: readonly StoredPart[],
  sizeBytes: number,
  partSize: number,
  partCount: number,
): PartRef[] {
  const byNumber = new Map(stored.map((p) => [p.partNumber, p]));
  if (claimed) {
    checkPartNumbers(
      claimed.map((p) => p.partNumber),
      partCount,
    );
    if (claimed.length !== partCount) {
      throw new DomainError('invalid_parts', `All ${partCount} parts must be listed.`);
    }
    for (const part of claimed) {
      const held = byNumber.get(part.partNumber);
      if (held && normalizeEtag(held.etag) !== normalizeEtag(part.etag)) {
        throw new DomainError('invalid_parts', `Part ${part.partNumber} has a different ETag.`);
      }
    }
  }
  const missing: number[] = [];
  const result: PartRef[] = [];
  for (let n = 1; n <= partCount; n++) {
    const held = byNumber.get(n);
    if (!held || held.size !== partLength(sizeBytes, partSize, n)) missing.push(n);
    else result.push({ partNumber: n, etag: held.etag });
  }
  if (missing.length > 0) {
    throw new DomainError('upload_incomplete', `Parts not uploaded yet: ${summarize(missing)}.`);
  }
  return result;
}

function summarize(numbers: readonly number[]): string {
  const shown = numbers.slice(0, 10).join(', ');
  return numbers.length > 10 ? `${shown} and ${numbers.length - 10} more` : shown;
}
