import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/config';
import {
  AUDIO_RENDITION,
  hlsCommand,
  posterCommand,
  posterSeconds,
  tailCheckCommand,
  type HlsCommandInput,
} from '../../domain/hls-command';
import type { Rung } from '../../domain/ladder';
import { MediaError, type MediaInfo } from '../../domain/media-info';
import { checkSource, pinnedDemuxer } from '../../domain/media-policy';
import {
  droppedBecause,
  keptRungs,
  ladderMaster,
  measureRendition,
  type MeasuredRendition,
} from '../../domain/ladder-master';
import { parseMediaPlaylist } from '../../domain/playlists';
import { hlsVersionPrefix, posterKey, sourceKey, videoPrefix } from '../../domain/storage-keys';
import { tilesSideOutput, type StoryboardPlan } from '../../domain/storyboard';
import { phaseProgress, planTranscode, type TranscodePlan } from '../../domain/transcode-plan';
import type { Rendition, Video } from '../../domain/video';
import { audioChild, planLadderFlow } from '../../domain/ladder-job';
import type { LadderSpec } from '../../jobs/job-contract';
import type { JobContext } from '../../jobs/job-context';
import { planChunks, type Chunk } from '../../domain/chunk-plan';
import { JobQueue } from '../../ports/job-queue';
import { MediaToolkit } from '../../ports/media-toolkit';
import { ObjectStorage } from '../../ports/object-storage';
import { VideoStore } from '../../ports/video-store';
import { mapWithLimit } from '../shared/concurrency';
import { contentTypeOf, IMMUTABLE, listFiles, newVersion, PLAYLIST_TYPE, POSTER_CACHE } from '../shared/hls-files';
import { asCorrupt, asSourceReplaced, sourceReplaced } from './media-failure';
import { PreviewService, VideoMovedOn, type EncodedPreview } from './preview.service';
import {
  layOutStoryboard,
  makeStoryboard,
  storyboardInput,
  storyboardOrNone,
  storyboardPlanFor,
} from './storyboard-maker';
import { AfterPublication } from './after-publication.service';
import { WorkCheck } from './work-check';
import { inspectSource } from './source-inspection';
import { SourcePublisher, type SourcePublication } from './source-publisher.service';
import { serveSource } from './source-server';
import type { StoredObject } from '../../ports/object-storage';

/** `chunked`: the ladder was handed to a flow of chunk jobs (ladder-publisher finishes it). */
export type TranscodeOutcome = 'ready' | 'skipped' | 'chunked';

// Files uploaded at once; each upload is itself bounded by lib-storage's queue.
const UPLOAD_CONCURRENCY = 4;

/**
 * Source → probe → poster → preview (published while it is encoded: playable) → the ladder →
 * master playlist → upload under a fresh version (master last) → ready → older versions removed
 * once no session can still be playing them. Safe to run twice: a video already ready for this
 * source, deleted, or failed is skipped, and an unpublished version is never pointed at.
 */
@Injectable()
export class TranscodeService {
  private readonly logger = new Logger(TranscodeService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly store: VideoStore,
    private readonly storage: ObjectStorage,
    private readonly media: MediaToolkit,
    private readonly previews: PreviewService,
    private readonly jobs: JobQueue,
    private readonly afterPublication: AfterPublication,
    private readonly work: WorkCheck,
    private readonly sources: SourcePublisher,
  ) {}

