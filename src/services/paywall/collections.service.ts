import { Injectable, Logger } from '@nestjs/common';
import { DomainError } from '../../domain/errors';
import { assertVideoId, isPrefixedId, newPrefixedId } from '../../domain/ids';
import { isAdmin, type Actor, type Video } from '../../domain/video';
import { CollectionStore, type Collection, type CollectionGrant } from '../../ports/collection-store';
import { VideoStore } from '../../ports/video-store';
import { EntitlementChanges } from './entitlement-changes';

/** Bundles, courses, seasons: one owner's videos in order, sold together by one grant. */
@Injectable()
export class CollectionsService {
  private readonly logger = new Logger(CollectionsService.name);

  constructor(
    private readonly collections: CollectionStore,
    private readonly videos: VideoStore,
    private readonly changes: EntitlementChanges,
  ) {}

  create(actor: Actor, input: { title: string; description?: string }): Promise<Collection> {
    return this.collections.create({
      id: newPrefixedId('col'),
      ownerId: actor.userId,
      title: input.title,
      description: input.description ?? null,
    });
  }

  list(actor: Actor): Promise<Collection[]> {
    return this.collections.list(actor.userId);
  }

  /**
   * The collection and its videos in order: for its owner, admins, and viewers holding a live grant
   * on it. `manages`: the owner or an admin (who see each video whole); else a grant holder.
   */
  async get(actor: Actor, id: string): Promise<{ collection: Collection; videos: Video[]; manages: boolean }> {
    const collection = await this.find(id);
    const manages = this.manages(actor, collection);
    if (!manages) {
      const grant = (await this.collections.listGrants(collection.id)).find((g) => g.userId === actor.userId);
      if (!grant || (grant.expiresAt && grant.expiresAt <= new Date())) throw notFound();
    }
    const items = await this.collections.items(collection.id);
    const videos = await Promise.all(items.map((i) => this.videos.findById(i.videoId)));
    return { collection, videos: videos.filter((v): v is Video => v !== null), manages };
  }

  async update(actor: Actor, id: string, patch: { title?: string; description?: string | null }): Promise<Collection> {
    await this.managed(actor, id);
    const updated = await this.collections.update(id, patch);
    if (!updated) throw notFound();
    return updated;
  }

  async delete(actor: Actor, id: string): Promise<void> {
    const collection = await this.managed(actor, id);
    await this.collections.delete(collection.id);
    await this.changes.collectionChanged(collection.id);
  }

  async putItem(
    actor: Actor,
    id: string,
    videoId: string,
    position: number | undefined,
  ): Promise<{ videoId: string; position: number }> {
    const collection = await this.managed(actor, id);
    const video = await this.videos.findById(assertVideoId(videoId));
    if (!video || (video.ownerId !== actor.userId && !isAdmin(actor)))
      throw new DomainError('not_found', 'No such video.');
    if (video.ownerId !== collection.ownerId)
      throw new DomainError('invalid_request', "A collection holds only its owner's videos.", [
        { path: 'videoId', message: "not the collection owner's video" },
      ]);
    const item = await this.collections.putItem(collection.id, video.id, position);
    await this.changes.collectionChanged(collection.id);
    return item;
  }

  async removeItem(actor: Actor, id: string, videoId: string): Promise<void> {
    const collection = await this.managed(actor, id);
    if (!(await this.collections.removeItem(collection.id, assertVideoId(videoId))))
      throw new DomainError('not_found', 'The video is not in this collection.');
    await this.changes.collectionChanged(collection.id);
  }

  async putGrant(
    actor: Actor,
    id: string,
    userId: string,
    terms: { expiresAt: Date | null; download: boolean },
  ): Promise<CollectionGrant> {
    const collection = await this.managed(actor, id);
    const grant = await this.collections.putGrant(collection.id, userId, terms);
    await this.changes.viewerChanged(userId);
    this.logger.log(
      `collection grant on ${collection.id} for ${userId} by ${actor.userId}, until ${terms.expiresAt?.toISOString() ?? 'forever'}${terms.download ? ', with downloads' : ''}`,
    );
    return grant;
  }

  async removeGrant(actor: Actor, id: string, userId: string): Promise<void> {
    const collection = await this.managed(actor, id);
    if (!(await this.collections.removeGrant(collection.id, userId)))
      throw new DomainError('not_found', 'No such grant.');
    await this.changes.viewerChanged(userId);
  }

  async listGrants(actor: Actor, id: string): Promise<CollectionGrant[]> {
    return this.collections.listGrants((await this.managed(actor, id)).id);
  }

  private async find(id: string): Promise<Collection> {
    const collection = isPrefixedId('col', id) ? await this.collections.find(id) : null;
    if (!collection) throw notFound();
    return collection;
  }

  private manages(actor: Actor, collection: Collection): boolean {
    return isAdmin(actor) || collection.ownerId === actor.userId;
  }

  /** Another creator's collection answers like a missing one. */
  private async managed(actor: Actor, id: string): Promise<Collection> {
    const collection = await this.find(id);
    if (!this.manages(actor, collection)) throw notFound();
    return collection;
  }
}

function notFound(): DomainError {
  return new DomainError('not_found', 'No such collection.');
}
