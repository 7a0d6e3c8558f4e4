import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/config';
import { chunkFirstFrame, chunkFrameCount, type Chunk } from '../../domain/chunk-plan';
import { AUDIO_RENDITION, hlsCommand } from '../../domain/hls-command';
import { MediaError } from '../../domain/media-info';
import { parseMediaPlaylist } from '../../domain/playlists';
import { partWorkPrefix, sourceKey } from '../../domain/storage-keys';
import { STORYBOARD_DIR, tilesSideOutput } from '../../domain/storyboard';
import type { LadderSpec } from '../../jobs/job-contract';
import { chunkRungs } from '../../domain/ladder-job';
import { MediaToolkit } from '../../ports/media-toolkit';
import { ObjectStorage } from '../../ports/object-storage';
import { mapWithLimit } from '../shared/concurrency';
import { contentTypeOf, IMMUTABLE, listFiles } from '../shared/hls-files';
import { asCorrupt, sourceReplaced } from './media-failure';
import { serveSource } from './source-server';
import { makeStoryboard, storyboardOrNone } from './storyboard-maker';
import type { JobContext } from '../../jobs/job-context';
import { WorkCheck } from './work-check';

/** A chunk part's folder of storyboard tiles (`tile-NNNNN.jpg`, numbered as the whole video's). */
export const CHUNK_TILES_DIR = 'tiles';
// Written last into a part's work prefix: its presence means every other file of the part is there.
export const PART_DONE = 'done.json';
const UPLOAD_CONCURRENCY = 4;
// How often a running part re-reads the row, to stop soon after a delete or a failure.
const RECHECK_MS = 2000;

export type PartOutcome = 'encoded' | 'reused' | 'skipped';

/** What a finished part recorded about itself (kept in its done.json, for operators). */
export interface PartReport {
  readonly part: string;
  readonly sourceBytesRead: number;
  readonly sourceBytes: number;
  readonly encodeSeconds: number;
}

class PartAbandoned extends Error {}

/** Makes a part's files in `out` from the source (a loopback URL). */
type Produce = (source: string, out: string, run: { timeoutMs: number; signal: AbortSignal }) => Promise<void>;

/**
 * One child of a chunked ladder: every rung of one chunk in one ffmpeg process (decode once), or
 * the whole audio once. ffmpeg reads the source from storage through a loopback range server
 * (source-server), so any worker on any machine can take any part. Outputs go to the part's
 * work prefix, done.json last; a part already done there is reused, not encoded again.
 */
@Injectable()
export class ChunkEncoderService {
  private readonly logger = new Logger(ChunkEncoderService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly work: WorkCheck,
    private readonly storage: ObjectStorage,
    private readonly media: MediaToolkit,
  ) {}

  encodeChunk(ladder: LadderSpec, chunk: Chunk, ctx: JobContext): Promise<PartOutcome> {
    const frameRate = ladder.rungs[0]!.frameRate;
    const tiles = ladder.storyboardFromChunks ? ladder.storyboard : null;
    const isLast = chunk.index === ladder.chunkCount - 1;
    const frames = chunkFrameCount(chunk, ladder.chunkCount, frameRate);
    const produce: Produce = async (source, out, run) => {
      // The storyboard's tiles for this chunk's frames, numbered as the whole video's.
      if (tiles) await mkdir(join(out, CHUNK_TILES_DIR));
      const args = hlsCommand({
        sourcePath: source,
        demuxer: ladder.demuxer,
        videoStream: ladder.videoStream,
        rungs: chunkRungs(ladder),
        hasAudio: false,
        preset: ladder.preset,
        segmentSeconds: ladder.segmentSeconds,
        chunk: { ...chunk, frames },
        ...(tiles
          ? {
              sideOutput: tilesSideOutput(
                tiles,
                frameRate,
                chunkFirstFrame(chunk, frameRate),
                join(out, CHUNK_TILES_DIR),
              ),
            }
          : {}),
      });
      await this.media.run(args, { cwd: out, ...run });
    };
    return this.encodePart(ladder, chunk.index, chunk.durationSeconds, produce, ctx, async (out) => {
      // ffmpeg exits 0 on a source cut short; a chunk that came out short means the middle of the
      // file is damaged (the last chunk is covered by the publish job's check of the whole).
      if (isLast) return;
      for (const rung of chunkRungs(ladder)) {
        const seconds = await playlistSeconds(join(out, rung.name, 'index.m3u8'));
        if (seconds < chunk.durationSeconds * 0.9 - 0.5) {
          throw new MediaError(
            'corrupt_media',
            `Only ${seconds.toFixed(1)} of the ${chunk.durationSeconds.toFixed(1)} seconds from ${chunk.startSeconds.toFixed(1)} s could be decoded; the file is damaged.`,
          );
        }
      }
    });
  }

  encodeAudio(ladder: LadderSpec, ctx: JobContext): Promise<PartOutcome> {
    const args = (source: string) =>
      hlsCommand({
        sourcePath: source,
        demuxer: ladder.demuxer,
        rungs: [],
        hasAudio: true,
        preset: ladder.preset,
        segmentSeconds: ladder.segmentSeconds,
      });
    return this.encodePart(ladder, AUDIO_RENDITION, ladder.durationSeconds, this.ffmpeg(args), ctx, async (out) => {
      await stat(join(out, AUDIO_RENDITION, 'index.m3u8'));
    });
  }

