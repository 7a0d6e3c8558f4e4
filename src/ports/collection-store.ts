export interface Collection {
  readonly id: string;
  readonly ownerId: string;
  readonly title: string;
  readonly description: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface CollectionGrant {
  readonly collectionId: string;
  readonly userId: string;
  readonly expiresAt: Date | null;
  readonly createdAt: Date;
  /** The grant includes saving each video's MP4. */
  readonly download: boolean;
}

/** Collections of one owner's videos, in order, and the grants that open all of them. */
export abstract class CollectionStore {
  abstract create(input: {
    id: string;
    ownerId: string;
    title: string;
    description: string | null;
  }): Promise<Collection>;
  abstract find(id: string): Promise<Collection | null>;
  abstract list(ownerId: string): Promise<Collection[]>;
  abstract update(id: string, patch: { title?: string; description?: string | null }): Promise<Collection | null>;
  abstract delete(id: string): Promise<boolean>;
  /** The current items' video ids, in position order. */
  abstract items(id: string): Promise<Array<{ videoId: string; position: number }>>;
  /** Adds (or moves, or brings back) a video; without a position, after the last item. */
  abstract putItem(
    id: string,
    videoId: string,
    position: number | undefined,
  ): Promise<{ videoId: string; position: number }>;
  /** Removes an item, keeping when it was removed (grants live then keep the video); false if not in it. */
  abstract removeItem(id: string, videoId: string): Promise<boolean>;
  abstract putGrant(
    id: string,
    userId: string,
    terms: { expiresAt: Date | null; download: boolean },
  ): Promise<CollectionGrant>;
  abstract removeGrant(id: string, userId: string): Promise<boolean>;
  abstract listGrants(id: string): Promise<CollectionGrant[]>;
}
