import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/config';
import { endedEventAsVod, viewerStaysBehind } from '../../domain/growing-playlist';
import { AUDIO_BITRATE, AUDIO_RENDITION, hlsCommand } from '../../domain/hls-command';
import type { Rung } from '../../domain/ladder';
import { MediaError, type MediaInfo } from '../../domain/media-info';
import { pinnedDemuxer } from '../../domain/media-policy';
import { codecsFromInitSegment } from '../../domain/mp4-codecs';
import { masterPlaylist, type AudioEntry, type VariantEntry } from '../../domain/playlists';
import { hlsVersionPrefix } from '../../domain/storage-keys';
import { phaseProgress, type TranscodePlan } from '../../domain/transcode-plan';
import type { Video } from '../../domain/video';
import { Clock } from '../../ports/clock';
import { MediaToolkit } from '../../ports/media-toolkit';
import { ObjectStorage } from '../../ports/object-storage';
import { VideoStore } from '../../ports/video-store';
import { newVersion } from '../shared/hls-files';
import { asCorrupt } from './media-failure';
import { PreviewDiverged, PreviewPublisher, readPublishedPreview, type PublishedRendition } from './preview-publisher';
import type { JobContext } from '../../jobs/job-context';
import type { SourceRenditions } from './source-publisher.service';
import { WorkCheck } from './work-check';

// How often ffmpeg's output folder is looked at: a 6 s segment at 3x realtime is ready every 2 s.
const POLL_MS = 400;
// How often the row is re-read while publishing, to stop soon after a delete or a failure.
const RECHECK_MS = 2000;

/** The video was deleted, failed or lost its preview meanwhile: the job has nothing left to do. */
export class VideoMovedOn extends Error {}

export interface PreviewInput {
  readonly video: Video;
  readonly sourcePath: string;
  readonly info: MediaInfo;
  readonly plan: TranscodePlan;
  /** The job's scratch folder; the preview works in a sub-folder of it. */
  readonly workDir: string;
  readonly ctx: JobContext;
  /**
   * A standard source published as it is under the preview's version (SourcePublisher): the
   * preview then encodes its rung alone and joins the source's master, beside the source's
   * rendition and with its audio.
   */
  readonly joining?: SourceRenditions;
}

/** A preview this attempt encoded whole: ffmpeg's own output, one folder per rendition. */
export interface EncodedPreview {
  readonly outDir: string;
  readonly renditions: readonly string[];
  readonly preset: string;
}

/**
 * The preview: the plan's small rung and the audio, encoded fast and published while ffmpeg
 * runs, as EVENT playlists under their own version. The video becomes playable once the master
 * and the first segments are in storage (and the encode is fast enough to stay ahead of a
 * viewer). A retry after a killed worker appends to the same playlists, so viewers who loaded
 * them play on; a preview that cannot be finished is deleted and the video made unplayable.
 */
@Injectable()
export class PreviewService {
  private readonly logger = new Logger(PreviewService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly store: VideoStore,
    private readonly storage: ObjectStorage,
    private readonly media: MediaToolkit,
    private readonly clock: Clock,
    private readonly work: WorkCheck,
  ) {}

  /**
   * Publishes the whole preview (or finds it published); the video is playable after it. Returns
   * ffmpeg's local output when this attempt encoded all of it (the ladder may adopt those
   * renditions instead of encoding them again), null when there was none or it was resumed.
   */
  async publish(input: PreviewInput): Promise<EncodedPreview | null> {
    const preview = input.plan.preview;
    if (!preview) return null;
    const renditions = [...preview.rungs.map((r) => r.name), ...(withAudio(input) ? [AUDIO_RENDITION] : [])];
    const started = await this.store.startPreview(
      input.video.id,
      newVersion(this.clock.now(), randomBytes(3).toString('hex')),
      {
        durationSeconds: input.info.durationSeconds,
        width: input.info.video?.width ?? null,
        height: input.info.video?.height ?? null,
      },
    );
    if (!started?.previewVersion) throw new VideoMovedOn(`video ${input.video.id} is no longer processing`);
    const version = started.previewVersion;
    const dir = join(input.workDir, `preview-${version}`);
    await mkdir(join(dir, 'scratch'), { recursive: true });
    let kept = false;
    try {
      const resume = await readPublishedPreview(
        this.storage,
        input.video.id,
        version,
        renditions,
        join(dir, 'scratch'),
      );
      if (resume && Object.values(resume).every((r) => r.ended)) {
        this.log(input, `preview ${version} already published`);
        await this.becomePlayable(input.video.id, version, input.joining ? 'source' : 'preview');
        return null;
      }
      await this.encodeAndPublish(input, version, renditions, dir, resume);
      if (resume) return null;
      // Left for the ladder; the job's own scratch folder, removed by the job, holds it.
      kept = true;
      return { outDir: join(dir, 'out'), renditions, preset: this.config.transcode.previewPreset };
    } catch (error) {
      if (error instanceof PreviewDiverged) {
        // The new encode cannot continue the old playlists: start over under a new version.
        this.logger.warn(`video ${input.video.id}: ${error.message}; preview ${version} dropped`);
        await this.discard(input.video.id, version);
        return this.publish({ ...input, video: { ...started, previewVersion: null } });
      }
      if (error instanceof MediaError || error instanceof VideoMovedOn) await this.discard(input.video.id, version);
      throw error;
    } finally {
      if (!kept) await rm(dir, { recursive: true, force: true });
    }
  }