  async transcode(videoId: string, ctx: JobContext): Promise<TranscodeOutcome> {
    const log = (message: string) =>
      this.logger.log(`[job ${ctx.jobId} video ${videoId} attempt ${ctx.attempt}] ${message}`);
    const video = await this.store.findById(videoId);
    if (!video) return 'skipped';
    const source = await this.storage.head(sourceKey(videoId));
    if (video.status === 'ready' && source && video.sourceEtag === source.etag) {
      // A retry after the publication: what follows it may not have happened (the queue was down
      // when the old versions' retirement was scheduled), and it is safe to do again.
      await this.afterPublication.run(video);
      return 'skipped';
    }
    if (!source) throw new MediaError('not_media', 'The uploaded source is missing.');
    if (video.uploadEtag && source.etag !== video.uploadEtag) throw sourceReplaced();
    const claimed = await this.store.claimForProcessing(videoId);
    if (!claimed) return 'skipped';

    const root = this.config.transcode.tmpDir ?? tmpdir();
    await this.removeStaleWorkDirs(root, videoId);
    const dir = await mkdtemp(join(root, `velvet-${videoId}-`));
    // The probe and a standard source's copy read the source by ranges: neither waits for the
    // whole file, which is downloaded meanwhile for what decodes it.
    const served = await serveSource(this.storage, sourceKey(videoId), this.logger, source.etag);
    let early: SourcePublication | null = null;
    try {
      const sourcePath = join(dir, 'source');
      const info = await this.media.probe(served.url).catch((error: unknown) => {
        throw served.replaced() ? sourceReplaced() : error;
      });
      checkSource(info, this.config.transcode);
      const { ladder: ladderSides, previewShortSide, ladderMode, ladderCrf } = this.config.transcode;
      const plan = planTranscode(info, {
        shortSides: ladderSides,
        previewShortSide,
        mode: ladderMode,
        ...(ladderCrf ? { crf: ladderCrf } : {}),
      });
      const rungs = plan.ladder;
      log(
        `probed ${describe(info)}; ladder ${rungs.map((r) => `${r.width}x${r.height}`).join(', ') || 'audio only'}; preview ${plan.preview ? plan.preview.rungs.map((r) => r.name).join(',') || 'audio' : 'off'}`,
      );
      try {
        early = await this.publishSourceEarly(claimed, source, info, plan, { url: served.url, dir, ctx });
      } catch (error) {
        if (error instanceof VideoMovedOn) return 'skipped';
        throw error;
      }
      await this.storage.download(sourceKey(videoId), sourcePath, { ifMatch: source.etag }).catch((error: unknown) => {
        throw asSourceReplaced(error);
      });

      const scratch = join(dir, 'scratch');
      const out = join(dir, 'out');
      await mkdir(scratch);
      await mkdir(out);
      // Before anything but a standard source's copy is published: a source cut off after its
      // index is refused here (and the copy, published already, removed with the video's failure).
      await this.checkTailAndPoster(videoId, sourcePath, info, scratch, ctx);
      // The preview's renditions are the ladder's own when encoded alike: paid for once.
      const fromPreview = this.madeByPreview(plan, Boolean(early));
      const chunks = this.chunksOf(
        info,
        rungs.filter((r) => !fromPreview.includes(r.name)),
      );
      if (chunks)
        return await this.startChunkedLadder(claimed, source.etag, info, plan, chunks, {
          sourcePath,
          workDir: dir,
          ctx,
          early,
          fromPreview,
        });
      let preview: EncodedPreview | null;
      try {
        preview = await this.previews.publish({
          video: claimed,
          sourcePath,
          info,
          plan: plan,
          workDir: dir,
          ctx,
          ...(early ? { joining: early } : {}),
        });
        // The copy is long done by now (it reads at storage speed); nothing may still write once
        // the ladder replaces it.
        await early?.finished;
      } catch (error) {
        if (error instanceof VideoMovedOn) return 'skipped';
        throw error;
      }
      // Deleted or failed while the preview was out: the ladder would be thrown away.
      if (!(await this.work.stillWanted(videoId, { kind: 'transcode' }))) return 'skipped';

      // The preview's renditions are the ladder's own when encoded alike: adopted, not redone.
      const adopted = preview?.preset === this.config.transcode.preset ? preview.renditions : [];
      const toEncode = rungs.filter((r) => !adopted.includes(r.name));
      const withAudio = Boolean(info.audio) && !adopted.includes(AUDIO_RENDITION);
      const board = storyboardPlanFor(this.config.transcode, info, rungs);
      // The storyboard's tiles come out of the ladder's own decode; only a ladder the preview
      // already made whole has none to take them from.
      const tilesDir = board && toEncode.length > 0 ? await mkdtemp(join(scratch, 'tiles-')) : null;
      if (toEncode.length > 0 || withAudio)
        await this.encode(sourcePath, info, toEncode, withAudio, out, ctx, plan.progress.ladder, {
          ...(board && tilesDir ? { sideOutput: tilesSideOutput(board, rungs[0]!.frameRate, 0, tilesDir) } : {}),
        });
      if (preview) await this.previews.adopt(preview, adopted, out);
      const storyboard = board
        ? await this.storyboard(
            board,
            { videoId, sourcePath, info, frameRate: rungs[0]!.frameRate, out, scratch, ctx },
            tilesDir,
          )
        : false;
      const renditions = await this.writeMaster(out, rungs, info);
      ctx.onProgress(plan.progress.publish[0]);

      const version = newVersion(new Date(), randomBytes(3).toString('hex'));
      await this.publish(videoId, version, out);
      const ready = await this.store.markReady(videoId, {
        durationSeconds: info.durationSeconds,
        width: info.video?.width ?? null,
        height: info.video?.height ?? null,
        renditions,
        hlsVersion: version,
        sourceEtag: source.etag,
        storyboard,
      });
      if (!ready) {
        // Deleted or failed meanwhile: nothing may point at this version, so it goes.
        await this.storage.deletePrefix(hlsVersionPrefix(videoId, version));
        return 'skipped';
      }
      await this.afterPublication.run(ready);
      log(`ready: version ${version}, ${renditions.length} renditions`);
      return 'ready';
    } finally {
      if (early) {
        early.stop(new Error('the job is over'));
        await early.finished.catch(() => undefined);
        await this.removeCopyOfFailed(videoId, early.version);
      }
      await served.close();
      await rm(dir, { recursive: true, force: true });
    }
  }

