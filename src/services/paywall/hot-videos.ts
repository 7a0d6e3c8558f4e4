import { Injectable } from '@nestjs/common';
import { ExpiringCache } from '../../domain/expiring-cache';
import type { Video } from '../../domain/video';
import { Clock } from '../../ports/clock';
import { VideoStore } from '../../ports/video-store';

// Short on purpose: other api instances see an edit or a deletion within this, which is far
// below the lifetime of the cookies they have already issued for the video.
const HOT_FOR_MS = 1000;

/**
 * Ready videos as the playback path last read them: a premiere's thousands of session requests
 * for one video cost one query a second instead of one each. Only `ready` rows are kept (the
 * worker changes them only to record a download or publish captions, which may show a second
 * late); edits and deletions made through this process evict at once.
 */
@Injectable()
export class HotVideos {
  private readonly cache = new ExpiringCache<string, Video>(10_000);

  constructor(
    private readonly store: VideoStore,
    private readonly clock: Clock,
  ) {}

  async find(id: string): Promise<Video | null> {
    const now = this.clock.now().getTime();
    const hot = this.cache.get(id, now);
    if (hot) return hot;
    const video = await this.store.findById(id);
    if (video?.status === 'ready') this.cache.set(id, video, now + HOT_FOR_MS);
    return video;
  }

  evict(id: string): void {
    this.cache.delete(id);
  }
}
