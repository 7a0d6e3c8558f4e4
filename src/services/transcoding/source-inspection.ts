import type { Logger } from '@nestjs/common';
import { describeError } from '../../domain/errors';
import type { MediaInfo } from '../../domain/media-info';
import { parseMoov, readMoov, type Mp4Index } from '../../domain/mp4-index';
import {
  nonStandardReasons,
  sourceTracks,
  STANDARD_LIMITS,
  type NonStandardReason,
  type SourceTracks,
} from '../../domain/standard-source';
import type { ObjectStorage, StoredObject } from '../../ports/object-storage';
import { readObject } from '../shared/object-text';
import { asSourceReplaced } from './media-failure';

/** Whether a source can be published as it is, and what its index says about it. */
export interface SourceInspection {
  /** Empty: standard, publish it by stream copy. */
  readonly reasons: readonly NonStandardReason[];
  /** The tracks a stream copy maps (null unless standard). */
  readonly tracks: SourceTracks | null;
}

const MP4 = 'mov,mp4,m4a,3gp,3g2,mj2';

/**
 * Judges a probed source (standard-source.ts), reading its MP4 index from storage by ranges: the
 * box headers and the `moov`, a few MB for an hour, never the media. An index that cannot be
 * read is no reason to fail the video: the source then goes the preview's way (`container`);
 * storage failing, or the source changed since its probe, is the job's failure as anywhere else.
 */
export async function inspectSource(
  storage: ObjectStorage,
  key: string,
  source: StoredObject,
  info: MediaInfo,
  maxBitrate: number,
  logger: Logger,
): Promise<SourceInspection> {
  let index: Mp4Index | null = null;
  if (info.formatName === MP4 && info.video) {
    // Storage failing (or the source replaced) is the job's failure; only a malformed index is the source's.
    let readFailure: { error: unknown } | null = null;
    const read = (start: number, end: number) =>
      readObject(storage, key, `bytes=${start}-${end - 1}`, source.etag).catch((error: unknown) => {
        readFailure = { error };
        throw error;
      });
    try {
      index = parseMoov(await readMoov(source.size, read));
    } catch (error) {
      if (readFailure) throw asSourceReplaced((readFailure as { error: unknown }).error);
      logger.warn(`${key}: the MP4 index could not be read (${describeError(error)}); not published as it is`);
    }
  }
  const reasons = nonStandardReasons(info, index, { ...STANDARD_LIMITS, maxBitrate });
  return { reasons, tracks: reasons.length === 0 && index ? sourceTracks(index) : null };
}
