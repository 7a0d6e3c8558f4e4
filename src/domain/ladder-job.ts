import type { Chunk } from './chunk-plan';
import type { Rung } from './ladder';
import type { StoryboardPlan } from './storyboard';

/**
 * A chunked ladder (one BullMQ flow per video and version): the parent `publish-ladder` job
 * stitches and publishes once every `encode-chunk` child, the one `encode-audio` child and the
 * one `make-storyboard` child are done. Everything a child needs travels in its payload, so every chunk is encoded alike
 * whichever worker, with whatever local configuration, takes it.
 */
export interface LadderSpec {
  readonly videoId: string;
  readonly version: string;
  readonly demuxer: string;
  readonly preset: string;
  readonly segmentSeconds: number;
  readonly durationSeconds: number;
  readonly rungs: readonly Rung[];
  readonly hasAudio: boolean;
  readonly chunkCount: number;
  /** Progress (percent) at the first chunk's start and once every chunk is done. */
  readonly progress: readonly [number, number];
  /** The storyboard, made by its own child job from the source; null: none. */
  readonly storyboard: StoryboardPlan | null;
}

export interface ChunkPayload {
  readonly ladder: LadderSpec;
  readonly chunk: Chunk;
}

export interface PublishPayload {
  readonly ladder: LadderSpec;
  readonly sourceEtag: string;
  readonly width: number | null;
  readonly height: number | null;
}
