import type { Logger } from '@nestjs/common';
import { MediaError } from '../../domain/media-info';
import { MediaToolFailure } from '../../ports/media-toolkit';

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
