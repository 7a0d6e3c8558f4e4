import { Injectable, Logger } from '@nestjs/common';
import { EntitlementBus, type EntitlementChange } from '../../ports/entitlement-bus';
import { EntitlementCache } from './entitlement-cache';

/**
 * Says that entitlement facts changed: applied here at once, then broadcast so every other api
 * instance drops them within a second. A broadcast that fails (Redis down) is logged; the other
 * instances then trust their caches for 5 s at most anyway.
 */
@Injectable()
export class EntitlementChanges {
  private readonly logger = new Logger(EntitlementChanges.name);

  constructor(
    private readonly cache: EntitlementCache,
    private readonly bus: EntitlementBus,
  ) {}

  viewerChanged(userId: string): Promise<void> {
    return this.announce({ kind: 'viewer', userId });
  }

  videoChanged(videoId: string): Promise<void> {
    return this.announce({ kind: 'video', videoId });
  }

  collectionChanged(collectionId: string): Promise<void> {
    return this.announce({ kind: 'collection', collectionId });
  }

  private async announce(change: EntitlementChange): Promise<void> {
    this.cache.forget(change);
    await this.bus
      .publish(change)
      .catch((error: Error) => this.logger.warn(`broadcast of a ${change.kind} change failed: ${error.message}`));
  }
}
