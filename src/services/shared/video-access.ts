import { DomainError } from '../../domain/errors';
import { assertVideoId } from '../../domain/ids';
import { canAct, type Actor, type Video } from '../../domain/video';
import type { VideoStore } from '../../ports/video-store';

/**
 * Loads a video the actor may act on. Someone else's video answers exactly like a missing one,
 * so ids cannot be probed.
 */
export async function loadOwnedVideo(store: VideoStore, actor: Actor, id: string): Promise<Video> {
  const video = await store.findById(assertVideoId(id));
  if (!video || !canAct(actor, video)) throw new DomainError('not_found', 'No such video.');
  return video;
}