  /**
   * A copy this run published for a video that failed (or went) meanwhile, by another run of
   * its job: VideoFailures removed what was there when it failed it, not what came after.
   */
  private async removeCopyOfFailed(videoId: string, version: string): Promise<void> {
    const row = await this.store.findById(videoId);
    if (!row || row.status === 'failed') await this.storage.deletePrefix(hlsVersionPrefix(videoId, version));
  }

  /**
   * A standard source's stream copy, published before anything else (SourcePublisher); null for
   * a source that is not standard (its reasons recorded on the video), with the preview off, or
   * with STANDARD_INPUT_MAX_KBPS at 0.
   */
  private async publishSourceEarly(
    video: Video,
    source: StoredObject,
    info: MediaInfo,
    plan: TranscodePlan,
    job: { url: string; dir: string; ctx: JobContext },
  ): Promise<SourcePublication | null> {
    const maxBitrate = this.config.transcode.standardInputMaxBitrate;
    if (!plan.preview || maxBitrate === 0) return null;
    const inspection = await inspectSource(this.storage, sourceKey(video.id), source, info, maxBitrate, this.logger);
    if (!(await this.store.recordSourceCheck(video.id, inspection.reasons)))
      throw new VideoMovedOn(`video ${video.id} is no longer processing`);
    if (!inspection.tracks) {
      this.logger.log(
        `[job ${job.ctx.jobId} video ${video.id}] not published as it is: ${inspection.reasons.join(', ')}`,
      );
      return null;
    }
    return this.sources.publish({
      video,
      sourceUrl: job.url,
      info,
      tracks: inspection.tracks,
      workDir: job.dir,
      ctx: job.ctx,
    });
  }

  /**
   * What the preview encodes exactly as the ladder would (its rung and, unless it joins a
   * source's copy, the audio): the same preset, rung and segments. A chunked ladder takes these
   * from the preview; the one job adopts them from its local output.
   */
  private madeByPreview(plan: TranscodePlan, joiningSource: boolean): string[] {
    const { preview } = plan;
    if (!preview || this.config.transcode.previewPreset !== this.config.transcode.preset) return [];
    return [...preview.rungs.map((r) => r.name), ...(preview.hasAudio && !joiningSource ? [AUDIO_RENDITION] : [])];
  }

  /**
   * The ladder's chunks, or null when the video stays one job (short, audio only, chunking off,
   * or nothing left for chunks once the preview's rung is taken).
   */
  private chunksOf(info: MediaInfo, rungs: readonly Rung[]): Chunk[] | null {
    const { chunkSeconds, segmentSeconds } = this.config.transcode;
    if (chunkSeconds === 0 || !info.video || rungs.length === 0) return null;
    const chunks = planChunks(info.durationSeconds, chunkSeconds, segmentSeconds, rungs[0]!.frameRate);
    return chunks.length >= 2 ? chunks : null;
  }

