import { chunkPriority, type Chunk } from './chunk-plan';
import { AUDIO_RENDITION } from './hls-command';
import type { Rung } from './ladder';
import type { StoryboardPlan } from './storyboard';

/**
 * A chunked ladder (one BullMQ flow per video and version): the parent `publish-ladder` job
 * stitches and publishes once every `encode-chunk` child and the one `encode-audio` child are
 * done; each chunk also writes the storyboard's tiles for its frames, and the publish job lays them
 * out. Everything a child needs travels in its payload, so every chunk is encoded alike whichever
 * worker, with whatever local configuration, takes it.
 */
export interface LadderSpec {
  readonly videoId: string;
  readonly version: string;
  readonly demuxer: string;
  /** The source's video stream index (MediaInfo.video.streamIndex); unset in jobs queued before it. */
  readonly videoStream?: number;
  /** The source's ETag at the probe: every child reads exactly those bytes. Unset in older jobs. */
  readonly sourceEtag?: string;
  readonly preset: string;
  readonly segmentSeconds: number;
  readonly durationSeconds: number;
  readonly rungs: readonly Rung[];
  /** keptRungs' margin at the publication; unset in jobs queued before it: every rung is published. */
  readonly dropMargin?: number;
  readonly hasAudio: boolean;
  readonly chunkCount: number;
  /** Progress (percent) at the first chunk's start and once every chunk is done. */
  readonly progress: readonly [number, number];
  /** The storyboard; null: none. */
  readonly storyboard: StoryboardPlan | null;
  /**
   * True: the chunks write the storyboard's tiles and the publish job lays them out. Unset in
   * flows queued before: a `make-storyboard` child decodes the source for it, as then.
   */
  readonly storyboardFromChunks?: boolean;
  /**
   * Renditions (a rung's name, `audio`) the preview encodes alike, whole: no chunk (nor audio
   * child) encodes them, and the publish job takes the preview's once it has ended. Unset in
   * flows queued before: the chunks encode every rung.
   */
  readonly fromPreview?: readonly string[];
}

/** The rungs the chunks encode: every rung but those the preview makes. */
export function chunkRungs(ladder: LadderSpec): readonly Rung[] {
  return ladder.rungs.filter((r) => !ladder.fromPreview?.includes(r.name));
}

/** Whether the ladder's audio is encoded by a child of its own (not taken from the preview). */
export function audioChild(ladder: LadderSpec): boolean {
  return ladder.hasAudio && !ladder.fromPreview?.includes(AUDIO_RENDITION);
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

/**
 * BullMQ priorities (lower runs sooner; unprioritised jobs would run before all of these). A new
 * upload's probe and preview and a ladder ready to publish go first, the storyboard (old flows)
 * with the first chunks; chunks by their place in their video (chunkPriority) and the audio
 * after its video's first chunks (AUDIO_AFTER_CHUNKS); an MP4 download (a stream copy, seconds) after the
 * first chunks of any other video.
 */
export const PRIORITIES = { transcode: 1, publish: 1, storyboard: 10, download: 20 } as const;

/**
 * The audio child runs after this many of its video's chunks (after all of a shorter one). A
 * minute's audio costs a few seconds against a minute or more per chunk: ahead of the chunks it
 * delayed one of them, on the critical path of a short video, while after them it fills in on
 * the first worker done with one. A long video's audio grows with it (minutes for an hour) and
 * must not start last, after every chunk: it starts once the first few are under way.
 */
export const AUDIO_AFTER_CHUNKS = 4;

/** One child job of a chunked ladder, with its priority. */
export type LadderChild =
  | { readonly kind: 'chunk'; readonly chunk: Chunk; readonly priority: number }
  | { readonly kind: 'storyboard'; readonly priority: number }
  | { readonly kind: 'audio'; readonly priority: number };

/** A chunked ladder's job graph: the publish job, run once every child is done. */
export interface LadderFlow {
  readonly publish: PublishPayload;
  readonly priority: number;
  readonly children: readonly LadderChild[];
}

/**
 * The job graph of a chunked ladder, decided here and only translated by the queue adapter: one
 * child per chunk, one for the audio when the ladder has it (and, in flows queued before the chunks
 * made the tiles, one for the storyboard), and the publish job as their parent.
 */
export function planLadderFlow(chunks: readonly Chunk[], publish: PublishPayload): LadderFlow {
  const { ladder } = publish;
  const children: LadderChild[] = chunks.map((chunk) => ({ kind: 'chunk', chunk, priority: chunkPriority(chunk) }));
  if (ladder.storyboard && !ladder.storyboardFromChunks)
    children.push({ kind: 'storyboard', priority: PRIORITIES.storyboard });
  if (audioChild(ladder))
    children.push({ kind: 'audio', priority: chunkPriority({ index: Math.min(chunks.length, AUDIO_AFTER_CHUNKS) }) });
  return { publish, priority: PRIORITIES.publish, children };
}
