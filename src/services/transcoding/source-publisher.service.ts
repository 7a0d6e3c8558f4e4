import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/config';
import { viewerStaysBehind } from '../../domain/growing-playlist';
import { AUDIO_RENDITION, remuxCommand, SOURCE_RENDITION } from '../../domain/hls-command';
import { MediaError, type MediaInfo } from '../../domain/media-info';
import { pinnedDemuxer } from '../../domain/media-policy';
import { codecsFromInitSegment } from '../../domain/mp4-codecs';
import { masterPlaylist, type AudioEntry, type VariantEntry } from '../../domain/playlists';
import { copiedBitrates, copiedSegments, copiedTargetDuration, type SourceTracks } from '../../domain/standard-source';
import type { Video } from '../../domain/video';
import type { JobContext } from '../../jobs/job-context';
import { Clock } from '../../ports/clock';
import { MediaToolkit } from '../../ports/media-toolkit';
import { ObjectStorage } from '../../ports/object-storage';
import { VideoStore } from '../../ports/video-store';
import { GROWING, newVersion } from '../shared/hls-files';
import { asCorrupt } from './media-failure';
import { PreviewDiverged, PreviewPublisher, readPublishedPreview } from './preview-publisher';
import { PreviewService, VideoMovedOn } from './preview.service';
import { WorkCheck } from './work-check';

const POLL_MS = 100;
const RECHECK_MS = 2000;
// Segments of each rendition listed at most per step after playable: an hour's copy is listed in
// 2.5-minute steps (at 6 s segments), each one playlist upload, and the row re-read between.
const STEP_SEGMENTS = 25;

export interface SourceInput {
  readonly video: Video;
  /** The loopback source server's URL (source-server): the copy reads the source by ranges. */
  readonly sourceUrl: string;
  readonly info: MediaInfo;
  readonly tracks: SourceTracks;
  /** The job's scratch folder; the copy works in a sub-folder of it. */
  readonly workDir: string;
  readonly ctx: JobContext;
}

/**
 * What the master says of the source's renditions: the preview joins them there (its own rung
 * beside the source's, the same audio).
 */
export interface SourceRenditions {
  readonly version: string;
  readonly variant: VariantEntry;
  readonly audio: AudioEntry | null;
}

/** A stream copy under way: playable already, still publishing until `finished`. */
export interface SourcePublication extends SourceRenditions {
  /** Settles when the copy is published whole (EXT-X-ENDLIST) or has failed. */
  readonly finished: Promise<void>;
  /** Stops the copy (when the job fails or stops); `finished` then rejects. */
  readonly stop: (reason: unknown) => void;
}

/**
 * Publishes a standard source as it is (standard-source.ts): a stream copy, nothing decoded, read
 * from storage by ranges, into the preview's version as the `source` and `audio` renditions,
 * growing EVENT playlists that list each segment once it is in storage (PreviewPublisher), the
 * master once both list one. The video is playable from then, seconds after the upload, however
 * long it is; the copy goes on in the background while the job downloads the source for the
 * rest. A retry appends to the same playlists: a copy cuts the same segments every time.
 */
@Injectable()
export class SourcePublisher {
  private readonly logger = new Logger(SourcePublisher.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly store: VideoStore,
    private readonly storage: ObjectStorage,
    private readonly media: MediaToolkit,
    private readonly clock: Clock,
    private readonly work: WorkCheck,
    private readonly previews: PreviewService,
  ) {}

  /** Resolves once the video is playable from its source; the copy then goes on (`finished`). */
  async publish(input: SourceInput): Promise<SourcePublication> {
    try {
      return await this.publishVersion(input);
    } catch (error) {
      if (!(error instanceof PreviewDiverged) || !input.video.previewVersion) throw error;
      // This ffmpeg copies differently from the one that published (another build): start over
      // under a new version, as the preview does.
      const version = input.video.previewVersion;
      this.logger.warn(`video ${input.video.id}: ${error.message}; copy ${version} dropped`);
      await this.previews.discard(input.video.id, version);
      return this.publishVersion({ ...input, video: { ...input.video, previewVersion: null } });
    }
  }

