import type { Logger } from '@nestjs/common';
import { MediaError } from '../../domain/media-info';
import { MediaToolFailure } from '../../ports/media-toolkit';
import { ObjectChangedError } from '../../ports/object-storage';

/**
 * ffmpeg exiting non-zero on its own means the source cannot be decoded: a permanent
 * `corrupt_media`. The stderr tail is for operators; the API shows the code and a plain message.
 * Anything else (a kill, a timeout, storage) passes through as it is.
 */
export function asCorrupt(error: unknown, logger: Pick<Logger, 'warn'>): unknown {
  if (!(error instanceof MediaToolFailure)) return error;
  logger.warn(`ffmpeg could not decode the source: ${error.stderrTail.slice(-1500)}`);
  return new MediaError('corrupt_media', 'The file could not be decoded; it may be damaged or truncated.');
}

/** The source changed after its upload was completed: bytes nobody probed are never encoded. */
export function sourceReplaced(): MediaError {
  return new MediaError(
    'source_replaced',
    'The uploaded file changed after its upload was completed; upload it again as a new video.',
  );
}

/** A read pinned to the source's ETag that found other bytes, as the video's failure. */
export function asSourceReplaced(error: unknown): unknown {
  return error instanceof ObjectChangedError ? sourceReplaced() : error;
}
