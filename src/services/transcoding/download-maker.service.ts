import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/config';
import { downloadCommand, downloadFilename, downloadObject, downloadRendition, hasAudio } from '../../domain/download';
import { AUDIO_RENDITION } from '../../domain/hls-command';
import { parseMediaPlaylist } from '../../domain/playlists';
import { downloadKey, downloadPrefix, hlsVersionPrefix } from '../../domain/storage-keys';
import { currentDownload, type Video } from '../../domain/video';
import { MediaToolkit } from '../../ports/media-toolkit';
import { ObjectStorage } from '../../ports/object-storage';
import { VideoStore } from '../../ports/video-store';
import { IMMUTABLE } from '../shared/hls-files';
import { readObjectText } from '../shared/object-text';
import type { JobContext } from '../../jobs/job-context';

export type DownloadOutcome = 'made' | 'skipped';

// A title changed while the file was being made is caught by reading the row again; a few
// rounds bound it against a title edited in a loop.
const MAX_ROUNDS = 3;

/**
 * Makes a downloadable video's MP4 from its published version: the chosen rung's and the audio's
 * fragmented MP4 (init + segments, fetched from storage) joined by an ffmpeg stream copy, stored
 * under `downloads/{id}/{version}/` with the title as the attachment's file name, then recorded
 * on the row. Safe to run twice: a file already recorded for the row's version and title is kept.
 */
@Injectable()
export class DownloadMakerService {
  private readonly logger = new Logger(DownloadMakerService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly store: VideoStore,
    private readonly storage: ObjectStorage,
    private readonly media: MediaToolkit,
  ) {}

  async make(videoId: string, ctx: JobContext): Promise<DownloadOutcome> {
    let outcome: DownloadOutcome = 'skipped';
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const video = await this.store.findById(videoId);
      if (!video?.downloadable || video.status !== 'ready' || !video.hlsVersion || !video.renditions) return outcome;
      const { disposition, name } = downloadObject(downloadFilename(video.title));
      const key = downloadKey(video.id, video.hlsVersion, name);
      if (currentDownload(video)?.key === key) return outcome;
      await this.makeFile(video, video.hlsVersion, key, disposition, ctx);
      outcome = 'made';
    }
    return outcome;
  }

  private async makeFile(
    video: Video,
    version: string,
    key: string,
    disposition: string,
    ctx: JobContext,
  ): Promise<void> {
    const dir = await mkdtemp(join(this.config.transcode.tmpDir ?? tmpdir(), `velvet-download-${video.id}-`));
    try {
      const rung = downloadRendition(video.renditions!, this.config.downloads.maxShortSide);
      const prefix = hlsVersionPrefix(video.id, version);
      const videoPath = rung ? await this.joinRendition(`${prefix}${rung.name}/`, join(dir, 'video.mp4')) : null;
      const audioPath = hasAudio(video.renditions!)
        ? await this.joinRendition(`${prefix}${AUDIO_RENDITION}/`, join(dir, 'audio.mp4'))
        : null;
      const out = join(dir, 'download.mp4');
      const started = Date.now();
      await this.media.run(downloadCommand(videoPath, audioPath, out), {
        cwd: dir,
        signal: ctx.signal,
        // A stream copy reads and writes once: far faster than real time.
        timeoutMs: 60_000 + (video.durationSeconds ?? 0) * 1000,
      });
      const copySeconds = (Date.now() - started) / 1000;
      const sizeBytes = (await stat(out)).size;
      await this.storage.uploadFile(key, out, {
        contentType: 'video/mp4',
        cacheControl: IMMUTABLE,
        contentDisposition: disposition,
      });
      const filename = downloadFilename(video.title);
      const recorded = await this.store.recordDownload(video.id, { version, key, sizeBytes, filename });
      // Every other file of the video goes: an older version's, an older title's, or this one
      // when the row moved on meanwhile (no longer downloadable, a new version, deleted).
      const keep = recorded ? key : null;
      const stale = (await this.storage.listObjects(downloadPrefix(video.id))).filter((o) => o.key !== keep);
      for (const object of stale) await this.storage.deletePrefix(object.key);
      this.logger.log(
        `[job ${ctx.jobId} video ${video.id}] download ${recorded ? 'made' : 'dropped (the video moved on)'}: ${rung?.name ?? 'audio only'}, ${(sizeBytes / 1024 / 1024).toFixed(1)} MiB, stream copy ${copySeconds.toFixed(2)} s`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** A rendition's init segment and every media segment, in playlist order, as one fragmented MP4 file. */
  private async joinRendition(prefix: string, path: string): Promise<string> {
    const playlist = parseMediaPlaylist(await readObjectText(this.storage, `${prefix}index.m3u8`));
    if (!playlist.initUri || !playlist.ended) throw new Error(`${prefix}index.m3u8 is not a finished fMP4 playlist`);
    const file = createWriteStream(path);
    try {
      for (const uri of [playlist.initUri, ...playlist.segments.map((s) => s.uri)]) {
        const object = await this.storage.openObject(`${prefix}${uri}`, {});
        if (!object?.body) throw new Error(`${prefix}${uri} is not in storage`);
        await pipeline(object.body, file, { end: false });
      }
    } finally {
      await new Promise<void>((resolve, reject) =>
        file.end((error?: Error | null) => (error ? reject(error) : resolve())),
      );
    }
    return path;
  }
}