  private async publishVersion(input: SourceInput): Promise<SourcePublication> {
    const { video, info, tracks, ctx } = input;
    const started = await this.store.startPreview(
      video.id,
      newVersion(this.clock.now(), randomBytes(3).toString('hex')),
      { durationSeconds: info.durationSeconds, width: info.video?.width ?? null, height: info.video?.height ?? null },
    );
    if (!started?.previewVersion) throw new VideoMovedOn(`video ${video.id} is no longer processing`);
    const version = started.previewVersion;
    const { segmentSeconds } = this.config.transcode;
    const videoSegments = copiedSegments(tracks.video, info.durationSeconds, segmentSeconds);
    const audioSegments = tracks.audio ? copiedSegments(tracks.audio, info.durationSeconds, segmentSeconds) : [];
    const renditions = [SOURCE_RENDITION, ...(tracks.audio ? [AUDIO_RENDITION] : [])];
    const dir = join(input.workDir, `source-${version}`);
    await mkdir(join(dir, 'scratch'), { recursive: true });
    await mkdir(join(dir, 'out'));
    const resume = await readPublishedPreview(this.storage, video.id, version, renditions, join(dir, 'scratch'));
    const publisher = new PreviewPublisher({
      storage: this.storage,
      videoId: video.id,
      version,
      outDir: join(dir, 'out'),
      scratchDir: join(dir, 'scratch'),
      renditions,
      targetDurationSeconds: copiedTargetDuration([...videoSegments, ...audioSegments], segmentSeconds),
      resume: resume ?? undefined,
    });
    const entries = async (): Promise<Omit<SourceRenditions, 'version'>> => {
      const codecs = async (name: string) =>
        codecsFromInitSegment((await publisher.initSegment(name)) ?? Buffer.alloc(0)).join(',');
      return {
        variant: {
          uri: `${SOURCE_RENDITION}/index.m3u8`,
          bandwidth: copiedBitrates(videoSegments),
          codecs: await codecs(SOURCE_RENDITION),
          width: info.video?.width,
          height: info.video?.height,
          frameRate: info.video?.frameRate,
        },
        audio: tracks.audio
          ? {
              groupId: AUDIO_RENDITION,
              name: 'Default',
              uri: `${AUDIO_RENDITION}/index.m3u8`,
              bandwidth: copiedBitrates(audioSegments),
              codecs: await codecs(AUDIO_RENDITION),
              channels: info.audio?.channels,
            }
          : null,
      };
    };
    // A retry keeps the master an earlier attempt published (the preview may have joined it).
    if (resume) await publisher.keepPublishedMaster();
    const becomePlayable = async (master: Omit<SourceRenditions, 'version'>) => {
      await publisher.publishMaster(masterPlaylist([master.variant], master.audio), GROWING);
      if (!(await this.store.markPlayable(video.id, version, 'source')))
        throw new VideoMovedOn(`video ${video.id} is no longer previewing ${version}`);
    };
    if (resume && Object.values(resume).every((r) => r.ended)) {
      // Copied whole by an earlier attempt: nothing to read again.
      const master = await entries();
      await becomePlayable(master);
      this.log(ctx, video.id, `source ${version} already published`);
      return { version, ...master, finished: Promise.resolve(), stop: () => undefined };
    }

    const stop = new AbortController();
    const onOuterAbort = () => stop.abort(ctx.signal.reason);
    ctx.signal.addEventListener('abort', onOuterAbort, { once: true });
    const startedAt = Date.now();
    let done = false;
    const run = this.media
      .run(
        remuxCommand({
          sourcePath: input.sourceUrl,
          demuxer: pinnedDemuxer(info.formatName),
          videoStream: info.video?.streamIndex,
          hasAudio: Boolean(tracks.audio),
          segmentSeconds,
        }),
        { cwd: join(dir, 'out'), timeoutMs: 60_000 + info.durationSeconds * 1000, signal: stop.signal },
      )
      .finally(() => (done = true));
    const fail = async (error: unknown): Promise<never> => {
      stop.abort(error);
      await run.catch(() => undefined);
      ctx.signal.removeEventListener('abort', onOuterAbort);
      throw asCorrupt(error, this.logger);
    };

    // Until playable: list what the copy has finished, then the master once every rendition has a
    // segment and a viewer starting now cannot catch up with the copy.
    let checkedAt = Date.now();
    let master: Omit<SourceRenditions, 'version'> | undefined;
    try {
      for (;;) {
        await Promise.race([sleep(POLL_MS), run.catch(() => undefined)]);
        if (Date.now() - checkedAt >= RECHECK_MS) {
          checkedAt = Date.now();
          await this.assertStillPreviewing(video.id, version);
        }
        // One segment a step until playable: the master goes up after the first, not after the
        // whole of a copy that ran ahead.
        // Read once: ffmpeg may end during the step, which then listed only what was final before.
        const copied = done;
        await publisher.step(copied, 1);
        if (copied) await run;
        const speed = publisher.publishedSeconds / Math.max(0.001, (Date.now() - startedAt) / 1000);
        if (
          publisher.everyRenditionListed &&
          // A retry's copy must match what is published before the video is playable again.
          publisher.everyInitConfirmed &&
          viewerStaysBehind(publisher.publishedSeconds, info.durationSeconds, copied ? Infinity : speed)
        ) {
          master = await entries();
          await becomePlayable(master);
          this.log(
            ctx,
            video.id,
            `playable: source ${version} copied, ${publisher.publishedSeconds.toFixed(1)} s listed after ${((Date.now() - startedAt) / 1000).toFixed(1)} s`,
          );
          break;
        }
        // The whole output was there for that step and still nothing playable: not a copy that works.
        if (copied) throw new MediaError('corrupt_media', 'The file could not be copied; it may be damaged.');
      }
    } catch (error) {
      return fail(error);
    }

    // After playable: the rest of the copy, in the background.
    const copied = (async () => {
      try {
        // A copy runs far ahead of its uploads: list in batches, without pausing while behind.
        while (!done) {
          if (Date.now() - checkedAt >= RECHECK_MS) {
            checkedAt = Date.now();
            await this.assertStillPreviewing(video.id, version);
          }
          if ((await publisher.step(false, STEP_SEGMENTS)) === 0)
            await Promise.race([sleep(POLL_MS * 4), run.catch(() => undefined)]);
        }
        await run;
        while (!publisher.isEnded) {
          await this.assertStillPreviewing(video.id, version);
          await publisher.step(true, STEP_SEGMENTS);
        }
        if (publisher.publishedSeconds < info.durationSeconds * 0.9 - 0.5) {
          throw new MediaError(
            'corrupt_media',
            `Only ${publisher.publishedSeconds.toFixed(1)} of ${info.durationSeconds.toFixed(1)} seconds could be copied; the file is damaged or truncated.`,
          );
        }
        this.log(
          ctx,
          video.id,
          `source ${version} published: ${publisher.publishedSeconds.toFixed(1)} s in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`,
        );
      } catch (error) {
        await fail(error);
      } finally {
        ctx.signal.removeEventListener('abort', onOuterAbort);
      }
    })();
    // Awaited by the job; never an unhandled rejection meanwhile.
    copied.catch(() => undefined);
    return { version, ...master!, finished: copied, stop: (reason) => stop.abort(reason) };
  }

  private async assertStillPreviewing(videoId: string, version: string): Promise<void> {
    if (!(await this.work.stillWanted(videoId, { kind: 'preview', version })))
      throw new VideoMovedOn(`video ${videoId} is no longer previewing ${version}`);
  }

  private log(ctx: JobContext, videoId: string, message: string): void {
    this.logger.log(`[job ${ctx.jobId} video ${videoId} attempt ${ctx.attempt}] ${message}`);
  }
}
