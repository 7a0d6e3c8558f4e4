import type { MediaInfo } from '../domain/media-info';

export interface RunOptions {
  /** Working directory; relative output paths land here. */
  readonly cwd: string;
  /** Called with seconds of output written, at most once a second. */
  readonly onProgress?: (outSeconds: number) => void;
  /** Aborting kills ffmpeg (SIGKILL) and rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** ffmpeg is killed after this long. */
  readonly timeoutMs: number;
}

/** ffmpeg exited non-zero on its own: the input could not be decoded (not a crash or a kill). */
export class MediaToolFailure extends Error {
  constructor(
    message: string,
    readonly stderrTail: string,
  ) {
    super(message);
    this.name = 'MediaToolFailure';
  }
}

/**
 * ffmpeg and ffprobe. `probe` reads only the given file (or the loopback source server's URL,
 * source-server) with only the allowed demuxers and
 * throws MediaError `not_media` when none recognises it. `run` executes one ffmpeg command.
 */
export abstract class MediaToolkit {
  abstract probe(path: string): Promise<MediaInfo>;
  abstract run(args: readonly string[], options: RunOptions): Promise<void>;
  /** Boot check: versions and encoders; throws one readable line when unusable. */
  abstract verify(): Promise<string>;
}