  /**
   * Moves adopted preview renditions into the ladder's output folder `out` as VOD renditions: the
   * same segments (same rung, preset, keyframe instants and segment cuts as the ladder's own),
   * their finished EVENT playlist declared VOD.
   */
  async adopt(preview: EncodedPreview, names: readonly string[], out: string): Promise<void> {
    for (const name of names) {
      await rename(join(preview.outDir, name), join(out, name));
      const playlist = join(out, name, 'index.m3u8');
      await writeFile(playlist, endedEventAsVod(await readFile(playlist, 'utf8')));
    }
  }

  /** Deletes a preview and makes the video unplayable (a failed video is never playable). */
  async discard(videoId: string, version: string): Promise<void> {
    await this.store.dropPreview(videoId, version);
    await this.storage.deletePrefix(hlsVersionPrefix(videoId, version));
  }

  private async encodeAndPublish(
    input: PreviewInput,
    version: string,
    renditions: readonly string[],
    dir: string,
    resume: Record<string, PublishedRendition> | null,
  ): Promise<void> {
    const { info, plan, ctx, video } = input;
    const preview = plan.preview!;
    const out = join(dir, 'out');
    await mkdir(out);
    const publisher = new PreviewPublisher({
      storage: this.storage,
      videoId: video.id,
      version,
      outDir: out,
      scratchDir: join(dir, 'scratch'),
      renditions,
      targetDurationSeconds: this.config.transcode.segmentSeconds,
      resume: resume ?? undefined,
    });
    const args = hlsCommand({
      sourcePath: input.sourcePath,
      demuxer: pinnedDemuxer(info.formatName),
      videoStream: info.video?.streamIndex,
      rungs: preview.rungs,
      hasAudio: withAudio(input),
      preset: this.config.transcode.previewPreset,
      segmentSeconds: this.config.transcode.segmentSeconds,
      playlistType: 'event',
    });
    // Killing ffmpeg when publishing fails, as well as on shutdown.
    const abort = new AbortController();
    const onOuterAbort = () => abort.abort(ctx.signal.reason);
    ctx.signal.addEventListener('abort', onOuterAbort, { once: true });
    const startedAt = Date.now();
    let encodedSeconds = 0;
    let finished = false;
    const encoding = this.media
      .run(args, {
        cwd: out,
        timeoutMs: 60_000 + info.durationSeconds * this.config.transcode.timeoutFactor * 1000,
        signal: abort.signal,
        onProgress: (seconds) => {
          encodedSeconds = seconds;
          ctx.onProgress(phaseProgress(plan.progress.preview, seconds / info.durationSeconds));
        },
      })
      .finally(() => (finished = true));
    let checkedAt = Date.now();
    try {
      while (!finished) {
        await Promise.race([sleep(POLL_MS), encoding.catch(() => undefined)]);
        if (finished) break;
        if (Date.now() - checkedAt >= RECHECK_MS) {
          checkedAt = Date.now();
          await this.assertStillPreviewing(video.id, version);
        }
        // One segment of each rendition a playlist upload: the video's and the audio's playlists
        // never list more than one segment apart, however many ffmpeg finished since the last look.
        while ((await publisher.step(false, 1)) > 0);
        const speed = encodedSeconds / Math.max(0.001, (Date.now() - startedAt) / 1000);
        await this.publishMasterWhenWatchable(input, version, publisher, speed);
      }
      await encoding;
    } catch (error) {
      abort.abort(error);
      await encoding.catch(() => undefined);
      throw asCorrupt(error, this.logger);
    } finally {
      ctx.signal.removeEventListener('abort', onOuterAbort);
    }
    await this.assertStillPreviewing(video.id, version);
    while (!publisher.isEnded) await publisher.step(true, 1);
    // ffmpeg exits 0 on a truncated file after decoding what it could: short output is damage.
    if (publisher.publishedSeconds < info.durationSeconds * 0.9 - 0.5) {
      throw new MediaError(
        'corrupt_media',
        `Only ${publisher.publishedSeconds.toFixed(1)} of ${info.durationSeconds.toFixed(1)} seconds could be decoded; the file is damaged or truncated.`,
      );
    }
    await this.publishMasterWhenWatchable(input, version, publisher, Infinity);
    this.log(
      input,
      `preview ${version} published: ${publisher.publishedSeconds.toFixed(1)} s in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`,
    );
  }