  /**
   * Records the ladder's version (a retry finds the one recorded and re-adds the same flow,
   * which adds nothing), queues the flow for any worker, then runs the preview here meanwhile:
   * the chunks skip what it makes (`fromPreview`), which the publish job copies once it ended.
   */
  private async startChunkedLadder(
    video: Video,
    sourceEtag: string,
    info: MediaInfo,
    plan: TranscodePlan,
    chunks: readonly Chunk[],
    job: {
      sourcePath: string;
      workDir: string;
      ctx: JobContext;
      early: SourcePublication | null;
      fromPreview: readonly string[];
    },
  ): Promise<TranscodeOutcome> {
    const started = await this.store.startLadder(video.id, newVersion(new Date(), randomBytes(3).toString('hex')));
    if (!started?.ladderVersion) return 'skipped';
    const { preset, segmentSeconds, chunkSeconds } = this.config.transcode;
    const ladder: LadderSpec = {
      videoId: video.id,
      version: started.ladderVersion,
      demuxer: pinnedDemuxer(info.formatName),
      videoStream: info.video?.streamIndex,
      sourceEtag,
      preset,
      segmentSeconds,
      durationSeconds: info.durationSeconds,
      rungs: plan.ladder,
      dropMargin: this.config.transcode.ladderDropMargin,
      hasAudio: Boolean(info.audio),
      chunkCount: chunks.length,
      progress: plan.progress.ladder,
      storyboard: storyboardPlanFor(this.config.transcode, info, plan.ladder),
      storyboardFromChunks: true,
      ...(job.fromPreview.length > 0 ? { fromPreview: job.fromPreview } : {}),
    };
    const publish = { ladder, sourceEtag, width: info.video?.width ?? null, height: info.video?.height ?? null };
    await this.jobs.addLadder(planLadderFlow(chunks, publish));
    this.logger.log(
      `[job ${job.ctx.jobId} video ${video.id}] ladder ${ladder.version}: ${chunks.length} chunks of ${chunkSeconds} s${audioChild(ladder) ? ' and the audio' : ''} queued${job.fromPreview.length > 0 ? `; ${job.fromPreview.join(', ')} from the preview` : ''}`,
    );
    try {
      await this.previews.publish({
        video: started,
        sourcePath: job.sourcePath,
        info,
        plan,
        workDir: job.workDir,
        ctx: job.ctx,
        ...(job.early ? { joining: job.early } : {}),
      });
      await job.early?.finished;
    } catch (error) {
      if (!(error instanceof VideoMovedOn)) throw error;
    }
    return 'chunked';
  }

  /**
   * A poster (for video) and a decode of the source's last second. The poster is uploaded now,
   * so a session on the preview can show it.
   */
  private async checkTailAndPoster(
    videoId: string,
    sourcePath: string,
    info: MediaInfo,
    scratch: string,
    ctx: JobContext,
  ): Promise<void> {
    const demuxer = pinnedDemuxer(info.formatName);
    const tail = join(scratch, 'tail.raw');
    await this.runDecoding(
      tailCheckCommand(sourcePath, demuxer, info.durationSeconds, Boolean(info.video), tail, info.video?.streamIndex),
      scratch,
      ctx,
    );
    if (!(await nonEmpty(tail))) {
      throw new MediaError('corrupt_media', 'The end of the file could not be decoded; it is damaged or truncated.');
    }
    if (!info.video) return;
    const poster = join(scratch, 'poster.jpg');
    const at = posterSeconds(info.durationSeconds);
    const videoStream = info.video.streamIndex;
    await this.runDecoding(
      posterCommand(sourcePath, demuxer, at, poster, { videoStream, keyframe: true }),
      scratch,
      ctx,
    );
    if (!(await nonEmpty(poster)))
      await this.runDecoding(posterCommand(sourcePath, demuxer, at, poster, { videoStream }), scratch, ctx);
    await this.storage.uploadFile(posterKey(videoId), poster, {
      contentType: 'image/jpeg',
      cacheControl: POSTER_CACHE,
    });
    // Deleted meanwhile: the delete's last pass may have run before this poster landed (found by
    // the fault run). The row is read after the write, so either that pass saw the poster or
    // this read sees the row gone.
    if (!(await this.store.findById(videoId))) await this.storage.deletePrefix(videoPrefix(videoId));
  }

  /** One short ffmpeg run whose failure means the source cannot be decoded. */
  private async runDecoding(args: string[], cwd: string, ctx: JobContext): Promise<void> {
    try {
      await this.media.run(args, { cwd, timeoutMs: 60_000, signal: ctx.signal });
    } catch (error) {
      throw asCorrupt(error, this.logger);
    }
  }

  private async encode(
    sourcePath: string,
    info: MediaInfo,
    rungs: readonly Rung[],
    hasAudio: boolean,
    out: string,
    ctx: JobContext,
    share: readonly [number, number],
    extra: Pick<HlsCommandInput, 'sideOutput'>,
  ): Promise<void> {
    const args = hlsCommand({
      sourcePath,
      demuxer: pinnedDemuxer(info.formatName),
      videoStream: info.video?.streamIndex,
      rungs,
      hasAudio,
      preset: this.config.transcode.preset,
      segmentSeconds: this.config.transcode.segmentSeconds,
      ...extra,
    });
    try {
      await this.media.run(args, {
        cwd: out,
        timeoutMs: 60_000 + info.durationSeconds * this.config.transcode.timeoutFactor * 1000,
        signal: ctx.signal,
        onProgress: (seconds) => ctx.onProgress(phaseProgress(share, seconds / info.durationSeconds)),
      });
    } catch (error) {
      throw asCorrupt(error, this.logger);
    }
  }