  /**
   * The storyboard's sprites and WebVTT into the part's `storyboard/` (nothing for a video too
   * short for a tile), from a decode of its own: only for flows queued before the chunks made
   * the tiles (LadderSpec.storyboardFromChunks).
   */
  makeStoryboard(ladder: LadderSpec, ctx: JobContext): Promise<PartOutcome> {
    const plan = ladder.storyboard;
    if (!plan) return Promise.resolve('skipped');
    const produce: Produce = async (source, out, run) => {
      const outDir = join(out, STORYBOARD_DIR);
      await storyboardOrNone(this.logger, `[job ${ctx.jobId} video ${ladder.videoId}]`, outDir, run.signal, () =>
        makeStoryboard(this.media, {
          source,
          demuxer: ladder.demuxer,
          videoStream: ladder.videoStream,
          frameRate: ladder.rungs[0]!.frameRate,
          plan,
          durationSeconds: ladder.durationSeconds,
          outDir,
          scratchDir: this.config.transcode.tmpDir ?? tmpdir(),
          signal: run.signal,
          timeoutMs: run.timeoutMs,
        }),
      );
    };
    return this.encodePart(ladder, 'storyboard', ladder.durationSeconds / 10, produce, ctx, () => Promise.resolve());
  }

  /** One ffmpeg run writing into the part's folder. */
  private ffmpeg(args: (source: string) => string[]): Produce {
    return (source, out, run) => this.media.run(args(source), { cwd: out, ...run });
  }

  private async encodePart(
    ladder: LadderSpec,
    part: number | 'audio' | 'storyboard',
    seconds: number,
    produce: Produce,
    ctx: JobContext,
    check: (out: string) => Promise<void>,
  ): Promise<PartOutcome> {
    const { videoId, version } = ladder;
    const prefix = partWorkPrefix(videoId, version, part);
    const name = typeof part === 'number' ? `chunk ${part}` : part;
    if (!(await this.work.stillWanted(videoId, { kind: 'ladder', version }))) return 'skipped';
    if (await this.storage.head(`${prefix}${PART_DONE}`)) return 'reused';

    const source = await this.storage.head(sourceKey(videoId));
    if (!source) throw new MediaError('not_media', 'The uploaded source is missing.');
    if (ladder.sourceEtag && source.etag !== ladder.sourceEtag) throw sourceReplaced();
    const out = await mkdtemp(join(this.config.transcode.tmpDir ?? tmpdir(), `velvet-part-${videoId}-`));
    const stop = new AbortController();
    const onAbort = () => stop.abort(ctx.signal.reason);
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    const watch = setInterval(() => {
      void this.work.stillWanted(videoId, { kind: 'ladder', version }).then(
        (wanted) => wanted || stop.abort(new PartAbandoned(`video ${videoId} no longer wants version ${version}`)),
        () => undefined,
      );
    }, RECHECK_MS);
    const served = await serveSource(this.storage, sourceKey(videoId), this.logger, source.etag);
    const started = Date.now();
    try {
      try {
        await produce(served.url, out, {
          timeoutMs: 60_000 + seconds * this.config.transcode.timeoutFactor * 1000,
          signal: stop.signal,
        });
      } catch (error) {
        if (stop.signal.reason instanceof PartAbandoned) return 'skipped';
        if (served.replaced()) throw sourceReplaced();
        throw asCorrupt(error, this.logger);
      }
      await check(out);
      const report: PartReport = {
        part: name,
        sourceBytesRead: served.bytesRead(),
        sourceBytes: source.size,
        encodeSeconds: (Date.now() - started) / 1000,
      };
      const files = await listFiles(out);
      await mapWithLimit(files, UPLOAD_CONCURRENCY, (file) =>
        this.storage.uploadFile(`${prefix}${file}`, join(out, file), {
          contentType: contentTypeOf(file),
          cacheControl: IMMUTABLE,
        }),
      );
      await this.storage.putObject(`${prefix}${PART_DONE}`, JSON.stringify(report), {
        contentType: 'application/json',
        cacheControl: 'no-store',
      });
      // Deleted while uploading: the delete may have emptied the prefix before these landed.
      if (!(await this.work.stillWanted(videoId, { kind: 'ladder', version }))) {
        await this.storage.deletePrefix(prefix);
        return 'skipped';
      }
      this.logger.log(
        `[job ${ctx.jobId} video ${videoId}] ${name} encoded in ${report.encodeSeconds.toFixed(1)} s; read ${mib(report.sourceBytesRead)} of the ${mib(report.sourceBytes)} source`,
      );
      return 'encoded';
    } finally {
      clearInterval(watch);
      ctx.signal.removeEventListener('abort', onAbort);
      await served.close();
      await rm(out, { recursive: true, force: true });
    }
  }
}

async function playlistSeconds(path: string): Promise<number> {
  const playlist = parseMediaPlaylist(await readFile(path, 'utf8'));
  return playlist.segments.reduce((sum, s) => sum + s.durationSeconds, 0);
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
