/**
 * The ladder in chunks (PIPELINE.md, "Chunks that stitch into one playlist"): boundaries on
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

export function planChunks(durationSeconds: number, chunkSeconds: number, segmentSeconds: number): Chunk[] {
  if (!(chunkSeconds > 0) || chunkSeconds % segmentSeconds !== 0) {
    throw new Error(`chunks of ${chunkSeconds} s are not a multiple of ${segmentSeconds} s segments`);
  }
  // Shorter than two chunks: one piece (chunking it would only add a join).
  if (durationSeconds < 2 * chunkSeconds) return [{ index: 0, startSeconds: 0, durationSeconds, firstSegment: 0 }];
  const chunks: Chunk[] = [];
  for (let start = 0, index = 0; start < durationSeconds; start += chunkSeconds, index++) {
    const rest = durationSeconds - start;
    // A sliver under one segment joins the chunk before it rather than being encoded alone.
    const duration = rest < chunkSeconds + segmentSeconds ? rest : chunkSeconds;
    chunks.push({ index, startSeconds: start, durationSeconds: duration, firstSegment: start / segmentSeconds });
    if (duration === rest) break;
  }
  return chunks;
}

/**
 * BullMQ priority of a chunk (lower runs sooner): by its position in its video, so the first
 * chunks of every video run before the later chunks of a long one, and a short upload arriving
 * behind a long one is not starved. BullMQ runs unprioritised jobs first: every job gets one.
 */
export function chunkPriority(chunk: Pick<Chunk, 'index'>): number {
  return 10 + chunk.index;
}