  private async publishMasterWhenWatchable(
    input: PreviewInput,
    version: string,
    publisher: PreviewPublisher,
    speed: number,
  ): Promise<void> {
    if (publisher.hasMaster || !publisher.everyRenditionListed) return;
    if (!viewerStaysBehind(publisher.publishedSeconds, input.info.durationSeconds, speed)) return;
    await publisher.publishMaster(await this.master(input, publisher));
    if (input.joining) {
      this.log(
        input,
        `preview ${version} joined the source's master with ${publisher.publishedSeconds.toFixed(1)} s listed`,
      );
      return;
    }
    await this.becomePlayable(input.video.id, version, 'preview');
    this.log(input, `playable: preview ${version} with ${publisher.publishedSeconds.toFixed(1)} s listed`);
  }

  private async assertStillPreviewing(videoId: string, version: string): Promise<void> {
    if (!(await this.work.stillWanted(videoId, { kind: 'preview', version })))
      throw new VideoMovedOn(`video ${videoId} is no longer previewing ${version}`);
  }

  /** Where a preview makes a video playable (SourcePublisher is the other). */
  private async becomePlayable(videoId: string, version: string, via: 'source' | 'preview'): Promise<void> {
    if (!(await this.store.markPlayable(videoId, version, via)))
      throw new VideoMovedOn(`video ${videoId} is no longer previewing ${version}`);
  }

  /**
   * The preview's bitrates are not measured yet, so BANDWIDTH is the encoder's bound: maxrate
   * plus what the VBV buffer can add within one segment. Joining a source's master: its rung
   * beside the source's, with the source's audio.
   */
  private async master(input: PreviewInput, publisher: PreviewPublisher): Promise<string> {
    const preview = input.plan.preview!;
    const segmentSeconds = this.config.transcode.segmentSeconds;
    const codecsOf = async (name: string) =>
      codecsFromInitSegment((await publisher.initSegment(name)) ?? Buffer.alloc(0)).join(',');
    const joined = input.joining;
    const audio: AudioEntry | null = joined
      ? joined.audio
      : preview.hasAudio
        ? {
            groupId: AUDIO_RENDITION,
            name: 'Default',
            uri: `${AUDIO_RENDITION}/index.m3u8`,
            bandwidth: { peak: Math.ceil(AUDIO_BITRATE * 1.1), average: AUDIO_BITRATE },
            codecs: await codecsOf(AUDIO_RENDITION),
          }
        : null;
    const variants: VariantEntry[] = joined ? [joined.variant] : [];
    for (const rung of preview.rungs) {
      variants.push({
        uri: `${rung.name}/index.m3u8`,
        bandwidth: { peak: peakBound(rung, segmentSeconds), average: rung.videoBitrate },
        codecs: await codecsOf(rung.name),
        width: rung.width,
        height: rung.height,
        frameRate: rung.frameRate,
      });
    }
    return masterPlaylist(variants, audio);
  }

  private log(input: PreviewInput, message: string): void {
    this.logger.log(`[job ${input.ctx.jobId} video ${input.video.id} attempt ${input.ctx.attempt}] ${message}`);
  }
}

/** The preview encodes the audio unless it joins a source whose own audio is published. */
function withAudio(input: PreviewInput): boolean {
  return input.plan.preview!.hasAudio && !input.joining;
}

function peakBound(rung: Rung, segmentSeconds: number): number {
  return Math.ceil(rung.maxBitrate + rung.bufferSize / segmentSeconds);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
