import { Injectable } from '@nestjs/common';
import { wantsWork, type VideoWork } from '../../domain/video';
import { VideoStore } from '../../ports/video-store';

/** "Does the row still want this work?", asked the same way by every transcoding job. */
@Injectable()
export class WorkCheck {
  constructor(private readonly store: VideoStore) {}

  async stillWanted(videoId: string, work: VideoWork): Promise<boolean> {
    return wantsWork(await this.store.findById(videoId), work);
  }
}
