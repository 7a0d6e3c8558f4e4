/**
 * The ladder in chunks (docs/transcoding.md, "Chunks that stitch into one playlist"): boundaries on
 * multiples of the segment length, hence of the 2 s GOP, so every chunk starts on a keyframe
 * and a segment never spans two chunks; the last chunk takes what is left.
 */
export interface Chunk {
  readonly index: number;
  readonly startSeconds: number;
  readonly durationSeconds: number;
  /** The HLS sequence number of the chunk's first segment. */
  readonly firstSegment: number;
}

export function planChunks(
  durationSeconds: number,
  chunkSeconds: number,
  segmentSeconds: number,
  frameRate: number,
): Chunk[] {
  if (!(chunkSeconds > 0) || chunkSeconds % segmentSeconds !== 0) {
    throw new Error(`chunks of ${chunkSeconds} s are not a multiple of ${segmentSeconds} s segments`);
  }
  // Shorter than two chunks: one piece (chunking it would only add a join).
  if (durationSeconds < 2 * chunkSeconds) return [{ index: 0, startSeconds: 0, durationSeconds, firstSegment: 0 }];
  const starts: number[] = [];
  for (let nominal = 0; ; nominal += chunkSeconds) {
    starts.push(frameTime(nominal, frameRate));
    // Less than a chunk and a segment left: this chunk takes the rest, so no sliver is encoded alone.
    if (durationSeconds - nominal < chunkSeconds + segmentSeconds) break;
  }
  return starts.map((start, index) => ({
    index,
    startSeconds: start,
    durationSeconds: (starts[index + 1] ?? durationSeconds) - start,
    firstSegment: index * (chunkSeconds / segmentSeconds),
  }));
}

/**
 * The time of the first output frame at or after `seconds`: where the whole run's forced
 * keyframe falls. At 29.97 fps a chunk cut at 6.000 s instead of 6.006 s repeats a frame and
 * starts its timestamps 6 ms early (measured: 721 frames for 720, tfdt 71928 after 72000).
 */
export function frameTime(seconds: number, frameRate: number): number {
  const frame = Math.max(0, Math.ceil(seconds * frameRate - 1e-6));
  // Milliseconds, as ffmpeg is given them; the frame's own time rounds to the same instant.
  return Math.round((frame / frameRate) * 1000) / 1000;
}

/** The whole run's number of a chunk's first frame (its start is that frame's time, in ms). */
export function chunkFirstFrame(chunk: Pick<Chunk, 'startSeconds'>, frameRate: number): number {
  return Math.round(chunk.startSeconds * frameRate);
}

/**
 * The frames a chunk ends on (HlsCommandInput.chunk.frames): every chunk but the last stops on its
 * own last frame; the last runs to the end of the source (undefined).
 */
export function chunkFrameCount(
  chunk: Pick<Chunk, 'index' | 'durationSeconds'>,
  chunkCount: number,
  frameRate: number,
): number | undefined {
  return chunk.index === chunkCount - 1 ? undefined : Math.round(chunk.durationSeconds * frameRate);
}

/**
 * BullMQ priority of a chunk (lower runs sooner): by its position in its video, so the first
 * chunks of every video run before the later chunks of a long one, and a short upload arriving
 * behind a long one is not starved. BullMQ runs unprioritised jobs first: every job gets one.
 */
export function chunkPriority(chunk: Pick<Chunk, 'index'>): number {
  return 10 + chunk.index;
}
