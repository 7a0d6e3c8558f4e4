/** What changed, so every api instance drops what it cached about it. */
export type EntitlementChange =
  | { readonly kind: 'viewer'; readonly userId: string }
  | { readonly kind: 'video'; readonly videoId: string }
  | { readonly kind: 'collection'; readonly collectionId: string }
  /** The broadcast was down for a while: changes may have gone unheard, so forget everything. */
  | { readonly kind: 'everything' };

/**
 * Broadcasts entitlement changes to every api instance (Redis pub/sub). `healthy` is false while
 * the subscription is down: caches must then trust nothing older than a few seconds.
 */
export abstract class EntitlementBus {
  abstract publish(change: EntitlementChange): Promise<void>;
  abstract subscribe(handler: (change: EntitlementChange) => void): void;
  abstract healthy(): boolean;
}