  /**
   * The storyboard into `out/storyboard/`: laid out from the tiles the ladder's encode wrote into
   * `tilesDir`, or made from a decode of its own when there was no encode to write them.
   */
  private storyboard(
    plan: StoryboardPlan,
    job: {
      videoId: string;
      sourcePath: string;
      info: MediaInfo;
      frameRate: number;
      out: string;
      scratch: string;
      ctx: JobContext;
    },
    tilesDir: string | null,
  ): Promise<boolean> {
    const input = storyboardInput({ ...job, plan, signal: job.ctx.signal });
    const tag = `[job ${job.ctx.jobId} video ${job.videoId}]`;
    return storyboardOrNone(this.logger, tag, input.outDir, job.ctx.signal, () =>
      tilesDir ? layOutStoryboard(this.media, { ...input, tilesDir }) : makeStoryboard(this.media, input),
    );
  }

  /**
   * Measures every rendition, drops the rungs that add nothing (their folders are removed, so
   * nothing of them is published) and writes master.m3u8; returns the renditions for the row.
   */
  private async writeMaster(out: string, rungs: readonly Rung[], info: MediaInfo): Promise<Rendition[]> {
    const measured = new Map<string, MeasuredRendition>();
    for (const rung of rungs) measured.set(rung.name, await this.measure(out, rung.name));
    const kept = keptRungs(rungs, measured, this.config.transcode.ladderDropMargin);
    for (const rung of rungs.filter((r) => !kept.includes(r))) {
      this.logger.log(`rung ${rung.name} not published: ${droppedBecause(rung, kept, measured)}`);
      await rm(join(out, rung.name), { recursive: true, force: true });
    }
    const audio = info.audio ? await this.measure(out, AUDIO_RENDITION) : null;
    const { master, renditions } = ladderMaster(kept, measured, audio, info.durationSeconds);
    await writeFile(join(out, 'master.m3u8'), master);
    return renditions;
  }

  private async measure(out: string, name: string): Promise<MeasuredRendition> {
    const folder = join(out, name);
    const playlist = parseMediaPlaylist(await readFile(join(folder, 'index.m3u8'), 'utf8'));
    const segments = await Promise.all(
      playlist.segments.map(async (s) => ({ ...s, bytes: (await stat(join(folder, s.uri))).size })),
    );
    const init = playlist.initUri ? await readFile(join(folder, playlist.initUri)) : Buffer.alloc(0);
    return measureRendition(name, segments, init);
  }

  /** Every file under the version prefix, the master playlist last: its presence means complete. */
  private async publish(videoId: string, version: string, out: string): Promise<void> {
    const files = (await listFiles(out)).filter((f) => f !== 'master.m3u8');
    const prefix = hlsVersionPrefix(videoId, version);
    await mapWithLimit(files, UPLOAD_CONCURRENCY, (file) =>
      this.storage.uploadFile(`${prefix}${file}`, join(out, file), {
        contentType: contentTypeOf(file),
        cacheControl: IMMUTABLE,
      }),
    );
    await this.storage.uploadFile(`${prefix}master.m3u8`, join(out, 'master.m3u8'), {
      contentType: PLAYLIST_TYPE,
      cacheControl: IMMUTABLE,
    });
  }

  /** A killed attempt on this machine leaves its folder behind; the next attempt clears it. */
  private async removeStaleWorkDirs(root: string, videoId: string): Promise<void> {
    const stale = (await readdir(root).catch(() => [] as string[])).filter((d) => d.startsWith(`velvet-${videoId}-`));
    await Promise.all(stale.map((d) => rm(join(root, d), { recursive: true, force: true })));
  }
}

function describe(info: MediaInfo): string {
  const v = info.video
    ? `${info.video.codec} ${info.video.width}x${info.video.height}@${info.video.frameRate.toFixed(2)}`
    : 'no video';
  const a = info.audio ? `${info.audio.codec} ${info.audio.channels}ch` : 'no audio';
  return `${info.formatName.split(',')[0]} ${info.durationSeconds.toFixed(1)} s, ${v}, ${a}`;
}

const nonEmpty = (path: string): Promise<boolean> =>
  stat(path).then(
    (s) => s.size > 0,
    () => false,
  );
