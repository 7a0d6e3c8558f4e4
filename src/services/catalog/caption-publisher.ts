import { Injectable, Logger } from '@nestjs/common';
import { captionDigest, captionMaster, PLAIN_MASTER, publishedTracks, trackFiles } from '../../domain/caption-files';
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
        // Only the languages the current master does not name are written: a change costs its
        // own two files and one master, whatever the number of languages.
        const published = video.captionsMaster ? await this.tracksIn(`${prefix}${video.captionsMaster}`) : new Set();
        const missing = snapshot.captions.filter((c) => !published.has(`${c.lang}/${c.digest}`));
        const vtts = await this.captions.vtts(
          videoId,
          missing.map((c) => c.lang),
        );
        // A language changed or removed since the snapshot: its revision is newer, start over.
        if (missing.some((c) => captionDigest(vtts.get(c.lang) ?? '') !== c.digest)) continue;
        const files = missing.flatMap((c) => trackFiles(c.lang, vtts.get(c.lang)!, video.durationSeconds ?? 0));
        const made = captionMaster(snapshot.captions, await readObjectText(this.storage, `${prefix}${PLAIN_MASTER}`))!;
        // The master last: it names files that must already be there.
        for (const file of [...files, made])
          await this.storage.putObject(`${prefix}${file.path}`, file.body, {
            contentType: file.contentType,
            cacheControl: IMMUTABLE,
          });
        master = made.path;
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

  /** The tracks a published master names; none when it cannot be read (every file is then written). */
  private async tracksIn(masterKey: string): Promise<Set<string>> {
    try {
      return publishedTracks(await readObjectText(this.storage, masterKey));
    } catch (error) {
      this.logger.warn(`${masterKey} could not be read (${String(error)}): every language is written again`);
      return new Set();
    }
  }
}
