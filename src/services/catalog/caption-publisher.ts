import { Injectable, Logger } from '@nestjs/common';
import { captionFiles, PLAIN_MASTER } from '../../domain/caption-files';
import { hlsVersionPrefix } from '../../domain/storage-keys';
import { CaptionStore } from '../../ports/caption-store';
import { ObjectStorage } from '../../ports/object-storage';
import { VideoStore } from '../../ports/video-store';
import { IMMUTABLE } from '../shared/hls-files';
import { readObjectText } from '../shared/object-text';

// Caption changes racing a publish make it start over; a handful of rounds settles any burst.
const MAX_ROUNDS = 5;

/**
 * Publishes a ready video's captions into its current version without touching the video: the
 * subtitle files and a new master (the plain master plus the subtitle group) under names made of
 * their content, then the row points sessions at that master. Run by the api on every caption
 * change and by the worker when a version is published; the row is only pointed at a master
 * made from the revision it still holds, so the latest change always wins.
 */
@Injectable()
export class CaptionPublisher {
  private readonly logger = new Logger(CaptionPublisher.name);

  constructor(
    private readonly videos: VideoStore,
    private readonly captions: CaptionStore,
    private readonly storage: ObjectStorage,
  ) {}

  /** The master sessions now get (null: the plain one), or undefined when the video is not ready. */
  async publish(videoId: string): Promise<string | null | undefined> {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const video = await this.videos.findById(videoId);
      if (video?.status !== 'ready' || !video.hlsVersion) return undefined;
      const snapshot = await this.captions.snapshot(videoId);
      if (!snapshot) return undefined;
      const prefix = hlsVersionPrefix(videoId, video.hlsVersion);
      let master: string | null = null;
      if (snapshot.captions.length > 0) {
        const plain = await readObjectText(this.storage, `${prefix}${PLAIN_MASTER}`);
        const tracks = snapshot.captions.map((c) => ({
          lang: c.lang,
          label: c.label,
          isDefault: c.isDefault,
          vtt: c.vtt,
        }));
        const made = captionFiles(tracks, video.durationSeconds ?? 0, plain)!;
        // The master last (captionFiles puts it there): it names files that must already be there.
        for (const file of made.files)
          await this.storage.putObject(`${prefix}${file.path}`, file.body, {
            contentType: file.contentType,
            cacheControl: IMMUTABLE,
          });
        master = made.master;
      }
      if (await this.videos.setCaptionsMaster(videoId, video.hlsVersion, snapshot.revision, master)) {
        this.logger.log(
          `video ${videoId}: ${snapshot.captions.length} caption languages published in version ${video.hlsVersion}${master ? ` (${master})` : ''}`,
        );
        return master;
      }
    }
    throw new Error(`the captions of ${videoId} kept changing while being published`);
  }
}
